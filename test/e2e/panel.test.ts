/**
 * UI end to end on a real VS Code (code-server 4.139 / VS Code 1.139) in Debian's Chromium: a user
 * asks from the command palette, watches the answer stream into the Sidestream panel, reads TTFT
 * and tok/s in the status bar, and cancels mid-stream. The model is the wire simulator running as
 * its own process, so the extension talks real HTTP to it. Runs against the development extension
 * (this repository) and, when SIDESTREAM_VSIX names a .vsix, against that package installed with
 * `code-server --install-extension`. Screenshots go to test-artifacts/.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { delay } from '../harness/codeServer';
import { SimulatorProcess } from './helpers/simulatorControl';
import { ARTIFACTS, BODY, EXTENSION_ID, askFromPalette, lastChat, nextAnswer, panelFrame, simulatorSettings, useVsCode, waitForState } from './helpers/fixture';
import { closeQuickInput, normalise, pollFor, quickInputRow, runCommandByTitle, shownText, statusBarTexts, waitForQuickInputTitle } from '../harness/workbench';

const TTFT_MS = 400;
const TOKENS_PER_SECOND = 40;
/** About 300 simulator tokens (words of at most six characters are one token each). */
const ANSWER = Array.from({ length: 27 }, (_, i) => `Line ${i + 1}: the quick brown fox jumps over a lazy dog.`).join('\n\n');
/** Long enough (about 40 s at 40 tok/s) that the cancel always lands mid-stream. */
const LONG_ANSWER = Array.from({ length: 150 }, (_, i) => `Part ${i + 1} of a long answer.`).join(' ');

interface Variant {
  name: string;
  vsix: string | undefined;
}

const variants: Variant[] = [{ name: 'development extension', vsix: undefined }];
if (process.env.SIDESTREAM_VSIX) variants.push({ name: `packaged ${path.basename(process.env.SIDESTREAM_VSIX)}`, vsix: path.resolve(process.env.SIDESTREAM_VSIX) });

for (const variant of variants) {
  describe(`Sidestream UI in VS Code (code-server), ${variant.name}`, function () {
    this.timeout(240_000);
    const tag = variant.vsix ? 'vsix' : 'dev';
    let sim: SimulatorProcess;
    const vs = useVsCode({
      name: tag,
      development: !variant.vsix,
      setUp: async () => void (sim = await SimulatorProcess.start()),
      tearDown: async () => sim?.stop(),
      server: () => ({
        vsix: variant.vsix ? [variant.vsix] : [],
        settings: simulatorSettings(`${sim.origin}/v1`),
      }),
      oneShot: true,
      // The panel is open before the first ask, so that ask is watched from its first token.
      openView: true,
    });

    it('streams an answer into the panel token by token and shows TTFT and tok/s', async () => {
      await sim.reset();
      await sim.enqueue([{ text: ANSWER, ttftMs: TTFT_MS, tokensPerSecond: TOKENS_PER_SECOND }]);
      const page = vs.page;
      const message = await nextAnswer(await panelFrame(page, 60_000));
      const t0 = Date.now();
      await askFromPalette(page, 'What does a lazy dog do?');
      step(t0, 'asked from the palette');

      // Read the answer several times while the simulator streams it: it must grow between reads.
      const lengths = await readGrowingText(message, 3, 20_000);
      step(t0, `read the answer growing: ${lengths.join(' → ')} chars`);
      assert.ok(lengths.length >= 2 && lengths.at(-1)! > lengths[0]!, `the answer did not grow while streaming: ${lengths.join(' → ')}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `e2e-${tag}-midstream.png`) });

      await waitForState(message, 'done', 60_000);
      step(t0, 'answer done');
      const shown = normalise(await shownText(message.locator(BODY)));
      assert.equal(shown, normalise(ANSWER), 'the panel does not show exactly the answer');
      assert.equal(await message.locator(BODY).evaluate((el) => el.innerHTML), await vs.renderer.render(ANSWER), 'the panel is not the one-shot rendering of the answer');

      const status = await pollFor(
        'TTFT and tok/s in the status bar',
        async () => (await statusBarTexts(page)).find((t) => /TTFT \d+ ms/.test(t) && /tok\/s/.test(t)),
        15_000,
        200,
      );
      const ttft = Number(/TTFT (\d+) ms/.exec(status)![1]);
      // The simulator held the first token back for 400 ms; the UI may add time on a loaded machine.
      assert.ok(ttft >= TTFT_MS && ttft <= 2_500, `status bar TTFT ${ttft} ms is not near the scripted ${TTFT_MS} ms ("${status}")`);
      await page.screenshot({ path: path.join(ARTIFACTS, `e2e-${tag}-statusbar.png`) });
      await page.locator('.part.statusbar').screenshot({ path: path.join(ARTIFACTS, `e2e-${tag}-statusbar-strip.png`) });
    });

    it('cancels mid-stream from the command palette and the socket is closed by the client', async () => {
      await sim.reset();
      await sim.enqueue([{ text: LONG_ANSWER, ttftMs: TTFT_MS, tokensPerSecond: TOKENS_PER_SECOND }]);
      const page = vs.page;
      const message = await nextAnswer(await panelFrame(page));
      await askFromPalette(page, 'Tell me something long.');

      await pollFor('tokens of the long answer', async () => ((await shownText(message.locator(BODY)).catch(() => '')).length > 20 ? true : undefined), 30_000, 100);
      assert.equal(await message.getAttribute('data-state'), 'streaming');

      await runCommandByTitle(page, 'Sidestream: Cancel Response');
      await waitForState(message, 'cancelled', 20_000);
      const kept = normalise(await shownText(message.locator(BODY)));
      assert.ok(kept.includes('Part 1 of a long answer.'), 'the partial answer was not kept');
      assert.ok(!kept.includes('Part 150 of a long answer.'), 'the whole answer arrived: the cancel did not stop it');

      const stats = await sim.waitForStats('the request closed', (s) => lastChat(s)?.closedBy !== undefined, 15_000);
      const log = lastChat(stats)!;
      assert.equal(log.closedBy, 'client', `socket closed by ${log.closedBy}`);
      assert.notEqual(log.completed, true);
      // Nothing more arrives after the cancel.
      const lengthAfterCancel = (await shownText(message.locator(BODY))).length;
      await delay(1_000);
      assert.equal((await shownText(message.locator(BODY))).length, lengthAfterCancel, 'text kept growing after the cancel');
      await page.screenshot({ path: path.join(ARTIFACTS, `e2e-${tag}-cancelled.png`) });
    });

    it("the status-bar item opens Sidestream's menu; its Open Settings and the view's gear show Sidestream's settings", async () => {
      const page = vs.page;
      const settingsEditor = page.locator('.editor-instance .settings-editor');
      const showsSidestreamSettings = async () => {
        await settingsEditor.waitFor({ state: 'visible', timeout: 20_000 });
        await pollFor(
          "the Settings editor filtered to Sidestream's settings",
          async () => (normalise(await settingsEditor.locator('.settings-header').innerText()).includes(`@ext:${EXTENSION_ID}`) ? true : undefined),
          10_000,
        );
        await runCommandByTitle(page, 'View: Close All Editors');
        await settingsEditor.waitFor({ state: 'detached', timeout: 10_000 });
      };

      await page.locator(`.statusbar-item[id^="${EXTENSION_ID}."]`).first().click({ timeout: 10_000 });
      await waitForQuickInputTitle(page, /^Sidestream$/, 10_000);
      const rows = (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allInnerTexts()).map(normalise);
      assert.deepEqual(rows, ['Open Chat', 'Select Model', 'Select Provider', 'Compare Models', 'Show Metrics', 'Set API Key', 'Show Log', 'Open Settings']);
      await quickInputRow(page, 'Open Settings').click({ timeout: 10_000 });
      await showsSidestreamSettings();

      await page.locator('.part.sidebar .title-actions a.action-label[aria-label="Open Settings"]').click({ timeout: 10_000 });
      await showsSidestreamSettings();
    });

    it('a failed answer offers the action that fixes it: a refused key opens Set API Key for that server', async () => {
      await sim.reset();
      await sim.enqueue([{ fault: { kind: 'status', status: 401 } }]);
      const page = vs.page;
      const message = await nextAnswer(await panelFrame(page));
      await askFromPalette(page, 'Will my key work?');
      await waitForState(message, 'error', 30_000);
      const actions = message.locator('.message-footer .message-actions button');
      assert.deepEqual((await actions.allInnerTexts()).map(normalise), ['Set API Key', 'Retry', 'Continue'], 'the fix comes first');
      await actions.first().click({ timeout: 10_000 });
      await waitForQuickInputTitle(page, /Set API Key — OpenAI-compatible/, 10_000);
      await closeQuickInput(page);
    });
  });
}

/** Reads a message's text length until it grew `reads - 1` times, bounded in time. */
async function readGrowingText(message: Locator, reads: number, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const lengths: number[] = [];
  while (Date.now() < deadline && lengths.length < reads) {
    const length = (await shownText(message.locator(BODY), 1_000).catch(() => '')).length;
    if (length > 0 && (lengths.length === 0 || length > lengths.at(-1)!)) lengths.push(length);
    await delay(300);
  }
  return lengths;
}

/** Prints how long a step took, so a slow CI run shows where the time went. */
function step(since: number, what: string): void {
  console.log(`      [${((Date.now() - since) / 1000).toFixed(1)}s] ${what}`);
}
