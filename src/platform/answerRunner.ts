/**
 * The one place the host runs an answer, whoever shows it: the chat panel, each Compare column,
 * `@sidestream` and the language model provider. Given a resolved target and the conversation, it
 * builds the request (settings, reasoning budget, idle timeout), runs the stream session from the
 * right source, drives the status bar, logs (the session's lines, under the answer's name), records
 * the answer's figures and gives every failure its `StreamFailure`;
 * the consumer gets only what it shows — each delta, the notices, and the final result.
 */
import type * as vscode from 'vscode';
import type { StreamFailure, StreamMetricsSnapshot, ToolCall } from '../core/events';
import type { ChatMessage, ChatRequest, ToolChoice, ToolDefinition } from '../core/request';
import { endMessage, StreamSession, type SessionAppend, type SessionMessage, type SessionResult } from '../core/session/StreamSession';
import type { AnswerError, AnswerSeam } from '../shared/answerTypes';
import type { AnswerSource } from '../shared/answerMetrics';
import { AnswerRecorder } from './answerRecorder';
import type { MetricsStatusBar } from './MetricsStatusBar';
import type { MetricsStore } from './MetricsStore';
import { requestTarget, streamSourceFor, type ResolvedProvider } from './ProviderResolver';
import type { SidestreamSettings } from './settings';

/** One answer to run: who asks, where it goes, what is sent, and where what arrives goes. */
export interface AnswerJob {
  /** Who consumes the answer (its figures are recorded under this source). */
  consumer: AnswerSource;
  /** Who asked, recorded with the figures (the language model provider's caller: an extension id, or `core`). */
  caller?: string | undefined;
  /** Where the request goes (resolved by the consumer: the settings' provider, a picked model…). */
  target: ResolvedProvider;
  /** Every log line of this answer starts with this, e.g. `request m1a2b`, `compare 4f c0`. */
  logName: string;
  /** The settings the request is built with (read once by the consumer when it started). */
  settings: Pick<SidestreamSettings, 'systemPrompt' | 'maxOutputTokens' | 'idleTimeoutSeconds' | 'anthropicThinkingBudget' | 'autoResume'>;
  messages: ChatMessage[];
  /** A system prompt of the caller's own (VS Code's system messages); otherwise the setting's. */
  systemPrompt?: string | undefined;
  /** A lower output limit than the setting (a model's own limit, a caller's `max_tokens`). */
  maxOutputTokens?: number | undefined;
  /** Tools the model may call (VS Code's agent mode, another extension's tools); none when absent. */
  tools?: ToolDefinition[] | undefined;
  /** With {@link tools}: `auto` (default) or `required`. */
  toolChoice?: ToolChoice | undefined;
  /** Each complete tool call, as it arrives (its text before it was appended first). */
  onToolCall?: ((call: ToolCall) => void) | undefined;
  /** Resume this partial answer (Continue). */
  continueFrom?: string | undefined;
  /** Whether the status bar shows this answer, and what it says about who asked (undefined: not shown, e.g. Compare). */
  statusBar?: { requester?: string | undefined } | undefined;
  /** The message the session fills in (the panel's own, saved with the chat); a new one otherwise. */
  message?: SessionMessage | undefined;
  /** The last append sequence number the consumer saw of `message` (Continue streams on from it). */
  seq?: number | undefined;
  /** How long deltas are gathered before one append (0: every delta at once, as VS Code's chat draws itself). */
  coalesceMs?: number | undefined;
  onAppend(append: SessionAppend): void;
  onNotice?: ((notice: string | undefined) => void) | undefined;
  /** Save now; `durable` when the answer ended (the session calls it before `onFinish`). */
  onPersist?: ((durable: boolean) => void) | undefined;
  onMetrics?: ((metrics: StreamMetricsSnapshot) => void) | undefined;
  /** The answer was resumed automatically after its stream broke (`settings.autoResume`): the seam, also in `message.seams`. */
  onSeam?: ((seam: AnswerSeam) => void) | undefined;
  /** The answer ended and is saved: show its end (the runner then updates the status bar and records it). */
  onFinish?: ((result: AnswerResult) => void) | undefined;
}

/** How an answer ended; a failed one always has its failure. */
export interface AnswerResult extends SessionResult {
  failure: StreamFailure | undefined;
}

/** A running answer: its session (text its coalescer holds can be flushed) and its end. */
export interface RunningAnswer {
  session: StreamSession;
  done: Promise<AnswerResult>;
}

export interface AnswerRunnerDeps {
  statusBar: MetricsStatusBar;
  log: vscode.LogOutputChannel;
  /** Where the figures of every answer go (undefined: nowhere). */
  metrics: Pick<MetricsStore, 'append'> | undefined;
}

export class AnswerRunner {
  private readonly recorder: AnswerRecorder;

  constructor(private readonly deps: AnswerRunnerDeps) {
    this.recorder = new AnswerRecorder(deps.metrics);
  }

  /** Starts `job` at once; `token` cancels it (and closes its socket). */
  run(job: AnswerJob, token: vscode.CancellationToken): RunningAnswer {
    const { target, settings } = job;
    const log = this.deps.log;
    const statusBar = job.statusBar ? this.deps.statusBar : undefined;
    const request: ChatRequest = {
      ...requestTarget(target),
      systemPrompt: job.systemPrompt ?? (settings.systemPrompt || undefined),
      messages: job.messages,
      maxOutputTokens: job.maxOutputTokens !== undefined ? Math.min(job.maxOutputTokens, settings.maxOutputTokens) : settings.maxOutputTokens,
      reasoning: target.kind === 'core' && target.api === 'anthropic' && settings.anthropicThinkingBudget > 0 ? { budgetTokens: settings.anthropicThinkingBudget } : undefined,
      idleTimeoutSeconds: settings.idleTimeoutSeconds,
      continueFrom: job.continueFrom,
      tools: job.tools,
      toolChoice: job.tools?.length ? job.toolChoice : undefined,
      onLog: (line) => log.info(`${job.logName}: ${line}`),
    };
    log.info(`${job.logName}: ${target.label} ${target.model}${target.kind === 'core' ? ` at ${target.baseUrl} (${target.api})` : ''}${job.continueFrom ? ' (continue)' : ''}`);
    statusBar?.started(target.model, target.label, job.statusBar?.requester);
    let ended: AnswerResult | undefined;
    const session = new StreamSession(request, {
      source: streamSourceFor(target, token),
      providerLabel: target.label,
      message: job.message,
      seq: job.seq,
      coalesceMs: job.coalesceMs,
      onAppend: (append) => job.onAppend(append),
      onNotice: job.onNotice,
      autoResume: settings.autoResume,
      onSeam: job.onSeam,
      onPersist: job.onPersist,
      onMetrics: (metrics) => {
        statusBar?.live(metrics);
        job.onMetrics?.(metrics);
      },
      onToolCall: (call) => {
        log.info(`${job.logName}: tool call ${call.name} (${call.id})${call.source === 'text' ? ', written as text' : ''}`);
        job.onToolCall?.(call);
      },
      onLog: (level, line) => log[level](`${job.logName}: ${line}`),
      onFinish: (result) => {
        ended = this.ended(job, result);
      },
    });
    const done = session.run(token).then((result) => ended ?? this.ended(job, result));
    return { session, done };
  }

  /**
   * Ends `message` without a request (cancelled while its target was being resolved, or no target):
   * the consumer's `onPersist` and `onFinish` run as for an answer that streamed.
   */
  endWithoutRequest(
    job: Pick<AnswerJob, 'consumer' | 'logName' | 'onPersist' | 'onFinish' | 'statusBar'>,
    message: SessionMessage,
    state: 'cancelled' | 'error',
    error: AnswerError | undefined,
  ): AnswerResult {
    const result = endMessage(message, {
      state,
      stats: undefined,
      error,
      failure: undefined,
      metrics: undefined,
      usage: undefined,
      finishReason: state,
      rawFinishReason: undefined,
    });
    job.onPersist?.(true);
    return this.ended(job, result);
  }

  /** Once per answer: the consumer shows the end, then the status bar and the metrics store learn it. */
  private ended(job: Pick<AnswerJob, 'consumer' | 'caller' | 'logName' | 'onFinish' | 'statusBar'>, session: SessionResult): AnswerResult {
    const failure: StreamFailure | undefined =
      session.state === 'error'
        ? (session.failure ?? { kind: session.error?.kind ?? 'provider', message: session.error?.message ?? 'The request failed.', retryable: false })
        : undefined;
    const result: AnswerResult = { ...session, failure };
    job.onFinish?.(result);
    if (job.statusBar) this.deps.statusBar.finished(result.metrics, result.state === 'done' ? (result.stats?.finishReason ?? result.finishReason) : result.state);
    this.recorder.record(job.consumer, result, job.caller);
    return result;
  }
}
