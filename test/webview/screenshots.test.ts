/**
 * Screenshots of the panel mid-stream and finished, in dark and light themes, written to
 * test-artifacts/webview-*.png for a human to look at. Also checks the theme variables are in use.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { HostToWebview, MessageStats } from '../../src/shared/protocol';
import { ensureArtifactsDir, initMessage, openPanel, randomChunks, SAMPLE_CONTEXT, sampleQuestion, startPageServer, useChromium, type Panel } from './helpers/panel';

const QUESTION = 'How do I read a streamed response line by line in TypeScript, and stop it early?';
const ANSWER = `Use the response body as an async iterable and split on newlines. Keep the **partial last line** in a buffer until the next chunk arrives:

\`\`\`ts
export async function* readLines(body: ReadableStream<Uint8Array>, signal?: AbortSignal) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    if (signal?.aborted) return; // stop early
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\\n')) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
}
\`\`\`

A few things to watch:

1. Pass \`{ stream: true }\` to \`decode\` so multi-byte characters split across chunks survive.
2. Leaving the \`for await\` loop early cancels the body — see [the Streams spec](https://streams.spec.whatwg.org/).
3. Lines may end with \`\\r\\n\`; strip the \`\\r\` if the server sends it.

| Approach | Cancels the socket | Notes |
|:--|:-:|:--|
| \`AbortController\` | yes | Preferred |
| \`break\` out of the loop | yes | Calls \`return()\` |
| ignore the rest | no | Wastes tokens |

> Tip: measure time to first token from the *first text delta*, not from the response headers.
`;

const STATS: MessageStats = { model: 'gpt-4o-mini', providerLabel: 'OpenAI', ttftMs: 284, tokensPerSecond: 71.6, outputTokens: 386, estimated: false, finishReason: 'stop' };

describe('Webview screenshots (Chromium)', function () {
  this.timeout(60_000);
  const chromium = useChromium();

  async function conversation(theme: 'dark' | 'light'): Promise<Panel> {
    const panel = await chromium.openPanel(theme, { width: 440, height: 900 });
    const init: HostToWebview = {
      type: 'init',
      streaming: false,
      modelLabel: 'OpenAI · gpt-4o-mini',
      messages: [
        { id: 'u0', role: 'user', text: 'What does TTFT measure?' },
        {
          id: 'a0',
          role: 'assistant',
          text: 'The time from sending the request to the **first token** of the answer.',
          state: 'cancelled',
          stats: { ...STATS, outputTokens: 14, tokensPerSecond: 52.3, estimated: true, finishReason: 'cancelled' },
        },
        { id: 'u1', role: 'user', text: QUESTION, context: { fileName: 'stream.ts', languageId: 'typescript', text: 'const res = await fetch(url);' } },
      ],
    };
    await panel.post(init, { type: 'messageAdded', message: { id: 'a1', role: 'assistant', text: '', state: 'streaming' } });
    return panel;
  }

  for (const theme of ['dark', 'light'] as const) {
    it(`mid-stream and finished (${theme})`, async () => {
      const dir = ensureArtifactsDir();
      const panel = await conversation(theme);
      const chunks = randomChunks(ANSWER, 5, 2, 30);
      const cut = ANSWER.indexOf('A few things');
      const midChunks: string[] = [];
      for (let n = 0; midChunks.join('').length < cut + 10; n++) midChunks.push(chunks[n]);
      await panel.stream('a1', midChunks, 4);
      await panel.waitRendered('a1', midChunks.join('').length);
      await panel.page.evaluate(() =>
        document
          .querySelector('[data-id="a1"] .markdown > p:last-child')
          ?.getAnimations({ subtree: false })
          .forEach((a) => a.pause()),
      );
      await panel.page.screenshot({ path: path.join(dir, `webview-${theme}-midstream.png`) });
      await panel.stream('a1', chunks.slice(midChunks.length), 4, midChunks.length);
      await panel.post({ type: 'messageFinished', id: 'a1', state: 'done', stats: STATS, error: undefined });
      await panel.post(
        { type: 'messageAdded', message: { id: 'u2', role: 'user', text: 'And if the server fails halfway?' } },
        { type: 'messageAdded', message: { id: 'a2', role: 'assistant', text: 'Then you keep the partial text and', state: 'streaming' } },
        { type: 'messageFinished', id: 'a2', state: 'error', stats: undefined, error: { kind: 'connection', message: 'The connection was reset by the server (ECONNRESET).' } },
      );
      await panel.page.waitForSelector('[data-id="a2"][data-state="error"]');
      await panel.page.screenshot({ path: path.join(dir, `webview-${theme}-finished.png`), fullPage: false });
      await panel.page.evaluate(() => document.querySelector('.messages')!.scrollTo(0, 0));
      // Blocks use content-visibility: auto, so ones scrolled into view by a jump are painted in the
      // frame after the jump (the browser decides they are on screen at the end of a frame): wait two.
      await panel.page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
      await panel.page.screenshot({ path: path.join(dir, `webview-${theme}-top.png`) });
      // Colours really come from the theme variables.
      const colours = await panel.page.evaluate(() => ({
        body: getComputedStyle(document.body).color,
        send: getComputedStyle(document.querySelector('.send-button')!).backgroundColor,
        link: getComputedStyle(document.querySelector('.markdown a')!).color,
      }));
      assert.deepEqual(
        colours,
        theme === 'dark'
          ? { body: 'rgb(204, 204, 204)', send: 'rgb(0, 120, 212)', link: 'rgb(77, 170, 252)' }
          : { body: 'rgb(59, 59, 59)', send: 'rgb(0, 95, 184)', link: 'rgb(0, 95, 184)' },
      );
      await panel.page.close();
    });
  }

  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    it(`composer with context chips, message actions and the branch navigator (${theme})`, async () => {
      const dir = ensureArtifactsDir();
      const panel = await chromium.openPanel(theme, { width: 440, height: 720 });
      await panel.post(
        initMessage(
          [
            sampleQuestion(QUESTION),
            { id: 'a1', role: 'assistant', text: ANSWER.slice(0, ANSWER.indexOf('A few things')), state: 'done', stats: STATS, branch: { index: 2, count: 3 } },
          ],
          { chatId: 'c1', chatTitle: 'Reading a streamed response' },
        ),
        SAMPLE_CONTEXT,
      );
      await panel.page.waitForSelector('[data-id="a1"][data-state="done"]');
      await panel.page.fill('textarea.input', 'And how do I cancel it from the UI?');
      await panel.page.hover('[data-id="a1"] .message-author');
      await panel.page.screenshot({ path: path.join(dir, `webview-${theme}-actions.png`) });

      // The inline editor of a question, and Jump to latest while an answer streams out of sight.
      await panel.page.mouse.move(0, 0);
      await panel.post(
        { type: 'messageAdded', message: { id: 'u2', role: 'user', text: 'Show the whole thing with AbortController' } },
        { type: 'messageAdded', message: { id: 'a2', role: 'assistant', text: ANSWER, state: 'streaming' } },
      );
      await panel.page.mouse.move(220, 300);
      await panel.page.mouse.wheel(0, -2000);
      await panel.page.waitForSelector('[data-action="jump-to-latest"]:not([hidden])');
      await panel.post({ type: 'messageFinished', id: 'a2', state: 'done', stats: STATS, error: undefined });
      await panel.page.click('[data-id="u1"] [data-action="edit"]');
      await panel.page.screenshot({ path: path.join(dir, `webview-${theme}-edit.png`) });
      await panel.page.close();
    });
  }

  it('setup card (dark)', async () => {
    const server = await startPageServer('dark');
    chromium.closeAfter(server);
    const panel = await openPanel(chromium.browser, server, { width: 440, height: 600 });
    await panel.post({
      type: 'setup',
      reason: 'No API key is set and no local model server (Ollama, LM Studio, llama.cpp, vLLM) answered.',
      options: [
        { id: 'key', label: 'Add an API key', description: 'OpenAI or Anthropic; stored in VS Code secret storage.', command: 'sidestream.setApiKey' },
        { id: 'local', label: 'Use a local model server', description: 'Ollama on http://127.0.0.1:11434 and others.', command: 'sidestream.useLocal' },
        { id: 'sim', label: 'Try the built-in simulator', description: 'No account or network needed.', command: 'sidestream.useSimulator' },
      ],
    });
    await panel.page.waitForSelector('.setup-card');
    await panel.page.screenshot({ path: path.join(ensureArtifactsDir(), 'webview-dark-setup.png') });
    await panel.page.close();
  });
});
