/**
 * UI end to end on a real VS Code (code-server / VS Code 1.139) in Debian's Chromium: the
 * conversation around the stream. Two chats survive a window reload and are switched through Show
 * Chat History; Regenerate and Edit keep both branches reachable ("‹ 1/2 ›"); Copy Chat and Export
 * Chat give the expected Markdown; a file mentioned with `#` reaches the model; ↑ recalls the last
 * question; the draft survives hiding and showing the view. Everything is done the way a user does
 * it: typing in the panel's composer, clicking its buttons, running commands from the palette.
 * Takes the README screenshots of the conversation features (test-artifacts/readme-*.png; with
 * SIDESTREAM_UPDATE_SCREENSHOT=1 they also replace the ones in media/).
 *
 * Run alone: `npx mocha --no-config --timeout 300000 --exit out/test/e2e/conversations.test.js`.
 * The model is the wire simulator in its own process, reached over loopback HTTP.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { delay } from '../harness/codeServer';
import { SimulatorProcess } from './helpers/simulatorControl';
import { ARTIFACTS, askInPanel, ASSISTANT, BODY, COMPOSER, lastChat, newChat, panelFrame, reloadWindow, useDemoWorkbench, USER, waitForState } from './helpers/fixture';
import { normalise, openSidestreamView, pollFor, quickInputBox, runCommandByTitle, shownText } from '../harness/workbench';

/** The file the `#` mention attaches: its content must reach the model, fenced with its path. */
const UTIL_TS = [
  '/** Clamps a value into [min, max]. */',
  'export function clamp(value: number, min: number, max: number): number {',
  '  return Math.min(max, Math.max(min, value));',
  '}',
  '',
].join('\n');

describe('Sidestream conversations in VS Code (code-server), development extension', function () {
  this.timeout(240_000);
  const demo = useDemoWorkbench({
    name: 'conversations',
    files: { 'src/util.ts': UTIL_TS, 'README.md': '# demo\n' },
    // The save dialog as a quick input with a path box (what a remote window shows anyway).
    settings: { 'files.simpleDialog.enable': true },
    clipboard: true,
    openView: true,
  });
  let sim: SimulatorProcess;
  let page: Page;
  beforeEach(() => {
    ({ sim, page } = demo);
  });

  it('keeps two chats across a window reload and switches between them through Show Chat History', async () => {
    await sim.enqueue([
      { text: 'A debounce waits until the calls stop, then runs once.', ttftMs: 60, tokensPerSecond: 80 },
      { text: 'A throttle runs at most once per interval.', ttftMs: 60, tokensPerSecond: 80 },
    ]);
    let frame = await newChat(page);
    await askInPanel(frame, 'What is a debounce?');
    await waitForState(frame.locator(ASSISTANT).nth(0), 'done', 30_000);
    frame = await newChat(page);
    await askInPanel(frame, 'What is a throttle?');
    await waitForState(frame.locator(ASSISTANT).nth(0), 'done', 30_000);

    frame = await reloadWindow(page);
    // The chat that was open comes back open.
    await pollFor('the open chat after the reload', async () => ((await questions(frame)).join('|') === 'What is a throttle?' ? true : undefined), 30_000, 200);

    await runCommandByTitle(page, 'Sidestream: Show Chat History');
    const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    const titles = await pollFor(
      'both chats in the history',
      async () => {
        const names: string[] = [];
        for (let i = 0; i < (await rows.count()); i++) names.push(normalise(await rows.nth(i).locator('.label-name').first().innerText()));
        return names.includes('What is a debounce?') && names.includes('What is a throttle?') ? names : undefined;
      },
      20_000,
      200,
    );
    assert.equal(titles[0], 'What is a throttle?', `the most recent chat is not first: ${titles.join(', ')}`);
    // Typing filters on contents too: a word only the first chat's answer has.
    await quickInputBox(page).fill('calls stop');
    let shown: string[] = [];
    const filtered = await pollFor(
      'the history filtered on contents',
      async () => {
        // One row per chat; a row's title is its first label (the matching snippet is the row's detail).
        shown = [];
        for (let i = 0; i < (await rows.count()); i++) shown.push(normalise(await rows.nth(i).locator('.label-name').first().innerText()));
        return shown.length === 1 && shown[0] === 'What is a debounce?' ? shown : undefined;
      },
      20_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the list showed ${JSON.stringify(shown)}`);
    });
    assert.deepEqual(filtered, ['What is a debounce?']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'readme-history.png') });
    await rows.first().click({ timeout: 10_000 });
    await pollFor('the first chat in the panel', async () => ((await questions(frame)).join('|') === 'What is a debounce?' ? true : undefined), 20_000, 200);
    assert.equal(normalise(await shownText(frame.locator(ASSISTANT).nth(0).locator(BODY))), 'A debounce waits until the calls stop, then runs once.');
  });

  it('regenerates an answer and edits a question, with both branches reachable', async () => {
    await sim.enqueue([
      { text: 'First answer.', ttftMs: 50, tokensPerSecond: 80 },
      { text: 'Second answer.', ttftMs: 50, tokensPerSecond: 80 },
      { text: 'Answer to the edited question.', ttftMs: 50, tokensPerSecond: 80 },
    ]);
    const frame = await newChat(page);
    await askInPanel(frame, 'Name a sorting algorithm.');
    const answer = frame.locator(ASSISTANT).nth(0);
    await waitForState(answer, 'done', 30_000);

    await answer.locator('[data-action="regenerate"]').click({ timeout: 10_000 });
    await pollFor('the regenerated answer', async () => ((await answerText(frame)) === 'Second answer.' ? true : undefined), 30_000, 150);
    await waitForState(frame.locator(ASSISTANT).nth(0), 'done', 30_000);
    assert.equal(normalise(await shownText(frame.locator(ASSISTANT).nth(0).locator('.branch-index'))), '2/2');
    await frame.locator(ASSISTANT).nth(0).locator('[data-action="branch-prev"]').click({ timeout: 10_000 });
    await pollFor('the first answer again', async () => ((await answerText(frame)) === 'First answer.' ? true : undefined), 20_000, 150);
    assert.equal(normalise(await shownText(frame.locator(ASSISTANT).nth(0).locator('.branch-index'))), '1/2');
    await frame.locator(ASSISTANT).nth(0).locator('[data-action="branch-next"]').click({ timeout: 10_000 });
    await pollFor('the second answer again', async () => ((await answerText(frame)) === 'Second answer.' ? true : undefined), 20_000, 150);

    // Edit the question: the edited one is asked, the original (with its answers) stays reachable.
    const user = frame.locator(USER).nth(0);
    await user.locator('[data-action="edit"]').click({ timeout: 10_000 });
    const editor = user.locator('textarea');
    await editor.waitFor({ state: 'visible', timeout: 10_000 });
    await editor.fill('Name a stable sorting algorithm.');
    await editor.press('Enter');
    await pollFor('the answer to the edited question', async () => ((await answerText(frame)) === 'Answer to the edited question.' ? true : undefined), 30_000, 150);
    assert.deepEqual(await questions(frame), ['Name a stable sorting algorithm.']);
    assert.equal(normalise(await shownText(frame.locator(USER).nth(0).locator('.branch-index'))), '2/2');
    const sent = lastChat(await sim.stats())!;
    assert.ok(JSON.stringify(sent.messages).includes('Name a stable sorting algorithm.'), 'the edited question was not sent');
    assert.ok(!JSON.stringify(sent.messages).includes('First answer.'), 'the edited question was sent with the old branch');
    await page.screenshot({ path: path.join(ARTIFACTS, 'readme-branches.png') });

    await frame.locator(USER).nth(0).locator('[data-action="branch-prev"]').click({ timeout: 10_000 });
    await pollFor('the original question', async () => ((await questions(frame)).join('|') === 'Name a sorting algorithm.' ? true : undefined), 20_000, 150);
    assert.equal(await answerText(frame), 'Second answer.', 'the original branch lost its answer');
  });

  it('copies the chat as Markdown and exports it to a file', async () => {
    await sim.enqueue([{ text: 'Use `Array.prototype.toSorted`:\n\n```js\nconst sorted = items.toSorted((a, b) => a - b);\n```', ttftMs: 50, tokensPerSecond: 80 }]);
    const frame = await newChat(page);
    await askInPanel(frame, 'How do I sort without mutating?');
    await waitForState(frame.locator(ASSISTANT).nth(0), 'done', 30_000);

    await page.evaluate(() => navigator.clipboard.writeText('before copy')).catch(() => undefined);
    await runCommandByTitle(page, 'Sidestream: Copy Chat as Markdown');
    const copied = await pollFor(
      'the chat on the clipboard',
      async () => {
        const text = await page.evaluate(() => navigator.clipboard.readText());
        return text.includes('How do I sort without mutating?') ? text : undefined;
      },
      15_000,
      200,
    );
    assertChatMarkdown(copied);

    const target = path.join(demo.workspace, 'exported-chat.md');
    await runCommandByTitle(page, 'Sidestream: Export Chat…');
    // The simple save dialog: a quick input holding a path.
    const input = quickInputBox(page);
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    // The dialog opens on the folder's path and sets the suggested file name only once it has
    // read the folder; a path typed before that is overwritten (and the chat saved under the
    // suggested name). Type once the suggestion is there.
    await pollFor('the suggested file name in the save dialog', async () => ((await input.inputValue()).endsWith('.md') ? true : undefined), 15_000, 100);
    await input.fill(target);
    await pollFor('the typed path in the save dialog', async () => ((await input.inputValue()) === target ? true : undefined), 5_000, 100);
    await page.keyboard.press('Enter');
    const exported = await pollFor('the exported file', async () => (fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined), 20_000, 200);
    assert.equal(exported, copied, 'the exported file differs from the copied Markdown');
  });

  it('sends a file mentioned with # to the model, shown as a chip before sending', async () => {
    await sim.enqueue([{ text: 'It clamps a value.', ttftMs: 50, tokensPerSecond: 80 }]);
    const frame = await newChat(page);
    const composer = frame.locator(COMPOSER);
    await composer.click();
    await composer.pressSequentially('#');
    const quickInput = page.locator('.quick-input-widget');
    await quickInput.waitFor({ state: 'visible', timeout: 15_000 });
    await quickInput.locator('.quick-input-box input').fill('util.ts');
    const row = quickInput.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'util.ts' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    // canPickMany pickers need OK; a single pick closes on Enter.
    if (await quickInput.isVisible().catch(() => false)) await page.keyboard.press('Enter');
    const chip = frame.locator('[data-chip-id][data-kind="file"]').filter({ hasText: 'util.ts' });
    await chip.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(normalise(await chip.innerText()), /tokens/);
    assert.equal(await composer.inputValue(), '', 'the typed # stayed in the question');
    await page.screenshot({ path: path.join(ARTIFACTS, 'readme-context.png') });

    await composer.fill('What does this do?');
    await composer.press('Enter');
    const stats = await sim.waitForStats('the request with the file', (s) => lastChat(s) !== undefined, 30_000);
    const sent = JSON.stringify(lastChat(stats)!.messages);
    assert.ok(sent.includes('What does this do?'), `the question was not sent: ${sent.slice(0, 300)}`);
    assert.ok(sent.includes('return Math.min(max, Math.max(min, value));'), `the file's content was not sent: ${sent.slice(0, 400)}`);
    assert.ok(sent.includes('src/util.ts'), `the file's path was not sent: ${sent.slice(0, 400)}`);
    await waitForState(frame.locator(ASSISTANT).nth(0), 'done', 30_000);
    // Saved with the question, and the chip is gone from the composer.
    assert.match(normalise(await shownText(frame.locator(USER).nth(0))), /util\.ts/);
    assert.equal(await frame.locator('[data-chip-id][data-kind="file"]').count(), 0, 'the sent file stayed attached');
  });

  it('recalls the last question with ↑ and keeps the draft across hiding and showing the view', async () => {
    let frame = await panelFrame(page);
    const composer = frame.locator(COMPOSER);
    await composer.click();
    await composer.fill('');
    await composer.press('ArrowUp');
    assert.equal(await composer.inputValue(), 'What does this do?', '↑ did not recall the last question');
    await composer.press('ArrowUp');
    assert.equal(await composer.inputValue(), 'How do I sort without mutating?', '↑↑ did not recall the question before');
    await composer.press('ArrowDown');
    await composer.press('ArrowDown');
    assert.equal(await composer.inputValue(), '', '↓ past the newest did not return to the empty draft');

    await composer.fill('A draft I have not sent yet');
    // The webview saves the draft 300 ms after the last keystroke (SAVE_DRAFT_MS); its save on
    // pagehide does not survive the view being hidden at once in VS Code 1.139 (the draft was lost
    // when this test hid it at once), so the view is hidden after the debounced save.
    await delay(600);
    // Hide the view (show the Explorer in the side bar), then show it again.
    await page.keyboard.press('Control+Shift+E');
    await pollFor(
      'the Explorer',
      async () =>
        (
          await page
            .locator('.part.sidebar .composite.title')
            .innerText()
            .catch(() => '')
        )
          .toUpperCase()
          .includes('EXPLORER')
          ? true
          : undefined,
      15_000,
      200,
    );
    frame = await openSidestreamView(page);
    const restored = await pollFor(
      'the draft after showing the view again',
      async () => {
        const value = await frame.locator(COMPOSER).inputValue();
        return value ? value : undefined;
      },
      20_000,
      200,
    );
    assert.equal(restored, 'A draft I have not sent yet');
    await frame.locator(COMPOSER).fill('');
  });
});

function assertChatMarkdown(markdown: string): void {
  assert.match(markdown, /^# How do I sort without mutating\?/m, `no title:\n${markdown}`);
  assert.match(markdown, /^## You\n+How do I sort without mutating\?/m, `no question:\n${markdown}`);
  assert.ok(markdown.includes('```js\nconst sorted = items.toSorted((a, b) => a - b);\n```'), `the code fence is not intact:\n${markdown}`);
  assert.match(markdown, /sim-model.*TTFT \d+ ms.*tok\/s/, `no model and figures line:\n${markdown}`);
}

async function questions(frame: Frame): Promise<string[]> {
  return (await frame.locator(`${USER} .user-text`).allInnerTexts()).map(normalise);
}

async function answerText(frame: Frame): Promise<string> {
  return normalise(await shownText(frame.locator(ASSISTANT).nth(0).locator(BODY)));
}
