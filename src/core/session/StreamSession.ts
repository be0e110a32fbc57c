/**
 * One streamed answer as a consumer sees it: the core's events folded into the answer's state
 * (text, reasoning, notice, final stats, error), its deltas coalesced into numbered appends, live
 * figures, and the points where the answer must be saved. The panel (ChatController), the CLI, the
 * benchmarks and VS Code's chat integration all stream through it, so the one copy of this logic
 * is tested in plain Node. No `vscode` import and no DOM: the events come from a source the
 * consumer hands in (the core's `stream()`, or VS Code's Language Model API in the extension).
 */
import { isCancelled, type Cancellation } from '../cancellation';
import {
  assertNever,
  type FailureKind,
  type ReasoningBlock,
  type StreamEvent,
  type StreamFailure,
  type StreamMetricsSnapshot,
  type ToolCall,
  type UnifiedFinishReason,
  type Usage,
} from '../events';
import type { ChatRequest } from '../request';
import { MAX_RESUMES, withSalvage, type AnswerSeam, type ResumeAttempt, type SalvageOptions } from '../salvage';
import { DeltaCoalescer } from './DeltaCoalescer';
import type { AnswerError, AnswerState, AnswerStats } from '../../shared/answerTypes';

export type { AnswerError, AnswerState, AnswerStats };

/**
 * The answer a session fills in. The panel hands in its own message object (the one its
 * conversation holds and saves) and the session updates it in place.
 */
export interface SessionMessage {
  text: string;
  reasoning?: string | undefined;
  /** Anthropic thinking blocks with their signatures, sent back with this answer on the next turn. */
  reasoningBlocks?: ReasoningBlock[] | undefined;
  state: AnswerState;
  stats?: AnswerStats | undefined;
  error?: AnswerError | undefined;
  /** A transient notice while streaming, e.g. "Rate limited (429): retrying in 3 s — Cancel to stop." */
  notice?: string | undefined;
  /** Where the answer was resumed automatically after a failure (offsets in `text`), oldest first. */
  seams?: AnswerSeam[] | undefined;
}

/** Text gathered since the last append; `seq` increases by one per append of this message. */
export interface SessionAppend {
  seq: number;
  text: string;
  reasoning: string;
}

/** How the answer ended. The message is final (and was persisted durably) when this is reported. */
export interface SessionResult {
  state: Exclude<AnswerState, 'streaming'>;
  message: SessionMessage;
  /** Undefined only when the request never started (see {@link endMessage}). */
  stats: AnswerStats | undefined;
  error: AnswerError | undefined;
  /** The full typed failure (status, retryable…) when it failed. */
  failure: StreamFailure | undefined;
  /** The final figures (the last live ones when the stream ended without a terminal event). */
  metrics: StreamMetricsSnapshot | undefined;
  usage: Usage | undefined;
  /** The unified finish reason: `error` for a failure, `cancelled` for a cancel. */
  finishReason: UnifiedFinishReason;
  /** The provider's own finish word, when it sent one. */
  rawFinishReason: string | undefined;
  /** The complete tool calls the answer made, in order (finish reason `tool-calls`); empty when none. */
  toolCalls: ToolCall[];
  /** Where this run resumed the answer automatically (offsets in the message's text); empty when it did not. */
  seams: AnswerSeam[];
}

/** Where a session's events come from: the core's `stream()`, or another source of the same union. */
export type StreamSource = (request: ChatRequest, cancellation: Cancellation | undefined) => AsyncIterable<StreamEvent>;

export type SessionLogLevel = 'info' | 'warn' | 'error';

export interface StreamSessionOptions {
  source: StreamSource;
  /** Shown with the figures, e.g. "OpenAI", "Simulator", "Copilot". */
  providerLabel: string;
  /** The message to fill in (mutated in place); a new empty one when absent. */
  message?: SessionMessage | undefined;
  /** The last append seq already sent for this message (a continued answer goes on from it). */
  seq?: number | undefined;
  /** The coalescing interval: at most one append per this many ms (0: every delta at once). Default 20. */
  coalesceMs?: number | undefined;
  /** Coalesced text (and reasoning), in order; the message already contains it. */
  onAppend?: ((append: SessionAppend) => void) | undefined;
  /** Live figures while streaming (at most every 100 ms). */
  onMetrics?: ((metrics: StreamMetricsSnapshot) => void) | undefined;
  /** The message's notice changed (a retry wait began, or text arrived after it). */
  onNotice?: ((notice: string | undefined) => void) | undefined;
  /**
   * Save the message now. `durable: false` after each append (a debounced save is enough);
   * `durable: true` exactly once, when it ended and before `onFinish`: once it returns, the
   * finished answer must be on disk.
   */
  onPersist?: ((durable: boolean) => void) | undefined;
  /** The answer ended (done, cancelled or failed); the message is final. */
  onFinish?: ((result: SessionResult) => void) | undefined;
  /** A complete tool call the model made, as it arrives (the result lists them all too). */
  onToolCall?: ((call: ToolCall) => void) | undefined;
  /** Every event from the source, before the session folds it in (benchmarks time them). */
  onEvent?: ((event: StreamEvent) => void) | undefined;
  /** The session's own diagnostic lines (finish figures, failures). */
  onLog?: ((level: SessionLogLevel, line: string) => void) | undefined;
  /**
   * Automatic salvage (salvage.ts): resume an answer whose stream failed after text arrived, and
   * join the parts at a seam. Off unless set (`true`, or options; the host maps `sidestream.autoResume`).
   */
  autoResume?: boolean | Omit<SalvageOptions, 'onSeam' | 'onResuming'> | undefined;
  /** The answer was resumed: the seam, its offset in the message's text (also in `message.seams`). */
  onSeam?: ((seam: AnswerSeam) => void) | undefined;
}

/** The notice shown while the SDK waits before retrying. */
export function retryNotice(info: { delayMs: number; status: number | undefined }): string {
  const why = info.status === 429 ? 'Rate limited (429)' : info.status ? `Server answered ${info.status}` : 'Connection failed';
  return `${why}: retrying in ${Math.max(1, Math.round(info.delayMs / 1000))} s — Cancel to stop.`;
}

/** The notice shown while an answer is being resumed after a failure. */
export function resumeNotice(info: Pick<ResumeAttempt, 'attempt' | 'failure' | 'delayMs'>): string {
  const why = RESUME_REASONS[info.failure.kind] ?? 'The answer broke off';
  const wait = info.delayMs >= 1000 ? ` in ${Math.round(info.delayMs / 1000)} s` : '';
  return `${why}: resuming${wait} (${info.attempt} of ${MAX_RESUMES}) — Cancel to stop.`;
}

const RESUME_REASONS: Partial<Record<FailureKind, string>> = {
  connection: 'The connection broke',
  'idle-timeout': 'The stream stalled',
  timeout: 'The server did not answer',
  server: 'Server error',
  overloaded: 'The service is overloaded',
  'rate-limit': 'Rate limited',
  provider: 'The provider reported an error',
};

/**
 * One request's answer: `run()` streams it to its end, whatever happens. Deltas go into the
 * message at once and out through `onAppend` coalesced; `flush()` sends what is held, so a
 * snapshot of the message taken right after matches the appends up to {@link seq}.
 *
 * ```ts
 * const session = new StreamSession(request, {
 *   source: core.stream,                 // or any source of StreamEvents
 *   providerLabel: 'OpenAI',
 *   onAppend: ({ text, reasoning }) => progress.report(text),
 *   onMetrics: (m) => statusBar.live(m),
 * });
 * const { state, message, stats } = await session.run(token); // a CancellationToken or an AbortSignal, last
 * ```
 */
export class StreamSession {
  readonly message: SessionMessage;
  private lastSeq: number;
  private readonly coalescer: DeltaCoalescer;
  private started = false;
  /** The tool calls of this answer, in order. */
  private readonly toolCalls: ToolCall[] = [];
  private readonly seams: AnswerSeam[] = [];
  /** `performance.now()` when run() began: the answer's duration counts from here. */
  private startedAt = 0;

  constructor(
    private readonly request: ChatRequest,
    private readonly options: StreamSessionOptions,
  ) {
    this.message = options.message ?? { text: '', state: 'streaming' };
    this.message.state = 'streaming';
    this.message.error = undefined;
    this.lastSeq = options.seq ?? 0;
    this.coalescer = new DeltaCoalescer((delta) => {
      this.lastSeq++;
      this.options.onAppend?.({ seq: this.lastSeq, text: delta.text, reasoning: delta.reasoning });
      this.options.onPersist?.(false);
    }, options.coalesceMs ?? 20);
  }

  /** The seq of the last append sent: the message's text is exactly what appends up to it carried, plus what the coalescer holds. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Sends what the coalescer holds now (before a snapshot of the message is taken). */
  flush(): void {
    this.coalescer.flush();
  }

  /**
   * Streams the answer to its end and resolves how it ended; never rejects. The cancellation
   * (VS Code's token, a token-like or an AbortSignal) is handed to the source as it is.
   */
  async run(cancellation?: Cancellation): Promise<SessionResult> {
    if (this.started) throw new Error('A StreamSession runs once.');
    this.started = true;
    this.startedAt = performance.now();
    const message = this.message;
    const stats: AnswerStats = {
      provider: this.request.provider,
      model: this.request.model,
      providerLabel: this.options.providerLabel,
      ttftMs: undefined,
      tokensPerSecond: undefined,
      outputTokens: undefined,
      estimated: false,
      finishReason: undefined,
    };
    const request: ChatRequest = {
      ...this.request,
      onRetry: (info) => {
        this.setNotice(retryNotice(info));
        this.request.onRetry?.(info);
      },
    };
    let metrics: StreamMetricsSnapshot | undefined;
    let usage: Usage | undefined;
    // Seam offsets count the text the message had before this run (a continued answer).
    const textBefore = message.text.length;
    const autoResume = this.options.autoResume;
    const source = autoResume
      ? withSalvage(this.options.source, {
          ...(typeof autoResume === 'object' ? autoResume : {}),
          onResuming: (info) => {
            this.coalescer.flush();
            this.log('warn', `${info.failure.kind}: ${info.failure.message} — resuming (${info.attempt})`);
            this.setNotice(resumeNotice(info));
          },
          onSeam: (seam) => {
            const placed: AnswerSeam = { ...seam, offset: seam.offset + textBefore };
            this.seams.push(placed);
            message.seams = [...(message.seams ?? []), placed];
            this.log('info', `resumed at ${placed.offset} after ${placed.resumeMs} ms (${placed.overlapChars} repeated characters removed)`);
            this.options.onSeam?.(placed);
          },
        })
      : this.options.source;
    try {
      for await (const event of source(request, cancellation)) {
        this.options.onEvent?.(event);
        switch (event.type) {
          case 'start':
            break;
          case 'text-delta':
            if (message.notice) this.setNotice(undefined);
            message.text += event.text;
            this.coalescer.push(event.text);
            break;
          case 'reasoning-delta':
            if (message.notice) this.setNotice(undefined);
            message.reasoning = (message.reasoning ?? '') + event.text;
            this.coalescer.push('', event.text);
            break;
          case 'tool-call':
            this.toolCalls.push(event.toolCall);
            // The text before the call reaches the consumer before the call does.
            this.coalescer.flush();
            this.options.onToolCall?.(event.toolCall);
            break;
          case 'usage':
            usage = event.usage;
            break;
          case 'metrics':
            metrics = event.metrics;
            this.options.onMetrics?.(event.metrics);
            break;
          case 'finish': {
            this.coalescer.flush();
            Object.assign(stats, statsFrom(event.metrics), { finishReason: event.reason.unified });
            if (event.note) {
              stats.note = event.note;
              this.log('warn', event.note);
            }
            // Anthropic thinking blocks (with signatures) go back with this answer on the next turn.
            if (event.reasoningBlocks?.length) message.reasoningBlocks = event.reasoningBlocks;
            const m = event.metrics;
            this.log(
              'info',
              `finish ${event.reason.unified} (${event.reason.raw ?? '-'}) TTFT ${fmt(m.ttftMs)} ms, ${m.outputTokens ?? '?'}${m.estimated ? ' (estimated)' : ''} tokens, ${fmt(m.tokensPerSecond)} tok/s`,
            );
            const state = event.reason.unified === 'cancelled' ? 'cancelled' : 'done';
            return this.end({
              state,
              stats,
              error: undefined,
              failure: undefined,
              metrics: m,
              usage: event.usage,
              finishReason: event.reason.unified,
              rawFinishReason: event.reason.raw,
            });
          }
          case 'error': {
            this.coalescer.flush();
            // Final figures counted on all the text that arrived, as a finish carries them.
            Object.assign(stats, statsFrom(event.metrics));
            this.log('warn', `${event.error.kind}: ${event.error.message}`);
            return this.fail(event.error, stats, event.metrics, event.usage);
          }
          default:
            assertNever(event, 'stream event');
        }
      }
      this.coalescer.flush();
      if (metrics) Object.assign(stats, statsFrom(metrics));
      if (isCancelled(cancellation)) {
        return this.end({ state: 'cancelled', stats, error: undefined, failure: undefined, metrics, usage, finishReason: 'cancelled', rawFinishReason: undefined });
      }
      const failure: StreamFailure = { kind: 'protocol', message: 'The stream ended without a finish event.', retryable: true };
      this.log('warn', `${failure.kind}: ${failure.message}`);
      return this.fail(failure, stats, metrics, usage);
    } catch (err) {
      this.coalescer.flush();
      if (metrics) Object.assign(stats, statsFrom(metrics));
      const text = err instanceof Error ? err.message : String(err);
      this.log('error', `unexpected failure: ${text}`);
      const failure: StreamFailure = { kind: 'provider', message: `Unexpected failure: ${text}`, retryable: true };
      return this.fail(failure, stats, metrics, usage);
    } finally {
      this.coalescer.dispose();
    }
  }

  /** Ends the answer as failed, keeping everything that arrived. */
  private fail(failure: StreamFailure, stats: AnswerStats, metrics: StreamMetricsSnapshot | undefined, usage: Usage | undefined): SessionResult {
    return this.end({ state: 'error', stats, error: { kind: failure.kind, message: failure.message }, failure, metrics, usage, finishReason: 'error', rawFinishReason: undefined });
  }

  private end(outcome: Omit<SessionResult, 'message' | 'toolCalls' | 'seams'>): SessionResult {
    if (outcome.stats) outcome.stats.durationMs = Math.round(performance.now() - this.startedAt);
    const result = endMessage(this.message, { ...outcome, toolCalls: [...this.toolCalls], seams: [...this.seams] });
    this.options.onPersist?.(true);
    this.options.onFinish?.(result);
    return result;
  }

  private setNotice(notice: string | undefined): void {
    this.message.notice = notice;
    this.options.onNotice?.(notice);
  }

  private log(level: SessionLogLevel, line: string): void {
    this.options.onLog?.(level, line);
  }
}

/**
 * Writes how an answer ended into its message: state, error, final stats (a cancel's stats say
 * `cancelled`, a failure's `error`), no notice. Used by the session, and by a consumer whose
 * request never started (no provider to ask): then there are no stats.
 */
export function endMessage(
  message: SessionMessage,
  outcome: Omit<SessionResult, 'message' | 'toolCalls' | 'seams'> & { toolCalls?: ToolCall[] | undefined; seams?: AnswerSeam[] | undefined },
): SessionResult {
  message.state = outcome.state;
  message.error = outcome.error;
  message.notice = undefined;
  if (outcome.stats) {
    if (outcome.state === 'cancelled') outcome.stats.finishReason = 'cancelled';
    if (outcome.state === 'error') outcome.stats.finishReason = 'error';
    message.stats = outcome.stats;
  }
  return { ...outcome, toolCalls: outcome.toolCalls ?? [], seams: outcome.seams ?? [], message };
}

function statsFrom(m: StreamMetricsSnapshot): Pick<AnswerStats, 'ttftMs' | 'tokensPerSecond' | 'outputTokens' | 'estimated' | 'firstAnswerTokenMs' | 'reasoningTokens'> {
  return {
    ttftMs: m.ttftMs,
    tokensPerSecond: m.tokensPerSecond,
    outputTokens: m.outputTokens,
    estimated: m.estimated,
    firstAnswerTokenMs: m.firstAnswerTokenMs,
    reasoningTokens: m.reasoningTokens,
  };
}

function fmt(n: number | undefined): string {
  return n === undefined ? '?' : n.toFixed(1);
}
