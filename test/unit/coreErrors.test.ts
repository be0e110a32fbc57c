/** Error classification helpers: Retry-After parsing and capping, key scrubbing, base URL checks, messages. */
import * as assert from 'node:assert/strict';
import { classifyError, failureForStatus, IdleTimeoutError, parseRetryAfterMs, scrubSecrets, StreamFailureError, validateBaseUrl } from '../../src/core/errors';

const ctx = { provider: 'ollama' as const, model: 'llama3.2', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'sk-live-SECRETSECRET' };

describe('core: errors', () => {
  it('reads retry-after-ms before Retry-After, seconds or HTTP date, and caps at 60 s', () => {
    const h = (entries: Record<string, string>) => new Headers(entries);
    assert.equal(parseRetryAfterMs(h({ 'retry-after-ms': '1500', 'retry-after': '9' })), 1500);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': '9' })), 9000);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': '86400' })), 60_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:20 GMT' }), now), 20_000);
    assert.equal(parseRetryAfterMs(h({})), undefined);
    assert.equal(parseRetryAfterMs(h({ 'retry-after': 'soon' })), undefined);
  });

  it('scrubs the key and key-shaped strings', () => {
    assert.equal(scrubSecrets('bad key sk-live-SECRETSECRET!', ctx.apiKey), 'bad key ***!');
    assert.equal(scrubSecrets('Incorrect API key provided: sk-proj-abcdef123456'), 'Incorrect API key provided: sk-proj-***');
    assert.equal(scrubSecrets('key sk-ant-api03-abcdefgh'), 'key sk-ant-***');
  });

  it('rejects base URLs that are not http(s) URLs', () => {
    assert.equal(validateBaseUrl('http://127.0.0.1:11434/v1'), undefined);
    assert.equal(validateBaseUrl('not a url')?.kind, 'bad-request');
    assert.equal(validateBaseUrl('ftp://example.com')?.kind, 'bad-request');
  });

  it('words status failures actionably and on one line', () => {
    const notFound = failureForStatus(404, 'model "llama3.2" not found, try pulling it first', ctx);
    assert.equal(notFound.kind, 'not-found');
    assert.match(notFound.message, /Model "llama3\.2".*http:\/\/127\.0\.0\.1:11434\/v1/);
    assert.equal(failureForStatus(401, undefined, ctx).kind, 'auth');
    assert.equal(failureForStatus(529, undefined, ctx).kind, 'overloaded');
    assert.equal(failureForStatus(503, 'Overloaded', ctx).kind, 'overloaded');
    assert.equal(failureForStatus(502, 'bad gateway\n<html>', ctx).message.includes('\n'), false);
    const limited = failureForStatus(429, undefined, ctx, new Headers({ 'retry-after': '5' }));
    assert.equal(limited.retryAfterMs, 5000);
    assert.equal(limited.retryable, true);
  });

  it('passes classified failures through, scrubbed', () => {
    const failure = classifyError(new StreamFailureError({ kind: 'protocol', message: 'bad sk-live-SECRETSECRET', retryable: false }), ctx);
    assert.equal(failure.message, 'bad ***');
    const idle = classifyError(new TypeError('wrapped', { cause: new IdleTimeoutError(60_000) }), ctx);
    assert.equal(idle.kind, 'idle-timeout');
    assert.match(idle.message, /No data for 60 s after the response started/);
    assert.equal(classifyError(new SyntaxError('Unexpected end of JSON input'), ctx).kind, 'protocol');
  });
});
