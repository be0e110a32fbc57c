/**
 * The seam marker: where an answer was resumed automatically, a small focusable marker sits in the
 * text at the seam's offset (title: what failed, when, how long the resume took), the text around
 * it is exactly the answer's, and no stand-in character is left. Streamed (the seam message may
 * come before the text reaches it) and from a snapshot. Real webview bundle, real Chromium.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { AnswerSeamView, AssistantMessageView, HostToWebview, MessageStats } from '../../src/shared/protocol';
import { ensureArtifactsDir, usePanelPerTest, type Panel } from './helpers/panel';

const STATS: MessageStats = { model: 'sim-model', providerLabel: 'Simulator', ttftMs: 120, tokensPerSecond: 400, outputTokens: 60, estimated: false, finishReason: 'stop' };
const BEFORE = 'The first paragraph is plain.\n\nThe stream broke in the middle of this sen';
const AFTER = 'tence, and the answer went on without repeating a word.\n\nLast paragraph.';
const SEAM: AnswerSeamView = {
  offset: BEFORE.length,
  failure: { kind: 'connection', message: 'The connection to http://127.0.0.1:8080/v1 broke mid-answer (ECONNRESET) — try again.' },
  at: Date.UTC(2026, 11, 7, 14, 3, 12),
  resumeMs: 420,
  attempts: 1,
  overlapChars: 0,
  mode: 'follow-up',
};

/** The marker's neighbours: the text of the message body before and after it, and its title. */
function around(panel: Panel, id: string) {
  return panel.page.evaluate((id) => {
    const body = document.querySelector(`[data-id="${id}"] .markdown`)!;
    const markers = [...body.querySelectorAll<HTMLElement>('.seam')];
    const marker = markers[0];
    const before = document.createRange();
    before.setStart(body, 0);
    if (marker) before.setEndBefore(marker);
    const after = document.createRange();
    if (marker) after.setStartAfter(marker);
    after.setEnd(body, body.childNodes.length);
    return {
      count: markers.length,
      title: marker?.title,
      label: marker?.getAttribute('aria-label'),
      role: marker?.getAttribute('role'),
      tabIndex: marker?.tabIndex,
      // Blocks are separated by line breaks in the DOM (as in a one-shot render): not characters of the answer.
      before: before.toString().replace(/\n/g, ''),
      after: after.toString().replace(/\n/g, ''),
      all: (body.textContent ?? '').replace(/\n/g, ''),
    };
  }, id);
}

function check(r: Awaited<ReturnType<typeof around>>): void {
  assert.equal(r.count, 1);
  // The rendered text (paragraph breaks are block boundaries, not characters) on each side.
  assert.equal(r.before, 'The first paragraph is plain.The stream broke in the middle of this sen');
  assert.equal(r.after, 'tence, and the answer went on without repeating a word.Last paragraph.');
  assert.ok(!r.all.includes('\uE000'), 'no stand-in character left in the text');
  assert.equal(r.all, r.before + r.after, 'the marker adds no text');
  assert.match(r.title ?? '', /^Resumed here automatically: The connection to .* broke mid-answer \(ECONNRESET\) \(connection\) at .*; the resume took 0\.4 s\.$/);
  assert.equal(r.label, r.title);
  assert.equal(r.role, 'img');
  assert.equal(r.tabIndex, 0);
}

describe('Seam marker (Chromium)', function () {
  this.timeout(60_000);
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('streamed: the seam message comes before the text reaches it; the marker lands at its offset', async () => {
    const id = 'a1';
    await panel.post({
      type: 'init',
      messages: [
        { id: 'u1', role: 'user', text: 'Q' },
        { id, role: 'assistant', text: '', state: 'streaming', rev: 0 },
      ],
      streaming: true,
      modelLabel: 'Simulator',
    });
    const text = BEFORE + AFTER;
    const pieces = [text.slice(0, 20), text.slice(20, BEFORE.length - 5), text.slice(BEFORE.length - 5, BEFORE.length + 7), text.slice(BEFORE.length + 7)];
    const messages: HostToWebview[] = [
      { type: 'append', id, seq: 1, text: pieces[0]! },
      { type: 'seam', id, seam: SEAM },
      ...pieces.slice(1).map((t, i): HostToWebview => ({ type: 'append', id, seq: i + 2, text: t })),
    ];
    await panel.post(...messages);
    await panel.page.waitForFunction((id) => (document.querySelector(`[data-id="${id}"] .markdown`)?.textContent ?? '').includes('Last paragraph.'), id);
    await panel.post({ type: 'messageFinished', id, state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector(`[data-id="${id}"][data-state="done"]`);
    check(await around(panel, id));
    await panel.page.locator(`[data-id="${id}"] .seam`).focus();
    await panel.page.screenshot({ path: path.join(ensureArtifactsDir(), 'webview-dark-seam.png') });
  });

  it('from a snapshot (a reopened chat): the saved seam is marked at its offset', async () => {
    const message: AssistantMessageView = { id: 'a2', role: 'assistant', text: BEFORE + AFTER, state: 'done', stats: STATS, seams: [SEAM] };
    await panel.post({ type: 'init', messages: [{ id: 'u2', role: 'user', text: 'Q' }, message], streaming: false, modelLabel: 'Simulator' });
    await panel.page.waitForSelector('[data-id="a2"] .seam');
    check(await around(panel, 'a2'));
  });
});
