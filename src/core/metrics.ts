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

/** Deltas closer together than this share one live-window bucket. */
const BUCKET_MS = 50;

/**
 * A live snapshot counts at most this many characters of new text exactly and scales the rest
 * by that sample's tokens per character, so a snapshot's cost is bounded however fast the model
 * streams. The final figure always counts the whole text (when the provider reports no usage).
 */
export const LIVE_SAMPLE_CHARS = 2048;

/** Deltas that arrived within {@link BUCKET_MS} of each other, for the live rate. */
interface Bucket {
  firstAt: number;
  lastAt: number;
  chars: number;
  /** Length of the bucket's first delta: the live rate counts tokens after the window's first delta. */
  firstChars: number;
  /** Characters not yet converted to tokens. */
  pendingChars: number;
  tokens: number;
}

/**
 * Accumulates the figures of one streamed answer. All times are `performance.now()` values.
 *
 * A delta is only timed and appended as it arrives: the tokenizer runs when a figure is asked for
 * (the adapter snapshots at most every 100 ms), on all text since the previous snapshot at once,
 * instead of once per delta. When the provider reports usage, the final figure counts nothing.
 */
export class StreamMetrics {
  /** When the metrics were created (the caller's start: SDK loading and request building follow). */
  private readonly createdAt: number;
  /** When the request was first handed to the network: the origin of every time figure once known. */
  private requestSentAt: number | undefined;
  private requestSentPrecise = false;
  private headersAt: number | undefined;
  private firstByteAt: number | undefined;
  private firstTokenAt: number | undefined;
  private firstReasoningAt: number | undefined;
  private firstAnswerAt: number | undefined;
  private lastTokenAt: number | undefined;
  private reportedReasoningTokens: number | undefined;
  private bytes = 0;
  private outputText = '';
  /** How much of {@link outputText} {@link estimatedTokens} covers. */
  private countedChars = 0;
  private estimatedTokens = 0;
  private reportedOutputTokens: number | undefined;
  /** Recent deltas in time buckets, for the live rate; buckets before `head` have left the window. */
  private buckets: Bucket[] = [];
  private head = 0;
  private readonly encoding: TokenizerEncoding;

  constructor(
    model: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.createdAt = now();
    this.encoding = encodingForModel(model);
  }

  /**
   * The request is being handed to the network. The first call starts the clock every figure is
   * measured on (a retry does not restart it): TTFT is the provider's, and what came before (a
   * cold SDK load, building the request) is reported apart as `setupMs`. `precise` is the moment
   * the headers were written to the socket, when the fetch implementation reports it; it replaces
   * the time fetch was called.
   */
  markRequestSent(precise = false): void {
    if (this.requestSentPrecise) return;
    if (precise) {
      this.requestSentAt = this.now();
      this.requestSentPrecise = true;
    } else this.requestSentAt ??= this.now();
  }

  /** Response headers arrived. A retry restarts the header and byte figures but not the request clock. */
  markHeaders(): void {
    this.headersAt = this.now();
    this.firstByteAt = undefined;
    this.bytes = 0;
  }

  /** A body chunk arrived (keep-alives count: they prove the connection is alive). */
  markBytes(byteCount: number): void {
    if (this.firstByteAt === undefined) this.firstByteAt = this.now();
    this.bytes += byteCount;
  }

  /**
   * A text or reasoning delta was produced; returns when (on this clock), or undefined for empty
   * text. Tool-call arguments are added as `tool`: they count as output like any other token.
   */
  addDelta(text: string, kind: 'text' | 'reasoning' | 'tool' = 'text'): number | undefined {
    if (!text) return undefined;
    const at = this.now();
    this.firstTokenAt ??= at;
    if (kind === 'reasoning') this.firstReasoningAt ??= at;
    else if (kind === 'text') this.firstAnswerAt ??= at;
    this.lastTokenAt = at;
    this.outputText += text;
    const chars = text.length;
    const bucket = this.buckets.length > this.head ? this.buckets[this.buckets.length - 1]! : undefined;
    if (bucket && at - bucket.firstAt < BUCKET_MS) {
      bucket.lastAt = at;
      bucket.chars += chars;
      bucket.pendingChars += chars;
      return at;
    }
    this.buckets.push({ firstAt: at, lastAt: at, chars, firstChars: chars, pendingChars: chars, tokens: 0 });
    // Without snapshots nothing would trim the window; keep it bounded anyway.
    if (this.buckets.length - this.head > 64) this.prune(at - LIVE_WINDOW_MS);
    return at;
  }

  /** The provider reported usage: its output count replaces the estimate. */
  setUsage(usage: Usage): void {
    if (usage.outputTokens !== undefined) this.reportedOutputTokens = usage.outputTokens;
    if (usage.reasoningTokens !== undefined) this.reportedReasoningTokens = usage.reasoningTokens;
  }

  /** The figures so far; `final` counts the whole text once (more exact than summing per-batch counts). */
  snapshot(final = false): StreamMetricsSnapshot {
    const estimated = this.reportedOutputTokens === undefined;
    let outputTokens: number | undefined = this.reportedOutputTokens;
    if (!final) this.countPending();
    if (estimated) {
      if (final) {
        this.estimatedTokens = countTokens(this.outputText, this.encoding);
        this.countedChars = this.outputText.length;
      }
      outputTokens = this.firstTokenAt === undefined ? undefined : Math.round(this.estimatedTokens);
    }
    const origin = this.requestSentAt ?? this.createdAt;
    const since = (at: number | undefined) => (at === undefined ? undefined : at - origin);
    const span = this.firstTokenAt !== undefined && this.lastTokenAt !== undefined ? this.lastTokenAt - this.firstTokenAt : 0;
    const reasoningFirst = this.firstReasoningAt !== undefined && this.firstAnswerAt !== undefined && this.firstReasoningAt < this.firstAnswerAt;
    return {
      setupMs: this.requestSentAt === undefined ? undefined : this.requestSentAt - this.createdAt,
      headersMs: since(this.headersAt),
      firstByteMs: since(this.firstByteAt),
      ttftMs: since(this.firstTokenAt),
      firstAnswerTokenMs: reasoningFirst ? since(this.firstAnswerAt) : undefined,
      lastTokenMs: since(this.lastTokenAt),
      outputTokens,
      reasoningTokens: this.reportedReasoningTokens,
      estimated,
      tokensPerSecond: outputTokens !== undefined && span > 0 ? (outputTokens / span) * 1000 : undefined,
      liveTokensPerSecond: final ? undefined : this.liveRate(this.now()),
      bytes: this.bytes,
    };
  }

  /**
   * Counts the text since the last count in one tokenizer call (a bounded sample of it when it is
   * long) and spreads the tokens over the buckets it came in, by length.
   */
  private countPending(): void {
    const pendingChars = this.outputText.length - this.countedChars;
    if (pendingChars <= 0) return;
    const sample = this.outputText.slice(Math.max(this.countedChars, this.outputText.length - LIVE_SAMPLE_CHARS));
    const perChar = countTokens(sample, this.encoding) / sample.length;
    this.estimatedTokens += pendingChars * perChar;
    this.countedChars = this.outputText.length;
    for (let i = this.buckets.length - 1; i >= this.head; i--) {
      const bucket = this.buckets[i]!;
      if (bucket.pendingChars === 0) break;
      bucket.tokens += bucket.pendingChars * perChar;
      bucket.pendingChars = 0;
    }
  }

  /** Tokens after the window's first delta, over the time they took; a stall lets the window empty. */
  private liveRate(now: number): number | undefined {
    this.prune(now - LIVE_WINDOW_MS);
    const buckets = this.buckets;
    if (buckets.length === this.head) return undefined;
    const first = buckets[this.head]!;
    const span = buckets[buckets.length - 1]!.lastAt - first.firstAt;
    if (span <= 0) return undefined;
    let tokens = -first.tokens * (first.firstChars / first.chars);
    for (let i = this.head; i < buckets.length; i++) tokens += buckets[i]!.tokens;
    return (tokens / span) * 1000;
  }

  /** Drops buckets whose last delta is older than `oldest`; compacts the array once most of it is dead. */
  private prune(oldest: number): void {
    const buckets = this.buckets;
    while (this.head < buckets.length && buckets[this.head]!.lastAt < oldest) this.head++;
    if (this.head > 64 && this.head * 2 > buckets.length) {
      this.buckets = buckets.slice(this.head);
      this.head = 0;
    }
  }
}
