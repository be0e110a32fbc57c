/**
 * Automatic salvage: when a stream fails after text arrived and the failure is one a retry can
 * fix (a reset connection, an idle timeout, a 5xx, an overloaded or briefly rate-limited service,
 * an error event from the provider), the answer is asked for again with the partial text — as an
 * assistant prefill where the API takes one, otherwise with the continue instruction (see
 * continuation.ts) — and the continuation is joined at the seam, without any text the model
 * repeats. At most two resumes per answer; never after a cancel, an authentication failure, a
 * content filter or a length stop (a finish, not a failure).
 *
 * {@link withSalvage} wraps any {@link StreamSource} (the core's `stream()`) into one that yields a
 * single answer: one `start`, the joined text, usage and figures summed over the parts, and one
 * terminal event. The seams are reported through {@link SalvageOptions.onSeam}.
 */
import type { AnswerSeam } from '../shared/answerTypes';
import { isCancelled, toAbortSignal, type Cancellation } from './cancellation';
import type { FailureKind, StreamEvent, StreamFailure, StreamMetricsSnapshot, Usage } from './events';
import { isLocalProvider } from './providerCatalog';
import type { ChatRequest } from './request';
import type { ContinuationMode } from './continuation';
import type { StreamSource } from './session/StreamSession';

/** Resumes per answer, at most. */
export const MAX_RESUMES = 2;
/** The longest `Retry-After` a rate-limited answer waits for before it resumes (longer ones fail as before). */
export const MAX_RESUME_WAIT_MS = 10_000;
/** The pause before a second resume (the first goes at once). */
export const SECOND_RESUME_DELAY_MS = 500;

export type { AnswerSeam };

/** A resume about to start (the notice says so while it waits). */
export interface ResumeAttempt {
  /** 1 or 2. */
  attempt: number;
  failure: StreamFailure;
  /** The wait before the request, ms. */
  delayMs: number;
}

export interface SalvageOptions {
  /** Off: the stream passes through unchanged. Default on. */
  enabled?: boolean | undefined;
  /** At most this many resumes (clamped to 0…{@link MAX_RESUMES}). Default {@link MAX_RESUMES}. */
  maxResumes?: number | undefined;
  /** A resume is about to be asked for. */
  onResuming?: ((attempt: ResumeAttempt) => void) | undefined;
  /** The resumed text began: the seam, with its offset in this stream's text. */
  onSeam?: ((seam: AnswerSeam) => void) | undefined;
}

/** How a request sends back a partial answer: must match the providers (anthropic.ts, openaiChat.ts, openaiResponses.ts). */
export function continuationModeFor(request: Pick<ChatRequest, 'api' | 'provider'>): ContinuationMode {
  if (request.api === 'anthropic') return 'prefill';
  if (request.api === 'openai-chat' && isLocalProvider(request.provider)) return 'prefill';
  return 'follow-up';
}

/** Failure kinds that a second request can fix, when text already arrived. */
const RESUMABLE: ReadonlySet<FailureKind> = new Set<FailureKind>(['connection', 'timeout', 'idle-timeout', 'server', 'overloaded', 'provider', 'rate-limit']);

/**
 * Whether a failure that ended a stream with text is worth resuming: a transport or service
 * failure; a rate limit only with a short `Retry-After`. Never authentication, a bad request, a
 * missing model, a content filter or a malformed stream.
 */
export function isResumable(failure: StreamFailure): boolean {
  if (!failure.retryable || !RESUMABLE.has(failure.kind)) return false;
  if (failure.kind === 'rate-limit') return failure.retryAfterMs !== undefined && failure.retryAfterMs <= MAX_RESUME_WAIT_MS;
  return true;
}

/** A source whose answers resume by themselves after a resumable failure (see the file comment). */
export function withSalvage(source: StreamSource, options: SalvageOptions = {}): StreamSource {
  if (options.enabled === false) return source;
  return (request, cancellation) => salvaged(source, request, cancellation, options);
}

/** One finished (failed) part's figures, and when its request began relative to the answer's start. */
interface Part {
  metrics: StreamMetricsSnapshot;
  startMs: number;
}

async function* salvaged(
  source: StreamSource,
  request: ChatRequest,
  cancellation: Cancellation | undefined,
  options: SalvageOptions,
): AsyncGenerator<StreamEvent, void, undefined> {
  const maxResumes = Math.max(0, Math.min(MAX_RESUMES, Math.floor(options.maxResumes ?? MAX_RESUMES)));
  const base = request.continueFrom ?? '';
  const mode = continuationModeFor(request);
  const t0 = performance.now();
  const parts: Part[] = [];
  let usageBefore: Usage | undefined;
  let text = '';
  let started = false;
  let resumes = 0;
  /** The failure being resumed from, until the resumed text begins. */
  let pending: { failure: StreamFailure; at: number; atPerf: number; offset: number; attempts: number } | undefined;
  let attemptRequest = request;
  for (;;) {
    const startMs = performance.now() - t0;
    const joiner = pending ? new SeamJoiner(base + text) : undefined;
    const combined = (metrics: StreamMetricsSnapshot, final: boolean) => combineMetrics([...parts, { metrics, startMs }], final);
    const reportSeam = () => {
      if (!pending || !joiner) return;
      const seam: AnswerSeam = {
        offset: pending.offset,
        failure: { kind: pending.failure.kind, message: pending.failure.message, ...(pending.failure.status !== undefined ? { status: pending.failure.status } : {}) },
        at: pending.at,
        resumeMs: Math.round(performance.now() - pending.atPerf),
        attempts: pending.attempts,
        overlapChars: joiner.overlap,
        mode,
      };
      pending = undefined;
      safely(() => options.onSeam?.(seam));
    };
    const emit = (piece: string): StreamEvent | undefined => {
      if (!piece) return undefined;
      reportSeam();
      text += piece;
      return { type: 'text-delta', text: piece };
    };
    let terminal: Extract<StreamEvent, { type: 'finish' | 'error' }> | undefined;
    for await (const event of source(attemptRequest, cancellation)) {
      switch (event.type) {
        case 'start':
          if (!started) {
            started = true;
            yield event;
          }
          break;
        case 'text-delta': {
          const out = emit(joiner ? joiner.push(event.text) : event.text);
          if (out) yield out;
          break;
        }
        case 'metrics':
          yield { type: 'metrics', metrics: combined(event.metrics, false) };
          break;
        case 'usage':
          yield { type: 'usage', usage: addUsage(usageBefore, event.usage) };
          break;
        case 'finish':
        case 'error':
          terminal = event;
          break;
        default:
          yield event;
      }
      if (terminal) break;
    }
    // Text held at the seam (all of it might have been a repeat) is settled before the end.
    const held = joiner ? emit(joiner.end()) : undefined;
    if (held) yield held;
    if (!terminal) return; // The session reports a stream that ended without its terminal event.
    if (terminal.type === 'finish') {
      yield { ...terminal, usage: addUsage(usageBefore, terminal.usage), metrics: combined(terminal.metrics, true) };
      return;
    }
    const failure = terminal.error;
    const canResume = resumes < maxResumes && text.length > 0 && isResumable(failure) && !isCancelled(cancellation);
    if (!canResume) {
      const after = resumes > 0 ? ` (after ${resumes} automatic resume${resumes > 1 ? 's' : ''})` : '';
      yield {
        ...terminal,
        error: { ...failure, message: failure.message + after },
        partialText: text,
        usage: addUsage(usageBefore, terminal.usage),
        metrics: combined(terminal.metrics, true),
      };
      return;
    }
    parts.push({ metrics: terminal.metrics, startMs });
    usageBefore = addUsage(usageBefore, terminal.usage);
    if (pending) pending.attempts++;
    else pending = { failure, at: Date.now(), atPerf: performance.now(), offset: text.length, attempts: 1 };
    resumes++;
    const delayMs = failure.kind === 'rate-limit' ? (failure.retryAfterMs ?? 0) : resumes > 1 ? SECOND_RESUME_DELAY_MS : 0;
    safely(() => options.onResuming?.({ attempt: resumes, failure, delayMs }));
    if (delayMs > 0) await wait(delayMs, cancellation);
    if (isCancelled(cancellation)) {
      const last = combineMetrics(parts, true);
      yield { type: 'finish', reason: { unified: 'cancelled', raw: undefined }, usage: usageBefore, metrics: last };
      return;
    }
    attemptRequest = { ...request, continueFrom: base + text };
  }
}

function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // A UI callback never breaks the answer.
  }
}

/** Waits `ms`, or less when cancelled. */
async function wait(ms: number, cancellation: Cancellation | undefined): Promise<void> {
  const { signal, dispose } = toAbortSignal(cancellation);
  try {
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  } finally {
    dispose();
  }
}

/** Usage over the parts: what the answer cost (the resumed request's input included). */
export function addUsage(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  const sum = (x: number | undefined, y: number | undefined) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const usage: Usage = { inputTokens: sum(a.inputTokens, b.inputTokens), outputTokens: sum(a.outputTokens, b.outputTokens) };
  const reasoning = sum(a.reasoningTokens, b.reasoningTokens);
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  const cached = sum(a.cachedInputTokens, b.cachedInputTokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  return usage;
}

/**
 * One answer's figures from its parts' (each measured from its own request): TTFT, headers and
 * first byte of the first part; tokens of all parts; tokens per second over the time tokens were
 * arriving, without the gap between a failure and the resumed text; times on the first request's clock.
 */
export function combineMetrics(parts: readonly Part[], final: boolean): StreamMetricsSnapshot {
  const first = parts[0];
  if (!first) throw new Error('combineMetrics needs a part');
  if (parts.length === 1) return first.metrics;
  const last = parts[parts.length - 1]!;
  const originOf = (p: Part) => p.startMs + (p.metrics.setupMs ?? 0);
  const origin = originOf(first);
  const onClock = (p: Part, ms: number | undefined) => (ms === undefined ? undefined : originOf(p) + ms - origin);
  const withTokens = parts.filter((p) => p.metrics.ttftMs !== undefined);
  let outputTokens: number | undefined;
  let reasoningTokens: number | undefined;
  let estimated = false;
  let span = 0;
  let bytes = 0;
  for (const p of parts) {
    const m = p.metrics;
    bytes += m.bytes;
    if (m.outputTokens !== undefined) {
      outputTokens = (outputTokens ?? 0) + m.outputTokens;
      if (m.estimated) estimated = true;
    }
    if (m.reasoningTokens !== undefined) reasoningTokens = (reasoningTokens ?? 0) + m.reasoningTokens;
    if (m.ttftMs !== undefined && m.lastTokenMs !== undefined) span += m.lastTokenMs - m.ttftMs;
  }
  const firstTokens = withTokens[0];
  const lastTokens = withTokens[withTokens.length - 1];
  return {
    setupMs: first.metrics.setupMs,
    headersMs: first.metrics.headersMs,
    firstByteMs: first.metrics.firstByteMs,
    ttftMs: firstTokens ? onClock(firstTokens, firstTokens.metrics.ttftMs) : undefined,
    firstAnswerTokenMs: firstTokens?.metrics.firstAnswerTokenMs !== undefined ? onClock(firstTokens, firstTokens.metrics.firstAnswerTokenMs) : undefined,
    lastTokenMs: lastTokens ? onClock(lastTokens, lastTokens.metrics.lastTokenMs) : undefined,
    outputTokens,
    reasoningTokens,
    estimated,
    tokensPerSecond: outputTokens !== undefined && span > 0 ? (outputTokens / span) * 1000 : undefined,
    liveTokensPerSecond: final ? undefined : last.metrics.liveTokensPerSecond,
    bytes,
  };
}

const BOUNDARY = /[\s\p{P}]/u;
/** A repeat at least this long is removed wherever it starts and ends. */
const SURE_OVERLAP_CHARS = 24;

/**
 * Joins a continuation to the text before it, removing the longest stretch at its start that the
 * text before already ends with: the model repeating its last words, or whitespace an API trimmed
 * from the prefill (Anthropic) and the model sent again. Text is held only while it could still be
 * such a repeat, so a continuation that goes straight on is passed through after a few characters.
 * A short repeat counts only when it starts where a word starts (see `accepts`): "over" + " over
 * the" loses the second " over", "**late" + " **latency**" the second " **late"; but "|:-" +
 * "---:|" is left alone (a coincidence, not a repeat).
 */
export class SeamJoiner {
  private held = '';
  /** Start positions in `before` where `held` matches and `before` goes on beyond it. */
  private live: number[] | undefined;
  /** Lengths of overlaps found: `before` ends with `held`'s first k characters. */
  private readonly found: number[] = [];
  private decided = false;
  /** Characters removed at the seam, once decided. */
  overlap = 0;

  constructor(private readonly before: string) {}

  /** Takes a piece of the continuation; returns what may be shown now. */
  push(piece: string): string {
    if (this.decided) return piece;
    const from = this.held.length;
    this.held += piece;
    const n = this.before.length;
    const held = this.held;
    const candidates = this.live ?? Array.from({ length: n }, (_, p) => p);
    const next: number[] = [];
    for (const p of candidates) {
      let matches = true;
      let i = from;
      for (; i < held.length && p + i < n; i++) {
        if (this.before.charCodeAt(p + i) !== held.charCodeAt(i)) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      if (p + held.length >= n) this.found.push(n - p);
      else next.push(p);
    }
    this.live = next;
    return this.decide(false);
  }

  /** The continuation ended: what is still held, without a repeat. */
  end(): string {
    return this.decided ? '' : this.decide(true);
  }

  private decide(ended: boolean): string {
    if (!ended && this.live && this.live.length > 0) return '';
    const found = [...new Set(this.found)].sort((a, b) => b - a);
    let overlap = 0;
    for (const k of found) {
      // Whether the repeat ends at a word's end is known from the next character.
      if (k === this.held.length && !ended) return '';
      if (this.accepts(k)) {
        overlap = k;
        break;
      }
    }
    this.decided = true;
    this.overlap = overlap;
    const rest = this.held.slice(overlap);
    this.held = '';
    this.live = undefined;
    return rest;
  }

  /**
   * Whether the first `k` characters are a repeat rather than a coincidence: whitespace (a trimmed
   * prefill sent again); anything of {@link SURE_OVERLAP_CHARS} or more; else words or a word cut
   * at the break that start where a word starts (punctuation alone only after whitespace). A fragment of at
   * most three letters must also end where a word ends ("an" + " and" is a new word, not a repeat).
   */
  private accepts(k: number): boolean {
    const repeat = this.held.slice(0, k);
    if (repeat.trim() === '' || k >= SURE_OVERLAP_CHARS) return true;
    const charBefore = this.before[this.before.length - k - 1];
    // The whole text before (the model started over) always counts; punctuation alone only after
    // a line break or space of its own ("\n\n-" of a list item).
    const startsAtWord = charBefore === undefined || /^\s/.test(repeat) || (/[\p{L}\p{N}]/u.test(repeat) && /\s/.test(charBefore));
    if (!startsAtWord) return false;
    if (repeat.trim().length > 3 || /\s/.test(repeat.trim())) return true;
    const charAfter = this.held[k];
    return charAfter === undefined || BOUNDARY.test(charAfter);
  }
}
