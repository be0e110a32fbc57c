/**
 * UI end to end on a real VS Code (code-server / VS Code 1.139) in Debian's Chromium: VS Code's OWN
 * chat view (its built-in chat, offline, no sign-in) answered by a Sidestream model backed by the
 * wire simulator. The model is listed in the chat view's model picker; in Agent mode the simulator
 * answers first with a call of VS Code's own `read_file` tool on a workspace file, VS Code runs it,
 * the second request carries the file's content as the tool result, and the answer streamed into
 * the chat view quotes it. Takes test-artifacts/e2e-vscode-chat-agent.png (the README's screenshot).
 *
 * Run alone: `npx mocha --no-config --timeout 300000 --exit out/test/e2e/vscodeChat.test.js`.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ARTIFACTS, chatRequests, useDemoWorkbench } from './helpers/fixture';
import { normalise, pollFor, runCommandByTitle } from '../harness/workbench';
import type { Locator, Page } from 'playwright-core';

/** Picks `model` in the chat input's model picker (typing in its search box) and waits until it is the current one. */
async function chooseModel(page: Page, input: Locator, model: string): Promise<void> {
  const current = input.locator('.model-picker-name').first();
  await current.click({ timeout: 10_000 });
  const filter = page.locator('.action-widget .action-list-filter-input');
  await filter.waitFor({ state: 'visible', timeout: 10_000 });
  await filter.fill(model);
  const row = page.locator(`.chat-model-picker-dropdown .monaco-list-row[aria-label^="${model}, Sidestream"]`);
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await row.click({ timeout: 10_000 });
  await pollFor(`${model} chosen in the picker`, async () => (normalise(await current.innerText()) === model ? true : undefined), 10_000, 100);
}

const UTIL_TS = [
  '// Clamps a value into [min, max].',
  'export function clamp(value: number, min: number, max: number): number {',
  '  return Math.min(max, Math.max(min, value));',
  '}',
  '',
].join('\n');

describe("VS Code's own chat view (code-server) with a Sidestream model", function () {
  this.timeout(300_000);
  const demo = useDemoWorkbench({
    name: 'vscode-chat',
    files: { 'src/util.ts': UTIL_TS, 'README.md': '# demo\n' },
    // VS Code's chat on (the fixture turns it off elsewhere), offline, without signing in.
    settings: { 'chat.disableAIFeatures': false, 'chat.allowAnonymousAccess': true },
  });

  it('lists the model in the picker; in Agent mode it calls read_file, VS Code runs it, the answer uses the result', async () => {
    const { page, sim, workspace } = demo;
    const file = path.join(workspace, 'src', 'util.ts');
    await sim.enqueue([
      { toolCalls: [{ name: 'read_file', arguments: JSON.stringify({ filePath: file, startLine: 1, endLine: 4 }) }] },
      { useTools: true, ttftMs: 50, tokensPerSecond: 60 },
    ]);
    await runCommandByTitle(page, 'Chat: Manage Language Models');
    // VS Code's Language Models editor (a modal) lists Sidestream's models; opening it enables the chat.
    const addModels = page.getByRole('button', { name: 'Add Models' });
    await addModels.waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByText('sim-model', { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Escape');
    await addModels.waitFor({ state: 'hidden', timeout: 10_000 });
    await runCommandByTitle(page, 'Chat: Open Chat');
    const input = page.locator('.interactive-input-part').first();
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    // Agent mode (the default of a fresh chat view in 1.139): say so, it is what the test is about.
    assert.equal(normalise(await input.locator('.action-label[aria-label="Agent"]').first().innerText({ timeout: 10_000 })), 'Agent');

    // The picker's list is taken when it opens: wait until the chat has Sidestream's models (it
    // then shows one of them as the current model instead of "Auto").
    const picked = input.locator('.model-picker-name').first();
    await pollFor('a Sidestream model as the current model', async () => (/^sim-/.test(normalise(await picked.innerText())) ? true : undefined), 30_000, 100);
    // The model picker lists Sidestream's models (only models that can call tools are listed there).
    await chooseModel(page, input, 'sim-model');

    await typeInChat(page, input, 'What does src/util.ts export?');
    await page.keyboard.press('Enter');

    // VS Code runs its read_file tool and sends the result back in the second request.
    const stats = await sim.waitForStats('the second request with the tool result', (s) => chatRequests(s).some((r) => (r.toolResults?.length ?? 0) > 0), 90_000);
    const requests = chatRequests(stats);
    const first = requests[0]!;
    const readFile = (first.tools ?? []).find((t) => JSON.stringify(t).includes('"read_file"'));
    assert.ok(readFile, `read_file was not offered: ${JSON.stringify((first.tools ?? []).map((t) => JSON.stringify(t).slice(0, 80)))}`);
    assert.match(JSON.stringify(readFile), /"filePath"/, 'read_file takes a filePath');
    const second = requests.find((r) => (r.toolResults?.length ?? 0) > 0)!;
    assert.equal(second.toolResults!.length, 1, JSON.stringify(second.toolResults));
    const result = second.toolResults![0]!;
    assert.match(result.content, /export function clamp\(value: number, min: number, max: number\): number/, `the tool result: ${result.content}`);

    // The answer streamed into the chat view quotes the file read by the tool.
    const response = page.locator('.interactive-session .interactive-response').last();
    const shown = await pollFor(
      'the answer in the chat view',
      async () => {
        const text = normalise(
          await response
            .locator('.rendered-markdown')
            .last()
            .innerText({ timeout: 1_000 })
            .catch(() => ''),
        );
        // The whole answer: the tool result's last line of code is its end.
        return /Math\.min\(max, Math\.max\(min, value\)\)/.test(text) ? text : undefined;
      },
      60_000,
      100,
    );
    assert.ok(shown.startsWith(`The read_file result (${result.callId}) says:`), shown);
    assert.match(shown, /export function clamp\(value: number, min: number, max: number\): number/);
    await sim.waitForStats('the answer streamed to the end', (s) => chatRequests(s).every((r) => r.completed === true), 30_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-vscode-chat-agent.png') });
  });

  // Runs after the test above, in the same chat view with sim-model chosen.
  it("Stop in the chat view closes the model's socket", async () => {
    const { page, sim } = demo;
    const words = Array.from({ length: 400 }, (_, n) => `word${n}`).join(' ');
    await sim.enqueue([{ text: `Streaming slowly: ${words}`, ttftMs: 50, tokensPerSecond: 8 }]);
    // A new chat: with the first one's history in an 8K window the agent would first compact it.
    await page
      .locator('.title-actions a.action-label[aria-label^="New Chat"], .title-actions a.action-label[aria-label^="New Session"]')
      .first()
      .click({ timeout: 10_000 })
      .catch(async (err: Error) => {
        const labels = await page.evaluate(() => [...document.querySelectorAll('.title-actions [aria-label]')].map((e) => e.getAttribute('aria-label')));
        throw new Error(`${err.message}\nthe title actions: ${labels.join(' | ')}`);
      });
    await page.locator('.interactive-session .interactive-request').first().waitFor({ state: 'detached', timeout: 10_000 });
    const input = page.locator('.interactive-input-part').first();
    await chooseModel(page, input, 'sim-model');
    await typeInChat(page, input, 'Stream a long answer.');
    await page.keyboard.press('Enter');
    // The answer is streaming in the chat view…
    const response = page.locator('.interactive-session .interactive-response').last();
    await pollFor(
      'the streaming answer in the chat view',
      async () => (/Streaming slowly: word0/.test(await response.innerText({ timeout: 1_000 }).catch(() => '')) ? true : undefined),
      60_000,
      100,
    );
    const streaming = await sim.stats();
    assert.equal(chatRequests(streaming).at(-1)?.completed, false, 'the answer ended before Stop');
    // …Stop (the send button turned into Cancel) closes the socket from the client's side.
    await input.locator('a.action-label[aria-label^="Cancel"], a.action-label[aria-label^="Stop"]').first().click({ timeout: 10_000 });
    const stats = await sim.waitForStats('the socket closed by the client', (s) => chatRequests(s).at(-1)?.closedBy === 'client', 15_000);
    const last = chatRequests(stats).at(-1)!;
    assert.equal(last.completed, false);
  });
});

/**
 * Types `text` into the chat's input as one insertion (key by key, the editor's edit context
 * sometimes drops a space typed right after a letter) and waits until the input shows all of it.
 */
async function typeInChat(page: Page, input: Locator, text: string): Promise<void> {
  await input.locator('.native-edit-context').first().focus({ timeout: 10_000 });
  await page.keyboard.insertText(text);
  await pollFor(`the chat input to hold "${text}"`, async () => (normalise(await input.locator('.view-lines').first().innerText()) === text ? true : undefined), 10_000, 50);
}
