/**
 * A chat at the store's bound (400 messages) open in the real panel, a new answer streaming at its
 * end: the DOM stays bounded (messages far off screen are plain-text placeholders, not rendered
 * markdown), yet every message's text is in the page for find-in-page, select-all + copy and screen
 * readers; scrolling up renders them again without moving what is on screen, exactly as a one-shot
 * render.
 */
import * as assert from 'node:assert/strict';
import type { MessageView } from '../../src/shared/protocol';
import { answerTokens } from '../../src/simulator/answers';
import { longChat } from '../harness/longChat';
import { randomChunks, usePanelPerTest, type Panel } from './helpers/panel';

function init(chatId: string, messages: MessageView[], streaming = false) {
  return { type: 'init' as const, messages, streaming, modelLabel: 'Simulator · sim-model', chatId, chatTitle: chatId, recall: [] };
}

/** Elements in the page, rendered messages, placeholders. */
function census(panel: Panel) {
  return panel.page.evaluate(() => ({
    elements: document.getElementsByTagName('*').length,
    rendered: document.querySelectorAll('.messages > article:not(.message-virtual)').length,
    virtual: document.querySelectorAll('.messages > article.message-virtual').length,
    ids: [...document.querySelectorAll<HTMLElement>('.messages > article')].map((el) => el.dataset.id ?? ''),
  }));
}

/** Waits until all `count` messages are in the list (the older ones are added above the last screen in slices). */
async function allAdded(panel: Panel, count: number): Promise<void> {
  await panel.page.waitForFunction((n) => document.querySelectorAll('.messages > article').length >= n, count, { timeout: 60_000 });
}

/** Waits until no placeholder is waiting to be rendered and layout settled (a few frames). */
async function settle(panel: Panel, frames = 6): Promise<void> {
  await panel.page.evaluate(async (n) => {
    for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(r));
  }, frames);
}

/** Streams a new question and answer at the end of the open chat. */
async function streamAnswer(panel: Panel, id: string): Promise<string> {
  const text = answerTokens(1500, 77).join('');
  await panel.post(
    { type: 'messageAdded', message: { id: `${id}-q`, role: 'user', text: 'And one more, please.' } },
    { type: 'messageAdded', message: { id, role: 'assistant', text: '', state: 'streaming', rev: 0 } },
  );
  await panel.stream(id, randomChunks(text, 5, 20, 80), 2, 1);
  await panel.waitRendered(id, text.length);
  await panel.post({ type: 'messageFinished', id, state: 'done', stats: undefined, error: undefined });
  return text;
}

describe('A 400-message chat (Chromium)', function () {
  this.timeout(120_000);
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('keeps the DOM bounded whatever the length, every message in order, while an answer streams at the end', async () => {
    const sizes: Record<number, Awaited<ReturnType<typeof census>>> = {};
    for (const count of [100, 400]) {
      const messages = longChat(`c${count}`, count);
      await panel.post(init(`chat${count}`, messages));
      await allAdded(panel, count);
      await streamAnswer(panel, `c${count}-new`);
      await settle(panel, 20);
      sizes[count] = await census(panel);
      assert.deepEqual(sizes[count].ids, [...messages.map((m) => m.id), `c${count}-new-q`, `c${count}-new`], `${count}: the list does not hold every message in order`);
    }
    const big = sizes[400]!;
    const small = sizes[100]!;
    assert.ok(big.rendered <= 40, `${big.rendered} of 402 messages are rendered markdown`);
    assert.ok(big.virtual >= 350, `only ${big.virtual} placeholders`);
    // Four times the messages: a few nodes per placeholder more, not four times the rendered DOM.
    assert.ok(big.elements - small.elements <= 3 * (402 - 102), `elements: ${small.elements} with 100 messages, ${big.elements} with 400`);
    assert.ok(big.elements < 5_000, `${big.elements} elements with 400 messages`);
  });

  it('find-in-page, select-all + copy and the accessibility tree reach the first messages', async () => {
    const messages = longChat('f');
    await panel.post(init('find', messages));
    await allAdded(panel, messages.length);
    await settle(panel, 10);
    const first = messages[0]!;
    const firstAnswer = messages[1]!;
    assert.equal(
      await panel.page.evaluate((id) => document.querySelector(`[data-id="${id}"]`)?.classList.contains('message-virtual'), firstAnswer.id),
      true,
      'the first answer is rendered (expected a placeholder)',
    );
    // A phrase only the first answer's code has: find-in-page moves the selection to it.
    const phrase = await panel.page.evaluate(() => {
      const code = document.querySelector('.messages > article.message-virtual[data-id="fa0"] .virtual-text')!.textContent!;
      return code
        .split('\n')
        .find((l) => l.trim().length > 25)!
        .trim();
    });
    await panel.page.evaluate(() => document.querySelector<HTMLElement>('.messages')!.scrollTo(0, 1e9));
    const found = await panel.page.evaluate((p) => (window as unknown as { find(s: string, c: boolean, b: boolean, w: boolean): boolean }).find(p, false, false, true), phrase);
    assert.equal(found, true, `find-in-page did not find ${JSON.stringify(phrase)}`);
    const copied = await panel.page.evaluate(() => {
      document.getSelection()!.selectAllChildren(document.querySelector('.messages')!);
      return document.getSelection()!.toString();
    });
    assert.ok(copied.includes(first.text), 'select-all + copy leaves out the first question');
    assert.ok(copied.includes(phrase), 'select-all + copy leaves out the first answer');
    await panel.page.evaluate(() => document.getSelection()!.removeAllRanges());
    const cdp = await panel.page.context().newCDPSession(panel.page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ name?: { value?: string }; ignored?: boolean }> };
    const names = nodes.filter((n) => !n.ignored).map((n) => String(n.name?.value ?? ''));
    assert.ok(
      names.some((n) => n.includes(first.text)),
      'the first question is not in the accessibility tree',
    );
  });

  it('scrolling up renders the older messages in place: nothing on screen moves, and they render exactly', async () => {
    const messages = longChat('s');
    await panel.post(init('scroll', messages));
    await allAdded(panel, messages.length);
    await streamAnswer(panel, 's-new');
    await settle(panel, 20);
    let jumps = 0;
    let worst = 0;
    for (let step = 0; step < 150; step++) {
      const r = await panel.page.evaluate(async () => {
        const list = document.querySelector<HTMLElement>('.messages')!;
        if (list.scrollTop <= 0) return undefined;
        list.dispatchEvent(new WheelEvent('wheel', { deltaY: -700 }));
        list.scrollTop -= 700;
        // The message at the top of the view, and where it is, right after the scroll …
        const box = list.getBoundingClientRect();
        const at = document.elementFromPoint(box.left + 40, box.top + 80)?.closest<HTMLElement>('article');
        const before = at?.getBoundingClientRect().top ?? 0;
        const id = at?.dataset.id;
        for (let i = 0; i < 3; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
        // … and after the placeholders around it were rendered.
        const same = id ? document.querySelector<HTMLElement>(`.messages > [data-id="${id}"]`) : null;
        return { moved: same ? Math.abs(same.getBoundingClientRect().top - before) : 0 };
      });
      if (!r) break;
      // A pixel is the rounding of sub-pixel positions, not a jump.
      if (r.moved > 1.5) jumps++;
      worst = Math.max(worst, r.moved);
    }
    assert.equal(jumps, 0, `what was on screen moved ${jumps} times in 150 steps of scrolling up (worst ${worst.toFixed(1)} px)`);
    // Home: the top of the chat, rendered.
    await panel.page.evaluate(() => {
      const list = document.querySelector<HTMLElement>('.messages')!;
      list.dispatchEvent(new WheelEvent('wheel', { deltaY: -700 }));
      list.scrollTop = 0;
    });
    await settle(panel, 10);
    const first = await panel.page.evaluate(
      (text) => ({
        virtual: document.querySelector('[data-id="sa0"]')!.classList.contains('message-virtual'),
        same: document.querySelector('[data-id="sa0"] .markdown')?.innerHTML === window.__sidestreamTest!.renderMarkdownOnce(text),
      }),
      (messages[1] as { text: string }).text,
    );
    assert.deepEqual(first, { virtual: false, same: true }, 'at the top, the first answer is not rendered exactly');
    // Far below now: the streamed answer went back to a placeholder, and comes back exact.
    assert.equal(
      await panel.page.evaluate(() => document.querySelector('[data-id="s-new"]')!.classList.contains('message-virtual')),
      true,
      'the answer at the end is still rendered',
    );
  });
});
