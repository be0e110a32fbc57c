/**
 * Tool calls through the core, in all three wire formats, through the real SDKs over loopback
 * against the simulator: tools and tool choice in the request, calls and results in the history
 * with their ids, calls streamed in every shape servers use (parallel, split anywhere, the `{` with
 * the name, arguments all at the end, sparse indexes, text around them), arguments that are not
 * JSON ending the answer with a readable failure, and a two-step agent loop end to end.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import type { ToolCall } from '../../src/core/events';
import { buildAnthropicBody } from '../../src/core/providers/anthropic';
import { buildOpenAIChatBody } from '../../src/core/providers/openaiChat';
import { buildResponsesBody } from '../../src/core/providers/openaiResponses';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../src/core/request';
import { StreamSession } from '../../src/core/session/StreamSession';
import { ToolCallAccumulator } from '../../src/core/toolCalls';
import type { SimScript, SimToolShape } from '../../src/simulator/script';
import { drain, failureOf, simRequest, type StreamSummary, type Target, useSimulator } from './helpers/coreHarness';

export const READ_FILE: ToolDefinition = {
  name: 'read_file',
  description: 'Read a file in the workspace',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, startLine: { type: 'integer' } }, required: ['path', 'startLine'] },
};
export const SEARCH: ToolDefinition = {
  name: 'search',
  description: 'Search the workspace',
  inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
};
const TOOLS = [READ_FILE, SEARCH];

/** Arguments that cross every hard place: escapes, a quote, a backslash, multibyte and astral characters. */
const TRICKY_INPUT = { path: 'docs/naïve "quoted" \\ file.md', note: 'emoji 😀 and 日本語 text\nnew line', n: 3 };
const TRICKY = JSON.stringify(TRICKY_INPUT);

const FORMATS: Target[] = ['openai-chat', 'openai-responses', 'anthropic'];

/** The tool calls a summary got, without their ids. */
function callsOf(s: StreamSummary): Array<Pick<ToolCall, 'name' | 'input'>> {
  return s.toolCalls.map((call) => ({ name: call.name, input: call.input }));
}

describe('core: tool calls', function () {
  const sim = useSimulator();

  async function run(target: Target, script: SimScript, overrides: Partial<ChatRequest> = {}): Promise<StreamSummary> {
    sim.enqueue(script);
    return drain(stream(simRequest(sim, target, { maxRetries: 0, tools: TOOLS, ...overrides })));
  }

  describe('request side', () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'Open README.md' },
      {
        role: 'assistant',
        content: 'Let me read it.',
        reasoning: 'SECRET REASONING the user saw in the Thinking section',
        toolCalls: [
          { id: 'call_A1', name: 'read_file', input: { path: 'README.md', startLine: 1 } },
          { id: 'call_B2', name: 'search', input: { query: 'install' } },
        ],
      },
      {
        role: 'user',
        content: '',
        toolResults: [
          { callId: 'call_A1', name: 'read_file', content: '# Sidestream' },
          { callId: 'call_B2', name: 'search', content: 'no match', isError: true },
        ],
      },
    ];
    const base: ChatRequest = { provider: 'openai', api: 'openai-chat', model: 'm', messages: history, tools: TOOLS, toolChoice: 'required' };

    it('Chat: tools as functions, tool_choice, the calls as tool_calls and the results as tool messages, ids kept, reasoning never sent', () => {
      const body = buildOpenAIChatBody(base);
      assert.deepEqual(body.tools, [
        { type: 'function', function: { name: 'read_file', description: 'Read a file in the workspace', parameters: READ_FILE.inputSchema } },
        { type: 'function', function: { name: 'search', description: 'Search the workspace', parameters: SEARCH.inputSchema } },
      ]);
      assert.equal(body.tool_choice, 'required');
      assert.deepEqual(body.messages.slice(1), [
        {
          role: 'assistant',
          content: 'Let me read it.',
          tool_calls: [
            { id: 'call_A1', type: 'function', function: { name: 'read_file', arguments: '{"path":"README.md","startLine":1}' } },
            { id: 'call_B2', type: 'function', function: { name: 'search', arguments: '{"query":"install"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_A1', content: '# Sidestream' },
        { role: 'tool', tool_call_id: 'call_B2', content: 'no match' },
      ]);
      assert.ok(!JSON.stringify(body).includes('SECRET REASONING'));
      assert.equal(buildOpenAIChatBody({ ...base, tools: undefined }).tools, undefined, 'no tools, no tools key');
    });

    it('Responses: function tools, function_call and function_call_output items with their call ids', () => {
      const body = buildResponsesBody({ ...base, api: 'openai-responses', toolChoice: 'auto' });
      assert.deepEqual(body.tools?.[0], { type: 'function', name: 'read_file', description: 'Read a file in the workspace', parameters: READ_FILE.inputSchema, strict: false });
      assert.equal(body.tool_choice, 'auto');
      assert.deepEqual(body.input.slice(1), [
        { role: 'assistant', content: 'Let me read it.' },
        { type: 'function_call', call_id: 'call_A1', name: 'read_file', arguments: '{"path":"README.md","startLine":1}' },
        { type: 'function_call', call_id: 'call_B2', name: 'search', arguments: '{"query":"install"}' },
        { type: 'function_call_output', call_id: 'call_A1', output: '# Sidestream' },
        { type: 'function_call_output', call_id: 'call_B2', output: 'no match' },
      ]);
      assert.ok(!JSON.stringify(body).includes('SECRET REASONING'));
    });

    it('Anthropic: input_schema tools, tool_choice any for required (without thinking), tool_use and tool_result blocks with ids', () => {
      const body = buildAnthropicBody({ ...base, provider: 'anthropic', api: 'anthropic', reasoning: { budgetTokens: 2048 } });
      assert.deepEqual(body.tools?.[1], { name: 'search', description: 'Search the workspace', input_schema: SEARCH.inputSchema });
      assert.deepEqual(body.tool_choice, { type: 'any' });
      assert.equal(body.thinking, undefined, 'extended thinking allows only tool_choice auto');
      assert.deepEqual(body.messages.slice(1), [
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me read it.' },
            { type: 'tool_use', id: 'call_A1', name: 'read_file', input: { path: 'README.md', startLine: 1 } },
            { type: 'tool_use', id: 'call_B2', name: 'search', input: { query: 'install' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_A1', content: '# Sidestream' },
            { type: 'tool_result', tool_use_id: 'call_B2', content: 'no match', is_error: true },
          ],
        },
      ]);
      const auto = buildAnthropicBody({ ...base, provider: 'anthropic', api: 'anthropic', toolChoice: 'auto', reasoning: { budgetTokens: 2048 } });
      assert.deepEqual(auto.tool_choice, { type: 'auto' });
      assert.ok(auto.thinking, 'thinking stays on with tool_choice auto');
      assert.ok(!JSON.stringify(auto).includes('SECRET REASONING'));
    });

    it('a tool without a schema gets an empty object schema (every format requires one)', () => {
      const body = buildAnthropicBody({ ...base, provider: 'anthropic', api: 'anthropic', tools: [{ name: 'now' }] });
      assert.deepEqual(body.tools, [{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
    });

    for (const target of FORMATS) {
      it(`${target}: the tools, the choice and the results with their ids reach the server`, async () => {
        const s = await run(target, { text: 'ok' }, { messages: history, toolChoice: 'required' });
        assert.equal(s.text, 'ok');
        const record = sim.stats().requestsLog[0]!;
        assert.equal(record.tools?.length, 2);
        assert.ok(record.toolChoice === 'required' || JSON.stringify(record.toolChoice) === '{"type":"any"}', JSON.stringify(record.toolChoice));
        assert.deepEqual(
          record.toolResults?.map((r) => [r.callId, r.name, r.content]),
          [
            ['call_A1', 'read_file', '# Sidestream'],
            ['call_B2', 'search', 'no match'],
          ],
        );
      });
    }
  });

  describe('stream side, each format', () => {
    for (const target of FORMATS) {
      it(`${target}: a call to an offered tool, arguments from its schema, parsed; finish tool-calls`, async () => {
        const s = await run(target, { useTools: true }, { messages: [{ role: 'user', content: 'Open src/main.ts please' }] });
        assert.deepEqual(callsOf(s), [{ name: 'read_file', input: { path: 'src/main.ts', startLine: 1 } }]);
        assert.match(s.toolCalls[0]!.id, /^(call_|toolu_)/);
        assert.equal(s.text, '');
        assert.equal(s.finish?.reason.unified, 'tool-calls');
      });

      it(`${target}: parallel calls with their own ids, text before and after, arguments cut into 1-byte writes`, async () => {
        const s = await run(target, {
          text: 'Checking two things.',
          toolCalls: [
            { id: 'call_one', name: 'read_file', arguments: TRICKY },
            { id: 'call_two', name: 'search', arguments: '{"query": "a\\"b"}' },
          ],
          textAfter: ' Done.',
          chunkBytes: 1,
        });
        assert.deepEqual(
          s.toolCalls.map((c) => [c.id, c.name, c.input]),
          [
            [target === 'anthropic' ? 'call_one' : 'call_one', 'read_file', TRICKY_INPUT],
            ['call_two', 'search', { query: 'a"b' }],
          ],
        );
        assert.equal(s.toolCalls[0]!.arguments, TRICKY, 'arguments kept exactly as streamed');
        assert.equal(s.text.replace(/\s+/g, ' ').trim(), 'Checking two things. Done.');
        assert.equal(s.finish?.reason.unified, 'tool-calls');
      });

      it(`${target}: arguments that are not JSON end the answer with a readable failure, the text kept`, async () => {
        const s = await run(target, { text: 'Let me search.', toolCalls: [{ name: 'search', arguments: '{"query": "unterminated' }] });
        const failure = failureOf(s);
        assert.equal(failure.kind, 'protocol');
        assert.match(failure.message, /The model called the tool "search" but its arguments are not valid JSON .*\{"query": "unterminated — the call was not made/);
        assert.deepEqual(s.toolCalls, []);
        assert.equal(s.error?.partialText, 'Let me search.');
      });

      it(`${target}: arguments that are JSON but not an object fail too; a call with no arguments is {}`, async () => {
        const bad = await run(target, { toolCalls: [{ name: 'search', arguments: '["a"]' }] });
        assert.match(failureOf(bad).message, /arguments are an array, not a JSON object/);
        const empty = await run(target, { toolCalls: [{ name: 'search', arguments: '' }] });
        assert.deepEqual(callsOf(empty), [{ name: 'search', input: {} }]);
      });

      it(`${target}: a two-step agent loop — call, result back, an answer that uses the result`, async () => {
        const question: ChatMessage = { role: 'user', content: 'What is in notes.txt?' };
        const first = await drain(stream(simRequest(sim, target, { model: 'sim-tools', tools: TOOLS, messages: [question] })));
        assert.equal(first.finish?.reason.unified, 'tool-calls');
        const call = first.toolCalls[0]!;
        assert.deepEqual(call.input, { path: 'notes.txt', startLine: 1 });
        const second = await drain(
          stream(
            simRequest(sim, target, {
              model: 'sim-tools',
              tools: TOOLS,
              messages: [
                question,
                { role: 'assistant', content: first.text, toolCalls: [{ id: call.id, name: call.name, input: call.input }] },
                { role: 'user', content: '', toolResults: [{ callId: call.id, name: call.name, content: 'Buy milk on Tuesday.' }] },
              ],
            }),
          ),
        );
        assert.equal(second.finish?.reason.unified, 'stop');
        assert.deepEqual(second.toolCalls, []);
        assert.equal(second.text, `The read_file result (${call.id}) says: Buy milk on Tuesday.`);
      });

      it(`${target}: a request without tools to sim-tools gets a plain answer`, async () => {
        const s = await drain(stream(simRequest(sim, target, { model: 'sim-tools' })));
        assert.equal(s.finish?.reason.unified, 'stop');
        assert.ok(s.text.length > 20);
        assert.deepEqual(s.toolCalls, []);
      });
    }

    it('the StreamSession result carries the completed calls, in order', async () => {
      sim.enqueue({
        toolCalls: [
          { name: 'search', arguments: '{"query":"x"}' },
          { name: 'read_file', arguments: '{"path":"a"}' },
        ],
      });
      const seen: string[] = [];
      const session = new StreamSession(simRequest(sim, 'openai-chat', { tools: TOOLS }), {
        source: stream,
        providerLabel: 'Simulator',
        onToolCall: (call) => seen.push(call.name),
      });
      const result = await session.run();
      assert.equal(result.finishReason, 'tool-calls');
      assert.deepEqual(
        result.toolCalls.map((c) => [c.name, c.input]),
        [
          ['search', { query: 'x' }],
          ['read_file', { path: 'a' }],
        ],
      );
      assert.deepEqual(seen, ['search', 'read_file']);
    });

    it('a call cut off by the output limit is left out, with a note; the finish says length', async () => {
      const s = await run('openai-chat', { toolCalls: [{ name: 'search', arguments: '{"query": "a long query that will be cut"}' }] }, { maxOutputTokens: 3 });
      assert.equal(s.finish?.reason.unified, 'length');
      assert.deepEqual(s.toolCalls, []);
      const finish = s.events.find((e) => e.type === 'finish');
      assert.match(finish?.type === 'finish' ? (finish.note ?? '') : '', /output limit while writing a call to the tool "search"/);
    });
  });

  describe('scripts chosen by model name (no control call: what a VS Code e2e picks)', () => {
    const question: ChatMessage[] = [{ role: 'user', content: 'Open a.md' }];
    const byName = (target: Target, model: string) => drain(stream(simRequest(sim, target, { model, tools: TOOLS, messages: question, maxRetries: 0 })));

    it('sim-tools-parallel-shape-vllm: two calls, names and schema arguments, in vLLM framing', async () => {
      const s = await byName('vllm', 'sim-tools-parallel-shape-vllm');
      assert.deepEqual(callsOf(s), [
        { name: 'read_file', input: { path: 'a.md', startLine: 1 } },
        { name: 'search', input: { query: 'Open a.md (2)' } },
      ]);
    });

    it('sim-tools-preamble-after: text before and after the call', async () => {
      const s = await byName('anthropic', 'sim-tools-preamble-after');
      assert.equal(s.text, "I'll look that up first. Running that now.");
      assert.equal(s.toolCalls.length, 1);
    });

    it('sim-tools-badjson: a readable failure', async () => {
      const s = await byName('openai-responses', 'sim-tools-badjson');
      assert.match(failureOf(s).message, /the tool "read_file" but its arguments are not valid JSON/);
    });

    it('sim-tools-text-mistral-args against Ollama: real calls from text', async () => {
      const s = await byName('ollama', 'sim-tools-text-mistral-args');
      assert.deepEqual(callsOf(s), [{ name: 'read_file', input: { path: 'a.md', startLine: 1 } }]);
      assert.equal(s.finish?.reason.unified, 'tool-calls');
    });
  });

  describe('Chat Completions shapes of local servers', () => {
    const calls = [
      { id: 'call_p', name: 'read_file', arguments: TRICKY },
      { id: 'call_q', name: 'search', arguments: '{"query": "ünïcödé"}' },
    ];
    const shapes: SimToolShape[] = ['openai', 'llamacpp', 'vllm', 'whole', 'sparse', 'interleaved'];
    for (const shape of shapes) {
      for (const chunkBytes of [undefined, 1]) {
        it(`${shape}${chunkBytes ? ', 1-byte writes' : ''}: both calls whole, in order, with their ids`, async () => {
          const s = await run('llamacpp', { toolCalls: calls, toolShape: shape, ...(chunkBytes ? { chunkBytes } : {}) });
          assert.deepEqual(
            s.toolCalls.map((c) => [c.id, c.name, c.input]),
            [
              ['call_p', 'read_file', TRICKY_INPUT],
              ['call_q', 'search', { query: 'ünïcödé' }],
            ],
          );
          assert.equal(s.finish?.reason.unified, 'tool-calls');
        });
      }
    }

    it('the accumulator: `{` with the name, no index, repeated names, a new id at a taken index, ids made when missing', () => {
      const acc = new ToolCallAccumulator();
      acc.add({ index: 0, id: 'a', function: { name: 'read_file', arguments: '{' } });
      acc.add({ index: 0, function: { name: 'read_file', arguments: '"path":"x"}' } });
      // Older Ollama: a second parallel call at index 0 with its own id.
      acc.add({ index: 0, id: 'b', function: { name: 'search', arguments: '{"query":"q"}' } });
      // No index at all: follows the last call, or starts one with a new id.
      acc.add({ id: 'c', function: { name: 'search', arguments: '{"query":' } });
      acc.add({ function: { arguments: '"r"}' } });
      acc.add({ index: 7, function: { name: 'now', arguments: '' } });
      const out = acc.flush();
      assert.deepEqual(
        out.map((c) => [c.id, c.name, c.arguments]),
        [
          ['a', 'read_file', '{"path":"x"}'],
          ['b', 'search', '{"query":"q"}'],
          ['c', 'search', '{"query":"r"}'],
          [out[3]!.id, 'now', ''],
        ],
      );
      assert.match(out[3]!.id, /^call_[0-9a-f]{24}$/);
      assert.equal(acc.size, 0);
    });

    it('a server that says finish "stop" after its calls: the finish is tool-calls, its word kept', async () => {
      const chunk = (delta: unknown, finish: string | null = null) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const body =
        chunk({ role: 'assistant', content: '' }) +
        chunk({ tool_calls: [{ index: 0, id: 'call_s', type: 'function', function: { name: 'search', arguments: '{"query":"z"}' } }] }) +
        chunk({}, 'stop') +
        'data: [DONE]\n\n';
      const s = await run('ollama', { fault: { kind: 'raw', body } });
      assert.deepEqual(s.finish?.reason, { unified: 'tool-calls', raw: 'stop' });
      assert.deepEqual(callsOf(s), [{ name: 'search', input: { query: 'z' } }]);
    });
  });
});
