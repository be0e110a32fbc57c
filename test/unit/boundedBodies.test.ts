/**
 * Error bodies and model lists are read with a size cap. A real loopback server answers with a body
 * that never ends (an error page, a model list); the real SDKs and the extension's own readers must
 * return promptly, with bounded memory, having closed the connection after reading at most the cap.
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listModels, stream } from '../../src/core/adapter';
import { BodyTooLargeError, ERROR_BODY_MAX_BYTES, MODEL_LIST_MAX_BYTES, readJsonCapped, readTextCapped } from '../../src/core/boundedBody';
import { StreamFailureError } from '../../src/core/errors';
import { drain, eventually, failureOf } from './helpers/coreHarness';

const MB = 1024 * 1024;
/** The server's own stop, for a client that never stops reading (the old code): far past every cap. */
const SAFETY_BYTES = 96 * MB;

interface Endless {
  url: string;
  /** Bytes the socket took for the last request. */
  written: () => number;
  closedByClient: () => boolean;
  close(): Promise<void>;
}

/** A server whose every answer is `status` with a body that goes on (up to SAFETY_BYTES). */
async function endlessServer(status: number, kind: 'json-list' | 'text'): Promise<Endless> {
  let written = 0;
  let closedByClient = false;
  const server: Server = createServer((req, res) => {
    written = 0;
    closedByClient = false;
    req.resume();
    res.writeHead(status, { 'content-type': kind === 'json-list' ? 'application/json' : 'text/html' });
    let ended = false;
    res.on('close', () => {
      if (!ended) closedByClient = true;
    });
    const piece = Buffer.from(kind === 'json-list' ? '{"id":"model-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","object":"model","owned_by":"x"},'.repeat(800) : 'x'.repeat(64 * 1024));
    if (kind === 'json-list') res.write('{"object":"list","data":[');
    const pump = () => {
      while (!res.destroyed && written < SAFETY_BYTES) {
        written += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) {
        ended = true;
        res.end(kind === 'json-list' ? '{"id":"last"}]}' : '');
      }
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    written: () => written,
    closedByClient: () => closedByClient,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('bounded bodies: error bodies and model lists are read with a size cap', function () {
  this.timeout(30_000);
  let server: Endless | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  for (const api of ['openai-chat', 'anthropic'] as const) {
    it(`${api}: an error answer whose body never ends fails promptly with a short message, the connection closed`, async () => {
      server = await endlessServer(500, 'text');
      const started = Date.now();
      const s = await drain(
        stream({
          provider: api === 'anthropic' ? 'anthropic' : 'openai',
          api,
          baseUrl: server.url,
          apiKey: 'sk-test',
          model: 'm',
          messages: [{ role: 'user', content: 'hi' }],
          maxRetries: 0,
        }),
      );
      const failure = failureOf(s);
      assert.equal(failure.kind, 'server');
      assert.ok(failure.message.length < 1000, `a short message, got ${failure.message.length} characters`);
      await eventually(() => server!.closedByClient(), 5000, 'the client to close the connection');
      assert.ok(server.written() < 16 * MB, `read ${(server.written() / MB).toFixed(1)} MB of an error body`);
      assert.ok(Date.now() - started < 10_000);
    });
  }

  for (const api of ['openai-chat', 'anthropic'] as const) {
    it(`${api}: listModels on a model list that never ends stops at the cap with a clear message`, async () => {
      server = await endlessServer(200, 'json-list');
      const rejected = await listModels({ provider: api === 'anthropic' ? 'anthropic' : 'openai-compatible', api, baseUrl: server.url, apiKey: 'sk-test' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(rejected instanceof StreamFailureError, `a typed failure, got ${String(rejected)}`);
      assert.match(rejected.failure.message, /model list .*larger than 4 MiB/);
      await eventually(() => server!.closedByClient(), 5000, 'the client to close the connection');
      assert.ok(server.written() < MODEL_LIST_MAX_BYTES + 16 * MB, `read ${(server.written() / MB).toFixed(1)} MB of a model list`);
    });
  }

  it('readJsonCapped (the panel and the language model provider list models with it) stops at the cap, the connection closed', async () => {
    server = await endlessServer(200, 'json-list');
    const baseline = process.memoryUsage().heapUsed;
    const res = await fetch(`${server.url}/models`);
    await assert.rejects(readJsonCapped(res, MODEL_LIST_MAX_BYTES, 'model list'), (error: unknown) => {
      assert.ok(error instanceof BodyTooLargeError);
      assert.match(error.message, /^The model list is larger than 4 MiB/);
      return true;
    });
    assert.ok(process.memoryUsage().heapUsed - baseline < 64 * MB, 'memory bounded');
    await eventually(() => server!.closedByClient(), 5000, 'the client to close the connection');
  });

  it('readTextCapped keeps the first bytes of an endless error body and closes the connection', async () => {
    server = await endlessServer(502, 'text');
    const res = await fetch(`${server.url}/x`);
    const { text, truncated } = await readTextCapped(res, ERROR_BODY_MAX_BYTES);
    assert.equal(truncated, true);
    assert.equal(text.length, ERROR_BODY_MAX_BYTES);
    await eventually(() => server!.closedByClient(), 5000, 'the client to close the connection');
  });

  it('a small model list is read whole', async () => {
    const small = createServer((_req, res) => res.end(JSON.stringify({ data: [{ id: 'a' }, { id: 'b' }] })));
    await new Promise<void>((resolve) => small.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(small.address() as AddressInfo).port}/v1/models`);
      assert.deepEqual(await readJsonCapped(res, MODEL_LIST_MAX_BYTES, 'model list'), { data: [{ id: 'a' }, { id: 'b' }] });
    } finally {
      small.closeAllConnections();
      await new Promise<void>((resolve) => small.close(() => resolve()));
    }
  });
});
