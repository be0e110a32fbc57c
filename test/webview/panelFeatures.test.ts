/**
 * Issue 15's panel features in real Chromium, driven through the host protocol: message actions
 * (Copy, Regenerate, Edit), the branch navigator, context files and chips, `#`/`@` file picking,
 * the model button, ↑/↓ recall, the draft and scroll position across a reload (VS Code's webview
 * state), focusComposer, Jump to latest and the once-per-answer status announcement.
 */
import * as assert from 'node:assert/strict';
import type { ContextChip, MessageView, WebviewToHost } from '../../src/shared/protocol';
import { initMessage, usePanelPerTest, type Panel } from './helpers/panel';

function ofType<T extends WebviewToHost['type']>(posted: WebviewToHost[], type: T): Extract<WebviewToHost, { type: T }>[] {
  return posted.filter((m): m is Extract<WebviewToHost, { type: T }> => m.type === type);
}

const ANSWER = 'Use **`for await`**:\n\n```ts\nfor await (const x of xs) use(x);\n```\n\nThat is all.';

/** A long conversation: enough to scroll. */
function longConversation(pairs = 12): MessageView[] {
  const messages: MessageView[] = [];
  for (let i = 0; i < pairs; i++) {
    messages.push({ id: `u${i}`, role: 'user', text: `Question ${i}` });
    messages.push({
      id: `a${i}`,
      role: 'assistant',
      text: Array.from({ length: 6 }, (_, k) => `Paragraph ${k} of answer ${i}, long enough to wrap in a narrow panel.`).join('\n\n'),
      state: 'done',
    });
  }
  return messages;
}

describe('Chat webview: actions, composer, state (Chromium)', function () {
  let panel: Panel;
  usePanelPerTest((p) => (panel = p));

  it('Copy on an answer posts its whole Markdown, with brief feedback; not while it streams', async () => {
    await panel.post(
      initMessage([
        { id: 'u1', role: 'user', text: 'How?' },
        { id: 'a1', role: 'assistant', text: ANSWER, state: 'done' },
      ]),
    );
    const copy = panel.page.locator('[data-role="assistant"][data-id="a1"] .message-toolbar button[data-action="copy"]');
    assert.equal(await copy.getAttribute('aria-label'), 'Copy');
    await copy.click();
    assert.deepEqual(ofType(await panel.posted(), 'copy'), [{ type: 'copy', text: ANSWER }]);
    await panel.page.waitForSelector('[data-id="a1"] .message-toolbar [data-action="copy"] .codicon-check');
    await panel.page.waitForSelector('[data-id="a1"] .message-toolbar [data-action="copy"] .codicon-copy');
    // A code block's own Copy still copies only its code.
    await panel.clearPosted();
    await panel.page.click('[data-id="a1"] .code-block button[data-action="copy"]');
    assert.deepEqual(ofType(await panel.posted(), 'copy'), [{ type: 'copy', text: 'for await (const x of xs) use(x);' }]);
    await panel.post({ type: 'messageAdded', message: { id: 'a2', role: 'assistant', text: 'Partial', state: 'streaming' } });
    assert.equal(await panel.page.locator('[data-id="a2"] .message-toolbar [data-action="copy"]').isDisabled(), true);
    assert.equal(await panel.page.locator('[data-id="a1"] .message-toolbar [data-action="copy"]').isDisabled(), false);
  });

  it('a failed answer offers the action that fixes it before Retry, and posts only the answer it belongs to', async () => {
    const failed = (id: string, kind: 'auth' | 'not-found' | 'connection' | 'bad-request'): MessageView => ({
      id,
      role: 'assistant',
      text: '',
      state: 'error',
      error: { kind, message: `It failed (${kind}).` },
    });
    await panel.post(
      initMessage([{ id: 'u1', role: 'user', text: 'Q' }, failed('a1', 'auth'), failed('a2', 'not-found'), failed('a3', 'connection'), failed('a4', 'bad-request')]),
    );
    const labels = (id: string) => panel.page.locator(`[data-id="${id}"] .message-footer .message-actions button`).allInnerTexts();
    assert.deepEqual(await labels('a1'), ['Set API Key', 'Retry', 'Continue']);
    assert.deepEqual(await labels('a2'), ['Select Model', 'Retry', 'Continue']);
    assert.deepEqual(await labels('a3'), ['Open Settings', 'Retry', 'Continue']);
    assert.deepEqual(await labels('a4'), ['Retry', 'Continue'], 'a request the server refused has nothing to set up');
    await panel.clearPosted();
    await panel.page.click('[data-id="a2"] button[data-action="fix-failure"]');
    assert.deepEqual(ofType(await panel.posted(), 'fixFailure'), [{ type: 'fixFailure', id: 'a2' }]);
  });

  it('Regenerate and Edit post their messages, and are disabled while an answer streams', async () => {
    await panel.post(
      initMessage([
        { id: 'u1', role: 'user', text: 'First question' },
        { id: 'a1', role: 'assistant', text: 'Answer.', state: 'done' },
      ]),
    );
    await panel.page.click('[data-id="a1"] [data-action="regenerate"]');
    assert.deepEqual(ofType(await panel.posted(), 'regenerate'), [{ type: 'regenerate', id: 'a1' }]);
    await panel.post({ type: 'messageAdded', message: { id: 'a2', role: 'assistant', text: '', state: 'streaming' } });
    assert.equal(await panel.page.locator('[data-id="a1"] [data-action="regenerate"]').isDisabled(), true);
    assert.equal(await panel.page.locator('[data-id="u1"] [data-action="edit"]').isDisabled(), true);
    await panel.post({ type: 'messageFinished', id: 'a2', state: 'done', stats: undefined, error: undefined });
    assert.equal(await panel.page.locator('[data-id="a1"] [data-action="regenerate"]').isDisabled(), false);
    assert.equal(await panel.page.locator('[data-id="u1"] [data-action="edit"]').isDisabled(), false);
  });

  it('Edit opens an inline editor: Enter posts edit, Esc and Cancel restore the question', async () => {
    await panel.post(
      initMessage([
        { id: 'u1', role: 'user', text: 'Old question' },
        { id: 'a1', role: 'assistant', text: 'Answer.', state: 'done' },
      ]),
    );
    const edit = panel.page.locator('[data-role="user"][data-id="u1"] [data-action="edit"]');
    assert.equal(await edit.getAttribute('aria-label'), 'Edit');
    await edit.click();
    const input = panel.page.locator('[data-id="u1"] .edit-form textarea');
    assert.equal(await input.inputValue(), 'Old question');
    assert.equal(await input.evaluate((el) => el === document.activeElement), true);
    await panel.page.keyboard.press('Escape');
    assert.equal(await panel.page.locator('[data-id="u1"] .edit-form').count(), 0);
    assert.equal(await panel.page.textContent('[data-id="u1"] .user-text'), 'Old question');
    assert.equal(ofType(await panel.posted(), 'cancel').length, 0);

    await edit.click();
    await panel.page.click('[data-id="u1"] [data-action="edit-cancel"]');
    assert.equal(await panel.page.textContent('[data-id="u1"] .user-text'), 'Old question');

    await edit.click();
    await input.fill('New question');
    await input.press('Enter');
    assert.deepEqual(ofType(await panel.posted(), 'edit'), [{ type: 'edit', id: 'u1', text: 'New question' }]);
    assert.equal(await panel.page.locator('[data-id="u1"] .edit-form').count(), 0);

    await edit.click();
    await input.fill('Via the button');
    await panel.page.click('[data-id="u1"] [data-action="edit-send"]');
    assert.deepEqual(ofType(await panel.posted(), 'edit').at(-1), { type: 'edit', id: 'u1', text: 'Via the button' });
  });

  it('branch navigator shows "2/3", posts switchBranch, and is disabled at the ends', async () => {
    await panel.post(
      initMessage([
        { id: 'u1', role: 'user', text: 'Q', branch: { index: 1, count: 2 } },
        { id: 'a1', role: 'assistant', text: 'A', state: 'done', branch: { index: 2, count: 3 } },
        { id: 'u2', role: 'user', text: 'Q2' },
        { id: 'a2', role: 'assistant', text: 'A2', state: 'done', branch: { index: 3, count: 3 } },
        { id: 'a3', role: 'assistant', text: 'A3', state: 'done', branch: { index: 1, count: 1 } },
      ]),
    );
    assert.equal(await panel.page.textContent('[data-id="a1"] .branch-index'), '2/3');
    assert.equal(await panel.page.textContent('[data-id="u1"] .branch-index'), '1/2');
    assert.equal(await panel.page.locator('[data-id="u2"] .branch-nav, [data-id="a3"] .branch-nav').count(), 0);
    const prev = panel.page.locator('[data-id="a1"] [data-action="branch-prev"]');
    const next = panel.page.locator('[data-id="a1"] [data-action="branch-next"]');
    assert.equal(await prev.getAttribute('aria-label'), 'Previous version');
    assert.equal(await next.getAttribute('aria-label'), 'Next version');
    await prev.click();
    await next.click();
    assert.equal(await panel.page.locator('[data-id="u1"] [data-action="branch-prev"]').isDisabled(), true);
    assert.equal(await panel.page.locator('[data-id="a2"] [data-action="branch-next"]').isDisabled(), true);
    await panel.page.click('[data-id="u1"] [data-action="branch-next"]');
    assert.deepEqual(ofType(await panel.posted(), 'switchBranch'), [
      { type: 'switchBranch', id: 'a1', delta: -1 },
      { type: 'switchBranch', id: 'a1', delta: 1 },
      { type: 'switchBranch', id: 'u1', delta: 1 },
    ]);
  });

  it("shows a question's context files collapsed, with cut notes, its selection with the code, and the legacy selection", async () => {
    await panel.post(
      initMessage([
        {
          id: 'u1',
          role: 'user',
          text: 'Why?',
          contextFiles: [
            { kind: 'file', fileName: 'src/big.ts', languageId: 'typescript', text: '…', tokens: 8000, truncatedNote: 'cut to the first 8,000 of 23,412 tokens' },
            { kind: 'selection', fileName: 'src/app.ts', languageId: 'typescript', text: 'let x;', tokens: 3 },
          ],
        },
        { id: 'u2', role: 'user', text: 'Old', context: { fileName: 'a.ts', languageId: 'typescript', text: 'let y;' } },
      ]),
    );
    const details = panel.page.locator('[data-id="u1"] details.message-context-files');
    assert.equal(await details.getAttribute('open'), null);
    assert.equal(await details.locator('summary').textContent(), 'src/big.ts');
    const items = await details.locator('li').allTextContents();
    assert.deepEqual(items, ['src/big.ts≈8,000 tokenscut to the first 8,000 of 23,412 tokens']);
    // A selection is shown with its code, collapsed, as Ask About Selection always showed it.
    const selection = panel.page.locator('[data-id="u1"] details.message-context:not(.message-context-files)');
    assert.equal(await selection.getAttribute('open'), null);
    assert.equal(await selection.locator('summary').textContent(), 'src/app.ts (typescript)');
    assert.equal(await selection.locator('pre code').textContent(), 'let x;');
    assert.equal(await panel.page.textContent('[data-id="u2"] details.message-context summary'), 'a.ts (typescript)');
  });

  it('context chips: tokens, cut note, remove, attach a suggestion, Attach file; a new set replaces the old', async () => {
    const chips: ContextChip[] = [
      { id: 'c1', kind: 'file', label: 'big.ts', description: 'src/big.ts', tokens: 8000, truncatedNote: 'cut to the first 8,000 of 23,412 tokens' },
      { id: 'c2', kind: 'selection', label: 'app.ts:3-9', description: 'src/app.ts', tokens: 42 },
      { id: 'c3', kind: 'activeFile', label: 'main.ts', description: 'src/main.ts', tokens: 1234, suggested: true },
    ];
    await panel.post(initMessage([]), { type: 'context', chips });
    const chip = (id: string) => panel.page.locator(`.context-chips [data-chip-id="${id}"]`);
    assert.equal(await chip('c1').getAttribute('data-kind'), 'file');
    assert.match((await chip('c1').textContent()) ?? '', /big\.ts.*≈8,000 tokens.*cut/);
    assert.equal(await chip('c1').locator('.chip-cut').getAttribute('title'), 'cut to the first 8,000 of 23,412 tokens');
    assert.equal(await chip('c2').locator('.chip-cut').count(), 0);
    assert.equal(await chip('c3').evaluate((el) => el.tagName + ' ' + el.className), 'BUTTON chip suggested');
    assert.equal(await chip('c3').locator('.codicon-add').count(), 1);
    assert.equal(await chip('c3').locator('[data-action="remove-context"]').count(), 0);

    const remove = chip('c1').locator('[data-action="remove-context"]');
    assert.equal(await remove.getAttribute('aria-label'), 'Remove big.ts');
    await remove.click();
    await chip('c3').click();
    await panel.page.click('.composer [data-action="pick-context"]');
    const posted = await panel.posted();
    assert.deepEqual(ofType(posted, 'removeContext'), [{ type: 'removeContext', id: 'c1' }]);
    assert.deepEqual(ofType(posted, 'attachContext'), [{ type: 'attachContext', id: 'c3' }]);
    assert.equal(ofType(posted, 'pickContext').length, 1);

    await panel.post({ type: 'context', chips: [chips[1]] });
    assert.deepEqual(await panel.page.locator('.context-chips [data-chip-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.chipId)), ['c2']);
    await panel.post({ type: 'context', chips: [] });
    assert.equal(await panel.page.locator('.context-chips').isVisible(), false);
  });

  it('# or @ at the start of a word posts pickContext and is dropped from the question', async () => {
    await panel.post(initMessage([]));
    const input = panel.page.locator('textarea.input');
    await input.click();
    await panel.page.keyboard.type('look at #');
    assert.equal(await input.inputValue(), 'look at ');
    assert.equal(ofType(await panel.posted(), 'pickContext').length, 1);
    await panel.page.keyboard.type('this');
    await input.fill('');
    await panel.page.keyboard.type('@');
    assert.equal(await input.inputValue(), '');
    assert.equal(ofType(await panel.posted(), 'pickContext').length, 2);
    // Inside a word it is just a character.
    await panel.page.keyboard.type('issue#15 a@b');
    assert.equal(await input.inputValue(), 'issue#15 a@b');
    assert.equal(ofType(await panel.posted(), 'pickContext').length, 2);
  });

  it('the model button shows provider · model and posts selectModel; the header shows the chat title', async () => {
    await panel.post(initMessage([]));
    assert.equal(await panel.page.textContent('.chat-title'), 'New chat');
    const model = panel.page.locator('.composer button[data-action="select-model"]');
    assert.equal(await model.locator('.model-label').textContent(), 'OpenAI · gpt-4o-mini');
    await panel.post({ type: 'provider', label: 'Ollama · llama3.2' });
    assert.equal(await model.locator('.model-label').textContent(), 'Ollama · llama3.2');
    await model.click();
    assert.deepEqual(ofType(await panel.posted(), 'selectModel'), [{ type: 'selectModel' }]);
    await panel.post(initMessage([], { chatId: 'c1', chatTitle: 'Streams in TypeScript' }));
    assert.equal(await panel.page.textContent('.chat-title'), 'Streams in TypeScript');
  });

  it('↑/↓ in an empty composer recall earlier questions, most recent first, then back to the draft', async () => {
    await panel.post(
      initMessage(
        [
          { id: 'u1', role: 'user', text: 'in this chat' },
          { id: 'a1', role: 'assistant', text: 'A', state: 'done' },
        ],
        { recall: ['oldest', 'in this chat', 'two\nlines'] },
      ),
    );
    const input = panel.page.locator('textarea.input');
    await input.click();
    await panel.page.keyboard.type('sent here');
    await panel.page.keyboard.press('Enter');
    assert.equal(await input.inputValue(), '');
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      await panel.page.keyboard.press('ArrowUp');
      seen.push(await input.inputValue());
    }
    // "two\nlines" is shown with the caret on its last line: the next ↑ moves the caret up first.
    assert.deepEqual(seen, ['sent here', 'in this chat', 'two\nlines', 'two\nlines', 'oldest']);
    await panel.page.keyboard.press('ArrowUp');
    assert.equal(await input.inputValue(), 'oldest', 'stays at the oldest');
    await panel.page.keyboard.press('ArrowDown');
    assert.equal(await input.inputValue(), 'two\nlines');
    await panel.page.keyboard.press('ArrowDown');
    await panel.page.keyboard.press('ArrowDown');
    assert.equal(await input.inputValue(), 'sent here');
    await panel.page.keyboard.press('ArrowDown');
    assert.equal(await input.inputValue(), '', 'back to the empty draft');
    // Typing ends recall: ↑ in a non-empty composer is the caret's.
    await panel.page.keyboard.press('ArrowUp');
    await panel.page.keyboard.type(' edited');
    assert.equal(await input.inputValue(), 'sent here edited');
    await panel.page.keyboard.press('ArrowUp');
    assert.equal(await input.inputValue(), 'sent here edited');
  });

  it('the draft and the scroll position survive a reload of the page (VS Code webview state)', async () => {
    const messages = longConversation();
    await panel.post(initMessage(messages, { chatId: 'chat-1' }));
    const input = panel.page.locator('textarea.input');
    await input.fill('half-written question');
    const list = panel.page.locator('.messages');
    const box = (await list.boundingBox())!;
    await panel.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 3; i++) await panel.page.mouse.wheel(0, -400);
    await panel.page.waitForFunction(() => !(document.querySelector('.jump-to-latest') as HTMLElement).hidden);
    // Wheel scrolling is animated: measure once it has settled.
    await panel.page.evaluate(async () => {
      const l = document.querySelector('.messages')!;
      for (let last = -1; last !== l.scrollTop;) {
        last = l.scrollTop;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    const topBefore = await panel.page.evaluate(() => {
      const l = document.querySelector('.messages')!;
      const top = l.scrollTop;
      return [...l.querySelectorAll<HTMLElement>('[data-id]')].find((el) => el.offsetTop + el.offsetHeight > top)!.dataset.id;
    });
    // Saves are debounced; the stub's state is what the next page gets.
    await panel.page.waitForFunction((id) => {
      const saved = sessionStorage.getItem('__sidestreamWebviewState') ?? '';
      return saved.includes('half-written') && saved.includes('"following":false') && saved.includes(`"id":"${id}"`);
    }, topBefore);
    assert.notEqual(topBefore, 'u0', 'scrolled to the middle, not the top');

    await panel.page.reload();
    await panel.page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'));
    await panel.post(initMessage(messages, { chatId: 'chat-1' }));
    assert.equal(await input.inputValue(), 'half-written question');
    const after = await panel.page.evaluate(() => {
      const l = document.querySelector('.messages')!;
      const top = l.scrollTop;
      return {
        id: [...l.querySelectorAll<HTMLElement>('[data-id]')].find((el) => el.offsetTop + el.offsetHeight > top)!.dataset.id,
        atEnd: l.scrollHeight - l.scrollTop - l.clientHeight < 48,
        jump: !(document.querySelector('.jump-to-latest') as HTMLElement).hidden,
      };
    });
    assert.deepEqual(after, { id: topBefore, atEnd: false, jump: true });

    // Following at the end is restored as following, and the draft as it was last saved.
    await panel.page.click('[data-action="jump-to-latest"]');
    await input.fill('');
    await panel.page.waitForFunction(() => (sessionStorage.getItem('__sidestreamWebviewState') ?? '').includes('"following":true'));
    await panel.page.reload();
    await panel.page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'));
    await panel.post(initMessage(messages, { chatId: 'chat-1' }));
    assert.equal(await input.inputValue(), '');
    assert.equal(await list.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight < 48), true);
  });

  it('a storage problem shows one persistent banner (also in a reloaded view) until the host says saving works again', async () => {
    const reason = "Sidestream can't save chats: ENOSPC: no space left on device, write. What you see stays in this window.";
    await panel.post(initMessage([{ id: 'u1', role: 'user', text: 'Q' }]));
    const banner = panel.page.locator('.storage-problem');
    assert.equal(await banner.isVisible(), false);
    await panel.post({ type: 'storageProblem', message: reason });
    await banner.waitFor({ state: 'visible' });
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal(await banner.textContent(), reason);
    // New messages, a cleared chat and a redraw keep it: it goes only when the host clears it.
    await panel.post({ type: 'messageAdded', message: { id: 'a1', role: 'assistant', text: 'A', state: 'done' } }, { type: 'cleared' });
    assert.equal(await banner.isVisible(), true);
    await panel.post({ type: 'storageProblem', message: undefined });
    assert.equal(await banner.isVisible(), false);
    // A view (re)loaded while saving is stopped is told by its init.
    await panel.post(initMessage([], { storageProblem: reason }));
    assert.equal(await banner.textContent(), reason);
    await panel.post(initMessage([]));
    assert.equal(await banner.isVisible(), false);
  });

  it('focusComposer focuses the question box', async () => {
    await panel.post(initMessage([{ id: 'u1', role: 'user', text: 'Q' }]));
    await panel.page.focus('[data-id="u1"] [data-action="edit"]');
    await panel.post({ type: 'focusComposer' });
    assert.equal(await panel.page.evaluate(() => document.activeElement?.matches('textarea.input')), true);
  });

  it('scrolling up while streaming shows Jump to latest, which scrolls to the end and follows again', async () => {
    await panel.post(initMessage(longConversation(4)), { type: 'messageAdded', message: { id: 's1', role: 'assistant', text: '', state: 'streaming' } });
    const jump = panel.page.locator('button[data-action="jump-to-latest"]');
    const chunks = Array.from({ length: 40 }, (_, i) => `Streamed paragraph ${i} with enough words to take a line or two.\n\n`);
    await panel.stream('s1', chunks.slice(0, 10));
    assert.equal(await jump.isVisible(), false, 'hidden while following');
    const list = panel.page.locator('.messages');
    const box = (await list.boundingBox())!;
    await panel.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await panel.page.mouse.wheel(0, -500);
    await jump.waitFor({ state: 'visible' });
    await panel.stream('s1', chunks.slice(10, 20), 3, 10);
    const atEnd = () => list.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight < 48);
    assert.equal(await atEnd(), false, 'not following after scrolling up');
    // Keyboard reachable: a real button that Enter activates.
    await jump.focus();
    await panel.page.keyboard.press('Enter');
    await jump.waitFor({ state: 'hidden' });
    assert.equal(await atEnd(), true);
    await panel.stream('s1', chunks.slice(20), 3, 20);
    await panel.waitRendered('s1', chunks.join('').length);
    assert.equal(await atEnd(), true, 'follows again');
  });

  it('the status line announces each answer once when it ends, never per append', async () => {
    await panel.post(initMessage([]));
    await panel.page.evaluate(() => {
      const status = document.querySelector('[role="status"].visually-hidden')!;
      const said: string[] = ((window as unknown as { __said: string[] }).__said = []);
      new MutationObserver(() => {
        if (status.textContent) said.push(status.textContent);
      }).observe(status, { childList: true, characterData: true, subtree: true });
    });
    const said = () => panel.page.evaluate(() => (window as unknown as { __said: string[] }).__said);
    await panel.post({ type: 'messageAdded', message: { id: 'a1', role: 'assistant', text: '', state: 'streaming' } });
    await panel.stream(
      'a1',
      Array.from({ length: 30 }, (_, i) => `word${i} `),
    );
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'done', stats: undefined, error: undefined });
    await panel.page.waitForFunction(() => (window as unknown as { __said: string[] }).__said.length > 0);
    await panel.post({ type: 'messageFinished', id: 'a1', state: 'done', stats: undefined, error: undefined });
    await panel.post({ type: 'messageAdded', message: { id: 'a2', role: 'assistant', text: '', state: 'streaming' } });
    await panel.stream('a2', ['x ', 'y ']);
    await panel.post({ type: 'messageFinished', id: 'a2', state: 'cancelled', stats: undefined, error: undefined });
    await panel.post({ type: 'messageAdded', message: { id: 'a3', role: 'assistant', text: '', state: 'streaming' } });
    await panel.post({ type: 'messageFinished', id: 'a3', state: 'error', stats: undefined, error: { kind: 'connection', message: 'The connection was reset.\nDetails follow.' } });
    await panel.page.waitForFunction(() => (window as unknown as { __said: string[] }).__said.length >= 3);
    await panel.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    assert.deepEqual(await said(), ['Answer done', 'Cancelled', 'Failed: The connection was reset.']);
    assert.equal(await panel.page.locator('.messages').getAttribute('aria-live'), 'off');
  });
});
