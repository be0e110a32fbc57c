/**
 * Reading a file that goes along with a question, in plain Node against real parts of a real file
 * system: a FIFO, a Unix socket, a link to /dev/zero, a /proc file whose size stat understates, and
 * links (of a file, of a folder, of a workspace folder itself) that lead outside a temporary
 * "workspace" or to a file that usually holds secrets.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ContextFileRefusal, pathConcerns, readContextBytes, type RefusalReason } from '../../src/features/chat/contextFileAccess';

const posix = process.platform !== 'win32';

/** The refusal `promise` rejects with (fails on anything else, including success). */
async function refusal(promise: Promise<unknown>): Promise<RefusalReason> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ContextFileRefusal) return err.reason;
    throw new Error(`expected a refusal, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
  throw new Error('expected a refusal, but the file was read');
}

describe('Context files: only regular files, at most the limit', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-ctx-')));
  });
  /** The FIFO of the test that made one. */
  let fifo: string | undefined;

  afterEach(() => {
    // A reader still blocked in open() on the FIFO (as the code before the fix was) gets a writer
    // and EOF here, so its thread is free and the test process can end; with nobody reading, this
    // open fails with ENXIO.
    if (fifo) {
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // nobody reading
      }
      fifo = undefined;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a FIFO at once instead of waiting for a writer', async function () {
    if (!posix) this.skip();
    this.timeout(3_000);
    fifo = path.join(dir, 'notes.md');
    execFileSync('mkfifo', [fifo]);
    assert.deepEqual(await refusal(readContextBytes(fifo)), { kind: 'notRegular', what: 'fifo' });
  });

  it('refuses a link to /dev/zero without reading it', async function () {
    if (!posix) this.skip();
    this.timeout(5_000);
    const link = path.join(dir, 'zero.txt');
    fs.symlinkSync('/dev/zero', link);
    assert.deepEqual(await refusal(readContextBytes(link)), { kind: 'notRegular', what: 'device' });
  });

  it('refuses a Unix socket', async function () {
    if (!posix) this.skip();
    const sock = path.join(dir, 'agent.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      assert.deepEqual(await refusal(readContextBytes(sock)), { kind: 'notRegular', what: 'socket' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a folder', async () => {
    fs.mkdirSync(path.join(dir, 'src'));
    assert.deepEqual(await refusal(readContextBytes(path.join(dir, 'src'))), { kind: 'folder' });
  });

  it('reads at most the limit even when stat says the file is empty (a /proc file)', async function () {
    if (process.platform !== 'linux') this.skip();
    const maps = '/proc/self/maps';
    assert.equal(fs.statSync(maps).size, 0, 'stat reports /proc/self/maps as empty');
    assert.ok(fs.readFileSync(maps).length > 256, 'the file has more than the limit used here');
    assert.deepEqual(await refusal(readContextBytes(maps, 256)), { kind: 'tooLarge', bytes: undefined });
  });

  it('reads a regular file up to exactly the limit, and refuses one byte more', async () => {
    const file = path.join(dir, 'exact.txt');
    fs.writeFileSync(file, 'x'.repeat(1_000));
    assert.equal(Buffer.from(await readContextBytes(file, 1_000)).toString(), 'x'.repeat(1_000));
    assert.deepEqual(await refusal(readContextBytes(file, 999)), { kind: 'tooLarge', bytes: 1_000 });
  });

  it('reads a regular file through a link', async function () {
    if (!posix) this.skip();
    fs.writeFileSync(path.join(dir, 'real.ts'), 'export const real = 1;\n');
    fs.symlinkSync('real.ts', path.join(dir, 'alias.ts'));
    assert.equal(Buffer.from(await readContextBytes(path.join(dir, 'alias.ts'))).toString(), 'export const real = 1;\n');
  });

  it('with noFollow (the real path already checked), a link put in its place is not followed', async function () {
    if (!posix) this.skip();
    fs.writeFileSync(path.join(dir, 'secret.key'), 'not a real key');
    fs.symlinkSync('secret.key', path.join(dir, 'checked.txt'));
    await assert.rejects(readContextBytes(path.join(dir, 'checked.txt'), 1_000, { noFollow: true }), { code: 'ELOOP' });
  });
});

describe('Context files: the real path is checked', () => {
  let dir: string;
  let ws: string;
  let outside: string;

  beforeEach(function () {
    if (!posix) this.skip();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-ctx-')));
    ws = path.join(dir, 'workspace');
    outside = path.join(dir, 'home');
    fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
    fs.mkdirSync(path.join(outside, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'src', 'index.ts'), 'export {};\n');
    fs.writeFileSync(path.join(ws, '.env'), 'API_KEY=not-a-real-key\n');
    fs.writeFileSync(path.join(outside, 'diary.txt'), 'private\n');
    fs.writeFileSync(path.join(outside, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  });
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a link in the workspace that leads outside it is flagged, with its real path', async () => {
    fs.symlinkSync(path.join(outside, 'diary.txt'), path.join(ws, 'notes.md'));
    const concerns = await pathConcerns(path.join(ws, 'notes.md'), [ws]);
    assert.deepEqual(concerns, { realPath: path.join(outside, 'diary.txt'), outside: true, secret: false });
  });

  it('a link named like an innocent file that leads to a private key is flagged as a secret (the untrusted-repository case)', async () => {
    fs.symlinkSync(path.join(outside, '.ssh', 'id_rsa'), path.join(ws, 'notes.md'));
    const concerns = await pathConcerns(path.join(ws, 'notes.md'), [ws]);
    assert.deepEqual(concerns, { realPath: path.join(outside, '.ssh', 'id_rsa'), outside: true, secret: true });
  });

  it('a link inside the workspace to its .env is flagged as a secret, not as outside', async () => {
    fs.symlinkSync('.env', path.join(ws, 'settings.txt'));
    const concerns = await pathConcerns(path.join(ws, 'settings.txt'), [ws]);
    assert.deepEqual(concerns, { realPath: path.join(ws, '.env'), outside: false, secret: true });
  });

  it('a folder link in the workspace that leads outside flags the files under it', async () => {
    fs.symlinkSync(outside, path.join(ws, 'vendor'));
    const concerns = await pathConcerns(path.join(ws, 'vendor', 'diary.txt'), [ws]);
    assert.deepEqual(concerns, { realPath: path.join(outside, 'diary.txt'), outside: true, secret: false });
  });

  it('a workspace folder that is itself a link leads outside', async () => {
    const linked = path.join(dir, 'linked-folder');
    fs.symlinkSync(outside, linked);
    const concerns = await pathConcerns(path.join(linked, 'diary.txt'), [ws, linked]);
    assert.deepEqual(concerns, { realPath: path.join(outside, 'diary.txt'), outside: true, secret: false });
  });

  it('raises nothing for plain files, links within the workspace, a workspace under a linked parent, or a file opened from outside by its own path', async () => {
    fs.symlinkSync(path.join('src', 'index.ts'), path.join(ws, 'main.ts'));
    assert.deepEqual(await pathConcerns(path.join(ws, 'src', 'index.ts'), [ws]), { realPath: path.join(ws, 'src', 'index.ts'), outside: false, secret: false });
    assert.deepEqual(await pathConcerns(path.join(ws, 'main.ts'), [ws]), { realPath: path.join(ws, 'src', 'index.ts'), outside: false, secret: false });
    // The link is above the workspace folder (a linked home or /tmp): the folder is still where the user opened it.
    const parentLink = path.join(dir, 'parent-link');
    fs.symlinkSync(dir, parentLink);
    const viaParent = path.join(parentLink, 'workspace');
    assert.deepEqual(await pathConcerns(path.join(viaParent, 'src', 'index.ts'), [viaParent]), { realPath: path.join(ws, 'src', 'index.ts'), outside: false, secret: false });
    // Not inside any workspace folder: the user opened it by that very path.
    assert.deepEqual(await pathConcerns(path.join(outside, 'diary.txt'), [ws]), { realPath: path.join(outside, 'diary.txt'), outside: false, secret: false });
  });
});
