/**
 * The Diagnose Server card in the chat panel: the server, one verdict a line with its status in
 * words (not colour alone), each problem's fix, a button where Sidestream can apply it — which
 * names its verdict to the host, nothing else — and a second diagnosis replacing the first. Real
 * webview bundle, real Chromium.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ensureArtifactsDir, SAMPLE_DIAGNOSIS as CARD, usePanelPerTest, type Panel } from './helpers/panel';

describe('Diagnosis card (Chromium)', function () {
  this.timeout(60_000);
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('a verdict a line with its status in words, the fixes, and a fix button that names its verdict', async () => {
    await panel.post({ type: 'init', messages: [{ id: 'u1', role: 'user', text: 'Q' }], streaming: false, modelLabel: 'Simulator' });
    await panel.post({ type: 'diagnosis', card: CARD });
    const card = panel.page.locator('.diagnosis-card');
    await card.waitFor();
    assert.equal(await card.getAttribute('aria-label'), 'Diagnosis of Ollama');
    assert.equal(await card.locator('h2').textContent(), 'Diagnosis of Ollama');
    const lines = await card.locator('li.diagnosis-verdict').evaluateAll((items) => items.map((li) => (li as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
    assert.deepEqual(lines, [
      'OK: Reachable: http://127.0.0.1:11434/v1 answers (200)',
      'Warning: Sends usage: no Fix: Nothing breaks: Sidestream estimates the counts.',
      'Problem: Responses API: absent (404) Fix: Switch `api` to chat. Set sidestream.ollama.api to chat',
      'Note: Reasoning: none in a short answer',
      'Not checked: Speed: not measured',
    ]);
    assert.equal(await card.locator('.diagnosis-summary').textContent(), '2 problem(s) found.');
    // The conversation stays: the card comes after it.
    assert.equal(await panel.page.locator('[data-id="u1"]').count(), 1);

    const buttons = card.locator('button.diagnosis-action');
    assert.equal(await buttons.count(), 1, 'a button only where Sidestream can apply the fix');
    await panel.clearPosted();
    await buttons.first().focus();
    await panel.page.keyboard.press('Enter');
    await panel.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'applyDiagnosisFix'));
    assert.deepEqual(
      (await panel.posted()).filter((m) => m.type === 'applyDiagnosisFix'),
      [{ type: 'applyDiagnosisFix', verdict: 'responses' }],
    );
    await panel.page.screenshot({ path: path.join(ensureArtifactsDir(), 'webview-dark-diagnosis-card.png') });

    // A second diagnosis replaces the card.
    await panel.post({ type: 'diagnosis', card: { ...CARD, verdicts: CARD.verdicts.slice(0, 1), summary: 'No problems found.' } });
    await panel.page.waitForFunction(() => document.querySelector('.diagnosis-summary')?.textContent === 'No problems found.');
    assert.equal(await panel.page.locator('.diagnosis-card').count(), 1);
    assert.equal(await panel.page.locator('.diagnosis-card li').count(), 1);
  });
});
