/**
 * B10: many saved chats. (a) Activation of the production build with 200 saved chats in the
 * workspace storage vs with one, side by side in fresh processes. (b) Opening a saved chat: the
 * real ChatView in Chromium receives the `init` a chat switch posts — a 20,000-token chat
 * (10 questions, 2,000-token markdown+code answers), and a one-answer chat as the reference — and
 * the time from the webview receiving it (the message event's timeStamp) to its last screen
 * painted is measured: the frame where the last answer is rendered and the list is scrolled to the
 * end, then the task after that frame's paint.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { CHATS_DIR, ChatStore } from '../src/features/chat/ChatStore';
import type { MessageView } from '../src/shared/protocol';
import { answerTokens } from '../src/simulator/answers';
import { fmt, median, type BenchOptions, type BenchResult } from './common';
import { probeActivation, stageProductionBuild } from './startup';
import { openBenchPage, type PageServer } from './webviewPage';

/** Saved chats for B10. */
const SAVED_CHATS = 200;
const ACTIVATION_LIMIT_MS = 20;
const OPEN_LIMIT_MS = 100;

/**
 * Fills a workspace storage folder through the real ChatStore: `count` chats of four questions with
 * 500-token answers, the last of them (the open one) the 20,000-token chat.
 */
export function populateChats(storage: string, count: number): void {
  const store = new ChatStore(storage, undefined, 0);
  store.load();
  for (let i = 0; i < count; i++) {
    const chat = store.create();
    const messages = i === count - 1 ? savedChat(`c${i}-`, 10, 2000) : savedChat(`c${i}-`, 4, 500);
    let parent: string | undefined;
    for (const m of messages) {
      chat.tree.add(m, parent);
      parent = m.id;
      if (m.role === 'user') store.remember(chat.summary.id, m.text);
    }
    store.save(chat, true);
  }
}

export async function benchChats(browser: Browser, server: PageServer, opts: BenchOptions): Promise<BenchResult> {
  const runs = opts.smoke ? 2 : 9;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-bench-chats-'));
  const stage = stageProductionBuild();
  try {
    const one = path.join(root, 'one');
    const many = path.join(root, 'many');
    populateChats(one, 1);
    populateChats(many, SAVED_CHATS);
    const files = (dir: string) => fs.readdirSync(path.join(dir, CHATS_DIR)).filter((n) => n.endsWith('.json') && n !== 'index.json').length;
    const manyBefore = files(many);
    const oneMs: number[] = [];
    const manyMs: number[] = [];
    // Alternate, so machine noise falls on both alike.
    for (let i = 0; i < runs; i++) {
      oneMs.push(probeActivation(stage, one).totalMs);
      manyMs.push(probeActivation(stage, many).totalMs);
    }
    const kept = files(many) === manyBefore && manyBefore === SAVED_CHATS;
    const open = await measureOpenChat(browser, server, opts.smoke ? 2 : 9);
    const act1 = median(oneMs);
    const act200 = median(manyMs);
    const big = median(open.bigMs);
    const small = median(open.smallMs);
    opts.log(`B10 activation ${fmt(act200, 2)} ms with ${SAVED_CHATS} chats vs ${fmt(act1, 2)} ms with 1; ${describeOpenChat(open)}`);
    return {
      id: 'B10',
      title: `${SAVED_CHATS} saved chats: activation, and opening a 20,000-token chat`,
      measured: `activation ${fmt(act200, 2)} ms with ${SAVED_CHATS} chats; 20,000-token chat's last screen painted ${fmt(big, 1)} ms after the webview received it`,
      reference: `with 1 chat: activation ${fmt(act1, 2)} ms; a one-answer (${open.smallTokens}-token) chat painted in ${fmt(small, 1)} ms`,
      ratio: `activation ${fmt(act200 / act1, 2)}×; open ${fmt(big / small, 2)}×`,
      target: `activation ≤ ${ACTIVATION_LIMIT_MS} ms; last screen ≤ ${OPEN_LIMIT_MS} ms`,
      met: opts.smoke ? undefined : act200 <= ACTIVATION_LIMIT_MS && big <= OPEN_LIMIT_MS,
      checks: [{ name: `B10 activation with ${SAVED_CHATS} chats keeps every chat`, ok: kept, detail: `${manyBefore} chat files before, ${files(many)} after` }],
      figures: { savedChats: SAVED_CHATS, activationOneMs: oneMs, activationManyMs: manyMs, open },
      method: `Production build in a staging copy (as B9). Two workspace storage folders filled through the real ChatStore: one chat, and ${SAVED_CHATS} chats (four questions with 500-token answers each; the open one is the 20,000-token chat). ${runs} fresh Node processes each, alternating, require dist/extension.js with the stub \`vscode\` and call activate(); median of require + activate(). Opening: the real ChatView in Chromium is posted the \`init\` of the 20,000-token chat (10 questions, 2,000-token markdown+code answers) or of a one-answer chat, alternating after one warm-up each; time from the message event's timeStamp to the task after the first frame in which the last answer is rendered and the list is scrolled to its end; median.`,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

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
    messages.push({ id: `${prefix}q${i}`, role: 'user', text: `Question ${i + 1} (${prefix}): explain streaming rendering, with code.` });
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
  const small = savedChat('small', 1, 500);
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
          // Called from a frame's animation callbacks: the message runs after that frame's rendering
          // steps (style, layout, paint) are done.
          const afterThisFrame = () => {
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
              // This frame is the first to find the last screen in the DOM, so it is the one that
              // paints it. (Waiting for one more frame here counted an extra frame into every figure.)
              window.removeEventListener('message', onMessage);
              afterThisFrame();
            } else if (performance.now() > deadline)
              reject(new Error(`chat ${chatId} not painted in 20 s (received: ${!Number.isNaN(receivedAt)}, atEnd ${atEnd}, rendered ${rendered})`));
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
