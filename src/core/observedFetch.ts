/**
 * The `fetch` handed to both SDKs. It is the only place that sees every response byte, so it:
 * - records when the headers and each body chunk arrive (keep-alive comments and pings included,
 *   which the SDKs never surface),
 * - fails a body that goes silent after the headers with {@link IdleTimeoutError} (neither SDK has
 *   an idle timeout: a stalled stream would hang forever),
 * - fails a request whose headers do not arrive in time with {@link HeadersTimeoutError},
 * - caps `Retry-After` and pins the SDK's back-off to a delay it reports through `onRetry`,
 * - notices llama.cpp's legacy non-standard `error:` SSE field, which SSE parsers drop silently.
 * Abort keeps working: the caller's signal is linked to the underlying request for its whole life.
 */
import { HeadersTimeoutError, IdleTimeoutError, parseRetryAfterMs } from './errors';

/** What the observed fetch reports while a request runs. */
export interface FetchObserver {
  /** Response headers arrived (for every attempt, retries included). */
  onHeaders?(info: { status: number; contentType: string | undefined }): void;
  /** A body chunk of `byteCount` bytes arrived. */
  onBytes?(byteCount: number): void;
  /** A legacy `error:` SSE field (llama.cpp before 2025-09) with its raw value. */
  onSseErrorField?(value: string): void;
  /** The SDK is about to wait `delayMs` before retry number `attempt`. */
  onRetry?(info: { attempt: number; delayMs: number; status: number | undefined }): void;
}

export interface ObservedFetchOptions {
  /** Fail the body when no byte arrives for this long while a read is pending. 0 disables. */
  idleTimeoutMs: number;
  /** Fail the request when the headers take longer than this. 0 disables. */
  headersTimeoutMs: number;
  /** The SDK's `maxRetries`, so we know whether a retryable response will really be retried. */
  maxRetries: number;
  observer: FetchObserver;
  /** The fetch to wrap; Node's global (undici) fetch by default. */
  baseFetch?: typeof fetch;
}

/** Creates a fetch for one logical request (one SDK call, retries included). */
export function createObservedFetch(options: ObservedFetchOptions): typeof fetch {
  const baseFetch = options.baseFetch ?? globalThis.fetch;
  let attempt = 0;
  const observed = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const thisAttempt = attempt++;
    const link = linkSignal(init?.signal ?? undefined);
    let headersTimedOut = false;
    const headersTimer =
      options.headersTimeoutMs > 0
        ? setTimeout(() => {
            headersTimedOut = true;
            link.controller.abort(new HeadersTimeoutError(options.headersTimeoutMs));
          }, options.headersTimeoutMs)
        : undefined;
    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal: link.controller.signal });
    } catch (error) {
      link.dispose();
      if (!init?.signal?.aborted && thisAttempt < options.maxRetries) {
        // The SDK retries connection errors and timeouts with its own jittered back-off; report its upper bound.
        options.observer.onRetry?.({ attempt: thisAttempt + 1, delayMs: defaultBackoffMs(thisAttempt), status: undefined });
      }
      throw headersTimedOut ? new HeadersTimeoutError(options.headersTimeoutMs) : error;
    } finally {
      clearTimeout(headersTimer);
    }
    const contentType = response.headers.get('content-type') ?? undefined;
    options.observer.onHeaders?.({ status: response.status, contentType });
    const headers = new Headers(response.headers);
    if (!response.ok && thisAttempt < options.maxRetries && willSdkRetry(response)) {
      const delayMs = parseRetryAfterMs(response.headers) ?? jittered(defaultBackoffMs(thisAttempt));
      // Both SDKs prefer `retry-after-ms`; pinning it makes the wait the SDK sleeps equal the one we report.
      // Anthropic ignores 0, so wait at least 1 ms.
      headers.set('retry-after-ms', String(Math.max(1, delayMs)));
      headers.set('retry-after', String(Math.ceil(delayMs / 1000)));
      options.observer.onRetry?.({ attempt: thisAttempt + 1, delayMs, status: response.status });
    } else if (response.headers.has('retry-after') || response.headers.has('retry-after-ms')) {
      const capped = parseRetryAfterMs(response.headers);
      if (capped !== undefined) {
        headers.set('retry-after-ms', String(Math.max(1, capped)));
        headers.set('retry-after', String(Math.ceil(capped / 1000)));
      }
    }
    const sniffSse = (contentType ?? '').includes('text/event-stream');
    const body =
      response.body && !isNullBodyStatus(response.status)
        ? observeBody(response.body, { ...options, sniffSse, onEnd: link.dispose })
        : (link.dispose(), null);
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
  return observed as typeof fetch;
}

/** The SDKs' own retry rule (`x-should-retry`, 408, 409, 429, >= 500). */
export function willSdkRetry(response: { status: number; headers: Headers }): boolean {
  const override = response.headers.get('x-should-retry');
  if (override === 'true') return true;
  if (override === 'false') return false;
  return response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500;
}

/** The SDKs' exponential back-off before jitter: 0.5 s × 2^n, capped at 8 s. */
export function defaultBackoffMs(retryIndex: number): number {
  return Math.min(500 * 2 ** retryIndex, 8000);
}

function jittered(ms: number): number {
  return Math.round(ms * (1 - Math.random() * 0.25));
}

function isNullBodyStatus(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304;
}

/** An AbortController that follows `parent` until disposed. */
function linkSignal(parent: AbortSignal | undefined): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  if (!parent) return { controller, dispose() {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose() {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  let disposed = false;
  return {
    controller,
    dispose() {
      if (disposed) return;
      disposed = true;
      parent.removeEventListener('abort', onAbort);
    },
  };
}

interface BodyOptions {
  idleTimeoutMs: number;
  observer: FetchObserver;
  sniffSse: boolean;
  onEnd(): void;
}

/**
 * Re-streams `source`, timing each chunk. The idle timer runs only while a read is pending, so a
 * slow consumer is never mistaken for a silent server.
 */
function observeBody(source: ReadableStream<Uint8Array>, options: BodyOptions): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const sniffer = options.sniffSse ? new SseErrorFieldSniffer((value) => options.observer.onSseErrorField?.(value)) : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const settle = () => {
    clearTimeout(timer);
    if (settled) return false;
    settled = true;
    options.onEnd();
    return true;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (options.idleTimeoutMs > 0) {
          clearTimeout(timer);
          timer = setTimeout(() => {
            if (!settle()) return;
            const error = new IdleTimeoutError(options.idleTimeoutMs);
            controller.error(error);
            // Cancelling the undici body destroys the socket.
            reader.cancel(error).catch(() => undefined);
          }, options.idleTimeoutMs);
        }
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          if (settle()) controller.error(error);
          return;
        }
        clearTimeout(timer);
        if (settled) return;
        if (result.done) {
          settle();
          controller.close();
          return;
        }
        options.observer.onBytes?.(result.value.byteLength);
        sniffer?.push(result.value);
        controller.enqueue(result.value);
      },
      cancel(reason) {
        settle();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Finds lines starting with `error:` in an SSE byte stream (chunk boundaries may split lines). */
export class SseErrorFieldSniffer {
  private readonly decoder = new TextDecoder();
  private pending = '';

  constructor(private readonly onErrorField: (value: string) => void) {}

  push(chunk: Uint8Array): void {
    const text = this.pending + this.decoder.decode(chunk, { stream: true });
    const lines = text.split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    // Bound the carry-over: a line without a newline for 64 KB is not an `error:` field we care about.
    if (this.pending.length > 65_536) this.pending = this.pending.startsWith('error:') ? this.pending : '';
    for (const line of lines) {
      if (line.startsWith('error:')) this.onErrorField(line.slice(line.startsWith('error: ') ? 7 : 6));
    }
  }
}
