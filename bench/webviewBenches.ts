/**
 * Webview benches in real Chromium with the real bundle: B1 render cost vs a whole-message
 * re-render, B2 highest smooth rate, B7-webview memory after New Chat.
 */
import type { Browser } from 'playwright-core';
import { answerTokens } from '../src/simulator/answers';
import { fmt, percentile, type BenchOptions, type BenchResult, type Check } from './common';
import { finishAndCompare, openBenchPage, startMessage, type BenchPage, type FeedReport, type PageServer } from './webviewPage';

/** Host coalescing interval (DeltaCoalescer's default): one append post per 20 ms at most. */
const POST_INTERVAL_MS = 20;
/** One 60 Hz frame, the p99 frame budget. */
const FRAME_MS = 16.7;
/**
 * performance.now() is coarsened to 0.1 ms in a page that is not cross-origin isolated, so an
 * on-time 16.67 ms frame reads as 16.7 or 16.8 ms; a missed vsync reads as 33.3 ms. The p99 check
 * allows the rounding, not a dropped frame.
 */
const FRAME_TIMESTAMP_SLACK_MS = 0.5;

function charEnds(tokens: string[]): number[] {
  const ends: number[] = [];
  let n = 0;
  for (const t of tokens) ends.push((n += t.length));
  return ends;
}

async function setTokens(p: BenchPage, tokens: string[]): Promise<void> {
  await p.page.evaluate((t) => void (window.__tokens = t), tokens);
}

async function nextFrames(p: BenchPage, n = 2): Promise<void> {
  await p.page.evaluate(async (count) => {
    for (let i = 0; i < count; i++) await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
  }, n);
}

function feed(p: BenchPage, o: { id: string; from: number; to: number; rate: number; seqStart: number; targetLength: number }): Promise<FeedReport> {
  return p.page.evaluate((opts) => window.__feed(opts), { ...o, intervalMs: POST_INTERVAL_MS, timeoutMs: 60_000 });
}

/** Streams a short throw-away answer so JIT, highlighter grammars and fonts are warm. */
async function warmUp(p: BenchPage): Promise<void> {
  const tokens = answerTokens(2000, 99);
  await setTokens(p, tokens);
  await startMessage(p, 'warm');
  await feed(p, { id: 'warm', from: 0, to: tokens.length, rate: 20_000, seqStart: 1, targetLength: tokens.join('').length });
  await p.post({ type: 'messageFinished', id: 'warm', state: 'done', stats: undefined, error: undefined });
  await p.post({ type: 'cleared' });
  await nextFrames(p);
  await p.collectGarbage();
}

/** B1: CPU per 1k tokens of the real webview vs whole-message re-render per delta. */
export async function benchRenderCost(browser: Browser, server: PageServer, opts: BenchOptions): Promise<BenchResult> {
  const n = opts.smoke ? 3000 : 20_000;
  const rate = 2000;
  const tokens = answerTokens(n, 7);
  const text = tokens.join('');
  const ends = charEnds(tokens);
  const checks: Check[] = [];

  // Incremental: the real ChatView, fed coalesced appends from an in-page timer.
  const inc = await openBenchPage(browser, server);
  const segments: Array<{ from: number; to: number; ms: number; frames: number; posts: number; wallMs: number; breakdownMs: Record<string, number> }> = [];
  let renders: number;
  try {
    await warmUp(inc);
    await setTokens(inc, tokens);
    await inc.page.evaluate(() => void (window.__renders = []));
    await startMessage(inc, 'a1');
    await nextFrames(inc);
    let seq = 1;
    for (const [from, to] of [
      [0, 1000],
      [1000, n - 1000],
      [n - 1000, n],
    ] as const) {
      const before = await inc.cpuBreakdown();
      const framesBefore = await inc.page.evaluate(() => window.__renders.length);
      const report = await feed(inc, { id: 'a1', from, to, rate, seqStart: seq, targetLength: ends[to - 1]! });
      const after = await inc.cpuBreakdown();
      const framesAfter = await inc.page.evaluate(() => window.__renders.length);
      seq += report.posts.length;
      const breakdownMs = { script: after.script - before.script, layout: after.layout - before.layout, style: after.style - before.style };
      segments.push({ from, to, ms: after.task - before.task, frames: framesAfter - framesBefore, posts: report.posts.length, wallMs: report.doneAt - report.t0, breakdownMs });
      opts.log(
        `B1 tokens ${from}–${to}: ${fmt(after.task - before.task)} ms CPU (script ${fmt(breakdownMs.script)}, layout ${fmt(breakdownMs.layout)}, style ${fmt(breakdownMs.style)}) in ${fmt(report.doneAt - report.t0)} ms wall, ${report.posts.length} posts, ${framesAfter - framesBefore} renders`,
      );
    }
    renders = await inc.page.evaluate(() => window.__renders.length);
    const cmp = await finishAndCompare(inc, 'a1', text);
    checks.push({ name: `B1 streamed DOM byte-identical to one-shot render (${n} tokens)`, ok: cmp.identical, detail: `${cmp.length} chars of HTML` });
  } finally {
    await inc.close();
  }
  const incTotal = segments.reduce((a, s) => a + s.ms, 0);
  const incPer1k = (incTotal / n) * 1000;
  const first1k = segments[0]!.ms;
  const last1k = segments[2]!.ms;
  const linear = last1k / first1k;

  // Reference: whole-message re-render on every token delta, sampled at positions along the answer.
  const perSample = opts.smoke ? 10 : 40;
  const positions = opts.smoke ? [0, n - perSample] : [0, n / 4, n / 2, (3 * n) / 4, n - perSample].map(Math.round);
  const naive = await openBenchPage(browser, server);
  const samples: Array<{ at: number; msPerDelta: number; wallMsPerDelta: number }> = [];
  try {
    await setTokens(naive, tokens);
    for (const pos of positions) {
      await naive.page.evaluate((p) => {
        const c = document.createElement('div');
        c.className = 'markdown naive';
        document.querySelector('main')!.append(c);
        const r = new window.__sidestreamTest!.NaiveRenderer(c);
        r.append(window.__tokens.slice(0, p).join(''));
        (window as unknown as { __naive: unknown }).__naive = r;
      }, pos);
      await nextFrames(naive);
      const before = await naive.taskMs();
      const wall = await naive.page.evaluate(
        ({ from, count }) => {
          const r = (window as unknown as { __naive: { append(t: string): void } }).__naive;
          const t = performance.now();
          for (let k = from; k < from + count; k++) r.append(window.__tokens[k]!);
          return performance.now() - t;
        },
        { from: pos, count: perSample },
      );
      const after = await naive.taskMs();
      samples.push({ at: pos + perSample / 2, msPerDelta: (after - before) / perSample, wallMsPerDelta: wall / perSample });
      await naive.page.evaluate(() => document.querySelector('.naive')?.remove());
    }
  } finally {
    await naive.close();
  }
  // Cost grows with position, so average the sampled per-delta cost over the answer (trapezoids).
  let area = 0;
  for (let i = 1; i < samples.length; i++) area += ((samples[i - 1]!.msPerDelta + samples[i]!.msPerDelta) / 2) * (samples[i]!.at - samples[i - 1]!.at);
  const naivePerDelta = area / (samples[samples.length - 1]!.at - samples[0]!.at);
  const naivePer1k = naivePerDelta * 1000;
  const ratio = naivePer1k / incPer1k;
  const rendersPer1k = (renders / n) * 1000;
  const naivePerFramePer1k = naivePerDelta * rendersPer1k;
  const met = ratio >= 40 && linear <= 1.5;
  opts.log(
    `B1 incremental ${fmt(incPer1k, 2)} ms/1k tok (first 1k ${fmt(first1k, 1)} ms, last 1k ${fmt(last1k, 1)} ms, ×${fmt(linear, 2)}); naive per delta ${fmt(naivePer1k, 0)} ms/1k tok (samples ${samples.map((s) => `${s.at}:${fmt(s.msPerDelta, 2)}`).join(' ')}) → ${fmt(ratio, 0)}×; naive once per frame ≈ ${fmt(naivePerFramePer1k, 0)} ms/1k`,
  );
  return {
    id: 'B1',
    title: `Render cost in Chromium, ${n}-token markdown+code answer`,
    measured: `${fmt(incPer1k, 2)} ms CPU/1k tok; last 1k ${fmt(last1k, 1)} ms vs first 1k ${fmt(first1k, 1)} ms`,
    reference: `whole re-render per delta ${fmt(naivePer1k, 0)} ms/1k tok`,
    ratio: `${fmt(ratio, 0)}× lower; last/first ${fmt(linear, 2)}`,
    target: '≥ 40× lower; last 1k ≤ 1.5× first 1k',
    met: opts.smoke ? undefined : met,
    checks,
    figures: {
      tokens: n,
      chars: text.length,
      rateTokensPerSecond: rate,
      incremental: { segments, totalMs: incTotal, msPer1k: incPer1k, first1kMs: first1k, last1kMs: last1k, lastOverFirst: linear, renders, rendersPer1k },
      naive: { deltasPerSample: perSample, samples, msPerDelta: naivePerDelta, msPer1k: naivePer1k },
      naiveOncePerFrameMsPer1k: naivePerFramePer1k,
      ratio,
    },
    method: `Real ChatView fed by an in-page timer at ${rate} tok/s as coalesced append posts (≤ 1 per ${POST_INTERVAL_MS} ms, like the host), renderer main-thread CPU from CDP Performance.getMetrics TaskDuration (threadTicks; includes message handling, style, layout, paint) for tokens 0–1k, 1k–${n - 1000}, last 1k. Reference in the same run and browser: NaiveRenderer (same markdown pipeline) re-rendering the whole message per token delta, measured (TaskDuration) over ${perSample} deltas at positions ${positions.join(', ')} and averaged over the answer by trapezoids — the full quadratic run would take minutes.`,
    notes: [
      `The reference is measured as JS + DOM construction only (no frames run during the loop, so no layout/paint) — it flatters the reference, so the ratio is conservative.`,
      `Whole-message re-render once per frame instead of per delta (${fmt(rendersPer1k, 1)} renders per 1k tokens at ${rate} tok/s) would still cost ≈ ${fmt(naivePerFramePer1k, 0)} ms/1k tokens.`,
    ],
  };
}

interface RateRun {
  rate: number;
  tokens: number;
  maxFrameMs: number;
  p99FrameMs: number;
  lagP95Ms: number;
  totalMs: number;
  idealMs: number;
  totalOverIdeal: number;
  posts: number;
  renders: number;
  identical: boolean;
  pass: boolean;
  failed: string[];
  attempt?: number;
}

function analyseRun(
  rate: number,
  n: number,
  ends: number[],
  report: FeedReport,
  frames: number[],
  rendered: Array<{ length: number; at: number }>,
  frameP99Limit: number,
): Omit<RateRun, 'identical' | 'pass' | 'failed'> & { failed: string[] } {
  const inRun = frames.filter((f) => f >= report.t0 - FRAME_MS && f <= report.doneAt + FRAME_MS);
  const intervals: number[] = [];
  for (let i = 1; i < inRun.length; i++) intervals.push(inRun[i]! - inRun[i - 1]!);
  const lags: number[] = [];
  let r = 0;
  for (let k = 0; k < n; k++) {
    while (r < rendered.length && rendered[r]!.length < ends[k]!) r++;
    const at = r < rendered.length ? rendered[r]!.at : report.doneAt;
    lags.push(at - (report.t0 + (k * 1000) / rate));
  }
  const idealMs = ((n - 1) * 1000) / rate;
  const totalMs = report.doneAt - report.t0;
  const run = {
    rate,
    tokens: n,
    maxFrameMs: Math.max(...intervals),
    p99FrameMs: percentile(intervals, 99),
    lagP95Ms: percentile(lags, 95),
    totalMs,
    idealMs,
    totalOverIdeal: totalMs / idealMs,
    posts: report.posts.length,
    renders: rendered.length,
  };
  const failed: string[] = [];
  if (run.maxFrameMs > 50) failed.push(`frame ${fmt(run.maxFrameMs)} ms > 50`);
  if (run.p99FrameMs > frameP99Limit) failed.push(`p99 frame ${fmt(run.p99FrameMs)} ms > ${fmt(frameP99Limit)}`);
  if (run.lagP95Ms > 50) failed.push(`lag p95 ${fmt(run.lagP95Ms)} ms > 50`);
  if (run.totalOverIdeal > 1.02) failed.push(`total ${fmt(run.totalOverIdeal, 3)}× ideal > 1.02`);
  return { ...run, failed };
}

/** B2: raise the rate until a smoothness criterion fails. */
export async function benchSmoothRate(browser: Browser, server: PageServer, opts: BenchOptions): Promise<BenchResult> {
  const rates = opts.smoke ? [2000, 8000] : [2000, 3000, 5000, 7500, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000];
  const seconds = opts.smoke ? 1 : 2.5;
  const tokens = answerTokens(Math.round(rates[rates.length - 1]! * seconds), 23);
  const ends = charEnds(tokens);
  const p = await openBenchPage(browser, server);
  const runs: RateRun[] = [];
  const checks: Check[] = [];
  let idle: { p99: number; max: number; median: number };
  try {
    await warmUp(p);
    await setTokens(p, tokens);
    await p.page.evaluate(() => window.__startFrames());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleFrames = await p.page.evaluate(() => window.__stopFrames());
    const idleIntervals = idleFrames.slice(1).map((f, i) => f - idleFrames[i]!);
    idle = { p99: percentile(idleIntervals, 99), max: Math.max(...idleIntervals), median: percentile(idleIntervals, 50) };
    opts.log(`B2 idle page: frame interval median ${fmt(idle.median, 2)} ms, p99 ${fmt(idle.p99, 2)} ms, max ${fmt(idle.max, 2)} ms`);
    const attempts = opts.smoke ? 1 : 3;
    for (const rate of rates) {
      const n = Math.round(rate * seconds);
      // Other processes on a small machine can steal a frame; a rate fails only when every attempt fails.
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const id = `r${rate}a${attempt}`;
        await p.post({ type: 'cleared' });
        await nextFrames(p);
        await p.collectGarbage();
        await p.page.evaluate(() => void (window.__renders = []));
        await startMessage(p, id);
        await nextFrames(p);
        await p.page.evaluate(() => window.__startFrames());
        const report = await feed(p, { id, from: 0, to: n, rate, seqStart: 1, targetLength: ends[n - 1]! });
        await nextFrames(p, 1);
        const frames = await p.page.evaluate(() => window.__stopFrames());
        const rendered = await p.page.evaluate((i) => window.__renders.filter((r) => r.id === i).map((r) => ({ length: r.length, at: r.at })), id);
        const cmp = await finishAndCompare(p, id, tokens.slice(0, n).join(''));
        const run = analyseRun(rate, n, ends, report, frames, rendered, FRAME_MS + FRAME_TIMESTAMP_SLACK_MS);
        const pass = run.failed.length === 0 && cmp.identical;
        if (!cmp.identical) run.failed.push('DOM not identical to one-shot render');
        runs.push({ ...run, identical: cmp.identical, pass, attempt } as RateRun);
        opts.log(
          `B2 ${rate} tok/s (${n} tokens, attempt ${attempt}): max frame ${fmt(run.maxFrameMs)} ms, p99 ${fmt(run.p99FrameMs)} ms, lag p95 ${fmt(run.lagP95Ms)} ms, total ${fmt(run.totalOverIdeal, 3)}× ideal, ${run.posts} posts/${run.renders} renders${pass ? '' : ` — FAIL: ${run.failed.join('; ')}`}`,
        );
        if (pass) break;
      }
      if (!runs.some((r) => r.rate === rate && r.pass) && !opts.smoke) break;
    }
  } finally {
    await p.close();
  }
  checks.push({ name: 'B2 streamed DOM byte-identical to one-shot render at every rate', ok: runs.every((r) => r.identical) });
  let best = 0;
  for (const rate of rates) {
    if (!runs.some((r) => r.rate === rate && r.pass)) break;
    best = rate;
  }
  const firstFail = [...runs].reverse().find((r) => !r.pass && !runs.some((o) => o.rate === r.rate && o.pass));
  const allPassed = !firstFail;
  return {
    id: 'B2',
    title: 'Highest smooth streaming rate in Chromium',
    measured: `${allPassed ? '≥ ' : ''}${best.toLocaleString('en-US')} tok/s`,
    reference: firstFail ? `${firstFail.rate.toLocaleString('en-US')} tok/s failed: ${firstFail.failed.join('; ')}` : `all ${runs.length} rates passed`,
    target: '≥ 5,000 tok/s',
    met: opts.smoke ? undefined : best >= 5000,
    checks,
    figures: { secondsPerRate: seconds, idleFrameIntervalMs: idle, runs },
    method: `For each rate, ${seconds} s of tokens (rate × ${seconds}) of a markdown+code answer into a fresh message of the real ChatView, as coalesced append posts (≤ 1 per ${POST_INTERVAL_MS} ms) from an in-page timer. Frames = intervals between requestAnimationFrame timestamps; frame p99 limit = 16.7 ms + 0.5 ms for the page's 0.1 ms timestamp coarsening (a dropped frame reads 33.3 ms); lag = time from a token's due time to the webview's 'rendered' report covering it; total = first post → last character rendered vs (tokens − 1)/rate. Each rate gets up to 3 attempts (the machine is shared; a stolen frame is not the renderer's); the ladder stops at the first rate where every attempt fails a criterion. The idle page's own frame intervals are measured first as a baseline.`,
  };
}

/** B7-webview: DOM nodes and JS heap back to baseline after New Chat (`cleared`). */
export async function benchWebviewMemory(browser: Browser, server: PageServer, opts: BenchOptions): Promise<BenchResult> {
  const messages = opts.smoke ? 3 : 30;
  const tokens = answerTokens(1500, 31);
  const text = tokens.join('');
  const p = await openBenchPage(browser, server);
  const measure = async () => {
    await p.page.evaluate(() => void (window.__renders = []));
    await nextFrames(p);
    await p.collectGarbage();
    const elements = await p.page.evaluate(() => document.getElementsByTagName('*').length);
    const counters = (await p.cdp.send('Memory.getDOMCounters')) as { documents: number; nodes: number; jsEventListeners: number };
    const heap = (await p.cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    return { elements, domNodes: counters.nodes, listeners: counters.jsEventListeners, heapBytes: heap.usedSize };
  };
  const fill = async (cycle: number) => {
    for (let i = 0; i < messages; i++) {
      const id = `c${cycle}m${i}`;
      await startMessage(p, id);
      await feed(p, { id, from: 0, to: tokens.length, rate: 100_000, seqStart: 1, targetLength: text.length });
      await p.post({
        type: 'messageFinished',
        id,
        state: 'done',
        stats: { model: 'sim-model', providerLabel: 'Simulator', ttftMs: 300, tokensPerSecond: 120, outputTokens: tokens.length, estimated: false, finishReason: 'stop' },
        error: undefined,
      });
    }
  };
  let baseline, full, afterFirst, afterSecond;
  let identical: boolean;
  try {
    await warmUp(p);
    await setTokens(p, tokens);
    // One full cycle first, so lazily created state (grammars, caches) is part of the baseline.
    await fill(0);
    await p.post({ type: 'cleared' });
    baseline = await measure();
    await fill(1);
    // The newest answer, in sight: the panel keeps answers far off screen as plain-text placeholders.
    const last = `c1m${messages - 1}`;
    identical =
      (await p.page.evaluate(([id, t]) => document.querySelector(`article[data-id="${id}"] .markdown`)?.innerHTML === window.__sidestreamTest!.renderMarkdownOnce(t), [
        last,
        text,
      ] as const)) === true;
    full = await measure();
    await p.post({ type: 'cleared' });
    afterFirst = await measure();
    await fill(2);
    await p.post({ type: 'cleared' });
    afterSecond = await measure();
  } finally {
    await p.close();
  }
  const heapGrowth = (afterSecond.heapBytes - baseline.heapBytes) / 1048576;
  const heapTolMB = 0.5;
  const nodesBack = afterSecond.elements === baseline.elements && afterFirst.elements === baseline.elements;
  const domBack = afterSecond.domNodes <= baseline.domNodes;
  const met = nodesBack && domBack && heapGrowth <= heapTolMB;
  opts.log(
    `B7-webview elements ${baseline.elements} → full ${full.elements} → cleared ${afterFirst.elements}/${afterSecond.elements}; DOM counter nodes ${baseline.domNodes} → ${full.domNodes} → ${afterFirst.domNodes}/${afterSecond.domNodes}; heap ${fmt(baseline.heapBytes / 1048576, 2)} → ${fmt(full.heapBytes / 1048576, 2)} → ${fmt(afterFirst.heapBytes / 1048576, 2)}/${fmt(afterSecond.heapBytes / 1048576, 2)} MB`,
  );
  return {
    id: 'B7-webview',
    title: `Webview memory after New Chat (${messages} × ${tokens.length}-token answers)`,
    measured: `${afterSecond.elements} elements, ${afterSecond.domNodes} DOM nodes, heap ${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth, 3)} MB`,
    reference: `baseline ${baseline.elements} elements, ${baseline.domNodes} nodes, ${fmt(baseline.heapBytes / 1048576, 2)} MB (full: ${full.elements} elements, ${fmt(full.heapBytes / 1048576, 2)} MB)`,
    target: `elements = baseline, DOM nodes ≤ baseline, heap ≤ baseline + ${heapTolMB} MB`,
    met: opts.smoke ? undefined : met,
    checks: [
      { name: 'B7-webview rendered message identical to one-shot render', ok: identical },
      { name: 'B7-webview element count back to baseline after cleared', ok: nodesBack },
    ],
    figures: { messages, tokensPerMessage: tokens.length, baseline, full, afterFirstClear: afterFirst, afterSecondClear: afterSecond, heapGrowthMB: heapGrowth },
    method: `Real ChatView fed through the protocol (messageAdded, appends, messageFinished) with ${messages} question/answer pairs, then 'cleared'; twice. Measured after CDP HeapProfiler.collectGarbage ×2: document.getElementsByTagName('*').length, CDP Memory.getDOMCounters nodes (includes detached nodes still referenced), CDP Runtime.getHeapUsage usedSize. Baseline is taken after one warm-up fill+clear.`,
  };
}
