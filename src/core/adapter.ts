/**
 * The streaming core's entry point: one request in, a stream of {@link StreamEvent}s out, ending
 * with exactly one terminal event — `finish` (stop, length, content-filter, tool-calls, cancelled,
 * other) or `error` (a typed failure plus the text that did arrive). A cancelled request never
 * looks like a short success: the SDK iterators swallow `AbortError`, so the signal is checked
 * after the loop.
 */
import type { Cancellation } from './cancellation';
import { toAbortSignal } from './cancellation';
import { assertNever, type FinishReason, type ReasoningBlock, type StreamEvent, type StreamFailure, type ToolCall, type Usage } from './events';
import { classifyError, makeFailure, protocolFailure, providerLabel, StreamFailureError, validateBaseUrl, type ErrorContext } from './errors';
import { loadAnthropic, loadOpenAI } from './lazy';
import { StreamMetrics } from './metrics';
import { MODEL_LIST_MAX_BYTES } from './boundedBody';
import { outputCapChars, outputCapNote } from './outputCap';
import { createObservedFetch, MAX_TIMER_MS, timerMs, type FetchObserver } from './observedFetch';
import { streamAnthropic } from './providers/anthropic';
import { streamOpenAIChat } from './providers/openaiChat';
import { streamOpenAIResponses } from './providers/openaiResponses';
import type { ProviderContext, ProviderStream, WireState } from './providers/providerContext';
import { providerInfo } from './providerCatalog';
import type { ChatRequest } from './request';
import { looksForTextToolCalls, TextToolCallParser, type TextToolPiece } from './textToolCalls';
import { badToolCallMessage, checkToolCall, truncatedToolCallNote, type CheckedToolCall } from './toolCalls';
import type { ProviderId, WireApi } from './events';

/** Default seconds of silence after the headers before `idle-timeout`. */
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
/** Default wait for response headers before `timeout`. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
/** Default SDK retries before the first byte. */
export const DEFAULT_MAX_RETRIES = 2;
/** Minimum gap between live `metrics` events. */
export const METRICS_INTERVAL_MS = 100;

/** Sent to local servers that need no key: the SDKs refuse to start without one. */
const PLACEHOLDER_KEY = 'sidestream-no-key';

const PROVIDER_STREAMS: Record<WireApi, ProviderStream> = {
  'openai-chat': streamOpenAIChat,
  'openai-responses': streamOpenAIResponses,
  anthropic: streamAnthropic,
};

/** Where a provider lives when the request does not say. */
export function defaultBaseUrl(provider: ProviderId): string | undefined {
  return providerInfo(provider).defaultBaseUrl;
}

/** The base URL and key a request will use, or the failure that stops it before any request. */
export function resolveEndpoint(
  config: Pick<ChatRequest, 'provider' | 'baseUrl' | 'apiKey'>,
): { baseUrl: string; apiKey: string; failure?: undefined } | { failure: StreamFailure; baseUrl: string } {
  const info = providerInfo(config.provider);
  const keyContext = { apiKey: config.apiKey };
  if (info.place === 'vscode') {
    return { baseUrl: '', failure: makeFailure('bad-request', `${info.label} is reached through VS Code's Language Model API, not over HTTP.`, keyContext) };
  }
  const raw = config.baseUrl?.trim() || info.defaultBaseUrl;
  if (!raw) {
    return { baseUrl: '', failure: makeFailure('bad-request', 'No base URL set for the OpenAI-compatible server — set one, e.g. http://127.0.0.1:8000/v1.', keyContext) };
  }
  const baseUrl = raw.replace(/\/+$/, '');
  const invalid = validateBaseUrl(baseUrl, keyContext);
  if (invalid) return { baseUrl, failure: invalid };
  if (info.needsKey && !config.apiKey) {
    return { baseUrl, failure: makeFailure('auth', `No API key set for ${providerLabel(config.provider)} — add one${info.keyEnv ? ` (the CLI reads ${info.keyEnv})` : ''}.`) };
  }
  return { baseUrl, apiKey: config.apiKey || PLACEHOLDER_KEY };
}

/**
 * Streams one answer. The token is bridged to an `AbortSignal` here and only here; its listener is
 * disposed when the stream ends, however it ends (including the consumer leaving the loop early).
 */
export async function* stream(request: ChatRequest, token?: Cancellation): AsyncGenerator<StreamEvent, void, undefined> {
  const { signal, dispose } = toAbortSignal(token);
  const metrics = new StreamMetrics(request.model);
  const endpoint = resolveEndpoint(request);
  const errorContext: ErrorContext = { provider: request.provider, model: request.model, baseUrl: endpoint.baseUrl, apiKey: request.apiKey };
  let partialText = '';
  let usage: Usage = { inputTokens: undefined, outputTokens: undefined };
  let textTools: TextToolCallParser | undefined;
  const cancelled = (): StreamEvent => ({ type: 'finish', reason: { unified: 'cancelled', raw: undefined }, usage, metrics: metrics.snapshot(true) });
  try {
    yield { type: 'start', provider: request.provider, model: request.model };
    if (endpoint.failure) {
      yield { type: 'error', error: endpoint.failure, partialText, metrics: metrics.snapshot(true), usage };
      return;
    }
    if (signal.aborted) {
      yield cancelled();
      return;
    }
    const wire: WireState = { status: undefined, contentType: undefined, bytes: 0 };
    const maxRetries = request.maxRetries ?? DEFAULT_MAX_RETRIES;
    // Clamped to what a timer holds (minus the SDK backstop's 5 s): a longer one fires at once.
    const headersTimeoutMs = Math.min(timerMs(request.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS), MAX_TIMER_MS - 5000);
    const observer = wireObserver(wire, metrics, request.onRetry);
    const logged = new Set<string>();
    const context: ProviderContext = {
      signal,
      fetch: createObservedFetch({
        idleTimeoutMs: timerMs((request.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000),
        headersTimeoutMs,
        maxRetries,
        observer,
      }),
      baseUrl: endpoint.baseUrl,
      apiKey: endpoint.apiKey,
      maxRetries,
      // The observed fetch enforces the header timeout; the SDK's is only a backstop.
      sdkTimeoutMs: headersTimeoutMs > 0 ? headersTimeoutMs + 5000 : 10 * 60_000,
      errorContext,
      wire,
    };
    let reason: FinishReason | undefined;
    let reasoningBlocks: ReasoningBlock[] | undefined;
    let lastMetricsAt = -Infinity;
    // Text, reasoning and tool-call arguments held for this answer, against the client-side cap
    // (outputCap.ts): a server that never stops sending ends as `length` instead of growing memory.
    const outputCap = outputCapChars(request);
    let outputChars = 0;
    let capped = false;
    // Tool calls: the complete ones handed on, and the first whose arguments did not parse.
    let toolCallCount = 0;
    let badCall: Extract<CheckedToolCall, { ok: false }> | undefined;
    // Local models may write their calls as text: recognised only when tools were offered.
    textTools = looksForTextToolCalls(request) ? new TextToolCallParser(request.tools!.map((tool) => tool.name)) : undefined;
    for await (const part of PROVIDER_STREAMS[request.api](request, context)) {
      // When this part was a delta (the metrics clock read once serves both uses).
      let deltaAt: number | undefined;
      switch (part.type) {
        case 'text-delta':
          outputChars += part.text.length;
          if (textTools) {
            for (const piece of textTools.push(part.text)) {
              const event = textPieceEvent(piece);
              if (event.type === 'text-delta') {
                partialText += event.text;
                deltaAt = metrics.addDelta(event.text);
              } else {
                toolCallCount++;
                metrics.addDelta(piece.kind === 'call' ? piece.raw || event.toolCall.arguments : '', 'tool');
              }
              yield event;
            }
            break;
          }
          partialText += part.text;
          deltaAt = metrics.addDelta(part.text);
          yield part;
          break;
        case 'reasoning-delta':
          outputChars += part.text.length;
          deltaAt = metrics.addDelta(part.text, 'reasoning');
          yield part;
          break;
        case 'output-growth':
          outputChars += part.chars;
          break;
        case 'tool-call': {
          // A tool-call-only answer still has output: its arguments are counted like text.
          metrics.addDelta(part.toolCall.arguments || part.toolCall.name, 'tool');
          const checked = checkToolCall(part.toolCall);
          if (checked.ok) {
            toolCallCount++;
            yield { type: 'tool-call', toolCall: checked.call };
          } else {
            // Never handed on: the answer ends with a failure that says why (or, cut by the
            // output limit, with a note), once the stream has told how it ended.
            badCall ??= checked;
          }
          break;
        }
        case 'reasoning-blocks':
          reasoningBlocks = part.blocks;
          break;
        case 'unknown':
          // Something newer than this adapter: say so once per kind, skip it, keep streaming.
          if (!logged.has(part.what)) {
            logged.add(part.what);
            log(request, `${request.provider}: skipped ${part.what} (not understood by this version of Sidestream)`);
          }
          break;
        case 'usage':
          usage = mergeUsage(usage, part.usage);
          metrics.setUsage(usage);
          yield { type: 'usage', usage };
          break;
        case 'finish-reason':
          reason = part.reason;
          break;
        default:
          assertNever(part, 'provider part');
      }
      if (deltaAt !== undefined && deltaAt - lastMetricsAt >= METRICS_INTERVAL_MS) {
        lastMetricsAt = deltaAt;
        yield { type: 'metrics', metrics: metrics.snapshot() };
      }
      if (outputChars >= outputCap) {
        // Leaving the loop returns the provider's generator, whose body reader cancels the
        // response body: the connection is closed, the server stops being read.
        capped = true;
        break;
      }
    }
    if (signal.aborted) {
      yield cancelled();
      return;
    }
    if (capped) {
      // Text held back as a possible text-form call is text after all: the call never closed.
      for (const piece of textTools?.end() ?? []) {
        if (piece.kind === 'text') {
          partialText += piece.text;
          yield { type: 'text-delta', text: piece.text };
        }
      }
      textTools = undefined;
      // Everything that arrived was yielded and is kept. Thinking blocks are left out: cut short,
      // their signatures would not verify on the next turn.
      const note = outputCapNote(outputChars, request.maxOutputTokens);
      log(request, `${request.provider}: ${note}`);
      yield { type: 'finish', reason: { unified: 'length', raw: undefined }, usage, metrics: metrics.snapshot(true), note };
      return;
    }
    if (!reason) throw protocolFailure('The stream ended without its terminal event — the answer may be incomplete.', errorContext);
    if (textTools) {
      for (const piece of textTools.end()) {
        const event = textPieceEvent(piece);
        if (event.type === 'text-delta') {
          partialText += event.text;
          metrics.addDelta(event.text);
        } else {
          toolCallCount++;
          metrics.addDelta(piece.kind === 'call' ? piece.raw || event.toolCall.arguments : '', 'tool');
        }
        yield event;
      }
      textTools = undefined;
    }
    let note: string | undefined;
    if (badCall) {
      if (reason.unified !== 'length') throw protocolFailure(badToolCallMessage(badCall), errorContext);
      note = truncatedToolCallNote(badCall.call);
      log(request, `${request.provider}: ${note}`);
    }
    // Some servers say `stop` after the calls (and text-form calls always end so): the answer asked for tools.
    if (toolCallCount > 0 && reason.unified === 'stop') reason = { unified: 'tool-calls', raw: reason.raw };
    yield { type: 'finish', reason, usage, metrics: metrics.snapshot(true), ...(reasoningBlocks ? { reasoningBlocks } : {}), ...(note ? { note } : {}) };
  } catch (error) {
    if (signal.aborted) {
      yield cancelled();
      return;
    }
    // Text held back as a possible call was never shown: it is part of what arrived.
    if (textTools) {
      for (const piece of textTools.end()) {
        if (piece.kind === 'text') {
          partialText += piece.text;
          yield { type: 'text-delta', text: piece.text };
        }
      }
    }
    yield { type: 'error', error: classifyError(error, errorContext), partialText, metrics: metrics.snapshot(true), usage };
  } finally {
    dispose();
  }
}

/** A text-form parser's piece as a stream event. */
function textPieceEvent(piece: TextToolPiece): Extract<StreamEvent, { type: 'text-delta' | 'tool-call' }> {
  return piece.kind === 'text' ? { type: 'text-delta', text: piece.text } : { type: 'tool-call', toolCall: piece.call satisfies ToolCall };
}

/** Passes a diagnostic line to the request's logger; a logger that throws never breaks the stream. */
function log(request: ChatRequest, line: string): void {
  try {
    request.onLog?.(line);
  } catch {
    // Logging is best effort.
  }
}

/** Later usage reports refine earlier ones; a field never goes back to unknown. */
function mergeUsage(previous: Usage, next: Usage): Usage {
  return {
    inputTokens: next.inputTokens ?? previous.inputTokens,
    outputTokens: next.outputTokens ?? previous.outputTokens,
    reasoningTokens: next.reasoningTokens ?? previous.reasoningTokens,
    cachedInputTokens: next.cachedInputTokens ?? previous.cachedInputTokens,
  };
}

function wireObserver(wire: WireState, metrics: StreamMetrics, onRetry: ChatRequest['onRetry']): FetchObserver {
  return {
    onRequest({ attempt, phase }) {
      // The first attempt starts the clock; a retry's wait is part of the provider's time.
      if (attempt === 0) metrics.markRequestSent(phase === 'sent');
    },
    onHeaders({ status, contentType }) {
      wire.status = status;
      wire.contentType = contentType;
      wire.bytes = 0;
      metrics.markHeaders();
    },
    onBytes(byteCount) {
      wire.bytes += byteCount;
      metrics.markBytes(byteCount);
    },
    onRetry(info) {
      try {
        onRetry?.(info);
      } catch {
        // A UI callback must never break the request.
      }
    },
  };
}

/** Where to list models from, and with which key. */
export type ModelListConfig = Pick<ChatRequest, 'provider' | 'api' | 'baseUrl' | 'apiKey'> & { timeoutMs?: number };

/** Rejected by {@link listModels} when the token was cancelled. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Lists the model ids a server offers, sorted. Rejects with {@link StreamFailureError} (typed,
 * one-line message) or {@link CancelledError}.
 */
export async function listModels(config: ModelListConfig, token?: Cancellation): Promise<string[]> {
  const { signal, dispose } = toAbortSignal(token);
  const endpoint = resolveEndpoint(config);
  const errorContext: ErrorContext = { provider: config.provider, model: '(model list)', baseUrl: endpoint.baseUrl, apiKey: config.apiKey };
  try {
    if (endpoint.failure) throw new StreamFailureError(endpoint.failure);
    if (signal.aborted) throw new CancelledError();
    const timeoutMs = Math.min(timerMs(config.timeoutMs ?? 15_000), MAX_TIMER_MS - 5000) || 15_000;
    const fetch = createObservedFetch({
      idleTimeoutMs: timeoutMs,
      headersTimeoutMs: timeoutMs,
      maxRetries: 1,
      observer: {},
      maxBodyBytes: { bytes: MODEL_LIST_MAX_BYTES, what: 'model list' },
    });
    const options = { apiKey: endpoint.apiKey, baseURL: endpoint.baseUrl, fetch, maxRetries: 1, timeout: timeoutMs + 5000, logLevel: 'off' as const };
    const ids: string[] = [];
    if (config.api === 'anthropic') {
      const client = new (loadAnthropic().Anthropic)(options);
      for await (const model of client.models.list({ limit: 100 }, { signal })) ids.push(model.id);
    } else {
      const client = new (loadOpenAI().OpenAI)(options);
      for await (const model of client.models.list({ signal })) ids.push(model.id);
    }
    return [...new Set(ids)].sort((a, b) => a.localeCompare(b));
  } catch (error) {
    if (signal.aborted) throw new CancelledError();
    if (error instanceof StreamFailureError) throw error;
    throw new StreamFailureError(classifyError(error, errorContext));
  } finally {
    dispose();
  }
}
