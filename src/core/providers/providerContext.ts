/**
 * What the adapter gives a provider, and what a provider yields back. Providers map their wire
 * events into {@link ProviderPart}s; the adapter adds `start`, `metrics` and the one terminal event.
 */
import type { FinishReason, RawToolCall, ReasoningBlock, StreamEvent } from '../events';
import type { ErrorContext } from '../errors';
import { protocolFailure, type StreamFailureError } from '../errors';

/** What the observed fetch learned about the response, for diagnosing streams that end oddly. */
export interface WireState {
  status: number | undefined;
  contentType: string | undefined;
  bytes: number;
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

/** Carries the per-request observed fetch through the SDK's per-request `fetchOptions`. */
const OBSERVED_FETCH = Symbol('sidestream.observedFetch');

/** At most this many SDK clients are kept (one per endpoint, key and settings). */
const MAX_CACHED_CLIENTS = 8;
const clients = new Map<string, unknown>();

/**
 * The fetch every cached client is built with. Neither SDK takes a `fetch` per request, but both
 * spread the request's `fetchOptions` into the `init` they pass to `fetch`, so the per-request
 * observed fetch rides along there.
 */
function dispatchFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const observed = (init as { [OBSERVED_FETCH]?: typeof fetch } | undefined)?.[OBSERVED_FETCH];
  return (observed ?? globalThis.fetch)(input, init);
}

/** The settings an SDK client is built with. */
export interface SdkClientOptions {
  apiKey: string;
  baseURL: string;
  fetch: typeof fetch;
  maxRetries: number;
  timeout: number;
  logLevel: 'off';
}

/**
 * One SDK client per (SDK, base URL, key, retries, timeout), reused across requests: building a
 * client per request costs time before the first byte. Per-request state (the observed fetch,
 * the signal) goes in {@link sdkRequestOptions}.
 */
export function cachedSdkClient<T>(sdk: 'openai' | 'anthropic', context: ProviderContext, create: (options: SdkClientOptions) => T): T {
  const key = JSON.stringify([sdk, context.baseUrl, context.apiKey, context.maxRetries, context.sdkTimeoutMs]);
  let client = clients.get(key) as T | undefined;
  if (client !== undefined) {
    // Most recently used last, so the oldest is evicted first.
    clients.delete(key);
  } else {
    client = create({
      apiKey: context.apiKey,
      baseURL: context.baseUrl,
      fetch: dispatchFetch,
      maxRetries: context.maxRetries,
      timeout: context.sdkTimeoutMs,
      // Failures are reported as typed events; SDK console logging would only duplicate them.
      logLevel: 'off',
    });
    if (clients.size >= MAX_CACHED_CLIENTS) clients.delete(clients.keys().next().value!);
  }
  clients.set(key, client);
  return client;
}

/** The per-request SDK options: the abort signal and this request's observed fetch. */
export function sdkRequestOptions(context: ProviderContext): { signal: AbortSignal; fetchOptions: object } {
  // Typed as a plain object: each SDK declares its own `fetchOptions` type, and the key is ours.
  return { signal: context.signal, fetchOptions: { [OBSERVED_FETCH]: context.fetch } };
}

/** The events a provider yields. `finish-reason` is yielded once, after the wire's terminal event. */
export type ProviderPart =
  | Extract<StreamEvent, { type: 'text-delta' | 'reasoning-delta' | 'usage' }>
  /** A call assembled from the wire; the adapter checks its arguments before it becomes a `tool-call` event. */
  | { type: 'tool-call'; toolCall: RawToolCall }
  | { type: 'finish-reason'; reason: FinishReason }
  /** Reasoning blocks to keep for the next turn (Anthropic thinking signatures); the last report wins. */
  | { type: 'reasoning-blocks'; blocks: ReasoningBlock[] }
  /** Something on the wire the provider does not understand (`what` names it); logged once and skipped. */
  | { type: 'unknown'; what: string }
  /**
   * `chars` more characters the provider now holds for this answer without yielding them as a
   * delta (tool-call argument fragments, thinking signatures): counted against the output cap.
   */
  | { type: 'output-growth'; chars: number };

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
    return protocolFailure(`${context.baseUrl} replied with an HTML page instead of an event stream — check the base URL (is it the API endpoint?).`, context.errorContext);
  }
  if (type.includes('application/json')) {
    return protocolFailure(`${context.baseUrl} replied with a single JSON document instead of an event stream — does the server support streaming?`, context.errorContext);
  }
  if (bytes === 0) return protocolFailure(`The stream from ${context.baseUrl} ended before any data arrived.`, context.errorContext);
  if (type && !type.includes('text/event-stream')) {
    return protocolFailure(`${context.baseUrl} replied with ${contentType} instead of an event stream (no ${terminal}) — check the base URL.`, context.errorContext);
  }
  return protocolFailure(`The stream ended without ${terminal} — the answer may be incomplete.`, context.errorContext);
}
