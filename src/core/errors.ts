/**
 * Turns whatever went wrong (an SDK error, an HTTP status, a transport error, a wire-format problem)
 * into a typed {@link StreamFailure} with a one-line, actionable message. Messages never contain the
 * API key: every message goes through {@link scrubSecrets}.
 */
import { BodyTooLargeError, formatBytes } from './boundedBody';
import type { FailureKind, ProviderId, StreamFailure } from './events';
import { isLoaded, loadAnthropic, loadOpenAI } from './lazy';
import { redactCredentials } from './redact';
import { isLocalProvider, providerInfo } from './providerCatalog';

/**
 * Set by the observed fetch on a redirect it did not follow because it led to another origin: the
 * value is that origin. A key is never sent there.
 */
export const REFUSED_REDIRECT_HEADER = 'x-sidestream-refused-redirect';

/** The longest wait we honour from a `Retry-After` header. */
export const RETRY_AFTER_CAP_MS = 60_000;

/** A failure already classified where it was detected (e.g. a provider spotting a protocol problem). */
export class StreamFailureError extends Error {
  constructor(readonly failure: StreamFailure) {
    super(failure.message);
    this.name = 'StreamFailureError';
  }
}

/** Thrown into the response body when no byte arrived for too long after the headers. */
export class IdleTimeoutError extends Error {
  constructor(readonly idleMs: number) {
    super(`No data for ${formatSeconds(idleMs)} s after the response started`);
    this.name = 'IdleTimeoutError';
  }
}

/**
 * Thrown by the observed fetch when the response headers did not arrive in time. The message says
 * "timed out" on purpose: both SDKs recognise that wording as a timeout (and may retry it).
 */
export class HeadersTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Request timed out waiting ${formatSeconds(timeoutMs)} s for response headers`);
    this.name = 'HeadersTimeoutError';
  }
}

/** What a message needs to name the model, the server and to scrub the key. */
export interface ErrorContext {
  provider: ProviderId;
  model: string;
  baseUrl: string;
  apiKey?: string | undefined;
}

const RETRYABLE: Record<FailureKind, boolean> = {
  auth: false,
  'not-found': false,
  'bad-request': false,
  'rate-limit': true,
  overloaded: true,
  server: true,
  connection: true,
  timeout: true,
  'idle-timeout': true,
  protocol: false,
  provider: true,
  'content-filter': false,
};

/** A human name for the provider as a sentence's subject ("The server" for an unnamed OpenAI-compatible one). */
export function providerLabel(provider: ProviderId): string {
  return providerInfo(provider).sentenceLabel;
}

export { isLocalProvider };

/** Builds a failure, scrubbing the message and filling `retryable` from the kind. */
export function makeFailure(
  kind: FailureKind,
  message: string,
  ctx?: Pick<ErrorContext, 'apiKey'>,
  extra: { status?: number | undefined; retryAfterMs?: number | undefined } = {},
): StreamFailure {
  const failure: StreamFailure = { kind, message: oneLine(scrubSecrets(message, ctx?.apiKey)), retryable: RETRYABLE[kind] };
  if (extra.status !== undefined) failure.status = extra.status;
  if (extra.retryAfterMs !== undefined) failure.retryAfterMs = extra.retryAfterMs;
  return failure;
}

/** Removes the API key (and anything that looks like a provider key, and URL credentials) from text shown to the user. */
export function scrubSecrets(text: string, apiKey?: string): string {
  let out = redactCredentials(text);
  if (apiKey && apiKey.length >= 4) out = out.split(apiKey).join('***');
  // Servers sometimes echo a (partial) key back: "Incorrect API key provided: sk-abc…".
  return out.replace(/\b(sk-(?:ant-|proj-)?)[A-Za-z0-9_*-]{6,}/g, '$1***');
}

/** Reads `retry-after-ms` / `Retry-After` (seconds or HTTP date) and caps it at {@link RETRY_AFTER_CAP_MS}. */
export function parseRetryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  let ms: number | undefined;
  const msHeader = headers.get('retry-after-ms');
  if (msHeader !== null && msHeader.trim() !== '' && Number.isFinite(Number(msHeader))) ms = Number(msHeader);
  const header = headers.get('retry-after');
  if (ms === undefined && header !== null && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) ms = seconds * 1000;
    else {
      const date = Date.parse(header);
      if (Number.isFinite(date)) ms = date - now;
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), RETRY_AFTER_CAP_MS);
}

/**
 * Checks a base URL before any request is made, so "localhost:11434" (no scheme) or a typo fails with
 * a clear message instead of an obscure fetch error.
 */
export function validateBaseUrl(baseUrl: string, ctx?: Pick<ErrorContext, 'apiKey'>): StreamFailure | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return makeFailure('bad-request', `Invalid base URL "${baseUrl}" — expected a full URL such as http://127.0.0.1:11434/v1.`, ctx);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return makeFailure('bad-request', `Invalid base URL "${baseUrl}" — only http:// and https:// are supported.`, ctx);
  }
  return undefined;
}

/** The failure for an HTTP error status, with the server's own message when it sent one. */
export function failureForStatus(
  status: number,
  serverMessage: string | undefined,
  ctx: ErrorContext,
  headers?: { get(name: string): string | null },
  errorCode?: string,
): StreamFailure {
  const label = providerLabel(ctx.provider);
  const detail = serverMessage ? `: ${truncate(serverMessage)}` : '';
  const extra = { status };
  const elsewhere = headers?.get(REFUSED_REDIRECT_HEADER);
  if (elsewhere) {
    const from = originOf(ctx.baseUrl);
    const why = ctx.apiKey ? 'Sidestream does not send your key to another origin' : 'Sidestream follows redirects only within one origin';
    return makeFailure('bad-request', `The server at ${from} redirected to ${elsewhere} (${status}); ${why}. If you trust ${elsewhere}, set the base URL to it.`, ctx, extra);
  }
  if (status === 401 || status === 403) {
    return makeFailure('auth', `${label} rejected the request (${status})${detail} — check your API key.`, ctx, extra);
  }
  if (status === 404) {
    return makeFailure('not-found', `Model "${ctx.model}" or the endpoint was not found at ${ctx.baseUrl} (404)${detail} — check the model name and base URL.`, ctx, extra);
  }
  if (status === 408) return makeFailure('timeout', `${label} timed out handling the request (408) — try again.`, ctx, extra);
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(headers);
    const wait = retryAfterMs !== undefined ? ` — try again in ${formatSeconds(retryAfterMs)} s.` : ' — try again shortly.';
    return makeFailure('rate-limit', `Rate limited by ${label} (429)${detail}${wait}`, ctx, { status, retryAfterMs });
  }
  if (status === 529 || isOverloadedMessage(serverMessage, errorCode)) {
    return makeFailure('overloaded', `${label} is overloaded (${status})${detail} — try again in a moment.`, ctx, extra);
  }
  if (status >= 500) return makeFailure('server', `${label} server error (${status})${detail} — try again.`, ctx, extra);
  if (errorCode === 'content_filter' || errorCode === 'content_policy_violation') {
    return makeFailure('content-filter', `${label} blocked the request with its content filter (${status})${detail}.`, ctx, extra);
  }
  return makeFailure('bad-request', `${label} rejected the request (${status})${detail}.`, ctx, extra);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** A failure for a stream whose bytes did not follow the expected wire format. */
export function protocolFailure(message: string, ctx?: Pick<ErrorContext, 'apiKey'>): StreamFailureError {
  return new StreamFailureError(makeFailure('protocol', message, ctx));
}

/** A failure reported by the provider inside an otherwise healthy stream. */
export function providerFailure(message: string, ctx: ErrorContext, errorType?: string): StreamFailureError {
  const label = providerLabel(ctx.provider);
  if (isOverloadedMessage(message, errorType)) {
    return new StreamFailureError(makeFailure('overloaded', `${label} is overloaded: ${truncate(message)} — try again in a moment.`, ctx));
  }
  return new StreamFailureError(makeFailure('provider', `${label} reported an error mid-stream: ${truncate(message)}`, ctx));
}

/** The message for a server that cannot be reached. */
export function connectionMessage(ctx: ErrorContext, code: string | undefined): string {
  const reason = code ? ` (${code})` : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `Could not resolve the host of ${ctx.baseUrl}${reason} — check the base URL and your network.`;
  }
  if (isLocalProvider(ctx.provider)) {
    const who = providerInfo(ctx.provider).place === 'custom' ? providerLabel(ctx.provider).toLowerCase() : providerLabel(ctx.provider);
    return `Could not connect to ${ctx.baseUrl}${reason} — is ${who} running?`;
  }
  return `Could not connect to ${ctx.baseUrl}${reason} — check your network connection and the base URL.`;
}

/** Classifies anything thrown while streaming. Call only when the request was not cancelled. */
export function classifyError(error: unknown, ctx: ErrorContext): StreamFailure {
  if (error instanceof StreamFailureError) return { ...error.failure, message: oneLine(scrubSecrets(error.failure.message, ctx.apiKey)) };
  const tooLarge = findInChain(error, (e) => e instanceof BodyTooLargeError) as BodyTooLargeError | undefined;
  if (tooLarge) {
    return makeFailure(
      'protocol',
      `The ${tooLarge.what} from ${ctx.baseUrl} is larger than ${formatBytes(tooLarge.maxBytes)}; reading stopped — check the base URL (is it the API endpoint?).`,
      ctx,
    );
  }
  const idle = findInChain(error, (e) => e instanceof IdleTimeoutError) as IdleTimeoutError | undefined;
  if (idle) return makeFailure('idle-timeout', `${idle.message} — ${providerLabel(ctx.provider)} stopped sending; try again.`, ctx);
  const headersTimeout = findInChain(error, (e) => e instanceof HeadersTimeoutError) as HeadersTimeoutError | undefined;
  if (headersTimeout || isSdkError(error, 'APIConnectionTimeoutError')) {
    const after = headersTimeout ? ` within ${formatSeconds(headersTimeout.timeoutMs)} s` : '';
    return makeFailure('timeout', `No response from ${ctx.baseUrl}${after} — the server may be busy or unreachable.`, ctx);
  }
  if (isSdkError(error, 'APIConnectionError')) {
    return makeFailure('connection', connectionMessage(ctx, networkCode(error)), ctx);
  }
  if (isSdkError(error, 'APIError')) {
    const apiError = error as SdkApiError;
    const message = serverMessage(apiError);
    const code = errorCodeOf(apiError);
    if (typeof apiError.status === 'number') return failureForStatus(apiError.status, message, ctx, apiError.headers, code);
    return providerFailure(message ?? 'unknown error', ctx, code).failure;
  }
  if (error instanceof SyntaxError) {
    return makeFailure('protocol', `${providerLabel(ctx.provider)} sent malformed data (${error.message}) — the stream could not be read.`, ctx);
  }
  const code = networkCode(error);
  if (code) {
    return makeFailure('connection', `The connection to ${ctx.baseUrl} broke mid-answer (${code}) — try again.`, ctx);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/terminated|other side closed|socket/i.test(message)) {
    return makeFailure('connection', `The connection to ${ctx.baseUrl} broke mid-answer (${message}) — try again.`, ctx);
  }
  return makeFailure('provider', `Unexpected error from ${providerLabel(ctx.provider)}: ${truncate(message)}`, ctx);
}

interface SdkApiError {
  status?: number | undefined;
  headers?: { get(name: string): string | null } | undefined;
  error?: unknown;
  message: string;
  type?: unknown;
  code?: unknown;
}

type SdkErrorName = 'APIError' | 'APIConnectionError' | 'APIConnectionTimeoutError';

/** `instanceof` against whichever SDKs are loaded (class names are unreliable once minified). */
function isSdkError(error: unknown, name: SdkErrorName): boolean {
  if (isLoaded('openai') && error instanceof loadOpenAI()[name]) return true;
  if (isLoaded('anthropic') && error instanceof loadAnthropic()[name]) return true;
  return false;
}

function serverMessage(error: SdkApiError): string | undefined {
  const body = error.error as { message?: unknown; error?: { message?: unknown } } | string | undefined | null;
  if (typeof body === 'string' && body.trim()) return body;
  if (body && typeof body === 'object') {
    if (typeof body.message === 'string' && body.message) return body.message;
    if (body.error && typeof body.error.message === 'string' && body.error.message) return body.error.message;
  }
  const stripped = error.message.replace(/^\d{3}\s+/, '');
  if (/status code \(no body\)|no status code or body/.test(stripped)) return undefined;
  return stripped || undefined;
}

function errorCodeOf(error: SdkApiError): string | undefined {
  const codes = errorCodesOf(error);
  // A specific code beats a generic type such as "invalid_request_error".
  return codes.find((code) => SPECIFIC_CODES.has(code)) ?? codes[0];
}

const SPECIFIC_CODES = new Set(['content_filter', 'content_policy_violation', 'overloaded_error', 'insufficient_quota']);

function errorCodesOf(error: SdkApiError): string[] {
  const body = error.error as { type?: unknown; code?: unknown; error?: { type?: unknown; code?: unknown } } | undefined | null;
  const candidates = [error.type, error.code, body?.error?.type, body?.error?.code, body && typeof body === 'object' ? body.code : undefined];
  return candidates.filter((candidate): candidate is string => typeof candidate === 'string' && candidate !== '');
}

/** Anthropic says "overloaded" either as `overloaded_error` or as an `api_error` whose message is "Overloaded". */
function isOverloadedMessage(message: string | undefined, errorType: string | undefined): boolean {
  return errorType === 'overloaded_error' || /^\s*overloaded\b/i.test(message ?? '');
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function networkCode(error: unknown): string | undefined {
  const found = findInChain(error, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && NETWORK_CODES.has(code);
  });
  return found ? (found as { code: string }).code : undefined;
}

/** Walks `cause` links (bounded) looking for an error that matches. */
function findInChain(error: unknown, match: (e: object) => boolean): object | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    if (match(current)) return current;
    const aggregate = (current as { errors?: unknown }).errors;
    if (Array.isArray(aggregate)) {
      for (const inner of aggregate) if (inner && typeof inner === 'object' && match(inner)) return inner;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function truncate(text: string, max = 240): string {
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}
