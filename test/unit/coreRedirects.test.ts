/**
 * An API key never crosses a redirect to another origin. Two real loopback servers on different
 * ports (so different origins): a redirector and the simulator. The redirector answers `/away/…`
 * with a 307 to the simulator, `/same/…` with a 307 to its own `/…`, and forwards everything else
 * to the simulator (so a same-origin redirect still ends in a real answer). Both SDKs (OpenAI Chat
 * Completions and Responses, Anthropic Messages) and the model list go through the same fetch.
 */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listModels, stream } from '../../src/core/adapter';
import { StreamFailureError } from '../../src/core/errors';
import { createObservedFetch } from '../../src/core/observedFetch';
import { Simulator } from '../../src/simulator/Simulator';
import { drain, failureOf, simRequest, TEST_KEY, type Target } from './helpers/coreHarness';

interface Seen {
  path: string;
  authorization: string | undefined;
  apiKey: string | undefined;
}

/** The redirector: records what reached it, redirects or forwards. */
async function startRedirector(target: Simulator): Promise<{ origin: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    seen.push({ path: url, authorization: req.headers.authorization, apiKey: req.headers['x-api-key'] as string | undefined });
    if (url.startsWith('/away/')) {
      res.writeHead(307, { location: `${target.origin}${url.slice('/away'.length)}` }).end();
      return;
    }
    if (url.startsWith('/same/')) {
      res.writeHead(307, { location: url.slice('/same'.length) }).end();
      return;
    }
    // Forward to the simulator, headers (the key included) and all.
    const upstream = http.request(`${target.origin}${url}`, { method: req.method, headers: { ...req.headers, host: new URL(target.origin).host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TARGETS: Target[] = ['openai-chat', 'openai-responses', 'anthropic'];

/** The base URL of `target` on the redirector under `prefix` (`/away` or `/same`). */
function baseUrlVia(origin: string, prefix: string, target: Target): string {
  return target === 'anthropic' ? `${origin}${prefix}` : `${origin}${prefix}/v1`;
}

describe('core: redirects never carry the key to another origin', function () {
  this.timeout(20_000);
  // No key required, so a request that did carry one would be answered and recorded.
  const sim = new Simulator();
  let redirector: Awaited<ReturnType<typeof startRedirector>>;
  before(async () => {
    await sim.start();
    redirector = await startRedirector(sim);
  });
  after(async () => {
    await redirector.close();
    await sim.stop();
  });
  beforeEach(() => {
    sim.reset();
    redirector.seen.length = 0;
  });

  for (const target of TARGETS) {
    it(`${target}: a 307 to another origin is refused with a message naming it; the other origin never sees the key, and nothing is retried`, async () => {
      sim.enqueue({ text: 'Should never be streamed.' });
      const summary = await drain(stream(simRequest(sim, target, { baseUrl: baseUrlVia(redirector.origin, '/away', target), maxRetries: 2 })));
      const credentials = sim.stats().requestsLog.map((r) => r.credential);
      assert.deepEqual(
        credentials.filter((c) => c !== undefined),
        [],
        `the other origin saw a key: ${JSON.stringify(credentials)}`,
      );
      assert.equal(summary.text, '');
      const failure = failureOf(summary);
      assert.match(failure.message, new RegExp(`redirected to ${sim.origin.replace(/[.:/]/g, '\\$&')}.*does not send your key to another origin`), failure.message);
      assert.ok(!failure.message.includes(TEST_KEY));
      assert.equal(failure.retryable, false);
      assert.equal(redirector.seen.length, 1, 'one request, no retries');
    });

    it(`${target}: a 307 on the same origin is followed, with the key`, async () => {
      sim.enqueue({ text: 'Moved, still here.' });
      const summary = await drain(stream(simRequest(sim, target, { baseUrl: baseUrlVia(redirector.origin, '/same', target) })));
      assert.equal(summary.error, undefined, summary.error?.error.message);
      assert.equal(summary.text, 'Moved, still here.');
      assert.deepEqual(
        sim.stats().requestsLog.map((r) => r.credential),
        [TEST_KEY],
      );
      assert.equal(redirector.seen.length, 2);
      assert.ok(redirector.seen.every((s) => (s.authorization ?? s.apiKey ?? '').includes(TEST_KEY)));
    });
  }

  it('the fetch both SDKs use: no key header of any name (Authorization, x-api-key, api-key) follows a redirect to another origin', async () => {
    const fetch = createObservedFetch({ idleTimeoutMs: 5000, headersTimeoutMs: 5000, maxRetries: 0, observer: {} });
    const response = await fetch(`${redirector.origin}/away/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'x-api-key': TEST_KEY, 'api-key': TEST_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body?.cancel();
    assert.deepEqual(
      sim.stats().requestsLog.map((r) => r.credential),
      [],
      'the other origin got the request',
    );
    assert.equal(response.status, 307, 'the redirect comes back unfollowed');
  });

  it('the model list: a redirect to another origin is refused without the key (OpenAI and Anthropic)', async () => {
    for (const target of ['openai-chat', 'anthropic'] as const) {
      sim.reset();
      const request = simRequest(sim, target);
      const error = await listModels({ provider: request.provider, api: request.api, apiKey: TEST_KEY, baseUrl: baseUrlVia(redirector.origin, '/away', target) }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.deepEqual(
        sim
          .stats()
          .requestsLog.map((r) => r.credential)
          .filter((c) => c !== undefined),
        [],
        `${target}: the other origin saw a key`,
      );
      assert.ok(error instanceof StreamFailureError, `${target}: ${String(error)}`);
      assert.match(error.message, /does not send your key to another origin/);
    }
  });
});
