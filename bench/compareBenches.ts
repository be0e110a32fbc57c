/**
 * B11, Compare Models under load: (a) the real compare bundle in Chromium with four columns each fed
 * 5,000 tok/s stays smooth (frame p99, as B2 measures it); (b) the host's CPU per token with four
 * concurrent StreamSessions against the simulator vs one stream, side by side in one run (B5's
 * method).
 */
import type { Browser } from 'playwright-core';
import { answerTokens } from '../src/simulator/answers';
import type { CompareRunView } from '../src/shared/protocol';
import { openWebviewPage, type PageServer } from '../test/harness/webviewPage';
import { fmt, median, percentile, type BenchOptions, type BenchResult, type Check } from './common';
import { chatRequest, hostStream } from './hostPath';
import type { SimProcess } from './simProcess';

const COLUMNS = 4;
const RATE = 5000;
/** Host coalescing interval (DeltaCoalescer's default): one append post per column per 20 ms at most. */
const POST_INTERVAL_MS = 20;
/** One 60 Hz frame plus B2's 0.5 ms for the page's coarsened timestamps (see webviewBenches.ts). */
const FRAME_P99_LIMIT_MS = 16.7 + 0.5;
const CPU_RATIO_LIMIT = 1.2;

declare global {
  interface Window {
    /** One answer per column (different models answer differently). */
    __cmpTokens: string[][];
    __cmpFrames: number[];
    __cmpRecording: boolean;
    __cmpStartFrames(): void;
    __cmpStopFrames(): number[];
    /** Feeds every column at `rate` tok/s at once; resolves when the webview rendered them all. */
    __cmpFeed(o: { columns: string[]; rate: number; count: number; intervalMs: number; timeoutMs: number }): Promise<{ posts: number; t0: number; doneAt: number }>;
  }
}

/** Runs in the page before the bundle: a frame recorder and a feeder of coalesced compareAppend posts. */
function pageInit(): void {
  window.__cmpFrames = [];
  window.__cmpRecording = false;
  window.__cmpStartFrames = () => {
    window.__cmpFrames = [];
    window.__cmpRecording = true;
    const loop = (ts: number) => {
      window.__cmpFrames.push(ts);
      if (window.__cmpRecording) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  };
  window.__cmpStopFrames = () => {
    window.__cmpRecording = false;
    return window.__cmpFrames;
  };
  // Each column on its own timer, as each column's host coalescer posts: a post at most every
  // intervalMs with every token due by then (token k due at t0 + k/rate).
  window.__cmpFeed = (o) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      let posts = 0;
      let running = o.columns.length;
      o.columns.forEach((column, c) => {
        const tokens = window.__cmpTokens[c]!;
        let i = 0;
        let seq = 1;
        let lastPostAt = -Infinity;
        const tick = () => {
          const now = performance.now();
          const due = Math.min(o.count, Math.floor(((now - t0) * o.rate) / 1000) + 1);
          if (due > i) {
            window.postMessage({ type: 'compareAppend', column, seq: seq++, text: tokens.slice(i, due).join('') }, '*');
            posts++;
            i = due;
            lastPostAt = now;
          }
          if (i >= o.count) {
            if (--running === 0) waitRendered();
            return;
          }
          setTimeout(tick, Math.max(0, Math.max(lastPostAt + o.intervalMs, t0 + (i * 1000) / o.rate) - performance.now()));
        };
        tick();
      });
      // Each column's final length, computed once: joining 4 × `count` tokens again in every frame
      // of the wait put the bench's own work into the frames it measures (B2's feeder gets its
      // target length precomputed too).
      const targets = o.columns.map((_, n) => window.__cmpTokens[n]!.slice(0, o.count).join('').length);
      const waitRendered = () => {
        const check = () => {
          const done = o.columns.every((c, n) => (window.__renderedLength[c] ?? 0) >= targets[n]!);
          if (done) resolve({ posts, t0, doneAt: performance.now() });
          else if (performance.now() - t0 > o.timeoutMs) reject(new Error('compare feed: not every column rendered before the deadline'));
          else requestAnimationFrame(check);
        };
        check();
      };
    });
}

function runView(id: string): CompareRunView {
  return {
    id,
    question: 'Explain streaming rendering, with code.',
    createdAt: Date.now(),
    columns: Array.from({ length: COLUMNS }, (_, i) => ({
      id: `c${i}`,
      provider: 'openai-compatible' as const,
      model: `sim-${i}`,
      providerLabel: 'Simulator',
      text: '',
      state: 'streaming' as const,
      rev: 0,
    })),
  };
}

/** B11-webview: four columns at 5,000 tok/s each in the real compare bundle; frame p99. */
export async function benchCompareSmoothness(browser: Browser, server: PageServer, opts: BenchOptions): Promise<BenchResult> {
  const seconds = opts.smoke ? 1 : 2.5;
  const count = Math.round(RATE * seconds);
  // A different answer per column, as different models give: their blocks (and code highlighting)
  // finish at different moments, as in a real comparison.
  const answers = Array.from({ length: COLUMNS }, (_, i) => answerTokens(count, 23 + i));
  const texts = answers.map((t) => t.join(''));
  const columns = Array.from({ length: COLUMNS }, (_, i) => `c${i}`);
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const errors: string[] = [];
  const page = await openWebviewPage(context, server, {
    initScripts: [pageInit],
    onPage: (p) => p.on('pageerror', (e) => errors.push(String(e))),
  });
  const cdp = await context.newCDPSession(page);
  const attempts: Array<{ p99: number; max: number; median: number; frames: number; posts: number; wallMs: number; identical: boolean }> = [];
  let idle: { p99: number; median: number };
  try {
    await page.evaluate((t) => void (window.__cmpTokens = t), answers);
    const feedOnce = async (id: string, record: boolean) => {
      await page.evaluate((run) => window.postMessage({ type: 'compareInit', run }, '*'), runView(id));
      await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
      // The run just replaced holds four finished answers (the previous attempt's or the warm-up's),
      // now garbage: collect it before measuring, as B2 does before each of its attempts, so a major
      // GC of the bench's own leftovers does not land in the frames of the next run. Garbage the
      // run itself makes is still collected inside it.
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      if (record) await page.evaluate(() => window.__cmpStartFrames());
      const report = await page.evaluate((o) => window.__cmpFeed(o), { columns, rate: RATE, count, intervalMs: POST_INTERVAL_MS, timeoutMs: 60_000 });
      const frames = record ? await page.evaluate(() => window.__cmpStopFrames()) : [];
      for (const column of columns) {
        await page.evaluate((c) => window.postMessage({ type: 'compareFinished', column: c, state: 'done', stats: undefined, error: undefined, durationMs: 1 }, '*'), column);
      }
      const identical = await page.evaluate(
        ({ columns, texts }) =>
          columns.every((c, i) => document.querySelector(`[data-column="${c}"] .markdown`)?.innerHTML === window.__sidestreamTest!.renderMarkdownOnce(texts[i]!)),
        { columns, texts },
      );
      return { report, frames, identical };
    };
    // Warm: JIT, highlighter grammars and fonts (not measured).
    await feedOnce('warm', false);
    await page.evaluate(() => window.__cmpStartFrames());
    await new Promise((r) => setTimeout(r, 1000));
    const idleFrames = await page.evaluate(() => window.__cmpStopFrames());
    const idleIntervals = idleFrames.slice(1).map((f, i) => f - idleFrames[i]!);
    idle = { p99: percentile(idleIntervals, 99), median: percentile(idleIntervals, 50) };
    opts.log(`B11-webview idle page: frame interval median ${fmt(idle.median, 2)} ms, p99 ${fmt(idle.p99, 2)} ms`);
    // The machine is shared: up to three attempts, as B2 gives each rate; the best one counts.
    for (let attempt = 1; attempt <= (opts.smoke ? 1 : 3); attempt++) {
      const { report, frames, identical } = await feedOnce(`run${attempt}`, true);
      const intervals = frames.slice(1).map((f, i) => f - frames[i]!);
      const row = {
        p99: percentile(intervals, 99),
        max: Math.max(...intervals),
        median: percentile(intervals, 50),
        frames: intervals.length,
        posts: report.posts,
        wallMs: report.doneAt - report.t0,
        identical,
      };
      attempts.push(row);
      opts.log(
        `B11-webview attempt ${attempt}: ${COLUMNS} × ${RATE} tok/s (${count} tokens each), frame p99 ${fmt(row.p99, 2)} ms, median ${fmt(row.median, 2)} ms, max ${fmt(row.max)} ms over ${row.frames} frames; ${row.posts} posts; all rendered after ${fmt(row.wallMs)} ms (ideal ${fmt(((count - 1) * 1000) / RATE)} ms)`,
      );
      if (row.p99 <= FRAME_P99_LIMIT_MS && identical) break;
    }
  } finally {
    await context.close();
  }
  const best = attempts.reduce((a, b) => (b.p99 < a.p99 ? b : a));
  const checks: Check[] = [
    { name: 'B11-webview every column identical to the one-shot render (every attempt)', ok: attempts.every((a) => a.identical) },
    { name: 'B11-webview no page errors', ok: errors.length === 0, detail: errors.slice(0, 3).join(' | ') || undefined },
  ];
  return {
    id: 'B11-webview',
    title: `Compare panel: ${COLUMNS} columns at ${RATE.toLocaleString('en-US')} tok/s each`,
    measured: `frame p99 ${fmt(best.p99, 2)} ms`,
    reference: `idle page p99 ${fmt(idle.p99, 2)} ms`,
    target: `frame p99 ≤ ${fmt(FRAME_P99_LIMIT_MS, 1)} ms`,
    met: opts.smoke ? undefined : best.p99 <= FRAME_P99_LIMIT_MS && checks.every((c) => c.ok),
    checks,
    figures: { columns: COLUMNS, rate: RATE, secondsPerColumn: seconds, tokensPerColumn: count, idleFrameIntervalMs: idle, attempts },
    method: `The real compare bundle (dist/compare.js, test build) in Chromium at 1600×900 (four columns side by side), a run of ${COLUMNS} streaming columns; an in-page feeder plays ${seconds} s of a markdown+code answer (a different one per column) into every column at once at ${RATE} tok/s each as compareAppend posts, each column on its own timer with at most one post per ${POST_INTERVAL_MS} ms (the host's coalescer). Frames = intervals between requestAnimationFrame timestamps while feeding; limit 16.7 ms + 0.5 ms for the page's 0.1 ms timestamp coarsening (B2). Before each attempt the run it replaces is garbage-collected (CDP HeapProfiler.collectGarbage, as B2 does before each attempt). Up to 3 attempts (shared machine), the best counts; every column's DOM is compared with a one-shot render.`,
  };
}

/** B11-host: CPU per token of four concurrent StreamSessions vs one stream, side by side (B5's method). */
export async function benchCompareCpu(sim: SimProcess, opts: BenchOptions): Promise<BenchResult> {
  const tokenCount = opts.smoke ? 1000 : 5000;
  const rounds = opts.smoke ? 1 : 4;
  const text = answerTokens(tokenCount, 11).join('');
  const base = sim.origin + '/v1';
  // Paced as in the panel's scenario (5,000 tok/s per model), so the coalescers post as they would.
  await sim.client.enqueue({ text, ttftMs: 0, tokensPerSecond: RATE, times: 10_000 });
  let ok = true;
  const streams = async (n: number) => {
    const results = await Promise.all(Array.from({ length: n }, (_, i) => hostStream(chatRequest(base, `b11-${i}`))));
    ok &&= results.every((r) => r.text === text && r.terminal?.type === 'finish');
    return results.reduce((a, r) => a + r.posts.length, 0);
  };
  // Warm-up: SDK, tokenizer, connections.
  await streams(1);
  await streams(COLUMNS);
  const measure = async (n: number): Promise<{ msPer1k: number; posts: number }> => {
    const before = process.cpuUsage();
    const posts = await streams(n);
    const used = process.cpuUsage(before);
    return { msPer1k: ((used.user + used.system) / 1000 / (n * tokenCount)) * 1000, posts };
  };
  const one: number[] = [];
  const four: number[] = [];
  const posts = { one: 0, four: 0 };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order, so drift on the machine falls on both sides.
    const order = round % 2 === 0 ? [1, COLUMNS] : [COLUMNS, 1];
    for (const n of order) {
      const m = await measure(n);
      (n === 1 ? one : four).push(m.msPer1k);
      posts[n === 1 ? 'one' : 'four'] += m.posts;
    }
  }
  const single = median(one);
  const multi = median(four);
  const ratio = multi / single;
  opts.log(
    `B11-host CPU per 1k tokens: ${COLUMNS} concurrent streams ${fmt(multi, 2)} ms, one stream ${fmt(single, 2)} ms → ${fmt(ratio, 2)}× (rounds: ${four.map((v) => fmt(v, 2)).join(', ')} vs ${one.map((v) => fmt(v, 2)).join(', ')})`,
  );
  return {
    id: 'B11-host',
    title: `Compare: host CPU per token, ${COLUMNS} concurrent streams vs one`,
    measured: `${fmt(multi, 2)} ms/1k tok`,
    reference: `one stream ${fmt(single, 2)} ms/1k tok`,
    ratio: `${fmt(ratio, 2)}×`,
    target: `≤ ${CPU_RATIO_LIMIT}×`,
    met: opts.smoke ? undefined : ratio <= CPU_RATIO_LIMIT && ok,
    checks: [{ name: 'B11-host every stream received the whole answer and finished', ok }],
    figures: { tokensPerStream: tokenCount, rate: RATE, rounds, oneStreamMsPer1k: one, fourStreamsMsPer1k: four, ratio, postsOne: posts.one, postsFour: posts.four },
    method: `The simulator (own process) streams a ${tokenCount}-token answer at ${RATE} tok/s per request. In this process, dist/core.js stream() through a StreamSession with its 20 ms coalescer (the panel's path, appends recorded as posts): one stream alone, then ${COLUMNS} at once (a compare run), alternating order over ${rounds} rounds; process.cpuUsage (user + system) per 1k tokens, median of rounds.`,
  };
}
