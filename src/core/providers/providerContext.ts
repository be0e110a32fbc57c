/**
 * What the adapter gives a provider, and what a provider yields back. Providers map their wire
 * events into {@link ProviderPart}s; the adapter adds `start`, `metrics` and the one terminal event.
 */
import type { FinishReason, StreamEvent } from '../events';
import type { ErrorContext } from '../errors';
import { protocolFailure, type StreamFailureError } from '../errors';

/** What the observed fetch learned about the response, for diagnosing streams that end oddly. */
export interface WireState {
  status: number | undefined;
  contentType: string | undefined;
  bytes: number;
  /** The value of the last legacy `error:` SSE field (llama.cpp before 2025-09), if any. */
  sseErrorField: string | undefined;
}

export interface ProviderContext {
  signal: AbortSignal;
  /** The observed fetch to hand to the SDK. */
  fetch: typeof fetch;
  /** Resolved base URL (request value or provider default). */
  baseUrl: string;
  /** The key to send; local servers get a placeholder so the SDK does not refuse to start. */
  apiKey: string;
  maxRetries: number;
  /** Backstop for the SDK's own header timeout (the observed fetch enforces the real one). */
  sdkTimeoutMs: number;
  errorContext: ErrorContext;
  wire: WireState;
}

/** The events a provider yields. `finish-reason` is yielded once, after the wire's terminal event. */
export type ProviderPart =
  | Extract<StreamEvent, { type: 'text-delta' | 'reasoning-delta' | 'tool-call' | 'usage' }>
  | { type: 'finish-reason'; reason: FinishReason };

/** One provider: a request in, parts out. Throws on failure; ends without `finish-reason` only when aborted. */
export type ProviderStream = (request: import('../request').ChatRequest, context: ProviderContext) => AsyncGenerator<ProviderPart>;

/**
 * Narrows a wire `type` to those this SDK version knows. Unknown (newer) event types are skipped
 * rather than crashing the `assertNever` at the end of a provider's exhaustive `switch`.
 */
export function isKnownType<T extends string>(known: Record<T, true>, type: unknown): type is T {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(known, type);
}

/** The failure for a stream that ended without its terminal event, worded by what actually arrived. */
export function missingTerminalFailure(context: ProviderContext, terminal: string): StreamFailureError {
  const { contentType, bytes } = context.wire;
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('text/html')) {
    return protocolFailure(
      `${context.baseUrl} replied with an HTML page instead of an event stream — check the base URL (is it the API endpoint?).`,
      context.errorContext,
    );
  }
  if (type.includes('application/json')) {
    return protocolFailure(
      `${context.baseUrl} replied with a single JSON document instead of an event stream — does the server support streaming?`,
      context.errorContext,
    );
  }
  if (bytes === 0) return protocolFailure(`The stream from ${context.baseUrl} ended before any data arrived.`, context.errorContext);
  if (type && !type.includes('text/event-stream')) {
    return protocolFailure(
      `${context.baseUrl} replied with ${contentType} instead of an event stream (no ${terminal}) — check the base URL.`,
      context.errorContext,
    );
  }
  return protocolFailure(`The stream ended without ${terminal} — the answer may be incomplete.`, context.errorContext);
}
