/**
 * The webview benches' page: the real webview bundle (its test build, from the page server the
 * webview tests share, test/harness/webviewPage.ts) in Debian Chromium, behind the shared stub of
 * VS Code's side of the page, which timestamps each frame's render report. Adds the in-page feeder
 * that plays a token stream as coalesced `append` posts at a given rate, and a frame recorder.
 */
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { HostToWebview } from '../src/shared/protocol';
import { openWebviewPage, type PageServer } from '../test/harness/webviewPage';

export { launchChromium, startPageServer, type PageServer } from '../test/harness/webviewPage';

/** What the in-page feeder reports back. */
export interface FeedReport {
  t0: number;
  /** [seq, postedAt, firstToken, endToken) per append post. */
  posts: Array<[number, number, number, number]>;
  /** When the webview reported the last character rendered. */
  doneAt: number;
}

export interface BenchPage {
  page: Page;
  cdp: CDPSession;
  post(...messages: HostToWebview[]): Promise<void>;
  /** Main-thread task time of the renderer so far, in ms (CDP Performance.getMetrics TaskDuration). */
  taskMs(): Promise<number>;
  /** TaskDuration, ScriptDuration, LayoutDuration and RecalcStyleDuration so far, in ms. */
  cpuBreakdown(): Promise<Record<'task' | 'script' | 'layout' | 'style', number>>;
  collectGarbage(): Promise<void>;
  close(): Promise<void>;
}

declare global {
  interface Window {
    __tokens: string[];
    __frames: number[];
    __recording: boolean;
    __feed(opts: { id: string; from: number; to: number; rate: number; intervalMs: number; seqStart: number; targetLength: number; timeoutMs: number }): Promise<FeedReport>;
    __startFrames(): void;
    __stopFrames(): number[];
  }
}

/** Runs in the page after the shared stub, before the bundle: the feeder and the frame recorder. */
function pageInit(): void {
  window.__frames = [];
  window.__recording = false;
  window.__startFrames = () => {
    window.__frames = [];
    window.__recording = true;
    const loop = (ts: number) => {
      window.__frames.push(ts);
      if (window.__recording) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  };
  window.__stopFrames = () => {
    window.__recording = false;
    return window.__frames;
  };
  // Plays tokens [from, to) as the host's coalescer would: a post at most every intervalMs holding
  // every token due by then, tokens due at t0 + k/rate. Timers in the page, not CDP calls per post.
  window.__feed = (o) =>
    new Promise<FeedReport>((resolve, reject) => {
      const tokens = window.__tokens;
      const t0 = performance.now();
      const posts: FeedReport['posts'] = [];
      let i = o.from;
      let seq = o.seqStart;
      let lastPostAt = -Infinity;
      const deadline = t0 + o.timeoutMs;
      const waitRendered = () => {
        const check = () => {
          if ((window.__renderedLength[o.id] ?? 0) >= o.targetLength) {
            const last = window.__renders.filter((r) => r.id === o.id && r.length >= o.targetLength)[0];
            resolve({ t0, posts, doneAt: last ? last.at : performance.now() });
          } else if (performance.now() > deadline) reject(new Error(`feed: rendered ${window.__renderedLength[o.id]} of ${o.targetLength} chars before the deadline`));
          else requestAnimationFrame(check);
        };
        check();
      };
      const tick = () => {
        const now = performance.now();
        const due = Math.min(o.to, o.from + Math.floor(((now - t0) * o.rate) / 1000) + 1);
        if (due > i) {
          window.postMessage({ type: 'append', id: o.id, seq, text: tokens.slice(i, due).join('') }, '*');
          posts.push([seq, now, i, due]);
          seq++;
          i = due;
          lastPostAt = now;
        }
        if (i >= o.to) return waitRendered();
        const nextAt = Math.max(lastPostAt + o.intervalMs, t0 + ((i - o.from) * 1000) / o.rate);
        setTimeout(tick, Math.max(0, nextAt - performance.now()));
      };
      tick();
    });
}

export async function openBenchPage(browser: Browser, server: PageServer): Promise<BenchPage> {
  const context = await browser.newContext({ viewport: { width: 420, height: 760 } });
  const errors: string[] = [];
  const page = await openWebviewPage(context, server, {
    initScripts: [pageInit],
    onPage: (p) => {
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
    },
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return {
    page,
    cdp,
    post: (...messages) => page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), messages),
    taskMs: async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const task = metrics.find((m) => m.name === 'TaskDuration');
      if (!task) throw new Error('no TaskDuration metric');
      return task.value * 1000;
    },
    cpuBreakdown: async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const get = (name: string) => (metrics.find((m) => m.name === name)?.value ?? NaN) * 1000;
      return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration'), style: get('RecalcStyleDuration') };
    },
    collectGarbage: async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
    },
    close: async () => {
      if (errors.length) console.error(`[bench] page errors: ${errors.slice(0, 5).join(' | ')}`);
      await context.close();
    },
  };
}

/** Adds a user question and an empty streaming assistant message `id`. */
export function startMessage(p: BenchPage, id: string): Promise<void> {
  return p.post(
    { type: 'messageAdded', message: { id: `${id}-q`, role: 'user', text: 'Explain streaming rendering, with code.' } },
    { type: 'messageAdded', message: { id, role: 'assistant', text: '', state: 'streaming' } },
  );
}

/** Finishes message `id` and compares its DOM with a one-shot render of `text` (byte for byte). */
export async function finishAndCompare(p: BenchPage, id: string, text: string): Promise<{ identical: boolean; length: number }> {
  await p.post({ type: 'messageFinished', id, state: 'done', stats: undefined, error: undefined });
  return p.page.evaluate(
    ({ id, text }) => {
      const el = document.querySelector(`article[data-id="${id}"] .markdown`);
      const html = el ? el.innerHTML : '';
      return { identical: el !== null && html === window.__sidestreamTest!.renderMarkdownOnce(text), length: html.length };
    },
    { id, text },
  );
}
