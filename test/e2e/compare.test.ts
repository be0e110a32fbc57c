/**
 * UI end to end on a real VS Code (code-server / VS Code 1.139) in Debian's Chromium: Compare
 * Models and Show Metrics, issue 17's "Done when". A user runs "Sidestream: Compare Models" from the
 * palette, checks two simulator models in its multi-select quick pick, types the question, and
 * watches both answers stream side by side in the Compare panel: the simulator's request log shows
 * the two requests overlapping, each column's TTFT and tok/s are what the simulator did (the shared
 * tolerance, test/harness/compareTolerance.ts), the faster model's figures are marked. In a second
 * run Stop on one column ends that request alone while the other streams on to its end. Show
 * Metrics then has a legend entry (`data-model`) for every model compared.
 *
 * The models are scripted by name (`sim-ttft-N-tps-N`, see src/simulator/script.ts) and listed by
 * the simulator's `/v1/models` (`--models`), so the quick pick offers them as it would a server's.
 *
 * Run alone: `npx mocha --no-config --timeout 300000 --exit out/test/e2e/compare.test.js`.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { figuresOffBy, simulatorFigures } from '../harness/compareTolerance';
import { answerInputBox, findWebviewFrame, normalise, pickManyInQuickPick, pollFor, runCommandByTitle, shownText, waitForQuickInputTitle } from '../harness/workbench';
import { ARTIFACTS, chatRequests, simulatorSettings, useVsCode, waitForState } from './helpers/fixture';
import { SimulatorProcess } from './helpers/simulatorControl';
import type { SimRequestRecord } from '../../src/simulator/SimStats';

/**
 * The measured run's models: 700 ms apart in TTFT and 2.5× apart in speed (~4 s and ~10 s for the
 * answer to QUESTION). TTFTs of hosted models, not of a local one, for the tolerance's sake: the
 * shared rule allows 15 ms or 20 % above the simulator's TTFT, and with the parallel suites that
 * load this 2-core machine the extension host and the simulator are each now and then held off the
 * CPU for a few scheduler slices, which put 2–50 ms beyond the simulator's into a TTFT scripted at
 * 250 ms and up to 70 ms into one at 600 ms (measured over 14 runs). At 500 and 1,200 ms the rule's
 * 20 % (100 and 240 ms) covers that; an absolute allowance of a few ms could only be met on a quiet
 * machine. A figure from the wrong column (700 ms off) or a clock started at the wrong moment (the
 * question box alone takes seconds) still fails.
 */
const FAST = 'sim-ttft-500-tps-50';
const SLOW = 'sim-ttft-1200-tps-20';
/** The second run's: one stopped early (its answer would take ~28 s), one streaming on to its end (~9 s). */
const STOPPED = 'sim-tps-8';
const STREAMS_ON = 'sim-ttft-50-tps-25';
/** The warm-up run's models (the simulator's default pace: as fast as it can). */
const WARM_UP = ['sim-model', 'sim-fast'];
const QUESTION = 'Explain git bisect.';
const STOP_QUESTION = 'Stop one of us.';

const COMPARE_APP = '.compare-app';
const METRICS_APP = '[data-sidestream-metrics]';

/** The model sets compared in this window so far, in order (the pick remembers the last one). */
const compared: string[][] = [];

describe('Compare Models and Show Metrics in VS Code (code-server), development extension', function () {
  this.timeout(240_000);
  let sim: SimulatorProcess;
  const vs = useVsCode({
    name: 'compare',
    setUp: async () => void (sim = await SimulatorProcess.start({ models: [...WARM_UP, FAST, SLOW, STOPPED, STREAMS_ON] })),
    tearDown: async () => sim?.stop(),
    server: () => ({
      settings: { ...simulatorSettings(`${sim.origin}/v1`, WARM_UP[0]), 'workbench.colorTheme': 'Default Dark Modern' },
    }),
    oneShot: true,
  });

  let page: Page;
  beforeEach(async () => {
    page = vs.page;
    await sim.reset();
  });

  before(async function () {
    this.timeout(300_000);
    // One throw-away compare run first, as the extension-host test makes (B8 measures warm streams):
    // the window's first run also creates the Compare panel, whose webview Chromium loads while the
    // requests start, and the extension host's first requests pay once for the SDK's HTTP stack. On
    // this 2-core machine that put 60–140 ms into the first run's TTFTs (measured), time that is
    // neither model's. It also checks that a fresh window's pick has nothing checked.
    const warm = await compareFromPalette(vs.page, WARM_UP, 'Warm up.');
    for (const model of WARM_UP) await waitForState(columnOf(warm, model), 'done', 60_000);
  });

  it('streams two models at once; each column shows the simulator’s TTFT and tok/s; the faster is marked', async () => {
    const frame = await compareFromPalette(page, [FAST, SLOW], QUESTION);
    const fast = columnOf(frame, FAST);
    const slow = columnOf(frame, SLOW);

    // Both columns streaming, each with text, at the same moment.
    await pollFor(
      'both columns streaming with text',
      async () => {
        for (const c of [fast, slow]) {
          if ((await c.getAttribute('data-state')) !== 'streaming') return undefined;
          if (!(await shownText(c.locator('.markdown'))).trim()) return undefined;
        }
        return true;
      },
      30_000,
      100,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-compare-streaming.png') });
    await waitForState(fast, 'done', 60_000);
    await waitForState(slow, 'done', 60_000);

    // The simulator's log: each request started before the other ended, and tokens were being
    // written to both at once (each column's first token came before the other's last).
    const log = await sim.waitForStats('both requests closed', (s) => chatRequests(s).length === 2 && chatRequests(s).every((r) => r.closedAt !== undefined));
    const fastRec = requestFor(log.requestsLog, FAST);
    const slowRec = requestFor(log.requestsLog, SLOW);
    assert.ok(fastRec.startedAt < slowRec.closedAt! && slowRec.startedAt < fastRec.closedAt!, 'the two requests did not overlap');
    assert.ok(Math.abs(fastRec.startedAt - slowRec.startedAt) < 500, `the requests started ${Math.abs(fastRec.startedAt - slowRec.startedAt).toFixed(0)} ms apart`);
    assert.ok(fastRec.firstTokenAt! < slowRec.lastTokenAt! && slowRec.firstTokenAt! < fastRec.lastTokenAt!, 'the two answers were not streamed at the same time');

    for (const [model, column, rec] of [
      [FAST, fast, fastRec],
      [SLOW, slow, slowRec],
    ] as const) {
      assert.equal(rec.completed, true, `${model}: the simulator did not send the whole answer`);
      // The column holds exactly what its model sent, rendered as the chat renders it.
      assert.equal(
        await column.locator('.markdown').evaluate((el) => el.innerHTML),
        await vs.renderer.render(rec.textSent),
        `${model}: the column is not the answer the simulator sent`,
      );
      const shown = await figuresOf(column);
      assert.equal(shown.estimated, false, `${model}: the figures are estimated although the server reported usage`);
      assert.equal(shown.tokens, rec.tokensSent, `${model}: tokens shown`);
      // The panel rounds TTFT to 1 ms and tok/s to 0.1 below 100 (see CompareView's formatRate).
      const truth = simulatorFigures(rec);
      // Visible in the test output, so a run near the edge of the tolerance shows how near.
      console.log(`      (${model}: TTFT ${shown.ttftMs} ms, simulator ${truth.ttftMs.toFixed(1)}; ${shown.tokensPerSecond} tok/s, simulator ${truth.tokensPerSecond.toFixed(1)})`);
      const off = figuresOffBy(shown, truth, { ttftMs: 1, tokensPerSecond: 0.1 });
      assert.equal(off, undefined, `${model}: ${off}`);
      assert.equal(normalise(await shownText(column.locator('.column-finish'))), 'done', `${model}: finish line`);
    }
    // The script's order shows through: the first token and the speed both favour FAST, and the panel marks them.
    assert.equal(await fast.locator('[data-figure="ttft"] [data-fastest="ttft"]').count(), 1, 'the fastest TTFT is not marked on the faster model');
    assert.equal(await fast.locator('[data-figure="tps"] [data-fastest="tps"]').count(), 1, 'the highest tok/s is not marked on the faster model');
    assert.equal(await slow.locator('[data-fastest]').count(), 0, 'the slower model is marked fastest');
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-compare-done.png') });
  });

  it('Stop on one column ends that request alone; the other streams on to its end', async () => {
    const frame = await compareFromPalette(page, [STOPPED, STREAMS_ON], STOP_QUESTION);
    const stopped = columnOf(frame, STOPPED);
    const other = columnOf(frame, STREAMS_ON);
    await pollFor('text in both columns', async () => ((await columnText(stopped)) && (await columnText(other)) ? true : undefined), 30_000, 50);

    await stopped.locator('[data-action="stop-column"]').click({ timeout: 10_000 });
    await waitForState(stopped, 'cancelled', 10_000);
    // At the moment the stopped column has ended, the other is still streaming, and it goes on.
    assert.equal(await other.getAttribute('data-state'), 'streaming', 'the other column stopped too');
    assert.equal(await other.locator('[data-action="stop-column"]').isVisible(), true, 'the other column lost its Stop button');
    assert.equal(await stopped.locator('[data-action="stop-column"]').isVisible(), false, 'the stopped column still offers Stop');
    const textAtStop = (await columnText(other)).length;
    await pollFor('more text in the other column after the stop', async () => ((await columnText(other)).length > textAtStop ? true : undefined), 20_000, 100);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-compare-stopped-one.png') });
    await waitForState(other, 'done', 60_000);
    assert.equal(normalise(await shownText(stopped.locator('.column-finish'))), 'stopped');
    assert.equal(normalise(await shownText(other.locator('.column-finish'))), 'done');
    const stoppedText = normalise(await columnText(stopped));
    assert.ok(stoppedText.length > 0 && stoppedText.length < normalise(await columnText(other)).length, 'the stopped column does not hold a partial answer');

    // The simulator's side: the stopped request was closed by Sidestream mid-answer, the other one
    // completed, writing many tokens after the stopped one had closed.
    const log = await sim.waitForStats('both requests closed', (s) => chatRequests(s).length === 2 && chatRequests(s).every((r) => r.closedAt !== undefined));
    const stoppedRec = requestFor(log.requestsLog, STOPPED);
    const otherRec = requestFor(log.requestsLog, STREAMS_ON);
    assert.equal(stoppedRec.closedBy, 'client', 'the stopped column’s request was not closed by Sidestream');
    assert.equal(stoppedRec.completed, false, 'the stopped model sent its whole answer');
    assert.equal(otherRec.completed, true, 'the other model did not send its whole answer');
    const tokensAfterStop = otherRec.tokenTimes.filter((t) => t > stoppedRec.closedAt!).length;
    assert.ok(tokensAfterStop >= 20, `the other model wrote only ${tokensAfterStop} tokens after the stop`);
    assert.equal((await figuresOf(other)).tokens, otherRec.tokensSent, 'the other column’s token count');
  });

  it('Show Metrics lists every compared model in the legend (data-model), once each', async () => {
    await runCommandByTitle(page, 'Sidestream: Show Metrics');
    const frame = await findWebviewFrame(page, METRICS_APP, 30_000);
    // Every model compared in this window: the warm-up's and, when the tests above ran, theirs.
    const models = compared.flat();
    const legend = await pollFor(
      'a legend entry for each compared model',
      async () => {
        const entries = await frame
          .locator('.legend li[data-model]')
          .evaluateAll((lis) =>
            lis.map((li) => ({ model: li.getAttribute('data-model') ?? '', provider: (li.querySelector('.provider')?.textContent ?? '').replace(/\s+/g, ' ').trim() })),
          );
        return models.every((m) => entries.some((e) => e.model === m)) ? entries : undefined;
      },
      30_000,
      200,
    );
    for (const model of models) {
      const entries = legend.filter((e) => e.model === model);
      // One series per model, with the one answer each compare run gave it (a stopped answer counts: its figures are real).
      assert.deepEqual(
        entries.map((e) => e.provider),
        ['Simulator · 1'],
        `${model}: ${JSON.stringify(entries)}`,
      );
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-compare-metrics.png') });
  });

  it('Show Chat History lists the saved compare runs; picking one reopens it in the Compare panel', async () => {
    await runCommandByTitle(page, 'Sidestream: Show Chat History');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.waitFor({ state: 'visible', timeout: 20_000 });
    await quickInput.locator('.quick-input-list').getByText('Compare runs', { exact: true }).waitFor({ state: 'visible', timeout: 20_000 });
    // The first measured run (the panel now shows the Stop run): its row names both its models.
    await quickInput.locator('.quick-input-box input').fill(FAST);
    const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: QUESTION }).first();
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(normalise(await row.innerText()), new RegExp(`${FAST}.*${SLOW}`), 'the run’s row does not name its models');
    await row.click();
    const frame = await findWebviewFrame(page, COMPARE_APP, 30_000);
    await pollFor(
      'the reopened run in the Compare panel',
      async () => {
        const question = normalise(await frame.locator('.compare-question-text').innerText({ timeout: 1_000 }));
        const shown = await frame.locator('.compare-column').evaluateAll((cols) => cols.map((c) => `${c.getAttribute('data-model')}:${c.getAttribute('data-state')}`));
        return question === QUESTION && shown.join('|') === `${FAST}:done|${SLOW}:done` ? true : undefined;
      },
      30_000,
      100,
    );
  });
});

/**
 * Runs "Sidestream: Compare Models" from the palette, checks exactly `models` in its quick pick
 * (asserting that it opened with the last set compared checked, nothing in a fresh window), types
 * `question`, and resolves with the Compare panel's frame once it shows this run's columns.
 */
async function compareFromPalette(page: Page, models: readonly string[], question: string): Promise<Frame> {
  await runCommandByTitle(page, 'Sidestream: Compare Models');
  await waitForQuickInputTitle(page, /Compare Models/);
  const checkedAtOpen = await pickManyInQuickPick(page, models);
  assert.deepEqual([...checkedAtOpen].sort(), [...(compared.at(-1) ?? [])].sort(), 'the quick pick did not open with the last set checked');
  compared.push([...models]);
  // The pick turns into the question box (same widget): wait for it before typing.
  await page.locator('.quick-input-widget .quick-input-box input[placeholder="Ask anything…"]').waitFor({ state: 'visible', timeout: 20_000 });
  await answerInputBox(page, question);
  const frame = await findWebviewFrame(page, COMPARE_APP, 30_000);
  await pollFor(
    'the compare columns of this run',
    async () => {
      const question_ = normalise(await frame.locator('.compare-question-text').innerText({ timeout: 1_000 }));
      const shown = await frame.locator('.compare-column').evaluateAll((cols) => cols.map((c) => c.getAttribute('data-model')));
      return question_ === question && shown.join('|') === models.join('|') ? true : undefined;
    },
    30_000,
    100,
  );
  return frame;
}

function columnOf(frame: Frame, model: string): Locator {
  return frame.locator(`.compare-column[data-model="${model}"]`);
}

async function columnText(column: Locator): Promise<string> {
  return (await shownText(column.locator('.markdown'))).trim();
}

/** A column's figures as shown ("123 ms", "49.8" or "~49.8", "176"). */
async function figuresOf(column: Locator): Promise<{ ttftMs: number; tokensPerSecond: number; tokens: number; estimated: boolean }> {
  const read = async (name: string) => normalise((await column.locator(`[data-figure="${name}"] .figure-value`).textContent()) ?? '');
  const ttft = await read('ttft');
  const tps = await read('tps');
  const tokens = await read('tokens');
  const ttftMatch = /^(\d+) ms$/.exec(ttft);
  const tpsMatch = /^(~?)(\d+(?:\.\d+)?)$/.exec(tps);
  const tokensMatch = /^(~?)(\d+)$/.exec(tokens);
  assert.ok(ttftMatch && tpsMatch && tokensMatch, `unexpected figures: TTFT "${ttft}", tok/s "${tps}", tokens "${tokens}"`);
  return { ttftMs: Number(ttftMatch[1]), tokensPerSecond: Number(tpsMatch[2]), tokens: Number(tokensMatch[2]), estimated: tpsMatch[1] === '~' || tokensMatch[1] === '~' };
}

function requestFor(log: SimRequestRecord[], model: string): SimRequestRecord {
  const matching = log.filter((r) => r.api === 'openai-chat').filter((r) => r.model === model);
  assert.equal(matching.length, 1, `the simulator saw ${matching.length} requests for ${model}`);
  return matching[0]!;
}
