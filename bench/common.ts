/**
 * Shared shapes and helpers for the benchmark suite. Every bench returns a {@link BenchResult}:
 * a measured figure, the reference it was measured against in the same run, the target, and the
 * correctness checks that `--smoke` turns into the exit code.
 */

/** One correctness check: failing it fails the run, whatever the timings. */
export interface Check {
  name: string;
  ok: boolean;
  detail?: string | undefined;
}

export interface BenchResult {
  /** Target id from the issue, e.g. `B4`. Sub-results use `B7-host`, `B7-webview`. */
  id: string;
  title: string;
  /** The headline figure as text, e.g. `0.4 ms p50 added`. */
  measured: string;
  /** The reference measured side by side, as text, when there is one. */
  reference?: string | undefined;
  /** Measured ÷ reference (or the figure the target compares), as text. */
  ratio?: string | undefined;
  target: string;
  /** Undefined in smoke runs: no timing thresholds are judged there. */
  met?: boolean | undefined;
  checks: Check[];
  /** Raw numbers for results.json. */
  figures: Record<string, unknown>;
  /** How it was measured, in a sentence or two (goes into BENCHMARKS.md). */
  method: string;
  notes?: string[] | undefined;
}

export interface BenchOptions {
  smoke: boolean;
  log: (line: string) => void;
}

/** Linear-interpolated percentile of an unsorted sample (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Epoch ms with sub-ms precision: the clock the simulator records (`performance.timeOrigin + performance.now()`). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Rounds for display. */
export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return String(n);
  return n.toFixed(digits);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Races a promise against a deadline so no bench can hang the run. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
