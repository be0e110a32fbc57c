/**
 * The peer recordings (real streams recorded by other projects, kept outside this repo in
 * ../shared/fixtures/peer, or where SIDESTREAM_PEER_FIXTURES points) that contain tool calls,
 * replayed through the real SDKs against the simulator: the core must produce the same calls —
 * names, ids, arguments — as the recording itself says, decoded here by a deliberately small
 * decoder of its own, not by the core's providers. Skipped when the folder is absent (a fresh clone).
 */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stream } from '../../src/core/adapter';
import type { ProviderId, WireApi } from '../../src/core/events';
import type { ChatRequest } from '../../src/core/request';
import { drain, TEST_KEY, useSimulator } from './helpers/coreHarness';

const ROOT = join(__dirname, '..', '..', '..');
const PEER_DIR = process.env.SIDESTREAM_PEER_FIXTURES ?? join(ROOT, '..', 'shared', 'fixtures', 'peer');

interface Source {
  api: 'chat' | 'responses' | 'anthropic';
  provider: ProviderId;
}

interface ExpectedCall {
  id: string;
  name: string;
  arguments: string;
  /** The recording ended before the call did (Anthropic `max_tokens` mid-call). */
  complete: boolean;
}

/** The SSE body a recording is served as: raw `.sse` as is, `.jsonl` framed as its API frames it. */
function bodyOf(name: string, source: Source): string {
  const sse = join(PEER_DIR, `${name}.sse`);
  if (existsSync(sse)) return readFileSync(sse, 'utf8');
  const lines = readFileSync(join(PEER_DIR, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (source.api === 'chat') return lines.map((l) => `data: ${l}\n\n`).join('') + 'data: [DONE]\n\n';
  return lines.map((l) => `event: ${(JSON.parse(l) as { type: string }).type}\ndata: ${l}\n\n`).join('');
}

/** The JSON payloads of an SSE body. */
function payloads(body: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const block of body.replace(/\r\n/g, '\n').split(/\n\n+/)) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).replace(/^ /, ''))
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    out.push(JSON.parse(data) as Record<string, unknown>);
  }
  return out;
}

/** The calls a recording holds, read straight from its payloads. */
function expectedCalls(api: Source['api'], events: Array<Record<string, unknown>>): ExpectedCall[] {
  const calls: ExpectedCall[] = [];
  if (api === 'chat') {
    const byIndex = new Map<number, ExpectedCall>();
    for (const event of events) {
      for (const choice of (event.choices as Array<Record<string, unknown>> | undefined) ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = (choice.delta ?? {}) as { tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }> };
        for (const fragment of delta.tool_calls ?? []) {
          const index = fragment.index ?? 0;
          let call = byIndex.get(index);
          if (!call || (fragment.id && call.id && fragment.id !== call.id)) {
            call = { id: '', name: '', arguments: '', complete: true };
            byIndex.set(index, call);
            calls.push(call);
          }
          call.id ||= fragment.id ?? '';
          call.name ||= fragment.function?.name ?? '';
          call.arguments += fragment.function?.arguments ?? '';
        }
      }
    }
    return calls;
  }
  if (api === 'responses') {
    for (const event of events) {
      const item = event.item as { type?: string; call_id?: string; name?: string; arguments?: string } | undefined;
      if (event.type === 'response.output_item.done' && item?.type === 'function_call') {
        calls.push({ id: item.call_id ?? '', name: item.name ?? '', arguments: item.arguments ?? '', complete: true });
      }
    }
    return calls;
  }
  const open = new Map<number, ExpectedCall>();
  for (const event of events) {
    const index = event.index as number;
    const block = event.content_block as { type?: string; id?: string; name?: string } | undefined;
    const delta = event.delta as { type?: string; partial_json?: string } | undefined;
    if (event.type === 'content_block_start' && block?.type === 'tool_use') {
      const call = { id: block.id ?? '', name: block.name ?? '', arguments: '', complete: false };
      open.set(index, call);
      calls.push(call);
    }
    if (event.type === 'content_block_delta' && delta?.type === 'input_json_delta') {
      const call = open.get(index);
      if (call) call.arguments += delta.partial_json ?? '';
    }
    if (event.type === 'content_block_stop' && open.has(index)) open.get(index)!.complete = true;
  }
  return calls;
}

const WIRE: Record<Source['api'], WireApi> = { chat: 'openai-chat', responses: 'openai-responses', anthropic: 'anthropic' };

describe('core: peer recordings with tool calls replay to the same calls', function () {
  const sim = useSimulator();
  const names = existsSync(PEER_DIR)
    ? readdirSync(PEER_DIR)
        .filter((f) => f.endsWith('.source.json'))
        .map((f) => f.slice(0, -'.source.json'.length))
        .sort()
    : [];

  it('finds the recordings, or says why there are none', function () {
    if (names.length === 0) this.skip();
    assert.ok(names.length >= 10);
  });

  for (const name of names) {
    const source = JSON.parse(readFileSync(join(PEER_DIR, `${name}.source.json`), 'utf8')) as Source;
    const body = bodyOf(name, source);
    const expected = expectedCalls(source.api, payloads(body));
    if (expected.length === 0) continue;
    it(`${name}: ${expected.map((c) => c.name).join(', ')}`, async () => {
      sim.enqueue({ fault: { kind: 'raw', body } });
      const request: ChatRequest = {
        provider: source.provider,
        api: WIRE[source.api],
        model: 'peer-model',
        baseUrl: source.api === 'anthropic' ? sim.anthropicBaseUrl : sim.openAIBaseUrl,
        apiKey: TEST_KEY,
        maxRetries: 0,
        messages: [{ role: 'user', content: 'replay' }],
        // The request that got these calls offered the tools they name.
        tools: [...new Set(expected.map((c) => c.name))].map((toolName) => ({ name: toolName })),
      };
      const s = await drain(stream(request));
      const complete = expected.filter((c) => c.complete);
      assert.deepEqual(
        s.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
        complete.map(({ id, name: callName, arguments: args }) => ({ id, name: callName, arguments: args })),
      );
      for (const call of s.toolCalls) assert.deepEqual(call.input, JSON.parse(call.arguments.trim() || '{}'));
      if (complete.length > 0) assert.equal(s.finish?.reason.unified, 'tool-calls');
      if (complete.length < expected.length) {
        // A call cut off mid-arguments is never handed on: the answer ends `length` with a note.
        assert.equal(s.finish?.reason.unified, 'length');
      }
    });
  }
});
