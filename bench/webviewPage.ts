/**
 * Opens the real webview bundle (dist/webview.js, built by `node esbuild.js`) in Debian Chromium,
 * in the page renderWebviewHtml makes (with `data-bench`, so `window.__sidestreamBench` exists),
 * behind a stub `acquireVsCodeApi` that timestamps what the webview posts. Also installs the
 * in-page feeder that plays a token stream as coalesced `append` posts at a given rate.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { renderWebviewHtml } from '../src/panel/webviewHtml';
import type { HostToWebview } from '../src/protocol';
import { ROOT } from './simProcess';

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const theme = path.join(ROOT, 'test', 'fixtures', 'webview', 'theme-dark.css');
  const files: Record<string, [string, string]> = {
    '/dist/webview.js': [path.join(ROOT, 'dist', 'webview.js'), 'text/javascript'],
    '/media/main.css': [path.join(ROOT, 'media', 'main.css'), 'text/css'],
    '/codicons/codicon.css': [path.join(ROOT, 'dist', 'codicons', 'codicon.css'), 'text/css'],
    '/codicons/codicon.ttf': [path.join(ROOT, 'dist', 'codicons', 'codicon.ttf'), 'font/ttf'],
    '/theme.css': [theme, 'text/css'],
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/') {
      let html = renderWebviewHtml({
        cspSource: origin,
        nonce: crypto.randomBytes(16).toString('base64'),
        scriptUri: `${origin}/dist/webview.js`,
        styleUri: `${origin}/media/main.css`,
        codiconsUri: `${origin}/codicons/codicon.css`,
        bench: true,
      });
      // VS Code injects its theme variables; the test theme stands in for them.
      if (fs.existsSync(theme)) html = html.replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet"`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    const file = files[pathname];
    if (pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!file || !fs.existsSync(file[0])) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': file[1] });
    res.end(fs.readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The same Debian Chromium, with the same offline flags, as every test. */
export { launchChromium } from '../test/harness/workbench';

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
    __posted: unknown[];
    __rendered: Array<{ id: string; seq: number; length: number; at: number }>;
    __renderedLen: Record<string, number>;
    __tokens: string[];
    __frames: number[];
    __recording: boolean;
    __feed(opts: { id: string; from: number; to: number; rate: number; intervalMs: number; seqStart: number; targetLength: number; timeoutMs: number }): Promise<FeedReport>;
    __startFrames(): void;
    __stopFrames(): number[];
  }
}

/** Runs in the page before the bundle: the VS Code API stub, the feeder and the frame recorder. */
function pageInit(): void {
  window.__posted = [];
  window.__rendered = [];
  window.__renderedLen = {};
  window.__frames = [];
  window.__recording = false;
  let acquired = false;
  (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m: { type: string; id: string; seq: number; length: number }) => {
        if (m.type === 'rendered') {
          window.__rendered.push({ id: m.id, seq: m.seq, length: m.length, at: performance.now() });
          window.__renderedLen[m.id] = m.length;
        } else window.__posted.push(m);
      },
      getState: () => undefined,
      setState: () => undefined,
    };
  };
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
          if ((window.__renderedLen[o.id] ?? 0) >= o.targetLength) {
            const last = window.__rendered.filter((r) => r.id === o.id && r.length >= o.targetLength)[0];
            resolve({ t0, posts, doneAt: last ? last.at : performance.now() });
          } else if (performance.now() > deadline) reject(new Error(`feed: rendered ${window.__renderedLen[o.id]} of ${o.targetLength} chars before the deadline`));
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
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.addInitScript(pageInit);
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'), undefined, { timeout: 15_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const ok = await page.evaluate(() => window.__sidestreamBench !== undefined);
  if (!ok) throw new Error('window.__sidestreamBench missing: is the page built with data-bench?');
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
      return { identical: el !== null && html === window.__sidestreamBench!.renderMarkdownOnce(text), length: html.length };
    },
    { id, text },
  );
}
