/**
 * B10 (webview half): opening a saved chat. The real ChatView in Chromium receives the `init` a
 * chat switch posts — a 20,000-token chat (10 questions, 2,000-token markdown+code answers), and a
 * one-answer chat as the reference — and the time from the webview receiving it (the message
 * event's timeStamp) to its last screen painted is measured: the frame where the last answer is
 * fully rendered and the list is scrolled to the end, then the task after that frame's paint.
 */
import type { Browser } from 'playwright-core';
import type { MessageView } from '../src/protocol';
import { answerTokens } from '../src/simulator/answers';
import { fmt, median } from './common';
import { openBenchPage, type PageServer } from './webviewPage';

export interface OpenChatFigures {
  /** ms from the webview receiving `init` to the last screen painted, one per run. */
  bigMs: number[];
  smallMs: number[];
  bigTokens: number;
  smallTokens: number;
  runs: number;
}

/** A saved chat of `turns` questions with `tokensPerAnswer`-token answers (the generator the benches share). */
export function savedChat(prefix: string, turns: number, tokensPerAnswer: number): MessageView[] {
  const messages: MessageView[] = [];
  for (let i = 0; i < turns; i++) {
    const text = answerTokens(tokensPerAnswer, 100 + i).join('');
    messages.push({ id: `${prefix}q${i}`, role: 'user', text: `Question ${i + 1}: explain streaming rendering, with code.` });
    messages.push({
      id: `${prefix}a${i}`,
      role: 'assistant',
      text,
      state: 'done',
      stats: { model: 'sim-model', providerLabel: 'Simulator', ttftMs: 300, tokensPerSecond: 120, outputTokens: tokensPerAnswer, estimated: false, finishReason: 'stop' },
    });
  }
  return messages;
}

export async function measureOpenChat(browser: Browser, server: PageServer, runs: number): Promise<OpenChatFigures> {
  const big = savedChat('big', 10, 2000);
  const small = savedChat("small", 1, Number(process.env.B10_SMALL ?? 500));
  const p = await openBenchPage(browser, server);
  const open = async (chatId: string, messages: MessageView[]): Promise<number> =>
    p.page.evaluate(
      ({ chatId, messages }) =>
        new Promise<number>((resolve, reject) => {
          const last = messages[messages.length - 1]!;
          let receivedAt = NaN;
          const onMessage = (e: MessageEvent) => {
            if ((e.data as { type?: string; chatId?: string }).chatId === chatId) receivedAt = e.timeStamp;
          };
          window.addEventListener('message', onMessage);
          const deadline = performance.now() + 20_000;
          const painted = () => {
            // Runs after the frame's rendering steps (style, layout, paint) are done.
            const channel = new MessageChannel();
            channel.port1.onmessage = () => resolve(performance.now() - receivedAt);
            channel.port2.postMessage(0);
          };
          const check = () => {
            const list = document.querySelector<HTMLElement>('.messages');
            const el = document.querySelector<HTMLElement>(`article[data-id="${last.id}"] .markdown`);
            const atEnd = list !== null && list.scrollHeight - list.scrollTop - list.clientHeight <= 2;
            const rendered = el !== null && (el.textContent ?? '').length > 0 && !document.querySelector(`article[data-id="${last.id}"].streaming`);
            if (!Number.isNaN(receivedAt) && atEnd && rendered) {
              window.removeEventListener('message', onMessage);
              requestAnimationFrame(painted);
            } else if (performance.now() > deadline) reject(new Error(`chat ${chatId} not painted in 20 s (received: ${!Number.isNaN(receivedAt)}, atEnd ${atEnd}, rendered ${rendered})`));
            else requestAnimationFrame(check);
          };
          window.postMessage({ type: 'init', messages, streaming: false, modelLabel: 'Simulator · sim-model', chatId, chatTitle: chatId, recall: [] }, '*');
          requestAnimationFrame(check);
        }),
      { chatId, messages },
    );
  const bigMs: number[] = [];
  const smallMs: number[] = [];
  try {
    // One of each first: JIT, highlighter grammars and fonts warm, as in a window that showed a chat.
    await open('warm-big', big);
    await open('warm-small', small);
    for (let i = 0; i < runs; i++) {
      smallMs.push(await open(`small-${i}`, small));
      bigMs.push(await open(`big-${i}`, big));
    }
  } finally {
    await p.close();
  }
  return { bigMs, smallMs, bigTokens: 10 * 2000, smallTokens: 500, runs };
}

export function describeOpenChat(f: OpenChatFigures): string {
  return `open ${f.bigTokens.toLocaleString('en-US')}-token chat: last screen painted ${fmt(median(f.bigMs), 1)} ms after receipt (one ${f.smallTokens}-token answer: ${fmt(median(f.smallMs), 1)} ms), median of ${f.runs}`;
}
