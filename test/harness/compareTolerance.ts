/**
 * How close a Compare column's TTFT and tok/s must be to what the simulator recorded it did. One
 * definition for the extension-host test (test/exthost/compare.test.ts, the figures from the test
 * API) and the UI test (test/e2e/compare.test.ts, the figures as the panel shows them), so the two
 * cannot drift apart. Pure: no `vscode`, no Node-only modules.
 *
 * B8's figures (bench/hostBenches.ts benchMetricAccuracy: TTFT within 5 ms, tok/s within 2 %) are
 * for one stream in a quiet Node process. Here two streams share a busy extension host on a 2-core
 * machine that other suites load too (and, in the UI test, a Chromium drawing the workbench and
 * both columns): each delta reaches the client later than the simulator wrote it by a varying
 * scheduling delay, which shifts the first and last token times of a few-second answer, and grows
 * with the load (which also slows the simulator: its scripted 80 ms has read 132 ms here). So: TTFT
 * never below the simulator's (a token cannot arrive before it is sent) and at most 15 ms or 20 %
 * above it; tok/s within 10 %. Both still catch a figure taken from the wrong column or clock (the
 * tests' two models are scripted hundreds of ms and 2.5× apart).
 */

/** TTFT may read this many ms above the simulator's… */
export const TTFT_TOLERANCE_MS = 15;
/** …or this share of it, whichever is larger. */
export const TTFT_TOLERANCE_SHARE = 0.2;
/** tok/s within this share of the simulator's. */
export const TPS_TOLERANCE = 0.1;

/** What the simulator did for one request (a `SimRequestRecord`'s times, epoch ms). */
export interface SimulatorTruth {
  startedAt: number;
  firstTokenAt?: number | undefined;
  lastTokenAt?: number | undefined;
  tokensSent: number;
}

/** The simulator's TTFT (request arrived → first token written) and tok/s (B8's definition: tokens after the first over first → last token). */
export function simulatorFigures(rec: SimulatorTruth): { ttftMs: number; tokensPerSecond: number } {
  if (rec.firstTokenAt === undefined || rec.lastTokenAt === undefined) throw new Error('the simulator wrote no tokens for this request');
  return { ttftMs: rec.firstTokenAt - rec.startedAt, tokensPerSecond: ((rec.tokensSent - 1) / (rec.lastTokenAt - rec.firstTokenAt)) * 1000 };
}

/**
 * Undefined when `shown` (the client's TTFT and tok/s) is within the tolerance of the simulator's
 * `truth`, else a message saying which figure is off and by how much. `resolution` is how finely
 * the figures were rounded for display (the panel shows whole ms, and tok/s to 0.1 below 100 or to
 * 1 above), so a shown figure may be off by half of it more.
 */
export function figuresOffBy(
  shown: { ttftMs: number; tokensPerSecond: number },
  truth: { ttftMs: number; tokensPerSecond: number },
  resolution: { ttftMs: number; tokensPerSecond: number } = { ttftMs: 0, tokensPerSecond: 0 },
): string | undefined {
  const problems: string[] = [];
  const ttftSlack = Math.max(TTFT_TOLERANCE_MS, truth.ttftMs * TTFT_TOLERANCE_SHARE) + resolution.ttftMs / 2;
  // 1 ms of slack below for the clocks' granularity (the client starts its clock before the request reaches the simulator).
  if (shown.ttftMs < truth.ttftMs - 1 - resolution.ttftMs / 2 || shown.ttftMs - truth.ttftMs > ttftSlack) {
    problems.push(`TTFT ${shown.ttftMs.toFixed(1)} ms, simulator ${truth.ttftMs.toFixed(1)} ms (allowed: not below it, at most ${ttftSlack.toFixed(1)} ms above)`);
  }
  const tpsSlack = truth.tokensPerSecond * TPS_TOLERANCE + resolution.tokensPerSecond / 2;
  if (Math.abs(shown.tokensPerSecond - truth.tokensPerSecond) > tpsSlack) {
    problems.push(`${shown.tokensPerSecond.toFixed(1)} tok/s, simulator ${truth.tokensPerSecond.toFixed(1)} (allowed: ±${tpsSlack.toFixed(1)})`);
  }
  return problems.length ? problems.join('; ') : undefined;
}
