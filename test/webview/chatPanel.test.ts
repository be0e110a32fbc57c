/**
 * The chat webview in real Chromium, driven through the host protocol exactly as the extension
 * drives it: handshake, streaming, states, buttons and keys, and the messages it posts back.
 */
import * as assert from 'node:assert/strict';
import { encode } from 'gpt-tokenizer';
import type { AssistantMessageView, HostToWebview, MessageStats, WebviewToHost } from '../../src/shared/protocol';
import { generateAnswer } from '../../src/simulator/answers';
import { randomChunks, usePanelPerTest, type Panel } from './helpers/panel';

const STATS: MessageStats = {
  model: 'gpt-4o-mini',
  providerLabel: 'OpenAI',
  ttftMs: 312.4,
  tokensPerSecond: 48.2,
  outputTokens: 512,
  estimated: true,
  finishReason: 'stop',
};

function assistant(id: string, text = '', state: AssistantMessageView['state'] = 'streaming'): HostToWebview {
  return { type: 'messageAdded', message: { id, role: 'assistant', text, state } };
}

function ofType<T extends WebviewToHost['type']>(posted: WebviewToHost[], type: T): Extract<WebviewToHost, { type: T }>[] {
  return posted.filter((m): m is Extract<WebviewToHost, { type: T }> => m.type === type);
}

describe('Chat webview (Chromium)', function () {
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('posts ready first and renders nothing from the host before init', async () => {
    const posted = await panel.posted();
    assert.deepEqual(posted[0], { type: 'ready' });
    assert.equal(await panel.page.locator('[data-role]').count(), 0);
    assert.equal(await panel.page.locator('body[data-sidestream-webview]').count(), 1);
    await panel.post({
      type: 'init',
      streaming: false,
      modelLabel: 'OpenAI · gpt-4o-mini',
      messages: [
        { id: 'u1', role: 'user', text: 'What is <b>TTFT</b>?', context: { fileName: 'a.ts', languageId: 'typescript', text: 'let x = 1;' } },
        { id: 'a1', role: 'assistant', text: 'Time to **first** token.', state: 'done', stats: STATS },
      ],
    });
    await panel.page.waitForSelector('[data-role="assistant"][data-id="a1"][data-state="done"]');
    assert.equal(await panel.page.textContent('[data-role="user"][data-id="u1"] .user-text'), 'What is <b>TTFT</b>?');
    assert.equal(await panel.page.innerHTML('[data-id="a1"] .markdown'), '<div class="md-chunk"><p>Time to <strong>first</strong> token.</p>\n</div>');
    assert.equal(await panel.page.textContent('.model-label'), 'OpenAI · gpt-4o-mini');
    const footer = await panel.page.textContent('[data-id="a1"] .message-footer');
    for (const part of ['gpt-4o-mini', 'TTFT 312 ms', '~48.2 tok/s', '~512 tokens', 'done']) assert.ok(footer?.includes(part), `${part} in ${footer}`);
  });

  it('streams deltas in order, at most one render per frame, honouring seq', async () => {
    await panel.post(assistant('a1'));
    // Streaming text is not a live region (the list's status line announces the end once), and is marked busy.
    await panel.page.waitForSelector('.messages[role="log"][aria-live="off"] [data-id="a1"][data-state="streaming"] .markdown:not([aria-live])[aria-busy="true"]');
    // 50 appends posted in one go coalesce into few frames.
    await panel.page.evaluate(() => {
      for (let i = 0; i < 50; i++) window.postMessage({ type: 'append', id: 'a1', seq: i, text: `w${i} ` }, '*');
    });
    await panel.waitRendered('a1', 50 * 3 + 40);
    let rendered = await panel.renders();
    assert.ok(rendered.length < 10, `${rendered.length} renders for 50 appends`);
    // Out of order and duplicate posts: seq 52 before 51, and 50 twice.
    await panel.post(
      { type: 'append', id: 'a1', seq: 50, text: 'A' },
      { type: 'append', id: 'a1', seq: 52, text: 'C' },
      { type: 'append', id: 'a1', seq: 50, text: 'X' },
      { type: 'append', id: 'a1', seq: 51, text: 'B' },
    );
    const expected = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ') + ' ABC';
    await panel.page.waitForFunction((t) => document.querySelector('[data-id="a1"] .markdown')?.textContent?.trim() === t, expected);
    rendered = await panel.renders();
    const last = rendered[rendered.length - 1];
    assert.equal(last.seq, 52);
    assert.equal(last.length, expected.length);
    for (let i = 1; i < rendered.length; i++) assert.ok(rendered[i].length > rendered[i - 1].length);
  });

  it('a long streamed answer (>= 20k tokens) ends byte-identical to a one-shot render, finished blocks untouched', async function () {
    this.timeout(60_000);
    const text = generateAnswer(42, 84_000);
    assert.ok(encode(text).length >= 20_000, `only ${encode(text).length} tokens`);
    const chunks = randomChunks(text, 1234, 1, 400);
    await panel.post(assistant('long'));
    // Stream the first ~10%, then watch the blocks that are finished by then.
    const head = Math.floor(chunks.length / 10);
    await panel.stream('long', chunks.slice(0, head), 4);
    await panel.waitRendered('long', chunks.slice(0, head).join('').length);
    const watched = await panel.page.evaluate(() => {
      const md = document.querySelector('[data-id="long"] .markdown')!;
      // Finished blocks live in chunks of 16; the live blocks follow the chunks.
      const blocks = Array.from(md.querySelectorAll(':scope > .md-chunk > *')).slice(0, -3);
      const w = window as unknown as { __watched: Element[]; __mutations: number };
      w.__watched = blocks;
      w.__mutations = 0;
      const observer = new MutationObserver((records) => (w.__mutations += records.length));
      for (const block of blocks) observer.observe(block, { subtree: true, childList: true, attributes: true, characterData: true });
      return blocks.length;
    });
    assert.ok(watched > 10, `only ${watched} finished blocks`);
    await panel.stream('long', chunks.slice(head), 4, head);
    await panel.waitRendered('long', text.length);
    await panel.post({ type: 'messageFinished', id: 'long', state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector('[data-id="long"][data-state="done"]');
    const result = await panel.page.evaluate((text) => {
      const bench = window.__sidestreamTest!;
      const md = document.querySelector('[data-id="long"] .markdown')!;
      const w = window as unknown as { __watched: Element[]; __mutations: number };
      const finished = Array.from(md.querySelectorAll(':scope > .md-chunk > *'));
      const chunks = Array.from(md.children);
      return {
        same: md.innerHTML === bench.renderMarkdownOnce(text),
        mutations: w.__mutations,
        stillThere: w.__watched.every((el, i) => finished[i] === el),
        chunked:
          chunks.every((c) => c.classList.contains('md-chunk')) &&
          chunks.slice(0, -1).every((c) => c.childElementCount === 16) &&
          chunks.length === Math.ceil(finished.length / 16),
        highlighted: md.querySelectorAll('code.hljs span[class^="hljs-"]').length,
      };
    }, text);
    assert.ok(result.same, 'incremental HTML differs from one-shot HTML');
    assert.equal(result.mutations, 0, 'finished blocks were mutated');
    assert.ok(result.stillThere, 'finished block elements were replaced');
    assert.ok(result.chunked, 'finished blocks are not grouped in chunks of 16');
    assert.ok(result.highlighted > 50, 'code blocks were not highlighted');
    const rendered = (await panel.renders()).filter((r) => r.id === 'long');
    assert.equal(rendered[rendered.length - 1].length, text.length);
    assert.equal(rendered[rendered.length - 1].seq, chunks.length - 1);
  });

  it('shows a blinking cursor while streaming, and only then', async () => {
    await panel.post(assistant('a1'), { type: 'append', id: 'a1', seq: 0, text: 'Hello' });
    await panel.waitRendered('a1', 5);
    const cursor = () => panel.page.evaluate(() => getComputedStyle(document.querySelector('[data-id="a1"] .markdown p')!, '::after').animationName);
    assert.equal(await cursor(), 'ss-blink');
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector('[data-id="a1"][data-state="done"] .markdown[aria-busy="false"]');
    assert.equal(await cursor(), 'none');
    // After a table (no text line to sit on) the cursor is a block of its own below it.
    await panel.post(assistant('t1'), { type: 'append', id: 't1', seq: 0, text: '| a | b |\n|---|---|\n| 1 | 2 |\n' });
    await panel.waitRendered('t1', 28);
    const tableCursor = await panel.page.evaluate(() => {
      const style = getComputedStyle(document.querySelector('[data-id="t1"] .markdown > table')!, '::after');
      return { animation: style.animationName, display: style.display, border: style.borderLeftStyle };
    });
    assert.deepEqual(tableCursor, { animation: 'ss-blink', display: 'block', border: 'none' });
  });

  it('Stop button and Escape post cancel while streaming; Send turns back afterwards', async () => {
    await panel.page.fill('textarea', 'Explain streams');
    await panel.page.keyboard.press('Enter');
    let posted = await panel.posted();
    assert.deepEqual(ofType(posted, 'ask'), [{ type: 'ask', text: 'Explain streams' }]);
    assert.equal(await panel.page.inputValue('textarea'), '');
    await panel.post({ type: 'messageAdded', message: { id: 'u1', role: 'user', text: 'Explain streams' } }, assistant('a1'));
    await panel.page.waitForSelector('.send-button[data-mode="stop"][aria-label="Stop"]');
    await panel.page.click('.send-button');
    await panel.page.keyboard.press('Escape');
    posted = await panel.posted();
    assert.equal(ofType(posted, 'cancel').length, 2);
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'cancelled', stats: { ...STATS, finishReason: 'cancelled' }, error: undefined });
    await panel.page.waitForSelector('.send-button[data-mode="send"]');
    await panel.page.keyboard.press('Escape');
    assert.equal(ofType(await panel.posted(), 'cancel').length, 2, 'Escape after streaming must not cancel');
  });

  it('Shift+Enter inserts a newline; Enter sends', async () => {
    await panel.page.focus('textarea');
    await panel.page.keyboard.type('line one');
    await panel.page.keyboard.press('Shift+Enter');
    await panel.page.keyboard.type('line two');
    assert.equal(await panel.page.inputValue('textarea'), 'line one\nline two');
    await panel.page.keyboard.press('Enter');
    assert.deepEqual(ofType(await panel.posted(), 'ask'), [{ type: 'ask', text: 'line one\nline two' }]);
  });

  it('data-state transitions, Cancelled mark, error line, Retry and Continue', async () => {
    await panel.post(assistant('a1'), { type: 'append', id: 'a1', seq: 0, text: 'Partial answer' });
    await panel.waitRendered('a1', 14);
    assert.equal(await panel.page.getAttribute('[data-id="a1"]', 'data-state'), 'streaming');
    await panel.post({ type: 'notice', id: 'a1', notice: 'Rate limited: retrying in 3 s' });
    await panel.page.waitForSelector('[data-id="a1"] .notice:not([hidden]):has-text("retrying in 3 s")');
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'error', stats: undefined, error: { kind: 'rate-limit', message: 'Too many requests; try again later.' } });
    await panel.page.waitForSelector('[data-id="a1"][data-state="error"]');
    assert.equal((await panel.page.textContent('[data-id="a1"] .markdown'))?.trim(), 'Partial answer');
    assert.equal(await panel.page.isHidden('[data-id="a1"] .notice'), true);
    assert.equal(await panel.page.textContent('[data-id="a1"] .error-line'), 'rate-limitToo many requests; try again later.');
    await panel.page.click('[data-id="a1"] button[data-action="retry"]');
    await panel.page.click('[data-id="a1"] button[data-action="continue"]');
    let posted = await panel.posted();
    assert.deepEqual(ofType(posted, 'retry'), [{ type: 'retry', id: 'a1' }]);
    assert.deepEqual(ofType(posted, 'continue'), [{ type: 'continue', id: 'a1' }]);

    // Continue: back to streaming, new text extends the same message.
    await panel.post({ type: 'messageResumed', id: 'a1', rev: 0 }, { type: 'append', id: 'a1', seq: 1, text: ' continued.' });
    await panel.waitRendered('a1', 25);
    assert.equal(await panel.page.getAttribute('[data-id="a1"]', 'data-state'), 'streaming');
    assert.equal((await panel.page.textContent('[data-id="a1"] .markdown'))?.trim(), 'Partial answer continued.');
    assert.equal(await panel.page.isHidden('[data-id="a1"] .error-line'), true);
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'cancelled', stats: { ...STATS, finishReason: 'cancelled', estimated: false }, error: undefined });
    await panel.page.waitForSelector('[data-id="a1"][data-state="cancelled"]');
    const footer = await panel.page.textContent('[data-id="a1"] .message-footer');
    assert.ok(footer?.includes('Cancelled'));
    assert.ok(footer?.includes('48.2 tok/s') && !footer.includes('~'), footer ?? '');
    assert.equal(await panel.page.locator('[data-id="a1"] button[data-action="retry"]').count(), 0);
    assert.equal(await panel.page.locator('[data-id="a1"] button[data-action="continue"]').count(), 1);

    // Done by length: Continue offered; done by stop: no buttons.
    await panel.post(assistant('a2', 'cut'), { type: 'messageFinished', id: 'a2', state: 'done', stats: { ...STATS, finishReason: 'length' }, error: undefined });
    await panel.post(assistant('a3', 'whole'), { type: 'messageFinished', id: 'a3', state: 'done', stats: STATS, error: undefined });
    await panel.page.waitForSelector('[data-id="a3"][data-state="done"]');
    assert.equal(await panel.page.locator('[data-id="a2"] button[data-action="continue"]').count(), 1);
    assert.equal(await panel.page.locator('[data-id="a3"] .message-footer button').count(), 0);
    posted = await panel.posted();
    assert.equal(ofType(posted, 'continue').length, 1);
  });

  it('code blocks get a toolbar with language, Copy and Insert', async () => {
    const code = 'const a = 1;\nconsole.log(a < 2);';
    await panel.post(assistant('a1', 'Here:\n\n```typescript\n' + code + '\n```\n\nDone.', 'done'));
    await panel.page.waitForSelector('[data-id="a1"] .code-block');
    assert.equal(await panel.page.textContent('[data-id="a1"] .code-lang'), 'typescript');
    assert.ok((await panel.page.locator('[data-id="a1"] code.hljs .hljs-keyword').count()) > 0, 'not highlighted');
    await panel.page.click('[data-id="a1"] .code-block button[data-action="copy"]');
    await panel.page.click('[data-id="a1"] button[data-action="insert"]');
    const posted = await panel.posted();
    assert.deepEqual(ofType(posted, 'copy'), [{ type: 'copy', text: code }]);
    assert.deepEqual(ofType(posted, 'insert'), [{ type: 'insert', text: code }]);
  });

  it('reasoning is shown in a collapsible details above the answer', async () => {
    await panel.post(
      assistant('a1'),
      { type: 'append', id: 'a1', seq: 0, text: '', reasoning: 'Let me think. ' },
      { type: 'append', id: 'a1', seq: 1, text: 'Answer.', reasoning: 'Done thinking.' },
    );
    await panel.waitRendered('a1', 7);
    const info = await panel.page.evaluate(() => {
      const msg = document.querySelector('[data-id="a1"]')!;
      const details = msg.querySelector('details.reasoning') as HTMLDetailsElement;
      return {
        text: details.querySelector('.reasoning-text')!.textContent,
        before: !!(details.compareDocumentPosition(msg.querySelector('.markdown')!) & Node.DOCUMENT_POSITION_FOLLOWING),
        hidden: details.hidden,
      };
    });
    assert.deepEqual(info, { text: 'Let me think. Done thinking.', before: true, hidden: false });
  });

  it('cleared (New Chat in the view title bar) empties the list', async () => {
    await panel.post(assistant('a1', 'x', 'done'));
    await panel.page.waitForSelector('[data-id="a1"]');
    await panel.post({ type: 'cleared' });
    await panel.page.waitForFunction(() => document.querySelectorAll('[data-role]').length === 0);
  });

  it('setup card buttons post runCommand with the option id only (the host owns command and args)', async () => {
    await panel.post({
      type: 'setup',
      reason: 'No API key is set and no local model server answered.',
      options: [
        { id: 'key', label: 'Add an OpenAI key', description: 'Stored in VS Code secret storage.', command: 'sidestream.setApiKey', args: ['openai'] },
        { id: 'ollama', label: 'Use Ollama', description: 'Runs models on this machine.', command: 'sidestream.useLocal', args: [{ provider: 'ollama' }] },
        { id: 'sim', label: 'Try the simulator', description: 'No account needed.', command: 'sidestream.useSimulator' },
      ],
    });
    await panel.page.waitForSelector('.setup-card');
    await panel.page.click('.setup-card button:has-text("Use Ollama")');
    await panel.page.click('.setup-card button:has-text("Try the simulator")');
    assert.deepEqual(ofType(await panel.posted(), 'runCommand'), [
      { type: 'runCommand', id: 'ollama' },
      { type: 'runCommand', id: 'sim' },
    ]);
  });

  it('everything is reachable from the keyboard with visible focus', async () => {
    await panel.post(assistant('a1', '```js\nx\n```\n\n[site](https://example.com)', 'done'), {
      type: 'messageFinished',
      id: 'a1',
      state: 'cancelled',
      stats: STATS,
      error: undefined,
    });
    await panel.page.waitForSelector('[data-id="a1"][data-state="cancelled"]');
    await panel.page.fill('textarea', 'x');
    const seen: string[] = [];
    await panel.page.focus('body');
    for (let i = 0; i < 20; i++) {
      await panel.page.keyboard.press('Tab');
      const focused = await panel.page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        if (el === document.body) return undefined;
        return { label: el.getAttribute('aria-label') ?? el.textContent ?? el.tagName, outline: getComputedStyle(el).outlineStyle };
      });
      if (!focused) continue;
      seen.push(focused.label);
      if (focused.label !== 'Message to send') assert.notEqual(focused.outline, 'none', `no focus ring on ${focused.label}`);
    }
    for (const label of ['Copy code', 'Insert code at cursor', 'site', 'Continue', 'Message to send', 'Send'])
      assert.ok(seen.includes(label), `${label} not reached: ${seen.join(' | ')}`);
    await panel.page.locator('button[data-action="continue"]').focus();
    await panel.page.keyboard.press('Enter');
    assert.equal(ofType(await panel.posted(), 'continue').length, 1);
  });
});
