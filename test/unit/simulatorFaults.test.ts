import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join, relative } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { useSimClients } from './helpers/simClients';
import { Simulator } from '../../src/simulator/Simulator';
import { parseWireFixture, replayScript } from '../../src/simulator/wireFixture';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'wire');
const LONG = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');

/** Every capture under test/fixtures/wire, by path relative to it. */
function fixtureFiles(dir = FIXTURES): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return fixtureFiles(path);
    return /\.(sse|ndjson)$/.test(name) ? [path] : [];
  });
}

/** The raw response bytes, read with node:http so nothing is parsed or re-encoded. */
function rawPost(url: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; chunks: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), chunks: parts.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const chatBody = (model = 'm') => ({ model, stream: true as const, messages: [{ role: 'user' as const, content: 'q' }] });

describe('Simulator: faults as the real services and proxies produce them', () => {
  let sim: Simulator;
  let openai: OpenAI;
  let anthropic: Anthropic;

  useSimClients((clients) => ({ sim, openai, anthropic } = clients));

  describe('HTTP status faults', () => {
    it('429 carries retry headers and a rate-limit body; the SDK retries and the next script answers', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } } }, { text: 'after retry' });
      const retrying = new OpenAI({ apiKey: 'k', baseURL: sim.openAIBaseUrl, maxRetries: 1 });
      let text = '';
      for await (const c of await retrying.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] }))
        text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, 'after retry');
      assert.deepEqual(
        sim.stats().requestsLog.map((r) => r.status),
        [429, 200],
      );

      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '3' } } });
      await assert.rejects(openai.chat.completions.create(chatBody()), (err: unknown) => {
        assert.ok(err instanceof OpenAI.RateLimitError);
        assert.equal(err.code, 'rate_limit_exceeded');
        assert.equal(err.headers?.get('retry-after'), '3');
        return true;
      });
    });

    it('maps 401/403/404/400/500 to the matching OpenAI SDK errors', async () => {
      const cases: Array<[number, new (...args: never[]) => Error]> = [
        [400, OpenAI.BadRequestError],
        [401, OpenAI.AuthenticationError],
        [403, OpenAI.PermissionDeniedError],
        [404, OpenAI.NotFoundError],
        [500, OpenAI.InternalServerError],
      ];
      for (const [status, type] of cases) {
        sim.enqueue({ fault: { kind: 'status', status } });
        await assert.rejects(openai.chat.completions.create(chatBody()), (err: unknown) => {
          assert.ok(err instanceof type, `${status} → ${type.name}`);
          assert.equal((err as InstanceType<typeof OpenAI.APIError>).status, status);
          assert.ok((err as InstanceType<typeof OpenAI.APIError>).type, 'the body has an error type');
          return true;
        });
      }
    });

    it('529 for Anthropic is overloaded_error; a custom body is sent verbatim', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 529 } });
      await assert.rejects(anthropic.messages.create({ model: 'c', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'q' }] }), (err: unknown) => {
        assert.ok(err instanceof Anthropic.APIError);
        assert.equal(err.status, 529);
        assert.deepEqual((err.error as { error: unknown }).error, { type: 'overloaded_error', message: 'Overloaded' });
        return true;
      });
      sim.enqueue({ fault: { kind: 'status', status: 502, headers: { 'content-type': 'text/plain' }, body: 'Bad Gateway' } });
      const res = await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody());
      assert.equal(res.status, 502);
      assert.equal(res.body.toString(), 'Bad Gateway');
    });

    it('sim-fault-NNN model names select a status fault without a control call', async () => {
      await assert.rejects(openai.chat.completions.create(chatBody('sim-fault-403')), OpenAI.PermissionDeniedError);
      const res = await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody('sim-fault-429'));
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after-ms'], '200');
    });
  });

  describe('mid-stream faults', () => {
    it('OpenAI chat: an error chunk after N tokens throws APIError with status undefined, tokens before it delivered', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'midstream-error', afterTokens: 3 } });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const c of await openai.chat.completions.create(chatBody())) text += c.choices[0]?.delta.content ?? '';
        })(),
        (err: unknown) => {
          assert.ok(err instanceof OpenAI.APIError);
          assert.equal(err.status, undefined);
          assert.match(err.message, /server had an error/);
          return true;
        },
      );
      assert.equal(text, 'word0 word1 word2');
      const raw = await (async () => {
        sim.enqueue({ text: LONG, fault: { kind: 'midstream-error', afterTokens: 1 } });
        return (await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody())).body.toString();
      })();
      assert.ok(!raw.includes('[DONE]') && !raw.includes('finish_reason":"stop'), 'no terminal after the error, as in the real capture');
    });

    it('OpenAI Responses: event: error then response.failed; the SDK throws APIError', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'midstream-error', afterTokens: 2, errorType: 'server_error', message: 'boom' } });
      const types: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const e of await openai.responses.create({ model: 'm', stream: true, input: 'q' })) types.push(e.type);
        })(),
        (err: unknown) => err instanceof OpenAI.APIError && err.status === undefined && /boom/.test(err.message),
      );
      assert.deepEqual(types.slice(-2), ['response.output_text.delta', 'response.output_text.delta']);
      sim.enqueue({ text: LONG, fault: { kind: 'midstream-error', afterTokens: 1 } });
      const raw = (await rawPost(`${sim.openAIBaseUrl}/responses`, { model: 'm', stream: true, input: 'q' })).body.toString();
      assert.match(raw, /event: error\ndata: \{"type":"error","error":\{"type":"server_error"[^\n]*\n\nevent: response\.failed\n/);
    });

    it('Anthropic: event: error overloaded_error throws APIError with status undefined', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'midstream-error', afterTokens: 4 } });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const e of await anthropic.messages.create({ model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'q' }] })) {
            if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
          }
        })(),
        (err: unknown) => {
          assert.ok(err instanceof Anthropic.APIError);
          assert.equal(err.status, undefined);
          assert.equal((err.error as { error: { type: string } }).error.type, 'overloaded_error');
          return true;
        },
      );
      assert.equal(text, 'word0 word1 word2 word3');
    });

    it('reset: the server destroys the socket mid-body and the client sees a connection error', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'reset', afterTokens: 5 } });
      let text = '';
      await assert.rejects(async () => {
        for await (const c of await openai.chat.completions.create(chatBody())) text += c.choices[0]?.delta.content ?? '';
      }, /terminated|socket|closed|ECONNRESET/i);
      assert.equal(text, 'word0 word1 word2 word3 word4');
      const record = await sim.waitForClose(1, 2000);
      assert.equal(record.closedBy, 'server');
      assert.equal(record.completed, false);
    });

    it('stall: nothing after N tokens until the client aborts, which the stats record as closedBy client', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'stall', afterTokens: 3 } });
      const controller = new AbortController();
      const stream = await openai.chat.completions.create(chatBody(), { signal: controller.signal });
      await sim.waitForTokens(1, 3, 2000);
      let text = '';
      const consumer = (async () => {
        for await (const c of stream) {
          text += c.choices[0]?.delta.content ?? '';
          if (text === 'word0 word1 word2') controller.abort();
        }
      })();
      await consumer; // Mid-stream abort ends the loop quietly (sdk-facts).
      assert.equal(text, 'word0 word1 word2');
      assert.ok(controller.signal.aborted);
      const record = await sim.waitForClose(1, 2000);
      assert.equal(record.closedBy, 'client');
      assert.equal(record.completed, false);
      assert.equal(record.tokensSent, 3);
      assert.ok(record.closedAt! >= record.lastTokenAt!);
    });

    it('client abort of a paced stream stops the server writing and is recorded with a timestamp', async () => {
      sim.enqueue({ text: LONG, tokensPerSecond: 100 });
      const controller = new AbortController();
      const stream = anthropic.messages.stream({ model: 'c', max_tokens: 100, messages: [{ role: 'user', content: 'q' }] }, { signal: controller.signal });
      await sim.waitForTokens(1, 4, 2000);
      controller.abort();
      await assert.rejects(stream.finalMessage(), Anthropic.APIUserAbortError);
      const record = await sim.waitForClose(1, 2000);
      assert.equal(record.closedBy, 'client');
      assert.ok(record.tokensSent < 40, `stopped early (${record.tokensSent} of 40)`);
      const after = record.tokensSent;
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(sim.stats().requestsLog[0]?.tokensSent, after, 'no writes after the close');
    });

    it('no-terminal: a clean end without [DONE], message_stop or response.completed', async () => {
      sim.enqueue({ text: 'a b c', fault: { kind: 'no-terminal' } });
      const chat = (await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody())).body.toString();
      assert.ok(chat.includes('"content":" c"'));
      assert.ok(!chat.includes('[DONE]') && !chat.includes('"finish_reason":"stop"'));
      sim.enqueue({ text: 'a b c', fault: { kind: 'no-terminal', afterTokens: 2 } });
      const events: string[] = [];
      for await (const e of await anthropic.messages.create({ model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'q' }] })) events.push(e.type);
      assert.deepEqual(events, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
      sim.enqueue({ text: 'a b c', fault: { kind: 'no-terminal' } });
      const types: string[] = [];
      for await (const e of await openai.responses.create({ model: 'm', stream: true, input: 'q' })) types.push(e.type);
      assert.ok(!types.includes('response.completed') && types.includes('response.output_text.delta'));
      assert.ok(sim.stats().requestsLog.every((r) => r.completed && r.closedBy === 'server'));
    });

    it('malformed-json: the SDKs throw a SyntaxError after the good tokens', async () => {
      sim.enqueue({ text: LONG, fault: { kind: 'malformed-json', afterTokens: 2 } });
      await assert.rejects(async () => {
        for await (const _ of await openai.chat.completions.create(chatBody())) void _;
      }, SyntaxError);
      sim.enqueue({ text: LONG, fault: { kind: 'malformed-json', afterTokens: 2 } });
      await assert.rejects(async () => {
        for await (const _ of await anthropic.messages.create({ model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'q' }] })) void _;
      }, /JSON|Unexpected|Unterminated|parse/i);
    });

    it('no-event-lines: an Anthropic stream with data lines only, which the SDK turns into zero events', async () => {
      sim.enqueue({ text: 'hello there', fault: { kind: 'no-event-lines' } });
      const raw = (await rawPost(`${sim.anthropicBaseUrl}/v1/messages`, chatBody())).body.toString();
      assert.ok(!/^event:/m.test(raw));
      assert.ok(raw.includes('"type":"message_stop"'));
      sim.enqueue({ text: 'hello there', fault: { kind: 'no-event-lines' } });
      const events: unknown[] = [];
      for await (const e of await anthropic.messages.create({ model: 'c', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'q' }] })) events.push(e);
      assert.deepEqual(events, []);
    });

    it('html-200: a proxy page with status 200 and text/html', async () => {
      sim.enqueue({ fault: { kind: 'html-200' } });
      const res = await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody());
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body.toString(), /<html>/);
    });

    it('keep-alive: SSE comments (OpenAI) and pings (Anthropic) while waiting for the first token', async () => {
      sim.enqueue({ text: 'hi', ttftMs: 250, keepAliveEveryMs: 40 });
      const chat = (await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody())).body.toString();
      const beforeFirstToken = chat.slice(0, chat.indexOf('"content":"hi"'));
      assert.ok((beforeFirstToken.match(/^: keep-alive$/gm) ?? []).length >= 2, beforeFirstToken);
      sim.enqueue({ text: 'hi', ttftMs: 250, keepAliveEveryMs: 40 });
      const an = (await rawPost(`${sim.anthropicBaseUrl}/v1/messages`, chatBody())).body.toString();
      assert.ok((an.match(/^event: ping$/gm) ?? []).length >= 3);
    });
  });

  describe('raw replay of the wire captures', () => {
    it('replays every capture in test/fixtures/wire byte for byte', async () => {
      const files = fixtureFiles();
      assert.ok(files.length >= 30, `found ${files.length} captures`);
      for (const file of files) {
        const raw = readFileSync(file, 'utf8');
        sim.enqueue(replayScript(raw, file));
        const res = await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody());
        assert.ok(res.body.equals(Buffer.from(parseWireFixture(raw).body, 'utf8')), relative(FIXTURES, file));
      }
    });

    it('splits a replay into byte chunks or paced events without changing a byte, and the SDK reads it', async () => {
      const raw = readFileSync(join(FIXTURES, 'openai-chat', '01_role_content_finish_usage_done.sse'), 'utf8');
      sim.enqueue(replayScript(raw, 'x.sse', { chunkBytes: 50, chunkDelayMs: 1 }));
      const res = await rawPost(`${sim.openAIBaseUrl}/chat/completions`, chatBody());
      assert.ok(res.body.equals(Buffer.from(parseWireFixture(raw).body)));
      assert.ok(res.chunks > 10, `arrived in ${res.chunks} reads`);
      sim.enqueue(replayScript(raw, 'x.sse', { chunkDelayMs: 1 }));
      let text = '';
      for await (const c of await openai.chat.completions.create(chatBody())) text += c.choices[0]?.delta.content ?? '';
      assert.equal(text, '{"city":"San Francisco","units":"c"}');
    });
  });
});
