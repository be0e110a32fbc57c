/**
 * The chat store against what the first pass did not cover (issue 25): two windows without a folder
 * sharing one store, read errors that are not a first run, corrupt files, chat files no index
 * lists, saves that fail, and removals that fail inside the final save of a streaming answer. Real
 * files on disk; the streaming case runs the real stream session against the simulator.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stream } from '../../src/core/adapter';
import { StreamSession, type SessionResult } from '../../src/core/session/StreamSession';
import { CHATS_DIR, CORRUPT_DIR, ChatStore, INDEX_FILE, type Chat, type StoreReport } from '../../src/features/chat/ChatStore';
import type { AssistantMessageView } from '../../src/shared/protocol';
import { simRequest, useSimulator } from './helpers/coreHarness';
import { mulberry32 } from '../../src/simulator/answers';

const done = (id: string, text: string): AssistantMessageView => ({ id, role: 'assistant', text, state: 'done' });

/** Asks `question` in `chat` with a done answer (question under the shown path's end). */
function turn(chat: Chat, n: string, question: string): void {
  const parent = chat.tree.path().at(-1)?.id;
  chat.tree.add({ id: `u${n}`, role: 'user', text: question }, parent);
  chat.tree.add(done(`a${n}`, `answer ${n}`), `u${n}`);
}

/** A store that records what it reports. */
function storeWithReports(dir: string, limits?: { chats: number; messagesPerChat: number }): { store: ChatStore; reports: StoreReport[]; lines: string[] } {
  const reports: StoreReport[] = [];
  const lines: string[] = [];
  const store = new ChatStore(dir, undefined, 500, (l) => lines.push(l), limits);
  store.onDidReport((r) => reports.push(r));
  return { store, reports, lines };
}

const titles = (store: ChatStore): string[] =>
  store
    .list()
    .map((c) => c.title ?? '')
    .sort();

describe('ChatStore: windows, read errors, corrupt files, failed writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-safety-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('two windows without a folder: every chat both create and save in turn is listed by a third, and a deletion in one stays deleted', () => {
    const a = new ChatStore(dir);
    const b = new ChatStore(dir);
    const a1 = a.load();
    const b1 = b.load();
    turn(a1, '1', 'A: first');
    void a.save(a1, true);
    turn(b1, '2', 'B: first');
    void b.save(b1, true);
    const a2 = a.create();
    turn(a2, '3', 'A: second');
    void a.save(a2, true);
    const b2 = b.create();
    turn(b2, '4', 'B: second');
    void b.save(b2, true);
    assert.ok(b.delete(b1.summary.id), 'B could not delete its first chat');
    turn(a2, '5', 'A: second, more');
    void a.save(a2, true);
    a.rename(a1.summary.id, 'A: renamed');
    const third = new ChatStore(dir);
    third.load();
    assert.deepEqual(titles(third), ['A: renamed', 'A: second', 'B: second']);
    assert.ok(!fs.existsSync(third.chatFile(b1.summary.id)), "B's deleted chat file is still there");
  });

  it('two windows adding turns to the same open chat: both are kept (a branch each), and the earlier window keeps saving', () => {
    const a = new ChatStore(dir);
    const ca = a.load();
    turn(ca, '1', 'shared question');
    void a.save(ca, true);
    const b = new ChatStore(dir);
    const cb = b.load();
    assert.equal(cb.summary.id, ca.summary.id, 'the second window did not open the same chat');
    turn(ca, '2', 'from A');
    void a.save(ca, true);
    turn(cb, '3', 'from B');
    void b.save(cb, true);
    turn(ca, '4', 'from A again');
    void a.save(ca, true);
    const back = new ChatStore(dir).load();
    assert.equal(back.summary.id, ca.summary.id);
    for (const id of ['u1', 'u2', 'u3', 'u4']) assert.ok(back.tree.has(id), `message ${id} is lost (the file has ${back.tree.size} messages)`);
    // A's window still shows its own path; B's turn is the other branch.
    assert.deepEqual(
      ca.tree.path().map((m) => m.text),
      ['shared question', 'answer 1', 'from A', 'answer 2', 'from A again', 'answer 4'],
    );
  });

  it('a store whose saves fail says so once (not per save), and says again when saving works', () => {
    const { store, reports } = storeWithReports(dir);
    const chat = store.load();
    turn(chat, '1', 'q1');
    const file = store.chatFile(chat.summary.id);
    // A non-empty folder where the chat file goes: the rename of every save over it fails.
    fs.mkdirSync(file, { recursive: true });
    fs.writeFileSync(path.join(file, 'x'), 'x');
    void store.save(chat, true);
    turn(chat, '2', 'q2');
    void store.save(chat, true);
    const problems = reports.filter((r) => r.kind === 'problem');
    assert.equal(problems.length, 1, JSON.stringify(reports));
    const problem = problems[0]?.kind === 'problem' ? problems[0].problem : undefined;
    assert.ok(problem?.kind === 'cantSave' && problem.reason.includes(file), JSON.stringify(problem));
    assert.deepEqual(store.problem, problem, 'the problem is not kept for a panel that opens later');
    fs.rmSync(file, { recursive: true });
    void store.save(chat, true);
    assert.equal(store.problem, undefined);
    assert.deepEqual(reports.at(-1), { kind: 'problem', problem: undefined });
    assert.equal(new ChatStore(dir).load().tree.size, 4);
  });

  it('an index that cannot be read (ELOOP, EISDIR) is a read error, not a first run: nothing is overwritten, the chats are listed from their files, and the store says so', () => {
    const first = new ChatStore(dir);
    const chat = first.load();
    turn(chat, '1', 'kept chat');
    void first.save(chat, true);
    const other = first.create();
    turn(other, '2', 'other chat');
    void first.save(other, true);
    const index = path.join(dir, CHATS_DIR, INDEX_FILE);
    const original = fs.readFileSync(index);

    // A link that loops: reading it fails with ELOOP, while a rename over it would succeed.
    fs.renameSync(index, `${index}.real`);
    fs.symlinkSync(INDEX_FILE, index);
    {
      const { store, reports } = storeWithReports(dir);
      const loaded = store.load();
      assert.deepEqual(titles(store), ['kept chat', 'other chat']);
      turn(loaded, '3', 'asked while the index was unreadable');
      void store.save(loaded, true);
      store.create();
      assert.equal(fs.readlinkSync(index), INDEX_FILE, 'the unreadable index was overwritten');
      const problems = reports.filter((r) => r.kind === 'problem' && r.problem);
      assert.equal(problems.length, 1, JSON.stringify(reports));
      assert.ok(store.problem?.kind === 'cantRead' && store.problem.reason.includes(index), JSON.stringify(store.problem));
    }

    // A folder where the index goes (EISDIR): its content survives and is reported.
    fs.rmSync(index);
    fs.mkdirSync(index);
    fs.writeFileSync(path.join(index, 'kept'), original);
    {
      const { store, reports } = storeWithReports(dir);
      store.load();
      assert.ok(titles(store).includes('kept chat'), titles(store).join(', '));
      assert.ok(
        reports.some((r) => r.kind === 'problem' && r.problem?.kind === 'cantRead' && r.problem.reason.includes(index)),
        JSON.stringify(reports),
      );
      assert.deepEqual(fs.readFileSync(path.join(index, 'kept')), original);
    }

    // Readable again: the next save writes the index, with every chat.
    fs.rmSync(index, { recursive: true });
    fs.renameSync(`${index}.real`, index);
    const { store } = storeWithReports(dir);
    const open = store.load();
    turn(open, '9', 'after');
    void store.save(open, true);
    const fresh = new ChatStore(dir);
    fresh.load();
    assert.ok(titles(fresh).includes('asked while the index was unreadable'), titles(fresh).join(', '));
  });

  it('a chat file no index lists (a crash between the two writes) is listed again after load', () => {
    const store = new ChatStore(dir);
    const one = store.load();
    turn(one, '1', 'listed chat');
    void store.save(one, true);
    const index = path.join(dir, CHATS_DIR, INDEX_FILE);
    const before = fs.readFileSync(index, 'utf8');
    const two = store.create();
    turn(two, '2', 'orphan chat');
    void store.save(two, true);
    fs.writeFileSync(index, before); // the index as it was before the second chat was saved
    const fresh = new ChatStore(dir);
    fresh.load();
    assert.deepEqual(titles(fresh), ['listed chat', 'orphan chat']);
  });

  it('a corrupt index and a corrupt chat file are kept aside byte for byte, the rest loads, and the user is told once where', () => {
    const store = new ChatStore(dir);
    const ids: string[] = [];
    let chat = store.load();
    for (let i = 0; i < 3; i++) {
      if (i) chat = store.create();
      turn(chat, String(i), `chat ${i}`);
      void store.save(chat, true);
      ids.push(chat.summary.id);
    }
    const index = path.join(dir, CHATS_DIR, INDEX_FILE);
    const badIndex = fs.readFileSync(index).subarray(0, 40);
    fs.writeFileSync(index, badIndex);
    const badChat = fs.readFileSync(store.chatFile(ids[1]!)).subarray(0, 25);
    fs.writeFileSync(store.chatFile(ids[1]!), badChat);

    const { store: fresh, reports } = storeWithReports(dir);
    assert.doesNotThrow(() => fresh.load());
    assert.deepEqual(titles(fresh), ['chat 0', 'chat 2']);
    const aside = path.join(dir, CHATS_DIR, CORRUPT_DIR);
    const kept = fs.readdirSync(aside);
    const keptIndex = kept.find((n) => n.startsWith(`${INDEX_FILE}.`));
    const keptChat = kept.find((n) => n.startsWith(`${ids[1]}.json.`));
    assert.ok(keptIndex && keptChat, `kept aside: ${kept.join(', ')}`);
    assert.deepEqual(fs.readFileSync(path.join(aside, keptIndex)), badIndex);
    assert.deepEqual(fs.readFileSync(path.join(aside, keptChat)), badChat);
    assert.deepEqual(
      reports.filter((r) => r.kind !== 'problem').map((r) => (r.kind === 'keptAside' ? { ...r, files: [...r.files].sort() } : r)),
      [{ kind: 'keptAside', folder: aside, files: [keptIndex, keptChat].sort() }],
      'told once, naming the folder and the files',
    );
  });

  it('fuzz: 200 random truncations and corruptions of the index and chat files — load() never throws and every intact chat is listed', function () {
    this.timeout(120_000);
    const seed = Number(process.env.SIDESTREAM_FUZZ_SEED) || Date.now() % 1_000_000;
    console.log(`      fuzz seed ${seed} (SIDESTREAM_FUZZ_SEED=${seed} repeats it)`);
    const random = mulberry32(seed);
    const int = (n: number) => Math.floor(random() * n);
    // Five chats (one with a branch) and their files: the pristine set each case starts from.
    const template = path.join(dir, 'template');
    const store = new ChatStore(template);
    let chat = store.load();
    for (let i = 0; i < 5; i++) {
      if (i) chat = store.create();
      turn(chat, String(i), `chat ${i} ${'é✓ '.repeat(i)}`);
      turn(chat, `${i}b`, `follow-up ${i}`);
      store.remember(chat.summary.id, `chat ${i}`);
      void store.save(chat, true);
    }
    const chatsDir = path.join(template, CHATS_DIR);
    const names = fs.readdirSync(chatsDir).filter((n) => n.endsWith('.json'));
    const pristine = new Map(names.map((n) => [n, fs.readFileSync(path.join(chatsDir, n))]));
    const corrupt = (bytes: Buffer): Buffer => {
      switch (int(5)) {
        case 0:
          return bytes.subarray(0, int(bytes.length)); // truncated
        case 1: {
          const copy = Buffer.from(bytes);
          for (let k = 1 + int(4); k > 0; k--) copy[int(copy.length)] = int(256); // bytes flipped
          return copy;
        }
        case 2:
          return Buffer.from(Array.from({ length: int(300) }, () => int(256))); // garbage
        case 3: {
          const at = int(bytes.length); // a stretch overwritten with zeros (a torn page)
          return Buffer.concat([bytes.subarray(0, at), Buffer.alloc(Math.min(512, bytes.length - at)), bytes.subarray(Math.min(bytes.length, at + 512))]);
        }
        default:
          return Buffer.alloc(0); // empty
      }
    };
    for (let round = 0; round < 200; round++) {
      const caseDir = path.join(dir, `case${round}`);
      const files = path.join(caseDir, CHATS_DIR);
      fs.mkdirSync(files, { recursive: true });
      const intact: string[] = [];
      for (const [name, bytes] of pristine) {
        const hit = name === INDEX_FILE ? random() < 0.6 : random() < 0.35;
        const written = hit ? corrupt(bytes) : bytes;
        fs.writeFileSync(path.join(files, name), written);
        if (name !== INDEX_FILE && written.equals(bytes)) intact.push(name.slice(0, -'.json'.length));
      }
      const what = `seed ${seed}, case ${round}`;
      const caseStore = new ChatStore(caseDir);
      assert.doesNotThrow(() => caseStore.load(), what);
      const listed = new Set(caseStore.list().map((c) => c.id));
      for (const id of intact) assert.ok(listed.has(id), `${what}: intact chat ${id} is not listed`);
      fs.rmSync(caseDir, { recursive: true, force: true });
    }
  });

  it('delete() whose file cannot be removed does not throw; it reports and the chat leaves the list', () => {
    const { store, reports } = storeWithReports(dir);
    const one = store.load();
    turn(one, '1', 'to delete');
    void store.save(one, true);
    const two = store.create();
    turn(two, '2', 'open');
    void store.save(two, true);
    const file = store.chatFile(one.summary.id);
    fs.rmSync(file);
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'x'), 'x');
    assert.doesNotThrow(() => store.delete(one.summary.id));
    assert.deepEqual(titles(store), ['open']);
    assert.ok(
      reports.some((r) => r.kind === 'cantRemove' && r.file === file),
      JSON.stringify(reports),
    );
  });

  describe('a removal that fails inside the final save of a streaming answer', () => {
    const sim = useSimulator();

    it('the session still resolves, the answer ends done and is reported finished once', async () => {
      const { store, reports } = storeWithReports(dir, { chats: 1, messagesPerChat: 400 });
      const old = store.load();
      turn(old, '1', 'the least recently updated chat');
      void store.save(old, true);
      // The old chat's file cannot be removed when the bound deletes it: a non-empty folder.
      const file = store.chatFile(old.summary.id);
      fs.rmSync(file);
      fs.mkdirSync(file);
      fs.writeFileSync(path.join(file, 'x'), 'x');
      const chat = store.create();
      const answer: AssistantMessageView = { id: 'a2', role: 'assistant', text: '', state: 'streaming' };
      chat.tree.add({ id: 'u2', role: 'user', text: 'Say hello' }, undefined);
      chat.tree.add(answer, 'u2');
      sim.enqueue({ text: 'Hello from the simulator.', tokensPerSecond: 2000 });
      const finishes: SessionResult[] = [];
      const session = new StreamSession(simRequest(sim, 'openai-chat', { maxRetries: 0 }), {
        source: stream,
        providerLabel: 'Simulator',
        message: answer,
        onPersist: (durable) => void store.save(chat, durable),
        onFinish: (r) => finishes.push(r),
      });
      const result = await session.run();
      assert.equal(result.state, 'done', JSON.stringify(result.error));
      assert.equal(answer.state, 'done');
      assert.equal(finishes.length, 1);
      assert.equal(answer.text, 'Hello from the simulator.');
      const saved = new ChatStore(dir).load();
      assert.equal((saved.tree.get('a2') as AssistantMessageView | undefined)?.state, 'done', 'the finished answer is not on disk');
      assert.ok(
        reports.some((r) => r.kind === 'cantRemove' && r.file === file),
        JSON.stringify(reports),
      );
    });
  });
});
