/**
 * The API key through the real UI (code-server + Chromium): the user types a canary key into
 * "Sidestream: Set API Key"'s password box; it lands in SecretStorage, is used (the simulator
 * only accepts that key), survives a window reload, and is never written to disk by the server
 * side (settings, logs, state databases) nor shown in the panel.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { listFiles } from '../harness/files';
import { answerInputBox, pollFor, quickInputBox, quickInputRow, runCommandByTitle, shownText } from '../harness/workbench';
import { askFromPalette, chatRequests, panelFrame, reloadWindowByCommand, savedChatsInclude, useVsCode } from './helpers/fixture';
import { Simulator } from '../../src/simulator/Simulator';

const CANARY = `sk-canary-ZZ9${randomBytes(12).toString('hex')}`;
const ANSWER = 'Answered with the key from secret storage.';

describe('Sidestream UI: the API key in SecretStorage', function () {
  this.timeout(240_000);
  const sim = new Simulator({ apiKey: CANARY });
  const vs = useVsCode({
    name: 'secrets',
    setUp: () => sim.start(),
    tearDown: () => sim.stop(),
    server: () => ({
      // Only the key typed into the UI may reach the extension.
      env: { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined },
      settings: { 'sidestream.provider': 'openai', 'sidestream.openai.baseUrl': sim.openAIBaseUrl, 'sidestream.model': 'sim-model' },
    }),
  });

  it('a key typed into Set API Key is used, survives a reload and is written nowhere', async () => {
    const page = vs.page;
    await runCommandByTitle(page, 'Sidestream: Set API Key');
    // Step 1: the provider quick pick; step 2: the password box.
    const input = quickInputBox(page);
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill('OpenAI');
    // By the row's label: a row's whole text can carry a leftover separator label of the command
    // palette that opened this pick (e.g. "OpenAIsimilar commands").
    await quickInputRow(page, 'OpenAI').click({ timeout: 10_000 });
    await pollFor('the password box', async () => ((await input.getAttribute('type')) === 'password' ? true : undefined), 15_000);
    await answerInputBox(page, CANARY);

    await askAndWait(page, 'Does the stored key work?', 1);
    await reloadWindowByCommand(page);
    await askAndWait(page, 'Does it still work after a reload?', 2);

    // The request can finish before the reloaded window has loaded the panel's webview: wait for the
    // panel (found afresh each time) to show both answers, as the user will see them.
    let panelText = '';
    await pollFor(
      'both answers in the panel',
      async () => {
        const frame = await panelFrame(page, 5_000);
        panelText = await shownText(frame.locator('body'));
        return panelText.split(ANSWER).length - 1 === 2 ? true : undefined;
      },
      30_000,
      250,
    ).catch((err: unknown) => assert.fail(`${String(err)}; the panel shows: ${JSON.stringify(panelText.slice(0, 400))}`));
    assert.ok(!panelText.includes(CANARY), 'the key is shown in the panel');

    // Search once the store has saved the second answer: the last thing the extension writes.
    await pollFor('the second answer saved', async () => (savedChatsInclude(vs.server.userDataDir, 'Does it still work after a reload?') ? true : undefined), 20_000, 100);
    const needle = Buffer.from(CANARY, 'utf8');
    const files = listFiles(vs.server.root);
    const leaks = files.filter((f) => fs.statSync(f).size < 64 * 2 ** 20 && fs.readFileSync(f).includes(needle));
    assert.deepEqual(leaks, [], 'the key was written to disk on the server side');
    assert.ok(
      files.some((f) => /sidestream/i.test(f) && f.endsWith('.log')),
      'no Sidestream log file was searched',
    );
  });

  /** Asks from the palette; the simulator accepts only the canary, so a 200 proves the stored key was sent. */
  async function askAndWait(p: Page, question: string, expectedRequests: number): Promise<void> {
    sim.enqueue({ text: ANSWER });
    await askFromPalette(p, question);
    const record = await pollFor(
      'the chat request to complete',
      async () => {
        const chats = chatRequests(sim.stats());
        return chats.length >= expectedRequests && chats.at(-1)?.closedAt !== undefined ? chats.at(-1) : undefined;
      },
      30_000,
    );
    assert.equal(record.status, 200, 'the simulator rejected the key (it accepts only the canary)');
    assert.equal(record.completed, true);
  }
});
