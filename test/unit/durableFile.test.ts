/**
 * Writes that complete or not at all (src/platform/durableFile.ts, and the stores on top of it), on a
 * real full disk — a small tmpfs mounted for the test (root on Linux; skipped, with the reason,
 * where mounting is refused) — and, always, through the module's fs seam filled with real fs
 * wrappers: a write that stops part way then fails as a full disk does, a rename another process
 * refuses (as antivirus and indexers do on Windows).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChatStore, writeFileDurably, type Chat } from '../../src/features/chat/ChatStore';
import { durableFs } from '../../src/platform/durableFile';
import { MetricsStore } from '../../src/platform/MetricsStore';
import { rec } from './helpers/answerRecords';

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: ${syscall} '${file}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  return err;
}

/** Files left in `dir` that are not `keep` (temp files). */
function strays(dir: string, keep: string[]): string[] {
  return fs.readdirSync(dir).filter((n) => !keep.includes(n));
}

/** Fills the file system of `dir` to the last byte with `name`; returns the filler's path. */
function fill(dir: string, name = 'filler'): string {
  const filler = path.join(dir, name);
  const fd = fs.openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 0x2e);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

function turn(chat: Chat, n: string, answer: string): void {
  const parent = chat.tree.path().at(-1)?.id;
  chat.tree.add({ id: `u${n}`, role: 'user', text: `question ${n}` }, parent);
  chat.tree.add({ id: `a${n}`, role: 'assistant', text: answer, state: 'done' }, `u${n}`);
}

describe('durable writes on a real full disk (a small tmpfs)', function () {
  let mountPoint: string;
  let dir: string;
  let mounted = false;

  before(function () {
    mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-full-'));
    if (process.platform !== 'linux') {
      console.log(`      skipped: mounting a tmpfs needs Linux (this is ${process.platform}); the seam tests below cover the same behaviour`);
      this.skip();
    }
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', mountPoint], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message)
        .replace(/\s+/g, ' ')
        .trim();
      console.log(`      skipped: could not mount a tmpfs (${why || 'refused'}); the seam tests below cover the same behaviour`);
      this.skip();
    }
  });
  after(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(mountPoint, 't-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a write the disk cannot hold leaves the old file whole, says the disk is full, and leaves no temp file', () => {
    const file = path.join(dir, 'run.json');
    writeFileDurably(file, 'the old content, whole');
    const filler = fill(dir);
    // Free two pages, so the write starts, is cut short (a short write, no error), and then fails.
    fs.truncateSync(filler, fs.statSync(filler).size - 8192);
    assert.throws(
      () => writeFileDurably(file, 'n'.repeat(100_000)),
      (err: Error) => /the disk is full/.test(err.message) && err.message.includes(file) && /was not changed/.test(err.message),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'the old content, whole');
    assert.deepEqual(strays(dir, ['run.json', 'filler']), [], 'a temp file was left behind');
  });

  it('ChatStore: a save on a full disk keeps the chat as it was, and logs that the disk is full', () => {
    const logs: string[] = [];
    const store = new ChatStore(dir, undefined, 500, (l) => logs.push(l));
    const chat = store.load();
    turn(chat, '1', 'the first answer');
    void store.save(chat, true);
    const filler = fill(dir);
    fs.truncateSync(filler, fs.statSync(filler).size - 8192);
    turn(chat, '2', 'a long answer '.repeat(10_000));
    void store.save(chat, true);
    fs.rmSync(filler);
    const back = new ChatStore(dir).load();
    assert.equal(back.summary.id, chat.summary.id, 'the chat is gone');
    assert.deepEqual(
      back.tree.path().map((m) => m.text),
      ['question 1', 'the first answer'],
    );
    assert.ok(
      logs.some((l) => /the disk is full/.test(l)),
      logs.join('\n'),
    );
  });

  it('ChatStore: a save while an answer streams, on a full disk, leaves the chat file as it was and no temp file, and logs it', async () => {
    const logs: string[] = [];
    const store = new ChatStore(dir, undefined, 500, (l) => logs.push(l));
    const chat = store.load();
    turn(chat, '1', 'the first answer');
    void store.save(chat, true);
    const before = fs.readFileSync(store.chatFile(chat.summary.id));
    const filler = fill(dir);
    fs.truncateSync(filler, fs.statSync(filler).size - 8192);
    chat.tree.add({ id: 'u2', role: 'user', text: 'question 2' }, 'a1');
    chat.tree.add({ id: 'a2', role: 'assistant', text: 'streamed '.repeat(20_000), state: 'streaming' }, 'u2');
    void store.save(chat);
    store.flushInBackground();
    await store.whenWritten();
    assert.deepEqual(fs.readFileSync(store.chatFile(chat.summary.id)), before, 'the chat file changed');
    assert.ok(
      logs.some((l) => /the disk is full: .*was not changed/.test(l)),
      logs.join('\n'),
    );
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'chats')).filter((n) => n.endsWith('.tmp')),
      [],
      'a temp file was left behind',
    );
    fs.rmSync(filler);
  });

  it('MetricsStore: an append the disk cuts short leaves no half line, and the next append is read back', () => {
    const logs: string[] = [];
    const store = new MetricsStore(dir, 1000, (l) => logs.push(l));
    store.append(rec(0));
    const filler = fill(dir);
    // The file's last page still has room: appends go on until one crosses into a page the disk lacks.
    let appended = 1;
    for (let i = 1; i < 200; i++) {
      const logged = logs.length;
      store.append(rec(i));
      if (logs.length > logged) break;
      appended++;
    }
    const text = fs.readFileSync(store.file, 'utf8');
    assert.ok(text.endsWith('\n'), `half a line was left: …${JSON.stringify(text.slice(-60))}`);
    assert.ok(
      logs.some((l) => /could not record.*the disk is full/.test(l)),
      logs.join('\n'),
    );
    assert.equal(store.read().length, appended);
    fs.rmSync(filler);
    store.append(rec(999));
    assert.deepEqual(store.read().at(-1), rec(999), 'the next record is whole');
  });

  it('a rename refused for good (an immutable target) fails within a second, with the old file whole and no temp file', function () {
    const file = path.join(dir, 'index.json');
    writeFileDurably(file, 'old');
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'pipe' });
    } catch (err) {
      console.log(`      skipped: chattr +i refused (${String((err as { stderr?: Buffer }).stderr ?? '').trim() || (err as Error).message}); the seam test covers it`);
      this.skip();
    }
    try {
      const started = Date.now();
      assert.throws(
        () => writeFileDurably(file, 'new'),
        (err: Error) => err.message.includes(file) && /was not changed/.test(err.message),
      );
      assert.ok(Date.now() - started < 1000, `gave up after ${Date.now() - started} ms`);
      assert.equal(fs.readFileSync(file, 'utf8'), 'old');
      assert.deepEqual(strays(dir, ['index.json']), [], 'a temp file was left behind');
    } finally {
      execFileSync('chattr', ['-i', file]);
    }
  });
});

describe('durable writes through real fs wrappers (always run)', () => {
  let dir: string;
  const real = { ...durableFs };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-durable-'));
  });
  afterEach(() => {
    Object.assign(durableFs, real);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A write that puts half the bytes on disk (a short write), then fails as a full disk does. */
  function diskFillsUp(): void {
    let calls = 0;
    durableFs.writeSync = (fd, buffer, offset, length, position) => {
      if (calls++ > 0) throw errno('ENOSPC', 'write', 'fd');
      return real.writeSync(fd, buffer, offset, Math.max(1, Math.floor(length / 2)), position);
    };
  }

  it('a write cut short and then refused (ENOSPC) leaves the old file whole, says the disk is full, and leaves no temp file', () => {
    const file = path.join(dir, 'chat.json');
    writeFileDurably(file, 'old');
    diskFillsUp();
    assert.throws(
      () => writeFileDurably(file, 'x'.repeat(10_000)),
      (err: Error) => err.message.startsWith(`the disk is full: ${file} was not changed`),
    );
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(strays(dir, ['chat.json']), []);
  });

  it('short writes that go on are written whole (every byte, in order)', () => {
    const file = path.join(dir, 'chat.json');
    durableFs.writeSync = (fd, buffer, offset, length, position) => real.writeSync(fd, buffer, offset, Math.min(length, 7), position);
    const content = Array.from({ length: 3000 }, (_, i) => `line ${i} é✓\n`).join('');
    writeFileDurably(file, content);
    assert.equal(fs.readFileSync(file, 'utf8'), content);
  });

  it('a rename another process refuses twice (EPERM) is retried and succeeds', () => {
    const file = path.join(dir, 'index.json');
    writeFileDurably(file, 'old');
    let refusals = 0;
    durableFs.renameSync = (from, to) => {
      if (refusals < 2) {
        refusals++;
        throw errno('EPERM', 'rename', from);
      }
      real.renameSync(from, to);
    };
    writeFileDurably(file, 'new');
    assert.equal(refusals, 2);
    assert.equal(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepEqual(strays(dir, ['index.json']), []);
  });

  it('a rename refused every time fails within a second, saying why; the old file is whole and the temp file removed', () => {
    const file = path.join(dir, 'index.json');
    writeFileDurably(file, 'old');
    let tries = 0;
    durableFs.renameSync = (from) => {
      tries++;
      throw errno('EBUSY', 'rename', from);
    };
    const started = Date.now();
    assert.throws(
      () => writeFileDurably(file, 'new'),
      (err: Error) => err.message.includes(file) && /another program/.test(err.message) && /was not changed/.test(err.message),
    );
    const took = Date.now() - started;
    assert.ok(tries > 1 && took < 1000, `${tries} tries in ${took} ms`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(strays(dir, ['index.json']), []);
  });

  it('two writers of one file in one process never share a temp file', () => {
    const file = path.join(dir, 'chat.json');
    let nested = false;
    durableFs.writeSync = (fd, buffer, offset, length, position) => {
      if (!nested) {
        nested = true;
        // Another writer of the same file (the background save, a second store) while this one writes.
        writeFileDurably(file, 'second');
      }
      return real.writeSync(fd, buffer, offset, length, position);
    };
    writeFileDurably(file, 'first');
    assert.equal(fs.readFileSync(file, 'utf8'), 'first');
    assert.deepEqual(strays(dir, ['chat.json']), []);
  });

  it('ChatStore: a save while streaming whose rename is refused every time leaves the chat file whole and no temp file, and logs why', async () => {
    const logs: string[] = [];
    const store = new ChatStore(dir, undefined, 500, (l) => logs.push(l));
    const chat = store.load();
    turn(chat, '1', 'the first answer');
    void store.save(chat, true);
    const file = store.chatFile(chat.summary.id);
    const before = fs.readFileSync(file);
    let tries = 0;
    durableFs.rename = (from) => {
      tries++;
      return Promise.reject(errno('EBUSY', 'rename', from));
    };
    chat.tree.add({ id: 'u2', role: 'user', text: 'question 2' }, 'a1');
    chat.tree.add({ id: 'a2', role: 'assistant', text: 'streamed text', state: 'streaming' }, 'u2');
    void store.save(chat);
    store.flushInBackground();
    await store.whenWritten();
    assert.ok(tries > 1, `${tries} tries`);
    assert.deepEqual(fs.readFileSync(file), before, 'the chat file changed');
    assert.ok(
      logs.some((l) => l.includes(file) && /another program/.test(l) && /was not changed/.test(l)),
      logs.join('\n'),
    );
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'chats')).filter((n) => n.endsWith('.tmp')),
      [],
      'a temp file was left behind',
    );
  });

  it('MetricsStore: an append cut short leaves the file as it was; the next append is read back whole', () => {
    const logs: string[] = [];
    const store = new MetricsStore(dir, 1000, (l) => logs.push(l));
    store.append(rec(1));
    const before = fs.readFileSync(store.file);
    diskFillsUp();
    store.append(rec(2));
    assert.deepEqual(fs.readFileSync(store.file), before, 'the cut-short append left bytes behind');
    assert.ok(
      logs.some((l) => /could not record.*the disk is full/.test(l)),
      logs.join('\n'),
    );
    Object.assign(durableFs, real);
    store.append(rec(3));
    assert.deepEqual(store.read(), [rec(1), rec(3)]);
    assert.deepEqual(new MetricsStore(dir).read(), [rec(1), rec(3)]);
  });
});
