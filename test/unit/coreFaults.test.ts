/**
 * The adapter against the simulator's scripted timings and faults, through the real SDKs over
 * loopback: cancellation (before headers, mid-stream, during retry back-off), idle and header
 * timeouts, retries, every failure kind, partial text, usage and metrics, continue-from-partial.
 */
import * as assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { stream } from '../../src/core/adapter';
import { CancellationSource } from '../../src/core/cancellation';
import { CONTINUE_PROMPT } from '../../src/core/continuation';
import type { ChatRequest } from '../../src/core/request';
import type { SimRequestRecord } from '../../src/simulator/SimStats';
import { drain, eventually, failureOf, simRequest, TEST_KEY, type Target, useSimulator } from './helpers/coreHarness';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.';
const TARGETS: Target[] = ['openai-chat', 'openai-responses', 'anthropic'];

describe('core: faults, cancellation and timeouts against the simulator', function () {
  this.timeout(15_000);
  const sim = useSimulator();

  const record = (id = 1): SimRequestRecord | undefined => sim.stats().requestsLog.find((r) => r.id === id);
  const closedByClient = (id = 1) => eventually(() => record(id)?.closedBy === 'client', 5000, `request ${id} closed by the client`);

  describe('cancellation', () => {
    for (const target of TARGETS) {
      it(`${target}: cancel before the headers → finish cancelled, socket closed by the client`, async () => {
        sim.enqueue({ headersDelayMs: 30_000, text: ANSWER });
        const source = new CancellationSource();
        const done = drain(stream(simRequest(sim, target), source.token));
        await sim.waitForRequest(1, 5000);
        source.cancel();
        const s = await done;
        assert.equal(s.finish?.reason.unified, 'cancelled');
        assert.equal(source.listenerCount, 0);
        await closedByClient();
      });

      it(`${target}: cancel mid-stream → finish cancelled (not a short success), text so far delivered`, async () => {
        sim.enqueue({ text: ANSWER, tokensPerSecond: 20 });
        const source = new CancellationSource();
        const done = drain(stream(simRequest(sim, target), source.token));
        await sim.waitForTokens(1, 3, 5000);
        source.cancel();
        const s = await done;
        assert.equal(s.finish?.reason.unified, 'cancelled');
        assert.ok(s.text.length > 0 && s.text.length < ANSWER.length, `partial text, got ${JSON.stringify(s.text)}`);
        await closedByClient();
        assert.equal(record()?.completed, false);
      });
    }

    it('a token cancelled before the call never sends a request', async () => {
      const source = new CancellationSource();
      source.cancel();
      const s = await drain(stream(simRequest(sim, 'openai-chat'), source.token));
      assert.equal(s.finish?.reason.unified, 'cancelled');
      assert.equal(sim.stats().requests, 0);
    });

    for (const target of TARGETS) {
      it(`${target}: cancel during a 30 s retry back-off ends the request promptly`, async () => {
        sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } }, { text: ANSWER });
        const source = new CancellationSource();
        const retries: number[] = [];
        const s = await drain(
          stream(
            simRequest(sim, target, {
              onRetry: ({ delayMs }) => {
                retries.push(delayMs);
                setTimeout(() => source.cancel(), 50);
              },
            }),
            source.token,
          ),
        );
        // Had the back-off not been cancellable, the test would have hit its timeout before the 30 s retry.
        assert.equal(s.finish?.reason.unified, 'cancelled');
        assert.deepEqual(retries, [30_000]);
        assert.equal(sim.stats().requests, 1, 'no retry was sent');
        assert.equal(source.listenerCount, 0);
      });
    }

    it('leaving the loop early (break) closes the socket too', async () => {
      sim.enqueue({ text: ANSWER, tokensPerSecond: 20 });
      for await (const event of stream(simRequest(sim, 'openai-chat'))) {
        if (event.type === 'text-delta') break;
      }
      await closedByClient();
    });
  });

  describe('retries', () => {
    it('retries a 503 before the first byte, reports the wait, then streams', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 503 } }, { text: 'Recovered.' });
      const retries: Array<{ attempt: number; delayMs: number; status: number | undefined }> = [];
      const s = await drain(stream(simRequest(sim, 'anthropic', { onRetry: (info) => retries.push(info) })));
      assert.equal(s.text, 'Recovered.');
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.equal(retries.length, 1);
      assert.equal(retries[0]?.status, 503);
      assert.ok(retries[0]!.delayMs > 0 && retries[0]!.delayMs <= 8000);
      assert.equal(sim.stats().requests, 2);
    });

    it('honours retry-after-ms exactly', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '150' } } }, { text: 'ok' });
      const delays: number[] = [];
      const s = await drain(stream(simRequest(sim, 'openai-chat', { onRetry: ({ delayMs }) => delays.push(delayMs) })));
      assert.equal(s.text, 'ok');
      assert.deepEqual(delays, [150]);
    });

    it('caps Retry-After at 60 s', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '3600' } } });
      const source = new CancellationSource();
      const delays: number[] = [];
      const s = await drain(
        stream(
          simRequest(sim, 'anthropic', {
            onRetry: ({ delayMs }) => {
              delays.push(delayMs);
              source.cancel();
            },
          }),
          source.token,
        ),
      );
      assert.deepEqual(delays, [60_000]);
      assert.equal(s.finish?.reason.unified, 'cancelled');
    });

    it('never retries once text has streamed: a reset mid-answer fails with the partial text kept', async () => {
      sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 4 } });
      const retries: number[] = [];
      const s = await drain(stream(simRequest(sim, 'openai-chat', { onRetry: ({ delayMs }) => retries.push(delayMs) })));
      const failure = failureOf(s);
      assert.equal(failure.kind, 'connection');
      assert.equal(sim.stats().requests, 1);
      assert.deepEqual(retries, []);
      assert.ok(s.error!.partialText.length > 0);
      assert.equal(s.error!.partialText, record()?.textSent);
    });
  });

  describe('idle and header timeouts', () => {
    for (const target of TARGETS) {
      it(`${target}: silence after the headers → idle-timeout, socket closed by the client`, async () => {
        sim.enqueue({ ttftMs: 30_000, text: ANSWER });
        const s = await drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 0.5 })));
        const failure = failureOf(s);
        assert.equal(failure.kind, 'idle-timeout');
        assert.match(failure.message, /No data for 0\.5 s after the response started/);
        assert.equal(s.error?.partialText, '');
        await closedByClient();
      });

      it(`${target}: a stall after some text → idle-timeout with the partial text kept`, async () => {
        sim.enqueue({ text: ANSWER, fault: { kind: 'stall', afterTokens: 3 } });
        const s = await drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 0.5 })));
        assert.equal(failureOf(s).kind, 'idle-timeout');
        assert.ok(s.error!.partialText.length > 0);
        assert.equal(s.error!.partialText, record()?.textSent);
        await closedByClient();
      });

      it(`${target}: keep-alives during a long wait reset the idle timer`, async () => {
        sim.enqueue({ ttftMs: 1500, keepAliveEveryMs: 150, text: 'Worth the wait.' });
        const s = await drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 0.5 })));
        assert.equal(s.error, undefined, s.error?.error.message);
        assert.equal(s.text, 'Worth the wait.');
        assert.equal(s.finish?.reason.unified, 'stop');
      });
    }

    it('headers that never come → timeout', async () => {
      sim.enqueue({ headersDelayMs: 30_000 });
      const s = await drain(stream(simRequest(sim, 'openai-chat', { headersTimeoutMs: 300, maxRetries: 0 })));
      const failure = failureOf(s);
      assert.equal(failure.kind, 'timeout');
      assert.match(failure.message, /No response from http:\/\/127\.0\.0\.1:\d+\/v1 within 0\.3 s/);
    });
  });

  describe('shared SDK clients', () => {
    for (const target of TARGETS) {
      it(`${target}: concurrent requests through one cached client keep their own fetch, timeouts and figures`, async () => {
        sim.enqueue({ text: ANSWER, fault: { kind: 'stall', afterTokens: 3 } }, { text: ANSWER, tokensPerSecond: 40 });
        const stalled = drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 0.5 })));
        await sim.waitForRequest(1, 5000);
        const healthy = drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 0.5 })));
        const [a, b] = await Promise.all([stalled, healthy]);
        assert.equal(failureOf(a).kind, 'idle-timeout');
        assert.equal(a.error!.partialText, record(1)?.textSent);
        assert.equal(b.error, undefined, b.error?.error.message);
        assert.equal(b.text, ANSWER);
        assert.equal(b.finish?.reason.unified, 'stop');
        // The second request's bytes reached its own observer.
        assert.ok(b.finish!.metrics.bytes > ANSWER.length, `bytes ${b.finish!.metrics.bytes}`);
        assert.ok(b.finish!.metrics.firstByteMs !== undefined);
        await closedByClient(1);
      });
    }
  });

  describe('failure kinds', () => {
    const statusCases: Array<{ status: number; kind: string; target: Target; body?: string; match: RegExp }> = [
      { status: 401, kind: 'auth', target: 'openai-chat', match: /check your API key/ },
      { status: 403, kind: 'auth', target: 'anthropic', match: /check your API key/ },
      { status: 404, kind: 'not-found', target: 'openai-responses', match: /Model "sim-model".*http:\/\/127\.0\.0\.1:\d+\/v1/ },
      {
        status: 400,
        kind: 'bad-request',
        target: 'openai-chat',
        body: '{"error":{"message":"max_tokens is too large: 999999","type":"invalid_request_error"}}',
        match: /max_tokens is too large: 999999/,
      },
      {
        status: 400,
        kind: 'content-filter',
        target: 'openai-chat',
        body: '{"error":{"message":"The prompt was filtered","type":"invalid_request_error","code":"content_filter"}}',
        match: /content filter/,
      },
      { status: 429, kind: 'rate-limit', target: 'openai-chat', match: /Rate limited/ },
      { status: 529, kind: 'overloaded', target: 'anthropic', match: /overloaded/ },
      { status: 500, kind: 'server', target: 'openai-responses', match: /server error \(500\)/ },
    ];
    for (const c of statusCases) {
      it(`${c.target}: HTTP ${c.status} → ${c.kind}`, async () => {
        sim.enqueue({ fault: { kind: 'status', status: c.status, ...(c.body ? { body: c.body, headers: { 'content-type': 'application/json' } } : {}) } });
        const s = await drain(stream(simRequest(sim, c.target, { maxRetries: 0 })));
        const failure = failureOf(s);
        assert.equal(failure.kind, c.kind);
        assert.equal(failure.status, c.status);
        assert.match(failure.message, c.match);
        assert.ok(!failure.message.includes(TEST_KEY));
        assert.ok(!failure.message.includes('\n'), 'one line');
      });
    }

    it('rate-limit carries the server wait, capped at 60 s', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '7200' } } });
      const failure = failureOf(await drain(stream(simRequest(sim, 'openai-chat', { maxRetries: 0 }))));
      assert.equal(failure.kind, 'rate-limit');
      assert.equal(failure.retryAfterMs, 60_000);
      assert.match(failure.message, /try again in 60 s/);
    });

    it('an API key echoed by the server is scrubbed from the message', async () => {
      const body = JSON.stringify({ error: { message: `Incorrect API key provided: ${TEST_KEY}. Also ${TEST_KEY.slice(0, 12)}…`, type: 'invalid_request_error' } });
      sim.enqueue({ fault: { kind: 'status', status: 401, body, headers: { 'content-type': 'application/json' } } });
      const failure = failureOf(await drain(stream(simRequest(sim, 'openai-chat', { maxRetries: 0 }))));
      assert.equal(failure.kind, 'auth');
      assert.ok(!failure.message.includes(TEST_KEY), failure.message);
      assert.ok(!failure.message.includes('0123456789abcdef'), failure.message);
      assert.match(failure.message, /Incorrect API key provided/);
    });

    it('connection refused names the URL and asks whether the local server runs', async () => {
      const port = await freePort();
      const request: ChatRequest = {
        provider: 'ollama',
        api: 'openai-chat',
        model: 'llama3.2',
        baseUrl: `http://127.0.0.1:${port}/v1`,
        messages: [{ role: 'user', content: 'hi' }],
        maxRetries: 0,
      };
      const failure = failureOf(await drain(stream(request)));
      assert.equal(failure.kind, 'connection');
      assert.equal(failure.message, `Could not connect to http://127.0.0.1:${port}/v1 (ECONNREFUSED) — is Ollama running?`);
    });

    it('an invalid base URL fails before any request', async () => {
      for (const baseUrl of ['not a url', 'localhost:11434/v1']) {
        const s = await drain(stream(simRequest(sim, 'ollama', { baseUrl })));
        const failure = failureOf(s);
        assert.equal(failure.kind, 'bad-request');
        assert.match(failure.message, /Invalid base URL/);
      }
      assert.equal(sim.stats().requests, 0);
    });

    for (const target of TARGETS) {
      it(`${target}: malformed JSON mid-stream → protocol, partial text kept`, async () => {
        sim.enqueue({ text: ANSWER, fault: { kind: 'malformed-json', afterTokens: 3 } });
        const s = await drain(stream(simRequest(sim, target)));
        assert.equal(failureOf(s).kind, 'protocol');
        assert.ok(s.error!.partialText.length > 0);
      });

      it(`${target}: stream ends without its terminal event → protocol`, async () => {
        sim.enqueue({ text: ANSWER, fault: { kind: 'no-terminal', afterTokens: 3 } });
        const s = await drain(stream(simRequest(sim, target)));
        const failure = failureOf(s);
        assert.equal(failure.kind, 'protocol');
        assert.match(failure.message, /ended without/);
        assert.equal(s.error!.partialText, record()?.textSent);
      });

      it(`${target}: an HTML page with status 200 → protocol naming HTML`, async () => {
        sim.enqueue({ fault: { kind: 'html-200' } });
        const failure = failureOf(await drain(stream(simRequest(sim, target))));
        assert.equal(failure.kind, 'protocol');
        assert.match(failure.message, /HTML page/);
      });
    }

    it("anthropic: a stream without event: lines (a rewriting proxy) is read by each event's JSON type", async () => {
      sim.enqueue({ text: ANSWER, fault: { kind: 'no-event-lines' } });
      const s = await drain(stream(simRequest(sim, 'anthropic')));
      assert.equal(s.error, undefined, s.error?.error.message);
      assert.equal(s.text, ANSWER);
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.ok(s.finish?.usage.outputTokens, 'usage from message_delta arrived');
    });

    for (const target of ['openai-chat', 'openai-responses'] as const) {
      it(`${target}: an error event mid-stream → provider, partial text kept`, async () => {
        sim.enqueue({ text: ANSWER, fault: { kind: 'midstream-error', afterTokens: 3, message: 'Backend exploded' } });
        const s = await drain(stream(simRequest(sim, target)));
        const failure = failureOf(s);
        assert.equal(failure.kind, 'provider');
        assert.match(failure.message, /Backend exploded/);
        assert.equal(s.error!.partialText, record()?.textSent);
      });
    }

    it('anthropic: api_error mid-stream → provider; overloaded_error → overloaded', async () => {
      sim.enqueue(
        { text: ANSWER, fault: { kind: 'midstream-error', afterTokens: 3, errorType: 'api_error', message: 'Internal server error' } },
        { text: ANSWER, fault: { kind: 'midstream-error', afterTokens: 3, errorType: 'overloaded_error', message: 'Overloaded' } },
      );
      assert.equal(failureOf(await drain(stream(simRequest(sim, 'anthropic')))).kind, 'provider');
      assert.equal(failureOf(await drain(stream(simRequest(sim, 'anthropic')))).kind, 'overloaded');
    });

    for (const target of TARGETS) {
      it(`${target}: content-filter and length finishes are mapped`, async () => {
        sim.enqueue({ text: ANSWER, finishReason: 'content-filter' }, { text: ANSWER, finishReason: 'length' });
        assert.equal((await drain(stream(simRequest(sim, target)))).finish?.reason.unified, 'content-filter');
        assert.equal((await drain(stream(simRequest(sim, target)))).finish?.reason.unified, 'length');
      });
    }
  });

  describe('usage and metrics', () => {
    for (const target of TARGETS) {
      it(`${target}: TTFT after the scripted delay, tokens from the provider's usage, live metrics while streaming`, async () => {
        sim.enqueue({ text: ANSWER, ttftMs: 150, tokensPerSecond: 60 });
        const s = await drain(stream(simRequest(sim, target)));
        const metrics = s.finish!.metrics;
        assert.ok(metrics.ttftMs! >= 150, `ttft ${metrics.ttftMs}`);
        assert.ok(metrics.headersMs! <= metrics.ttftMs!);
        assert.ok(metrics.firstByteMs! <= metrics.ttftMs!);
        assert.ok(metrics.lastTokenMs! > metrics.ttftMs!);
        assert.equal(metrics.estimated, false);
        assert.equal(metrics.outputTokens, s.finish!.usage.outputTokens);
        assert.ok(metrics.outputTokens! > 0);
        assert.ok(metrics.tokensPerSecond! > 0);
        assert.ok(metrics.bytes > 0);
        assert.ok(s.metricsEvents.length >= 2, 'live metrics during the stream');
        assert.ok(s.metricsEvents.some((m) => m.liveTokensPerSecond !== undefined && m.liveTokensPerSecond > 0));
      });
    }

    it('without usage: usage stays undefined and tokens are counted locally, flagged estimated', async () => {
      sim.enqueue({ text: ANSWER, includeUsage: false });
      const s = await drain(stream(simRequest(sim, 'openai-chat')));
      assert.equal(s.finish?.usage.inputTokens, undefined);
      assert.equal(s.finish?.usage.outputTokens, undefined);
      assert.equal(s.finish?.metrics.estimated, true);
      assert.equal(s.finish?.metrics.outputTokens, 19, 'the cl100k count of the answer');
    });

    it('a failure before any data leaves usage unknown', async () => {
      sim.enqueue({ text: ANSWER, ttftMs: 30_000 });
      const source = new CancellationSource();
      const done = drain(stream(simRequest(sim, 'anthropic'), source.token));
      await sim.waitForRequest(1, 5000);
      setTimeout(() => source.cancel(), 50);
      const s = await done;
      assert.equal(s.finish?.reason.unified, 'cancelled');
      assert.equal(s.finish?.usage.outputTokens, undefined);
      assert.equal(s.finish?.metrics.ttftMs, undefined);
    });
  });

  describe('continue from partial', () => {
    const cases: Array<{ target: Target; expectLast: (messages: unknown[]) => void }> = [
      { target: 'anthropic', expectLast: (m) => assert.deepEqual(m.at(-1), { role: 'assistant', content: 'The quick brown' }) },
      { target: 'ollama', expectLast: (m) => assert.deepEqual(m.at(-1), { role: 'assistant', content: 'The quick brown ' }) },
      {
        target: 'openai-chat',
        expectLast: (m) => {
          assert.deepEqual(m.at(-2), { role: 'assistant', content: 'The quick brown ' });
          assert.deepEqual(m.at(-1), { role: 'user', content: CONTINUE_PROMPT });
        },
      },
      {
        target: 'openai-responses',
        expectLast: (m) => {
          assert.deepEqual(m.at(-2), { role: 'assistant', content: 'The quick brown ' });
          assert.deepEqual(m.at(-1), { role: 'user', content: CONTINUE_PROMPT });
        },
      },
    ];
    for (const c of cases) {
      it(`${c.target}: sends the partial the provider's way and emits only the new text`, async () => {
        sim.enqueue({ text: 'fox jumps.' });
        const s = await drain(stream(simRequest(sim, c.target, { continueFrom: 'The quick brown ' })));
        assert.equal(s.text, 'fox jumps.');
        const messages = record()?.messages;
        assert.ok(Array.isArray(messages));
        c.expectLast(messages);
      });
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
