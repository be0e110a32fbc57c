/**
 * The panel and the host agree on what the panel has, and the view follows the answer to its end:
 * snapshots (`init`, `messageAdded`) carry the revision their text covers, so the appends posted
 * around a snapshot never duplicate or drop text; and while the user has not scrolled up, the
 * message list keeps the last line and the footer in sight through every ending, whatever layout
 * does above the fold. Real webview bundle, real Chromium.
 */
import * as assert from 'node:assert/strict';
import type { AssistantMessageView, HostToWebview, MessageStats } from '../../src/shared/protocol';
import { generateAnswer } from '../../src/simulator/answers';
import { randomChunks, usePanelPerTest, type Panel } from './helpers/panel';

const STATS: MessageStats = { model: 'sim-model', providerLabel: 'Simulator', ttftMs: 120, tokensPerSecond: 400, outputTokens: 3000, estimated: false, finishReason: 'stop' };

/** The message body's HTML equals a one-shot render of `text` (the webview's own renderer). */
async function sameAsOneShot(panel: Panel, id: string, text: string): Promise<boolean> {
  return panel.page.evaluate(
    ({ id, text }) => {
      const bench = window.__sidestreamTest!;
      return document.querySelector(`[data-id="${id}"] .markdown`)!.innerHTML === bench.renderMarkdownOnce(text);
    },
    { id, text },
  );
}

/** Pixels between the bottom of the visible part of the message list and its end. */
function distanceToEnd(panel: Panel): Promise<number> {
  return panel.page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        // Read after the next two frames: what the user sees once layout has settled.
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const list = document.querySelector<HTMLElement>('.messages')!;
            resolve(list.scrollHeight - list.scrollTop - list.clientHeight);
          }),
        ),
      ),
  );
}

/** The line height of the message text, in px. */
function lineHeight(panel: Panel): Promise<number> {
  return panel.page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.messages')!).lineHeight) || 20);
}

/** Whether the footer of message `id` is fully inside the visible part of the list. */
function footerInSight(panel: Panel, id: string): Promise<boolean> {
  return panel.page.evaluate((id) => {
    const list = document.querySelector<HTMLElement>('.messages')!.getBoundingClientRect();
    const footer = document.querySelector<HTMLElement>(`[data-id="${id}"] .message-footer`);
    if (!footer || footer.hidden) return false;
    const box = footer.getBoundingClientRect();
    return box.top >= list.top - 0.5 && box.bottom <= list.bottom + 0.5;
  }, id);
}

function appends(id: string, chunks: string[], firstSeq: number): HostToWebview[] {
  return chunks.map((text, i) => ({ type: 'append', id, seq: firstSeq + i, text }));
}

/** A 3,000-token answer like the one a user saw duplicated: 60 paragraphs, a list, a code block. */
function longMarkdownAnswer(): string {
  const paragraphs = Array.from({ length: 60 }, (_, i) => `Paragraph ${i + 1}: the stream keeps its order, and **every** token arrives exactly once in the panel.`);
  return [
    'Sure — here is a short answer.',
    ...paragraphs.slice(0, 30),
    '1. First step\n2. Second step\n3. Third step',
    '```ts\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n```',
    ...paragraphs.slice(30),
    'Done.',
  ].join('\n\n');
}

describe('Panel sync and follow (Chromium)', function () {
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('a snapshot taken mid-stream and the appends around it add up to the text exactly once', async () => {
    const text = longMarkdownAnswer();
    const chunks = randomChunks(text, 7, 1, 12);
    for (const cut of [1, 17, Math.floor(chunks.length / 3), chunks.length - 2]) {
      const id = `a${cut}`;
      const snapshot: AssistantMessageView = { id, role: 'assistant', text: chunks.slice(0, cut).join(''), state: 'streaming', rev: cut };
      // Appends the webview missed (posted before it was ready, for a message it does not know),
      // then the snapshot, then appends that overlap it: the ones it already covers come again.
      await panel.post(...appends(id, chunks.slice(0, cut), 1));
      await panel.post({ type: 'init', messages: [{ id: `u${cut}`, role: 'user', text: 'Q' }, snapshot], streaming: true, modelLabel: 'Simulator · sim-model' });
      const overlap = Math.max(0, cut - 5);
      await panel.post(...appends(id, chunks.slice(overlap), overlap + 1));
      await panel.waitRendered(id, text.length);
      await panel.post({ type: 'messageFinished', id, state: 'done', stats: STATS, error: undefined });
      await panel.page.waitForSelector(`[data-id="${id}"][data-state="done"]`);
      assert.ok(await sameAsOneShot(panel, id, text), `cut at ${cut}: the panel's answer differs from a one-shot render of the text`);
      const paragraphs = await panel.page.locator(`[data-id="${id}"] .markdown p`).count();
      assert.equal(paragraphs, 62, `cut at ${cut}: ${paragraphs} paragraphs`);
    }
  });

  it('a snapshot re-posted while streaming (a redraw) does not repeat text, and streaming goes on visibly', async () => {
    const text = longMarkdownAnswer();
    const chunks = randomChunks(text, 11, 2, 20);
    const id = 'r1';
    await panel.post({ type: 'messageAdded', message: { id, role: 'assistant', text: '', state: 'streaming', rev: 0 } });
    const half = Math.floor(chunks.length / 2);
    await panel.stream(id, chunks.slice(0, half), 3, 1);
    // The host redraws (e.g. a settings change): the snapshot covers everything posted so far.
    await panel.post({
      type: 'init',
      messages: [{ id, role: 'assistant', text: chunks.slice(0, half).join(''), state: 'streaming', rev: half }],
      streaming: true,
      modelLabel: undefined,
    });
    const before = await panel.page.locator(`[data-id="${id}"] .markdown`).evaluate((el) => el.textContent?.length ?? 0);
    await panel.stream(id, chunks.slice(half, half + 10), 1, half + 1);
    await panel.page.waitForFunction(({ id, before }) => (document.querySelector(`[data-id="${id}"] .markdown`)?.textContent?.length ?? 0) > before, { id, before });
    assert.equal(await panel.page.getAttribute(`[data-id="${id}"]`, 'data-state'), 'streaming', 'the message must still be streaming');
    await panel.stream(id, chunks.slice(half + 10), 3, half + 11);
    await panel.post({ type: 'messageFinished', id, state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector(`[data-id="${id}"][data-state="done"]`);
    assert.ok(await sameAsOneShot(panel, id, text), 'the panel differs from a one-shot render after a redraw mid-stream');
  });

  it('a resumed message continues its numbering after the revision the host names', async () => {
    await panel.post({ type: 'init', messages: [{ id: 'c1', role: 'assistant', text: 'Cut here', state: 'cancelled', rev: 4 }], streaming: false, modelLabel: undefined });
    await panel.post(
      { type: 'messageResumed', id: 'c1', rev: 4 },
      { type: 'append', id: 'c1', seq: 4, text: ' DUPLICATE' },
      { type: 'append', id: 'c1', seq: 5, text: ' and on.' },
    );
    await panel.waitRendered('c1', 'Cut here and on.'.length);
    await panel.post({ type: 'messageFinished', id: 'c1', state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector('[data-id="c1"][data-state="done"]');
    assert.equal((await panel.page.textContent('[data-id="c1"] .markdown'))?.trim(), 'Cut here and on.');
  });

  for (const ending of ['done', 'cancelled', 'error'] as const) {
    it(`follows a long answer to its end and keeps the footer in sight after ${ending}`, async () => {
      const text = generateAnswer(5, 14_000);
      const chunks = randomChunks(text, 3, 4, 24);
      await panel.post({ type: 'messageAdded', message: { id: 'u1', role: 'user', text: 'Explain the stream' } });
      await panel.post({ type: 'messageAdded', message: { id: 'f1', role: 'assistant', text: '', state: 'streaming', rev: 0 } });
      await panel.stream('f1', chunks, 6, 1);
      await panel.waitRendered('f1', text.length);
      const line = await lineHeight(panel);
      const midway = await distanceToEnd(panel);
      assert.ok(midway < line, `while streaming the list is ${midway} px above its end`);
      await panel.post({
        type: 'messageFinished',
        id: 'f1',
        state: ending,
        stats: { ...STATS, finishReason: ending === 'done' ? 'stop' : ending },
        error: ending === 'error' ? { kind: 'connection', message: 'The server closed the connection mid-stream.' } : undefined,
      });
      await panel.page.waitForSelector(`[data-id="f1"][data-state="${ending}"]`);
      const distance = await distanceToEnd(panel);
      assert.ok(distance < line, `after ${ending} the list is ${distance} px above its end (line height ${line} px)`);
      assert.ok(await footerInSight(panel, 'f1'), `after ${ending} the footer is out of sight`);
      if (ending !== 'done') assert.equal(await panel.page.locator('[data-id="f1"] .message-footer button[data-action="continue"]').count(), 1);
    });
  }

  it('layout growing above the fold is not taken for the user scrolling up', async () => {
    await panel.post({ type: 'messageAdded', message: { id: 'g1', role: 'assistant', text: '', state: 'streaming', rev: 0 } });
    const text = generateAnswer(9, 8_000);
    const chunks = randomChunks(text, 5, 4, 24);
    await panel.stream('g1', chunks, 6, 1);
    await panel.waitRendered('g1', text.length);
    // Grow blocks far above the fold, as late layout (highlighting, content-visibility sizes) does.
    await panel.page.evaluate(() => {
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-id="g1"] .markdown > *')).slice(0, 3)) el.style.paddingBottom = '300px';
    });
    const line = await lineHeight(panel);
    assert.ok((await distanceToEnd(panel)) < line, 'growing blocks above the fold stopped the list following');
    await panel.stream('g1', ['\n\nAnd one more line.'], 1, chunks.length + 1);
    await panel.waitRendered('g1', text.length + 10);
    assert.ok((await distanceToEnd(panel)) < line, 'the list stopped following after layout above the fold changed');
  });

  it('scrolling up stops following; scrolling back to the end resumes it', async () => {
    await panel.post({ type: 'messageAdded', message: { id: 's1', role: 'assistant', text: '', state: 'streaming', rev: 0 } });
    const text = generateAnswer(13, 8_000);
    const chunks = randomChunks(text, 9, 4, 24);
    const half = Math.floor(chunks.length / 2);
    await panel.stream('s1', chunks.slice(0, half), 2, 1);
    await panel.waitRendered('s1', chunks.slice(0, half).join('').length);
    const list = panel.page.locator('.messages');
    await list.hover();
    await panel.page.mouse.wheel(0, -600);
    await panel.page.waitForFunction(() => {
      const l = document.querySelector<HTMLElement>('.messages')!;
      return l.scrollHeight - l.scrollTop - l.clientHeight > 300;
    });
    const readingAt = await list.evaluate((el) => el.scrollTop);
    await panel.stream('s1', chunks.slice(half, half + 40), 2, half + 1);
    await panel.waitRendered('s1', chunks.slice(0, half + 40).join('').length);
    assert.equal(await list.evaluate((el) => el.scrollTop), readingAt, 'the list moved while the user was reading above');
    // Back to the end: following resumes.
    await panel.page.mouse.wheel(0, 100_000);
    await panel.page.waitForFunction(() => {
      const l = document.querySelector<HTMLElement>('.messages')!;
      return l.scrollHeight - l.scrollTop - l.clientHeight < 2;
    });
    await panel.stream('s1', chunks.slice(half + 40), 2, half + 41);
    await panel.post({ type: 'messageFinished', id: 's1', state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector('[data-id="s1"][data-state="done"]');
    assert.ok((await distanceToEnd(panel)) < (await lineHeight(panel)), 'following did not resume after scrolling back to the end');
  });
});
