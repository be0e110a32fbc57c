/**
 * `npm start` as a newcomer runs it: no key, no local server. The start script must build, start
 * the wire simulator, bring up a real VS Code (code-server here: no desktop `code` on this machine)
 * with Sidestream loaded and pointed at the simulator, print the URL — and on Ctrl+C (SIGINT) stop
 * everything it started.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, delay } from '../harness/codeServer';
import { launchChromium, openSidestreamView, pollFor, statusBarTexts } from '../harness/workbench';
import { ARTIFACTS, ASSISTANT, BODY, askInPanel, loadWorkbench } from './helpers/fixture';

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe('npm start (a newcomer with no key)', function () {
  this.timeout(300_000);
  let child: ChildProcess | undefined;

  after(() => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it('opens a real VS Code with Sidestream on the simulator, and Ctrl+C stops everything', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const smoke = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-start-')), 'started.json');
    const env: NodeJS.ProcessEnv = { ...process.env, SIDESTREAM_START_SMOKE: smoke, SIDESTREAM_FORCE_CODE_SERVER: '1' };
    delete env.OPENAI_API_KEY;
    delete env.ANTHROPIC_API_KEY;
    let output = '';
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'start.js')], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const started = await pollFor(
      'npm start to bring VS Code up',
      async () => (fs.existsSync(smoke) ? (JSON.parse(fs.readFileSync(smoke, 'utf8')) as { url: string; provider: string }) : undefined),
      240_000,
      250,
    );
    assert.match(started.provider, /simulator/i, 'with no key and no local server, the simulator is the provider');
    assert.match(output, /Open:\s+http:\/\/127\.0\.0\.1:\d+\//, 'the URL to open is printed');
    const simOrigin = /at (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(started.provider)?.[1];
    assert.ok(simOrigin, started.provider);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await loadWorkbench(page, started.url);
      const frame = await openSidestreamView(page);
      await askInPanel(frame, 'How do I debounce a function in TypeScript?');
      const text = await pollFor(
        'an answer from the simulator',
        async () => {
          const t = (await frame.locator(`${ASSISTANT} ${BODY}`).first().textContent()) ?? '';
          return t.length > 40 ? t : undefined;
        },
        60_000,
      );
      assert.ok(text.length > 40);
      await pollFor(
        'the status bar to name the simulator and show TTFT',
        async () => {
          const items = await statusBarTexts(page);
          return items.some((t) => /Simulator/.test(t) && /TTFT \d+ ms/.test(t)) ? true : undefined;
        },
        60_000,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-npm-start.png') });
    } finally {
      await browser.close();
    }

    const codeServerOrigin = new URL(started.url).origin;
    assert.ok(await answers(codeServerOrigin), 'code-server answers while running');
    assert.ok(await answers(`${simOrigin}/v1/models`), 'the simulator answers while running');
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    process.kill(child.pid!, 'SIGINT');
    const code = await Promise.race([exited, delay(30_000).then(() => 'timeout' as const)]);
    assert.notEqual(code, 'timeout', `npm start did not exit after Ctrl+C:\n${output.slice(-2000)}`);
    await pollFor(
      'code-server and the simulator to be gone',
      async () => ((await answers(codeServerOrigin)) || (await answers(`${simOrigin}/v1/models`)) ? undefined : true),
      15_000,
      250,
    );
  });
});
