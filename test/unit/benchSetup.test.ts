/**
 * `npm run bench` on a machine where the set-up cannot work: the real scripts/bench.js runs the
 * real scripts/setup-vscode.sh, which fails (its cache folder cannot be created), before any bench
 * starts. The benches that need what it installs are not run and read
 * `missed (not measured: <why>)` — never `met` — and the exit code says the run was incomplete.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('bench: a bench that cannot run is not measured, never met', function () {
  this.timeout(60_000);

  it('set-up fails before anything is timed → B1/B2 "missed (not measured: …)" with the reason, exit 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-bench-setup-'));
    // A file where the cache folder's parent should be: `mkdir -p` in the set-up script fails.
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bench.js'), '--only', 'B1,B2', '--skip-build'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, SIDESTREAM_CACHE: path.join(blocker, 'cache'), SIDESTREAM_CHROMIUM: path.join(dir, 'no-chromium') },
        timeout: 50_000,
      });
      const out = `${run.stdout}\n${run.stderr}`;
      assert.equal(run.status, 1, out);
      const setUpAt = out.indexOf('bench: set-up (scripts/setup-vscode.sh');
      assert.ok(setUpAt >= 0, out);
      assert.ok(out.indexOf('── webview ── not run: scripts/setup-vscode.sh failed: mkdir:') > setUpAt, out);
      assert.doesNotMatch(out, /\(B1 took|\(B2 took/, 'no bench was started');
      for (const id of ['B1', 'B2']) {
        assert.match(out, new RegExp(`^${id} missed \\(not measured: scripts/setup-vscode\\.sh failed: mkdir: .*not-a-folder.*\\)$`, 'm'), out);
        assert.doesNotMatch(out, new RegExp(`^${id} met`, 'm'));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
