/**
 * Time-to-first-token and tokens-per-second, measured from the bytes as they arrive. Output tokens
 * come from the provider's usage when it reports them; otherwise they are counted with a real BPE
 * tokenizer (loaded lazily) and flagged as estimated.
 */
import type { StreamMetricsSnapshot, Usage } from './events';
import { loadTokenizer, type TokenizerEncoding } from './lazy';

/** How far back the live tokens-per-second figure looks. */
export const LIVE_WINDOW_MS = 1000;

/** The tokenizer vocabulary used to estimate a model's output tokens (see lazy.ts for why one). */
export function encodingForModel(_model: string): TokenizerEncoding {
  return 'cl100k_base';
}

/** Counts tokens in `text`; special-token markers in model output are counted as plain text. */
export function countTokens(text: string, encoding: TokenizerEncoding): number {
  if (!text) return 0;
  return loadTokenizer(encoding).countTokens(text, { disallowedSpecial: new Set() });
}

/** Accumulates the figures of one streamed answer. All times are `performance.now()` values. */
export class StreamMetrics {
  private readonly startedAt: number;
  private headersAt: number | undefined;
  private firstByteAt: number | undefined;
  private firstTokenAt: number | undefined;
  private lastTokenAt: number | undefined;
  private bytes = 0;
  private outputText = '';
  private estimatedTokens = 0;
  private reportedOutputTokens: number | undefined;
  /** (time, tokens) of recent deltas, for the live rate. */
  private readonly window: Array<{ at: number; tokens: number }> = [];
  private readonly encoding: TokenizerEncoding;

  constructor(
    model: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.encoding = encodingForModel(model);
  }

  /** Response headers arrived. A retry restarts the header and byte figures but not the request clock. */
  markHeaders(): void {
    this.headersAt = this.now();
    this.firstByteAt = undefined;
    this.bytes = 0;
  }

  /** A body chunk arrived (keep-alives count: they prove the connection is alive). */
  markBytes(byteCount: number): void {
    const at = this.now();
    this.firstByteAt ??= at;
    this.bytes += byteCount;
  }

  /** A text or reasoning delta was produced. */
  addDelta(text: string): void {
    if (!text) return;
    const at = this.now();
    this.firstTokenAt ??= at;
    this.lastTokenAt = at;
    this.outputText += text;
    const tokens = countTokens(text, this.encoding);
    this.estimatedTokens += tokens;
    this.window.push({ at, tokens });
    while (this.window.length > 0 && this.window[0]!.at < at - LIVE_WINDOW_MS) this.window.shift();
  }

  /** The provider reported usage: its output count replaces the estimate. */
  setUsage(usage: Usage): void {
    if (usage.outputTokens !== undefined) this.reportedOutputTokens = usage.outputTokens;
  }

  /** The figures so far; `final` counts the whole text once (more exact than summing per-delta counts). */
  snapshot(final = false): StreamMetricsSnapshot {
    const estimated = this.reportedOutputTokens === undefined;
    let outputTokens: number | undefined = this.reportedOutputTokens;
    if (estimated) {
      if (final) this.estimatedTokens = countTokens(this.outputText, this.encoding);
      outputTokens = this.firstTokenAt === undefined ? undefined : this.estimatedTokens;
    }
    const since = (at: number | undefined) => (at === undefined ? undefined : at - this.startedAt);
    const span = this.firstTokenAt !== undefined && this.lastTokenAt !== undefined ? this.lastTokenAt - this.firstTokenAt : 0;
    return {
      headersMs: since(this.headersAt),
      firstByteMs: since(this.firstByteAt),
      ttftMs: since(this.firstTokenAt),
      lastTokenMs: since(this.lastTokenAt),
      outputTokens,
      estimated,
      tokensPerSecond: outputTokens !== undefined && span > 0 ? (outputTokens / span) * 1000 : undefined,
      liveTokensPerSecond: final ? undefined : this.liveRate(this.now()),
      bytes: this.bytes,
    };
  }

  /** Tokens after the window's first delta, over the time they took; a stall lets the window empty. */
  private liveRate(now: number): number | undefined {
    while (this.window.length > 0 && this.window[0]!.at < now - LIVE_WINDOW_MS) this.window.shift();
    if (this.window.length < 2) return undefined;
    const first = this.window[0]!;
    const last = this.window[this.window.length - 1]!;
    const span = last.at - first.at;
    if (span <= 0) return undefined;
    let tokens = 0;
    for (let i = 1; i < this.window.length; i++) tokens += this.window[i]!.tokens;
    return (tokens / span) * 1000;
  }
}
