/**
 * The panel watched as a new user watches it, in real VS Code (code-server) with a fresh window for
 * every run: F1 → Ask a Question before the Sidestream view was ever opened, so the answer starts
 * streaming while the panel's webview is still being created. Whatever the timing, the finished
 * panel must hold exactly a one-shot rendering of the answer's text (no stretch twice, none lost),
 * and the message list must end in sight — the last line and the footer — after done, cancel and
 * error. Also with the view closed mid-stream and reopened, and with a window reload mid-stream.
 *
 * Each run opens a new browser context (no remembered workbench state) on its own workspace folder
 * (no remembered conversation), so every window's extension host starts cold.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { SimulatorProcess } from './helpers/simulatorControl';
import { isSidestreamViewOpen, openSidestreamView, pollFor, runCommandByTitle } from '../harness/workbench';
import { ARTIFACTS, ASSISTANT, BODY, WEBVIEW, askFromPalette, panelFrame, reloadWindow, simulatorSettings, useVsCode, waitForState } from './helpers/fixture';
import type { SimFault } from '../../src/simulator/script';
import { tokenize } from '../../src/simulator/tokenize';
import { freshWindowAnswer } from '../harness/streamAnswers';

const RUNS = Number(process.env.SIDESTREAM_FRESH_RUNS ?? 10);

/** The answer the user saw duplicated: about 3,000 simulator tokens in 60 paragraphs, a list and a ```ts block. */
const ANSWER = freshWindowAnswer();
const ANSWER_TOKENS = tokenize(ANSWER);

describe('The panel in a fresh VS Code window (code-server): exact text, end in sight', function () {
  this.timeout(600_000);
  let sim: SimulatorProcess;
  const workspaces: string[] = [];
  const vs = useVsCode({
    name: 'fresh-window',
    setUp: async () => {
      assert.ok(ANSWER_TOKENS.length > 2_800 && ANSWER_TOKENS.length < 3_300, `the answer has ${ANSWER_TOKENS.length} tokens`);
      sim = await SimulatorProcess.start();
    },
    tearDown: async () => {
      await sim?.stop();
      for (const dir of workspaces) fs.rmSync(dir, { recursive: true, force: true });
    },
    // The failed answer below must stay failed: no automatic resume in these windows.
    server: () => ({ settings: { ...simulatorSettings(`${sim.origin}/v1`), 'sidestream.autoResume': false } }),
    // Every test opens its own windows; the webview's own renderer gives the one-shot rendering to compare with.
    window: false,
    oneShot: true,
  });

  /** A one-shot rendering of `text` by the webview's renderer. */
  function oneShot(text: string): Promise<string> {
    return vs.renderer.render(text);
  }

  /** A new window (new browser context, new workspace folder) with the development extension, ready. */
  function freshWindow(): Promise<Page> {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-fresh-'));
    workspaces.push(folder);
    return vs.openWindow(folder);
  }

  /** The assistant message of this window's only question, once the panel shows it. */
  async function answerIn(p: Page): Promise<{ frame: Frame; message: Locator }> {
    const frame = await panelFrame(p, 60_000);
    const message = frame.locator(ASSISTANT).last();
    await message.waitFor({ state: 'attached', timeout: 30_000 });
    return { frame, message };
  }
  /**
   * A fresh window asked `question`, the simulator answering ANSWER at `tokensPerSecond` (with
   * `fault`); resolves once the panel shows the answer, and more than `minChars` of it when given.
   */
  async function askInFreshWindow(question: string, tokensPerSecond: number, minChars?: number, fault?: SimFault): Promise<{ p: Page; frame: Frame; message: Locator }> {
    const p = await freshWindow();
    assert.equal(await isSidestreamViewOpen(p), false, 'the Sidestream view was already open');
    await sim.enqueue([{ text: ANSWER, ttftMs: 50, tokensPerSecond, ...(fault ? { fault } : {}) }]);
    await askFromPalette(p, question);
    const { frame, message } = await answerIn(p);
    if (minChars !== undefined) await pollFor('some text in the panel', async () => ((await bodyLength(message)) > minChars ? true : undefined), 30_000, 100);
    return { p, frame, message };
  }

  for (const rate of [400, 5_000]) {
    it(`asked before the view was ever opened, ${rate} tok/s, ${RUNS} fresh windows: exactly the one-shot text, end in sight`, async () => {
      const expected = await oneShot(ANSWER);
      const report: string[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const { p, frame, message } = await askInFreshWindow(`Run ${run}: a long answer, please.`, rate);
        let grew = 'n/a';
        if (rate <= 400 && run === 1) {
          // The webview became ready mid-stream: it shows the text so far, then visibly streams on.
          const a = await bodyLength(message);
          const b = await pollFor(
            'more text in the panel',
            async () => {
              const now = await bodyLength(message);
              return now > a ? now : undefined;
            },
            10_000,
            20,
          ).catch(() => a);
          const state = await message.getAttribute('data-state');
          assert.ok(state === 'streaming' && b > a, `the panel did not stream visibly after it loaded (${a} → ${b} chars, ${state})`);
          grew = `${a}→${b}`;
        }
        await waitForState(message, 'done', 60_000);
        const html = await message.locator(BODY).evaluate((el) => el.innerHTML);
        if (html !== expected) {
          await p.screenshot({ path: path.join(ARTIFACTS, `e2e-fresh-window-${rate}-run${run}.png`) });
          assert.fail(`run ${run} at ${rate} tok/s: the panel's answer is not the one-shot rendering (${await paragraphCount(message)} paragraphs, expected 62)`);
        }
        const { distance, line } = await distanceToEnd(frame);
        assert.ok(distance < line, `run ${run} at ${rate} tok/s: the message list ends ${distance} px below the fold (line height ${line} px)`);
        assert.ok(await footerInSight(frame), `run ${run}: the footer is out of sight`);
        report.push(`${distance.toFixed(0)}px${grew !== 'n/a' ? ` grew ${grew}` : ''}`);
        await vs.closeWindow();
      }
      console.log(`      ${rate} tok/s, distance to end per run: ${report.join(', ')}`);
    });
  }

  it('cancelled and failed answers in a fresh window: the text so far exactly once, the footer and Continue in sight', async () => {
    // Cancel: a stream long enough (3,000 tokens at 100 tok/s) that the Stop always lands mid-stream.
    const cancelled = await askInFreshWindow('Cancel me halfway.', 100, 400);
    let { frame, message } = cancelled;
    await runCommandByTitle(cancelled.p, 'Sidestream: Cancel Response');
    await waitForState(message, 'cancelled', 30_000);
    const shown = await message.locator(BODY).evaluate((el) => el.textContent ?? '');
    assertNoStretchTwice(shown);
    const squeeze = (t: string) => t.replace(/[*`]/g, '').replace(/\s+/g, '');
    assert.ok(squeeze(ANSWER).startsWith(squeeze(shown).slice(0, 300)), `the cancelled answer does not start like the answer: ${shown.slice(0, 120)}`);
    let end = await distanceToEnd(frame);
    assert.ok(end.distance < end.line, `after cancel the list ends ${end.distance} px below the fold`);
    assert.ok(await footerInSight(frame), 'after cancel the footer is out of sight');
    assert.equal(await message.locator('.message-footer button[data-action="continue"]').isVisible(), true, 'Continue is not visible after cancel');
    await vs.closeWindow();

    // Error: the server fails mid-stream after 1,500 tokens; the panel shows exactly those.
    ({ frame, message } = await askInFreshWindow('Fail halfway.', 400, undefined, { kind: 'midstream-error', afterTokens: 1_500, message: 'The model crashed.' }));
    await waitForState(message, 'error', 60_000);
    const html = await message.locator(BODY).evaluate((el) => el.innerHTML);
    assert.equal(html, await oneShot(ANSWER_TOKENS.slice(0, 1_500).join('')), 'the failed answer is not the one-shot rendering of the 1,500 tokens that arrived');
    end = await distanceToEnd(frame);
    assert.ok(end.distance < end.line, `after an error the list ends ${end.distance} px below the fold`);
    assert.ok(await footerInSight(frame), 'after an error the footer is out of sight');
    assert.equal(await message.locator('.message-footer button[data-action="retry"]').isVisible(), true, 'Retry is not visible after an error');
  });

  it('the view closed mid-stream and reopened shows the text so far, streams on, and ends exact', async () => {
    // 100 tok/s: about 30 s, so the answer is still streaming when the view comes back on a loaded machine.
    const { p } = await askInFreshWindow('Close the view while I answer.', 100, 300);
    // Another view container takes the side bar: the Sidestream webview is hidden and torn down.
    await p.locator('.activitybar a.action-label[aria-label^="Explorer"]').click({ timeout: 30_000 });
    await pollFor('the Sidestream webview to be gone', async () => (!(await isSidestreamViewOpen(p)) && !(await hasWebview(p)) ? true : undefined), 30_000, 100);
    await openSidestreamView(p);
    const { message } = await answerIn(p);
    const frame = await panelFrame(p, 60_000);
    const state = await message.getAttribute('data-state');
    assert.equal(state, 'streaming', 'the reopened view does not show the answer still streaming');
    await waitForState(message, 'done', 60_000);
    assert.equal(await message.locator(BODY).evaluate((el) => el.innerHTML), await oneShot(ANSWER), 'after reopening, the panel is not the one-shot rendering');
    const end = await distanceToEnd(frame);
    assert.ok(end.distance < end.line, `after reopening the list ends ${end.distance} px below the fold`);
  });

  it('a window reloaded mid-stream shows the saved part exactly once, end in sight', async () => {
    const { p } = await askInFreshWindow('Reload while I answer.', 200, 1_500);
    const frame = await reloadWindow(p);
    const restored = frame.locator(ASSISTANT).last();
    await pollFor(
      'the restored answer',
      async () => {
        const s = await restored.getAttribute('data-state').catch(() => null);
        return s && s !== 'streaming' ? s : undefined;
      },
      60_000,
      200,
    );
    const shown = await restored.locator('.markdown').evaluate((el) => el.textContent ?? '');
    assert.ok(shown.length > 0, 'nothing of the answer came back after the reload');
    assertNoStretchTwice(shown);
    const end = await distanceToEnd(frame);
    assert.ok(end.distance < end.line, `after the reload the list ends ${end.distance} px below the fold`);
  });
});

/** No paragraph of the answer shows twice, and the paragraphs shown are 1, 2, 3… in order. */
function assertNoStretchTwice(text: string): void {
  const numbers = [...text.matchAll(/Paragraph (\d+):/g)].map((m) => Number(m[1]));
  numbers.forEach((n, i) => assert.equal(n, i + 1, `paragraph ${n} shows where ${i + 1} belongs: a stretch is shown twice or lost`));
  assert.ok((text.match(/Sure — here is a short answer\./g) ?? []).length <= 1, 'the opening line shows twice');
}

async function bodyLength(message: Locator): Promise<number> {
  return message
    .locator('.markdown')
    .evaluate((el) => el.textContent?.length ?? 0)
    .catch(() => 0);
}

async function paragraphCount(message: Locator): Promise<number> {
  return message.locator('.markdown p').count();
}

/** Whether any frame of the page holds the Sidestream webview's document. */
async function hasWebview(page: Page): Promise<boolean> {
  for (const frame of page.frames()) if (await frame.$(WEBVIEW).catch(() => null)) return true;
  return false;
}

/** The message list's distance (px) from its visible bottom to its end, after layout has settled. */
async function distanceToEnd(frame: Frame): Promise<{ distance: number; line: number }> {
  return frame.evaluate(
    () =>
      new Promise<{ distance: number; line: number }>((resolve) => {
        const read = () => {
          const list = document.querySelector<HTMLElement>('.messages')!;
          const line = parseFloat(getComputedStyle(list).lineHeight) || 20;
          resolve({ distance: list.scrollHeight - list.scrollTop - list.clientHeight, line });
        };
        requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(read)));
      }),
  );
}

async function footerInSight(frame: Frame): Promise<boolean> {
  return frame.evaluate(() => {
    const list = document.querySelector<HTMLElement>('.messages')!.getBoundingClientRect();
    const all = document.querySelectorAll<HTMLElement>('[data-role="assistant"] .message-footer');
    const footer = all[all.length - 1];
    if (!footer || footer.hidden) return false;
    const box = footer.getBoundingClientRect();
    return box.top >= list.top - 0.5 && box.bottom <= list.bottom + 0.5;
  });
}
