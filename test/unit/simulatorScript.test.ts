import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as esbuild from 'esbuild';
import { CANNED_ANSWERS, pickAnswer } from '../../src/simulator/answers';
import { parseApiRequest } from '../../src/simulator/parseApiRequest';
import { demoScript, resolveScript, scriptForModel } from '../../src/simulator/script';
import { Simulator, type SimStats } from '../../src/simulator/Simulator';
import { SimulatorClient } from '../../src/simulator/SimulatorClient';
import { tokenize } from '../../src/simulator/tokenize';
import { parseWireFixture } from '../../src/simulator/wireFixture';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'wire');

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** `event:` names (or `data:` for unnamed events) of an SSE body, in order. */
function eventNames(body: string): string[] {
  return body
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => /^event: (.*)$/m.exec(block)?.[1] ?? 'data');
}

function collapseRuns(names: string[]): string[] {
  return names.filter((n, i) => n !== names[i - 1]);
}

describe('Simulator: scripts, tokenizer and canned answers', () => {
  it('tokenizes losslessly into pieces of at most six non-space characters, keeping surrogate pairs whole', () => {
    for (const text of [
      '',
      'hello world',
      '  leading and trailing  ',
      'supercalifragilistic',
      'a\n\n```ts\nx\n```\n',
      '🚀🚀🚀🚀🚀🚀🚀🚀 日本語の文章です',
      CANNED_ANSWERS.join('\n'),
    ]) {
      const pieces = tokenize(text);
      assert.equal(pieces.join(''), text);
      for (const p of pieces) {
        assert.ok([...p.trimStart()].length <= 6, JSON.stringify(p));
        assert.ok(!/[\uD800-\uDBFF]$/.test(p), 'no lone high surrogate at a piece end');
      }
    }
    assert.deepEqual(tokenize(' Hello world'), [' Hello', ' world']);
  });

  it('reads model-name conventions, and they combine', () => {
    assert.equal(scriptForModel('gpt-4o'), undefined);
    assert.deepEqual(scriptForModel('sim-fault-reset'), { fault: { kind: 'reset', afterTokens: 5 } });
    assert.deepEqual(scriptForModel('sim-fault-stall'), { fault: { kind: 'stall', afterTokens: 5 } });
    assert.deepEqual(scriptForModel('sim-fault-429')?.fault, { kind: 'status', status: 429, headers: { 'retry-after-ms': '200', 'retry-after': '1' } });
    assert.deepEqual(scriptForModel('sim-fault-no-event-lines'), { fault: { kind: 'no-event-lines' } });
    assert.deepEqual(scriptForModel('sim-slow-fault-midstream'), { ttftMs: 1500, tokensPerSecond: 8, fault: { kind: 'midstream-error', afterTokens: 5 } });
    assert.deepEqual(scriptForModel('sim-tps-200-ttft-50'), { tokensPerSecond: 200, ttftMs: 50 });
    assert.deepEqual(scriptForModel('sim-fast'), { ttftMs: 0, tokensPerSecond: 0 });
    assert.equal(scriptForModel('sim-content-filter')?.finishReason, 'content-filter');
    assert.ok((scriptForModel('sim-reasoning')?.reasoning ?? '').length > 20);
  });

  it('names the new wire shapes: content parts, <think> tags, redacted thinking, commentary, xAI max-len, unknown events', () => {
    assert.equal(scriptForModel('sim-parts')?.reasoningFormat, 'content-parts');
    assert.equal(scriptForModel('sim-think')?.reasoningFormat, 'think-tags');
    for (const name of ['sim-parts', 'sim-think', 'sim-redacted']) assert.ok((scriptForModel(name)?.reasoning ?? '').length > 20, `${name} streams reasoning`);
    assert.equal(scriptForModel('sim-redacted')?.redactedThinking, true);
    assert.ok((scriptForModel('sim-commentary')?.commentary ?? '').length > 5);
    assert.deepEqual(
      { finishReason: scriptForModel('sim-maxlen')?.finishReason, incompleteReason: scriptForModel('sim-maxlen')?.incompleteReason },
      { finishReason: 'length', incompleteReason: 'REASON_MAX_LEN' },
    );
    assert.equal(scriptForModel('sim-unknown-think-tps-50')?.unknownEvent, true);
    assert.equal(scriptForModel('sim-unknown-think-tps-50')?.tokensPerSecond, 50);
    assert.equal(scriptForModel('sim-unknown-think-tps-50')?.reasoningFormat, 'think-tags');
  });

  it('resolves an enqueued script over the model name over the default', () => {
    const byModel = { tokensPerSecond: 8, ttftMs: 1500 };
    assert.deepEqual(resolveScript({ text: 'q', ttftMs: 0 }, byModel, { text: 'default' }), { text: 'q', ttftMs: 0, tokensPerSecond: 8 });
    assert.deepEqual(resolveScript(undefined, byModel, { text: 'default', ttftMs: 300 }), { text: 'default', ttftMs: 1500, tokensPerSecond: 8 });
  });

  it('has realistic canned markdown answers, picked deterministically', () => {
    assert.ok(CANNED_ANSWERS.length >= 4 && CANNED_ANSWERS.length <= 6);
    const all = CANNED_ANSWERS.join('\n');
    for (const needle of ['```ts', '```python', '```bash', '| --- |', '\n- ', '\n1. ']) assert.ok(all.includes(needle), needle);
    for (const answer of CANNED_ANSWERS) {
      assert.match(answer, /^#{1,3} /, 'starts with a heading');
      assert.match(answer, /`[^`\n]+`/, 'has inline code');
    }
    assert.equal(pickAnswer('How do I read a CSV?'), pickAnswer('How do I read a CSV?'));
    assert.ok(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(pickAnswer)).size > 1);
    const demo = demoScript();
    assert.ok(demo.ttftMs! >= 300 && demo.ttftMs! <= 450);
    assert.ok(demo.tokensPerSecond! >= 45 && demo.tokensPerSecond! <= 70);
  });

  it('reads each request format: Responses input parts, Anthropic system and prefill', () => {
    const responses = parseApiRequest('openai-responses', {
      model: 'm',
      stream: true,
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is a Map?' }] }],
      max_output_tokens: 50,
    });
    assert.equal(responses.lastUserText, 'What is a Map?');
    assert.equal(responses.system, 'Be brief.');
    assert.equal(responses.maxTokens, 50);
    assert.equal(responses.prefill, undefined);
    const messages = parseApiRequest('anthropic', {
      model: 'c',
      stream: true,
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: [{ type: 'text', text: 'So far' }] },
      ],
    });
    assert.equal(messages.prefill, 'So far');
    assert.equal(messages.usageRequested, true);
    assert.equal(parseApiRequest('openai-chat', { messages: [] }).usageRequested, false);
  });
});

describe('Simulator: control API, conformance with the captures, CLI', () => {
  let sim: Simulator;
  before(async () => {
    sim = new Simulator();
    await sim.start();
  });
  after(() => sim.stop());
  beforeEach(() => sim.reset());

  it('frames each format like the real captures (keys and event order)', async () => {
    const capture = (path: string) => parseWireFixture(readFileSync(join(FIXTURES, path), 'utf8')).body;

    sim.enqueue({ text: 'Hello there!' });
    const chat = (
      await post(`${sim.openAIBaseUrl}/chat/completions`, { model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'q' }] })
    ).text;
    const realChat = capture('openai-chat/01_role_content_finish_usage_done.sse');
    const chunks = (body: string) =>
      body
        .split('\n\n')
        .filter((b) => b.startsWith('data: {'))
        .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>);
    const [ourFirst, realFirst] = [chunks(chat)[0]!, chunks(realChat)[0]!];
    for (const key of Object.keys(realFirst)) assert.ok(key in ourFirst, `chunk key ${key}`);
    assert.deepEqual((ourFirst.choices as unknown[])[0], (realFirst.choices as unknown[])[0]);
    assert.ok(chat.endsWith('data: [DONE]\n\n') && realChat.endsWith('data: [DONE]\n\n'));
    assert.deepEqual(Object.keys(chunks(chat).at(-1)!.usage as object).slice(0, 3), Object.keys(chunks(realChat).at(-1)!.usage as object));

    sim.enqueue({ text: 'Hello there friend' });
    const anthropic = (await post(`${sim.anthropicBaseUrl}/v1/messages`, { model: 'c', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'q' }] })).text;
    assert.deepEqual(eventNames(anthropic), eventNames(capture('anthropic/01_basic_text.sse')), 'same events in the same order for a 3-token answer');
    assert.ok(anthropic.includes('event: ping\ndata: {"type": "ping"}\n\n'));

    sim.enqueue({ text: 'Why did the scarecrow win?' });
    const responses = (await post(`${sim.openAIBaseUrl}/responses`, { model: 'm', stream: true, input: 'q' })).text;
    assert.deepEqual(collapseRuns(eventNames(responses)), collapseRuns(eventNames(capture('openai-responses/01_simple_text_with_event_lines.sse'))));
  });

  it('takes scripts over POST /__sim/enqueue, serves `times` requests, then the default', async () => {
    const enqueued = await post(`${sim.origin}/__sim/enqueue`, [{ text: 'scripted', times: 2 }]);
    assert.equal(enqueued.status, 200);
    const ask = async () => {
      const body = (await post(`${sim.openAIBaseUrl}/chat/completions`, { model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] })).text;
      return body
        .split('\n\n')
        .filter((b) => b.startsWith('data: {'))
        .map((b) => (JSON.parse(b.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
        .join('');
    };
    assert.equal(await ask(), 'scripted');
    assert.equal(await ask(), 'scripted');
    assert.equal(await ask(), pickAnswer('q'));
    const stats = JSON.parse(
      await new Promise<string>((resolve) =>
        httpRequest(`${sim.origin}/__sim/stats`, (res) => {
          let t = '';
          res.on('data', (c) => (t += c));
          res.on('end', () => resolve(t));
        }).end(),
      ),
    ) as SimStats;
    assert.equal(stats.requests, 3);
    assert.equal(stats.requestsLog.length, 3);
    assert.ok(stats.requestsLog.every((r) => r.completed && r.closedBy === 'server'));
    assert.equal((await post(`${sim.origin}/__sim/enqueue`, '{not json')).status, 400);
    assert.equal((await post(`${sim.origin}/__sim/reset`, '')).status, 200);
    assert.equal(sim.stats().requests, 0);
  });

  it('is steered from another process with SimulatorClient, without disturbing the request count', async () => {
    const client = new SimulatorClient(sim.origin);
    await client.enqueue({ text: 'from afar', fault: { kind: 'no-terminal' } });
    const body = (await post(`${sim.openAIBaseUrl}/chat/completions`, { model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] })).text;
    assert.ok(body.includes('"content":" afar"') && !body.includes('[DONE]'));
    const stats = await client.stats();
    assert.equal(stats.requests, 1);
    assert.equal(stats.requestsLog[0]?.fault, 'no-terminal');
    assert.equal(stats.controlRequests, 2);
    await client.reset();
    assert.equal(sim.stats().requests, 0);
    await assert.rejects(client.enqueue('nope' as never), /400/);
  });

  it('tracks sockets exactly and stop() closes streams in progress', async () => {
    const local = new Simulator();
    await local.start();
    local.enqueue({ text: 'a b c d e f', fault: { kind: 'stall', afterTokens: 1 } });
    const pending = post(`${local.openAIBaseUrl}/chat/completions`, { model: 'm', stream: true, messages: [] }).catch((e: Error) => e);
    await local.waitForTokens(1, 1, 2000);
    assert.equal(local.stats().openSockets, 1);
    await local.stop();
    await pending;
    const stats = local.stats();
    assert.equal(stats.openSockets, 0);
    assert.equal(stats.socketsOpened, stats.socketsClosed);
    assert.equal(stats.requestsLog[0]?.closedBy, 'server');
  });

  it('runs as a CLI: prints its origin as one JSON line, enforces --api-key, exits cleanly on SIGTERM', async function () {
    this.timeout(15000);
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    try {
      const outfile = join(dir, 'simulator.js');
      await esbuild.build({ entryPoints: [join(ROOT, 'src', 'simulator', 'main.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent' });
      const child = spawn(process.execPath, [outfile, '--api-key', 'sk-cli', '--tps', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const line = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no origin line')), 10000);
          createInterface({ input: child.stdout }).once('line', (l) => {
            clearTimeout(timer);
            resolve(l);
          });
        });
        const { origin } = JSON.parse(line) as { origin: string };
        assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
        const body = { model: 'sim-fast', stream: true, messages: [{ role: 'user', content: 'q' }] };
        assert.equal((await post(`${origin}/v1/chat/completions`, body)).status, 401);
        const ok = await post(`${origin}/v1/chat/completions`, body, { authorization: 'Bearer sk-cli' });
        assert.equal(ok.status, 200);
        assert.ok(ok.text.endsWith('data: [DONE]\n\n'));
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0);
      assert.match(stderr, /POST \/v1\/chat\/completions/);
      assert.doesNotMatch(stderr, /sk-cli/, 'the key is never logged');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
