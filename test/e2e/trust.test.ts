/**
 * Issue 12 through the real UI (code-server 4.139 = VS Code 1.139, a remote window, in Debian's
 * Chromium), with the wire simulator recording which key each request carried:
 *
 * 1. A cloned repository whose .vscode/settings.json sets the provider and every base URL never
 *    gets a request — nor sends the user's OpenAI key (a canary) to the user's own
 *    OpenAI-compatible server — in a trusted window and in Restricted Mode. A trusted workspace may
 *    still set the model; a restricted one may not.
 * 2. From no settings: Select Provider → "Other OpenAI-compatible server…" → URL → Select Model →
 *    Ask streams, and keeps working after a reload; what the commands write lands in the remote
 *    (Machine) settings, the file a remote window reads, and the error text names that file.
 * 3. 20 reloads — every other one after killing the extension host — half at a random moment while
 *    the answer streams, half at a random moment just after it ended: every answer the panel showed
 *    as done comes back whole.
 *
 * Run alone: `npx mocha --no-config --timeout 600000 --exit out/test/e2e/trust.test.js`
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { delay } from '../harness/codeServer';
import { readJson } from '../harness/files';
import { answerInputBox, normalise, openSidestreamView, pollFor, quickInputBox, runCommandByTitle, shownText, statusBarTexts, waitForQuickInputTitle } from '../harness/workbench';
import { ASSISTANT, BODY, answerShown, askFromPalette, chatRequests, lastChat, panelFrame, reloadWindow, simulatorSettings, useVsCode, waitForState } from './helpers/fixture';
import { Simulator } from '../../src/simulator/Simulator';

const CANARY = `sk-canary-ZZ9${randomBytes(12).toString('hex')}`;
const BASE_URL_KEYS = ['openai', 'anthropic', 'openaiCompatible', 'ollama', 'lmstudio', 'llamacpp', 'vllm'];

for (const mode of ['trusted', 'restricted'] as const) {
  describe(`Sidestream UI: a workspace cannot steer requests or keys (${mode} workspace)`, function () {
    this.timeout(240_000);
    const own = new Simulator();
    const evil = new Simulator();
    const vs = useVsCode({
      name: `trust-${mode}`,
      setUp: async () => void (await Promise.all([own.start(), evil.start()])),
      tearDown: async () => void (await Promise.all([own.stop(), evil.stop()])),
      server: () => {
        const hostile: Record<string, unknown> = { 'sidestream.provider': 'openai', 'sidestream.baseUrl': evil.openAIBaseUrl, 'sidestream.model': 'sim-workspace-model' };
        for (const key of BASE_URL_KEYS) hostile[`sidestream.${key}.baseUrl`] = key === 'anthropic' ? evil.anthropicBaseUrl : evil.openAIBaseUrl;
        return {
          workspaceTrust: mode === 'restricted',
          env: { OPENAI_API_KEY: CANARY, ANTHROPIC_API_KEY: CANARY },
          // The user's own choice: their OpenAI-compatible server, with no key set for it.
          settings: simulatorSettings(own.openAIBaseUrl),
          files: { '.vscode/settings.json': JSON.stringify(hostile, null, 2) },
        };
      },
    });

    it("the question goes to the user's server, without the OpenAI key; the workspace's servers get nothing", async () => {
      const page = vs.page;
      const restricted = (await statusBarTexts(page)).some((t) => /Restricted Mode/i.test(t));
      assert.equal(restricted, mode === 'restricted', `Restricted Mode is ${restricted ? 'on' : 'off'} in the ${mode} window`);
      own.enqueue({ text: 'Answered by your own server.' });
      const frame = await openSidestreamView(page);
      await askFromPalette(page, 'Where does my key go?');
      const answer = frame.locator(ASSISTANT).first();
      await waitForState(answer, 'done', 30_000);
      assert.equal(await answerShown(answer), 'Answered by your own server.');

      assert.equal(evil.stats().requests, 0, `the workspace's server got requests: ${JSON.stringify(evil.stats().requestsLog.map((r) => r.path))}`);
      const log = own.stats().requestsLog;
      const chats = log.filter((r) => r.api === 'openai-chat');
      assert.equal(chats.length, 1, "the question did not reach the user's server");
      assert.deepEqual(
        log.filter((r) => r.credential?.includes('ZZ9')).map((r) => `${r.method} ${r.path}`),
        [],
        'the OpenAI key (canary) reached the OpenAI-compatible server',
      );
      // A trusted workspace may pick the model; Restricted Mode reads nothing from the workspace.
      assert.equal(chats[0]?.model, mode === 'trusted' ? 'sim-workspace-model' : 'sim-model');
      const logText = vs.serverLog.join('\n');
      assert.ok(!logText.includes(CANARY), 'the key is in the server output');
    });
  });
}

describe('Sidestream UI: from no settings to a working OpenAI-compatible server, in a remote window', function () {
  this.timeout(300_000);
  const sim = new Simulator({ models: ['sim-model', 'sim-picked-model'] });
  const vs = useVsCode({
    name: 'onboarding',
    setUp: () => sim.start(),
    tearDown: () => sim.stop(),
    server: () => ({ env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined } }),
  });

  it('Select Provider → URL → Select Model → Ask streams, survives a reload, and the settings land in the remote settings', async () => {
    const page = vs.page;
    await openSidestreamView(page);
    let frame = await panelFrame(page, 60_000);
    await frame.locator('.setup-card').waitFor({ state: 'visible', timeout: 30_000 });

    // First a URL where nothing answers: the error must name the file a remote window reads.
    const closed = `http://127.0.0.1:${await closedPort()}/v1`;
    await selectOpenAICompatible(page, closed, vs.server.userDataDir);
    await askFromPalette(page, 'Is anyone there?');
    const failed = frame.locator(ASSISTANT).first();
    await waitForState(failed, 'error', 30_000);
    const errorText = normalise(await shownText(failed.locator('.error-line')));
    assert.match(errorText, /Nothing answered at http:\/\/127\.0\.0\.1:\d+\/v1/);
    assert.match(errorText, /sidestream\.openaiCompatible\.baseUrl" in your Remote settings/, `the error does not name the remote settings: ${errorText}`);

    // Then the real server: what Select Provider writes is what the next question reads.
    await selectOpenAICompatible(page, sim.openAIBaseUrl, vs.server.userDataDir);
    const machine = readJson(path.join(vs.server.userDataDir, 'Machine', 'settings.json'));
    assert.equal(machine['sidestream.openaiCompatible.baseUrl'], sim.openAIBaseUrl, `the base URL is not in the remote (Machine) settings: ${JSON.stringify(machine)}`);

    await runCommandByTitle(page, 'Sidestream: Select Model');
    const input = quickInputBox(page);
    await waitForQuickInputTitle(page, /Select Model/);
    await input.fill('sim-picked-model');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /sim-picked-model/ })
      .first()
      .click({ timeout: 10_000 });

    sim.enqueue({ text: 'First streamed answer.', ttftMs: 50, tokensPerSecond: 40 });
    await askFromPalette(page, 'Does it work?');
    const first = frame.locator(ASSISTANT).nth(1);
    await pollFor('streaming', async () => ((await first.getAttribute('data-state').catch(() => null)) ? true : undefined), 20_000, 50);
    await waitForState(first, 'done', 30_000);
    assert.equal(normalise(await shownText(first.locator(BODY))), 'First streamed answer.');
    assert.equal(lastChat(sim.stats())?.model, 'sim-picked-model', "Select Model's pick was not used");

    frame = await reloadWindow(page);
    sim.enqueue({ text: 'Still working after the reload.' });
    await askFromPalette(page, 'And after a reload?');
    const second = frame.locator(ASSISTANT).nth(2);
    await waitForState(second, 'done', 30_000);
    assert.equal(normalise(await shownText(second.locator(BODY))), 'Still working after the reload.');
    assert.equal(lastChat(sim.stats())?.model, 'sim-picked-model', 'the model was lost on reload');
    assert.equal(chatRequests(sim.stats()).length, 2);
  });
});

describe('Sidestream UI: no finished answer is lost on reload (20 reloads, half after killing the extension host)', function () {
  this.timeout(900_000);
  const sim = new Simulator();
  const vs = useVsCode({
    name: 'reloads',
    setUp: () => sim.start(),
    tearDown: () => sim.stop(),
    server: () => ({ settings: simulatorSettings(sim.openAIBaseUrl) }),
    openView: true,
  });

  it('every answer shown as done before a reload or kill comes back whole', async () => {
    const page = vs.page;
    const ROUNDS = Number(process.env.SIDESTREAM_RELOAD_ROUNDS ?? 20);
    const expected = new Map<string, string>();
    let checked = 0;
    let doneAtReload = 0;
    let streamingAtReload = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const text = `Round ${round} answer: ${Array.from({ length: 40 }, (_, i) => `w${round}x${i}`).join(' ')} end of round ${round}.`;
      // Half the rounds reload while the answer streams, half just after it ended (when the save
      // that makes "done" durable races the reload). Rounds 0,1 | 4,5 | … stream, 2,3 | 6,7 | … end
      // first, so each case has plain reloads and extension-host kills. The moment inside each case
      // is random; the case itself is not left to a race with the machine's speed (under load a
      // random 0–2.5 s wait once landed after the end 19 times in 20).
      const whileStreaming = round % 4 < 2;
      // A question killed before its request was served leaves its script queued: start clean.
      sim.reset();
      // While streaming: ~6 s of answer, reloaded within 1.5 s of its first text.
      sim.enqueue({ text, ttftMs: 50, tokensPerSecond: whileStreaming ? 20 : 60 });
      let frame = await panelFrame(page, 60_000);
      const before = await frame.locator(ASSISTANT).count();
      await askFromPalette(page, `Question ${round}`);
      const mine = frame.locator(ASSISTANT).nth(before);
      await mine.waitFor({ state: 'attached', timeout: 20_000 });
      const id = await mine.getAttribute('data-id');
      assert.ok(id, 'the new answer has no id');
      expected.set(id, text);
      if (whileStreaming) {
        await pollFor(
          'the first text of the answer',
          async () =>
            (
              await mine
                .locator(BODY)
                .textContent({ timeout: 1_000 })
                .catch(() => '')
            )?.trim()
              ? true
              : undefined,
          20_000,
          50,
        );
        await delay(Math.floor(Math.random() * 1_500));
      } else {
        await waitForState(mine, 'done', 30_000);
        await delay(Math.floor(Math.random() * 500));
      }
      const shown = await shownMessages(frame);
      const kill = round % 2 === 1;
      if (kill) {
        const pids = vs.server.extensionHostPids();
        assert.ok(pids.length > 0, 'no extension host process found to kill');
        for (const pid of pids) process.kill(pid, 'SIGKILL');
      }
      await reloadWindow(page);
      if (shown.find((m) => m.id === id)?.state === 'done') doneAtReload++;
      else streamingAtReload++;

      frame = await panelFrame(page, 60_000);
      const wanted = shown.filter((m) => m.state === 'done');
      let restored: ShownMessage[] = [];
      await pollFor(
        'the restored conversation',
        async () => {
          restored = await shownMessages(frame).catch(() => []);
          return restored.length >= shown.length ? true : undefined;
        },
        60_000,
        200,
      ).catch(() => undefined);
      for (const m of wanted) {
        const back = restored.find((r) => r.id === m.id);
        const want = expected.get(m.id);
        assert.ok(back, `round ${round} (${kill ? 'kill' : 'reload'}): answer ${m.id}, shown as done, is gone after the reload`);
        assert.equal(back.state, 'done', `round ${round} (${kill ? 'kill' : 'reload'}): answer ${m.id}, shown as done, came back ${back.state}`);
        assert.equal(normalise(back.text), normalise(want ?? m.text), `round ${round} (${kill ? 'kill' : 'reload'}): answer ${m.id} came back cut`);
        checked++;
      }
    }
    console.log(
      `      ${ROUNDS} reloads (${Math.ceil(ROUNDS / 2)} plain, ${Math.floor(ROUNDS / 2)} after SIGKILL of the extension host): the new answer was done at ${doneAtReload}, still streaming at ${streamingAtReload}; ${checked} finished answers checked after reloads`,
    );
    assert.ok(doneAtReload >= 3 && streamingAtReload >= 3, `the random moments did not cover both cases (done ${doneAtReload}, streaming ${streamingAtReload})`);
  });
});

interface ShownMessage {
  id: string;
  state: string;
  text: string;
}

async function shownMessages(frame: Frame): Promise<ShownMessage[]> {
  return frame
    .locator(ASSISTANT)
    .evaluateAll(
      (els, body) =>
        els.map((el) => ({ id: (el as HTMLElement).dataset.id ?? '', state: (el as HTMLElement).dataset.state ?? '', text: el.querySelector(body)?.textContent ?? '' })),
      BODY,
    );
}

/** Select Provider → "Other OpenAI-compatible server…" → `url`; resolves once the remote (Machine) settings hold it. */
async function selectOpenAICompatible(page: Page, url: string, userDataDir: string): Promise<void> {
  await runCommandByTitle(page, 'Sidestream: Select Provider');
  const input = quickInputBox(page);
  await input.waitFor({ state: 'visible', timeout: 20_000 });
  await input.fill('Other');
  await page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /Other OpenAI-compatible server/ })
    .first()
    .click({ timeout: 10_000 });
  await waitForQuickInputTitle(page, /base URL/, 15_000);
  await answerInputBox(page, url);
  const machine = path.join(userDataDir, 'Machine', 'settings.json');
  await pollFor(`${url} in the remote settings`, async () => (readJson(machine)['sidestream.openaiCompatible.baseUrl'] === url ? true : undefined), 15_000, 100);
}

async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Sidestream UI: an existing sidestream.baseUrl keeps working (migrated once)', function () {
  this.timeout(240_000);
  const sim = new Simulator();
  const vs = useVsCode({
    name: 'migration',
    setUp: () => sim.start(),
    tearDown: () => sim.stop(),
    // What a user of the previous version has: the shared base URL, in user and remote settings.
    server: () => ({ settings: { 'sidestream.provider': 'openai-compatible', 'sidestream.baseUrl': sim.openAIBaseUrl, 'sidestream.model': 'sim-model' } }),
  });

  it('moves it to sidestream.openaiCompatible.baseUrl in the remote settings, and asking still works', async () => {
    const page = vs.page;
    const machineFile = path.join(vs.server.userDataDir, 'Machine', 'settings.json');
    const machine = await pollFor(
      'the migrated remote settings',
      async () => {
        const m = readJson(machineFile);
        // Two writes: the new setting, then the old one removed.
        return m['sidestream.openaiCompatible.baseUrl'] === sim.openAIBaseUrl && m['sidestream.baseUrl'] === undefined ? m : undefined;
      },
      30_000,
      200,
    ).catch(() => readJson(machineFile));
    assert.equal(machine['sidestream.openaiCompatible.baseUrl'], sim.openAIBaseUrl, `not migrated: ${JSON.stringify(machine)}`);
    assert.equal(machine['sidestream.baseUrl'], undefined, 'the old setting was not removed');
    await openSidestreamView(page);
    const frame = await panelFrame(page, 60_000);
    sim.enqueue({ text: 'Migrated and working.' });
    await askFromPalette(page, 'Still there?');
    const answer = frame.locator(ASSISTANT).first();
    await waitForState(answer, 'done', 30_000);
    assert.equal(normalise(await shownText(answer.locator(BODY))), 'Migrated and working.');
  });
});
