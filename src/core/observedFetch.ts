/**
 * The `fetch` handed to both SDKs. It is the only place that sees every response byte, so it:
 * - records when the headers and each body chunk arrive (keep-alive comments and pings included,
 *   which the SDKs never surface),
 * - fails a body that goes silent after the headers with {@link IdleTimeoutError} (neither SDK has
 *   an idle timeout: a stalled stream would hang forever),
 * - fails a request whose headers do not arrive in time with {@link HeadersTimeoutError},
 * - caps `Retry-After` and pins the SDK's back-off to a delay it reports through `onRetry`.
 * - follows redirects itself, and only within the origin the request went to: a key (in
 *   `Authorization`, `x-api-key`, `api-key` or any other header) never reaches another origin. A
 *   redirect elsewhere comes back unfollowed, marked with {@link REFUSED_REDIRECT_HEADER} and
 *   `x-should-retry: false`, and becomes a one-line failure that names the other origin.
 * SSE parsing (llama.cpp's legacy `error:` field and the buffer bound included) is the body
 * reader's job (`providers/eventStream.ts`), not this one's.
 * Abort keeps working: the caller's signal is linked to the underlying request for its whole life.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { BodyTooLargeError, ERROR_BODY_MAX_BYTES } from './boundedBody';
import { HeadersTimeoutError, IdleTimeoutError, parseRetryAfterMs, REFUSED_REDIRECT_HEADER } from './errors';

/** Node's fetch (undici) publishes here when a request's headers are written to the socket. */
const HEADERS_SENT_CHANNEL = 'undici:client:sendHeaders';

/**
 * Calls `onSent` once, when undici writes the headers of a request to `input`'s URL; returns the
 * unsubscribe. Requests are matched by origin and path (two requests to the same URL at the same
 * moment cannot be told apart, and either time is right for both).
 */
function watchHeadersSent(input: string | URL | Request, onSent: () => void): () => void {
  let target: string;
  try {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    target = `${url.origin}${url.pathname}${url.search}`;
  } catch {
    return () => undefined;
  }
  let done = false;
  const listener = (message: unknown) => {
    const request = (message as { request?: { origin?: unknown; path?: unknown } } | undefined)?.request;
    if (done || !request || `${String(request.origin)}${String(request.path)}` !== target) return;
    done = true;
    onSent();
  };
  diagnostics.subscribe(HEADERS_SENT_CHANNEL, listener);
  return () => {
    diagnostics.unsubscribe(HEADERS_SENT_CHANNEL, listener);
  };
}

/** What the observed fetch reports while a request runs. */
export interface FetchObserver {
  /**
   * The request is being handed to the network (every attempt, retries included): `called` when
   * fetch is called, then `sent` when undici writes its headers to the socket (Node's fetch
   * reports it on a diagnostics channel; a first fetch in a process spends tens of ms setting
   * itself up in between, which is local overhead, not the server's time).
   */
  onRequest?(info: { attempt: number; phase: 'called' | 'sent' }): void;
  /** Response headers arrived (for every attempt, retries included). */
  onHeaders?(info: { status: number; contentType: string | undefined }): void;
  /** A body chunk of `byteCount` bytes arrived. */
  onBytes?(byteCount: number): void;
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
  /**
   * The most a successful body may hold (a model list): past it the body fails with
   * {@link BodyTooLargeError} naming `what`, and the connection is closed. Unset: no cap (a stream
   * is bounded by its reader and the output cap). An error answer's body is always cut at
   * {@link ERROR_BODY_MAX_BYTES}: the SDKs read it whole to build their error message.
   */
  maxBodyBytes?: { bytes: number; what: string } | undefined;
}

/**
 * The longest delay a timer holds (2^31−1 ms, about 24.8 days): Node fires a longer one after 1 ms,
 * so an idle timeout of 1e10 s would fail every answer at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timeout as a timer can hold it: at most {@link MAX_TIMER_MS}; 0 (off) for a negative or non-number. */
export function timerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(MAX_TIMER_MS, ms);
}

/** Creates a fetch for one logical request (one SDK call, retries included). */
export function createObservedFetch(input: ObservedFetchOptions): typeof fetch {
  const options: ObservedFetchOptions = { ...input, idleTimeoutMs: timerMs(input.idleTimeoutMs), headersTimeoutMs: timerMs(input.headersTimeoutMs) };
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
    const stopWatching = watchHeadersSent(input, () => options.observer.onRequest?.({ attempt: thisAttempt, phase: 'sent' }));
    try {
      options.observer.onRequest?.({ attempt: thisAttempt, phase: 'called' });
      response = await fetchWithinOrigin(baseFetch, input, { ...init, signal: link.controller.signal });
    } catch (error) {
      link.dispose();
      if (!init?.signal?.aborted && thisAttempt < options.maxRetries) {
        // The SDK retries connection errors and timeouts with its own jittered back-off; report its upper bound.
        options.observer.onRetry?.({ attempt: thisAttempt + 1, delayMs: defaultBackoffMs(thisAttempt), status: undefined });
      }
      throw headersTimedOut ? new HeadersTimeoutError(options.headersTimeoutMs) : error;
    } finally {
      clearTimeout(headersTimer);
      stopWatching();
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
    const limit: BodyLimit | undefined = !response.ok
      ? { maxBytes: ERROR_BODY_MAX_BYTES, over: 'truncate' }
      : options.maxBodyBytes
        ? { maxBytes: options.maxBodyBytes.bytes, over: 'error', what: options.maxBodyBytes.what }
        : undefined;
    const body = response.body && !isNullBodyStatus(response.status) ? observeBody(response.body, { ...options, limit, onEnd: link.dispose }) : (link.dispose(), null);
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
  return observed as typeof fetch;
}

/** Statuses that redirect (with a `Location`). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** As many hops as fetch itself follows. */
const MAX_REDIRECTS = 20;
/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * `fetch`, but redirects are followed here rather than by fetch, and only to the same origin
 * (scheme, host and port) with every header kept. fetch itself would follow a redirect anywhere
 * and drop only `Authorization` on the way, so an `x-api-key` or `api-key` header went along.
 * A redirect to another origin is returned unfollowed (see {@link refusedRedirect}); one that
 * cannot be replayed (a streamed body, a `Request` input) is returned as it is.
 */
async function fetchWithinOrigin(baseFetch: typeof fetch, input: string | URL | Request, init: RequestInit): Promise<Response> {
  if (init.redirect !== undefined && init.redirect !== 'follow') return baseFetch(input, init);
  const manual: RequestInit = { ...init, redirect: 'manual' };
  let response = await baseFetch(input, manual);
  if (input instanceof Request) return REDIRECT_STATUSES.has(response.status) ? refusedIfElsewhere(response, new URL(input.url)) : response;
  let url = new URL(input instanceof URL ? input.href : input);
  let method = (init.method ?? 'GET').toUpperCase();
  let headers = new Headers(init.headers);
  let body = init.body;
  for (let hops = 0; REDIRECT_STATUSES.has(response.status); hops++) {
    const next = locationOf(response, url);
    if (!next) return response;
    if (next.origin !== url.origin) return refusedRedirect(response, url, next);
    if (hops >= MAX_REDIRECTS) {
      await response.body?.cancel();
      throw new TypeError(`Too many redirects (more than ${MAX_REDIRECTS}) from ${url.origin}`);
    }
    // fetch's rules: a 303 (and a 301/302 after a POST) becomes a GET without its body.
    if ((response.status === 303 && method !== 'GET' && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = new Headers(headers);
      for (const name of BODY_HEADERS) headers.delete(name);
    } else if (body instanceof ReadableStream) {
      return response;
    }
    await response.body?.cancel();
    url = next;
    response = await baseFetch(url, { ...manual, method, headers, body });
  }
  return response;
}

function locationOf(response: Response, base: URL): URL | undefined {
  const location = response.headers.get('location');
  if (location === null) return undefined;
  try {
    const next = new URL(location, base);
    return next.protocol === 'http:' || next.protocol === 'https:' ? next : undefined;
  } catch {
    return undefined;
  }
}

function refusedIfElsewhere(response: Response, from: URL): Response {
  const next = locationOf(response, from);
  return next && next.origin !== from.origin ? refusedRedirect(response, from, next) : response;
}

/**
 * The redirect to another origin, unfollowed: the SDK sees a non-2xx status it must not retry,
 * and the error classifier finds the other origin in {@link REFUSED_REDIRECT_HEADER}.
 */
function refusedRedirect(response: Response, from: URL, to: URL): Response {
  void response.body?.cancel().catch(() => undefined);
  const headers = new Headers(response.headers);
  headers.set(REFUSED_REDIRECT_HEADER, to.origin);
  headers.set('x-should-retry', 'false');
  headers.set('content-type', 'application/json');
  headers.delete('content-length');
  headers.delete('content-encoding');
  const message = `${from.origin} redirected to ${to.origin}`;
  return new Response(JSON.stringify({ error: { message } }), { status: response.status, statusText: response.statusText, headers });
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

/** A body's size cap: past it the body ends where the cap is (`truncate`) or fails (`error`); either way the connection closes. */
type BodyLimit = { maxBytes: number; over: 'truncate' } | { maxBytes: number; over: 'error'; what: string };

interface BodyOptions {
  idleTimeoutMs: number;
  observer: FetchObserver;
  limit?: BodyLimit | undefined;
  onEnd(): void;
}

/**
 * Re-streams `source`, timing each chunk. The idle timer runs only while a read is pending, so a
 * slow consumer is never mistaken for a silent server. One timer serves the whole body: each read
 * re-arms it with `refresh()` (no timer object per chunk), and a firing while no read is pending
 * is ignored — the next read re-arms it.
 */
function observeBody(source: ReadableStream<Uint8Array>, options: BodyOptions): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const observer = options.observer;
  const idleTimeoutMs = options.idleTimeoutMs;
  const limit = options.limit;
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reading = false;
  let settled = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  const settle = () => {
    if (timer !== undefined) clearTimeout(timer);
    if (settled) return false;
    settled = true;
    options.onEnd();
    return true;
  };
  const onIdle = () => {
    if (!reading || !settle()) return;
    const error = new IdleTimeoutError(idleTimeoutMs);
    controllerRef?.error(error);
    // Cancelling the undici body destroys the socket.
    reader.cancel(error).catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
      },
      async pull(controller) {
        if (idleTimeoutMs > 0) {
          if (timer === undefined) timer = setTimeout(onIdle, idleTimeoutMs);
          else timer.refresh();
        }
        reading = true;
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          reading = false;
          if (settle()) controller.error(error);
          return;
        }
        reading = false;
        if (settled) return;
        if (result.done) {
          settle();
          controller.close();
          return;
        }
        const chunk = result.value;
        observer.onBytes?.(chunk.byteLength);
        received += chunk.byteLength;
        if (limit && received > limit.maxBytes) {
          settle();
          const room = limit.maxBytes - (received - chunk.byteLength);
          if (limit.over === 'truncate') {
            if (room > 0) controller.enqueue(chunk.subarray(0, room));
            controller.close();
            reader.cancel().catch(() => undefined);
          } else {
            const error = new BodyTooLargeError(limit.what, limit.maxBytes);
            controller.error(error);
            reader.cancel(error).catch(() => undefined);
          }
          return;
        }
        controller.enqueue(chunk);
      },
      cancel(reason) {
        settle();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
