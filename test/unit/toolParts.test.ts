/**
 * VS Code's chat request parts, by shape, into the core's request: text, tool calls and results
 * with their ids, thinking kept out of the answer text, VS Code's metadata parts (cache_control,
 * stateful markers) and images never sent upstream, turns made valid for every wire format, and
 * `tools`/`toolMode` into tool definitions and a choice. Then the mapped history goes through a
 * real request to the simulator in each format, which must see the calls and results paired.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { buildOpenAIChatBody } from '../../src/core/providers/openaiChat';
import { offersToolCalling } from '../../src/core/modelCapabilities';
import {
  CANCELLED_RESULT,
  describeLeftOut,
  partKindByShape,
  toCoreRequestMessages,
  toCoreTools,
  VSCODE_ROLE,
  VSCODE_TOOL_MODE,
  vsCodeUsageData,
  type VsCodePartKind,
} from '../../src/core/toolParts';
import { drain, simRequest, type Target, useSimulator } from './helpers/coreHarness';

/** Stand-ins with the shapes (and, for the classifier, the classes) of VS Code's parts. */
class TextPart {
  constructor(readonly value: string) {}
}
class ThinkingPart {
  constructor(readonly value: string | string[]) {}
}
class ToolCallPart {
  constructor(
    readonly callId: string,
    readonly name: string,
    readonly input: object,
  ) {}
}
class ToolResultPart {
  constructor(
    readonly callId: string,
    readonly content: unknown[],
  ) {}
}
class DataPart {
  constructor(
    readonly data: Uint8Array,
    readonly mimeType: string,
  ) {}
}
const bytes = (text: string) => new TextEncoder().encode(text);
const kindOf = (part: unknown): VsCodePartKind | undefined => (part instanceof ThinkingPart ? 'thinking' : part instanceof TextPart ? 'text' : undefined);

const user = (...content: unknown[]) => ({ role: VSCODE_ROLE.user, content });
const assistant = (...content: unknown[]) => ({ role: VSCODE_ROLE.assistant, content });

describe('VS Code chat parts into the core request', () => {
  it('text, calls and results with ids; thinking kept as reasoning, never as text; metadata and images dropped and counted', () => {
    const { systemPrompt, messages, leftOut } = toCoreRequestMessages(
      [
        { role: VSCODE_ROLE.system, content: [new TextPart('You are an agent.')] },
        user(new TextPart('Fix the bug in '), new TextPart('a.ts'), new DataPart(bytes('{"type":"ephemeral"}'), 'cache_control')),
        assistant(new ThinkingPart(['I should ', 'read it.']), new TextPart('Reading.'), new ToolCallPart('call_1', 'read_file', { path: 'a.ts' })),
        user(
          new ToolResultPart('call_1', [new TextPart('const a = 1;'), new DataPart(bytes('{}'), 'cache_control'), new DataPart(bytes('{"lines": 1}'), 'application/json')]),
          new DataPart(bytes('png'), 'image/png'),
        ),
        assistant(new DataPart(bytes('marker'), 'stateful_marker'), new TextPart('Fixed.')),
        user(new TextPart('Thanks')),
      ],
      { kindOf },
    );
    assert.equal(systemPrompt, 'You are an agent.');
    assert.deepEqual(messages, [
      { role: 'user', content: 'Fix the bug in a.ts' },
      { role: 'assistant', content: 'Reading.', reasoning: 'I should read it.', toolCalls: [{ id: 'call_1', name: 'read_file', input: { path: 'a.ts' } }] },
      { role: 'user', content: '', toolResults: [{ callId: 'call_1', name: 'read_file', content: 'const a = 1;{"lines": 1}' }] },
      { role: 'assistant', content: 'Fixed.' },
      { role: 'user', content: 'Thanks' },
    ]);
    assert.deepEqual(leftOut.dataParts, { cache_control: 2, 'image/png': 1, stateful_marker: 1 });
    const body = JSON.stringify(buildOpenAIChatBody({ provider: 'ollama', api: 'openai-chat', model: 'm', systemPrompt, messages }));
    for (const never of ['ephemeral', 'marker', 'I should read it', 'png']) assert.ok(!body.includes(never), `${never} sent upstream`);
  });

  it('a call without a result gets a cancellation result; a result without its call becomes text; same-role turns merge', () => {
    const { messages, leftOut } = toCoreRequestMessages([
      user(new TextPart('Go')),
      assistant(new ToolCallPart('call_x', 'search', { query: 'q' }), new ToolCallPart('call_y', 'search', { query: 'r' })),
      user(new ToolResultPart('call_x', [new TextPart('found')]), new ToolResultPart('call_gone', [new TextPart('stale result')])),
      user(new TextPart('and then?')),
    ]);
    assert.deepEqual(messages, [
      { role: 'user', content: 'Go' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_x', name: 'search', input: { query: 'q' } },
          { id: 'call_y', name: 'search', input: { query: 'r' } },
        ],
      },
      {
        role: 'user',
        content: 'stale result\n\nand then?',
        toolResults: [
          { callId: 'call_x', name: 'search', content: 'found' },
          { callId: 'call_y', name: 'search', content: CANCELLED_RESULT, isError: true },
        ],
      },
    ]);
    assert.equal(leftOut.unansweredCalls, 1);
    assert.equal(leftOut.orphanResults, 1);
  });

  it('parts by shape alone: text, thinking with an id or a list, calls, results, data, prompt-tsx', () => {
    assert.equal(partKindByShape(new TextPart('a')), 'text');
    assert.equal(partKindByShape({ value: 'a', id: 't1' }), 'thinking');
    assert.equal(partKindByShape({ value: ['a', 'b'] }), 'thinking');
    assert.equal(partKindByShape(new ToolCallPart('c', 'n', {})), 'tool-call');
    assert.equal(partKindByShape(new ToolResultPart('c', [])), 'tool-result');
    assert.equal(partKindByShape(new DataPart(bytes('x'), 'cache_control')), 'data');
    assert.equal(partKindByShape({ value: { node: { children: [{ text: 'tsx' }] } } }), 'prompt-tsx');
    assert.equal(partKindByShape(42), 'unknown');
    const { messages } = toCoreRequestMessages([user(new ToolResultPart('c', [{ value: { node: { children: [{ text: 'from ' }, { text: 'tsx' }] } } }]))]);
    assert.equal(messages[0]?.content, 'from tsx', 'an orphan result is text, prompt-tsx read as text');
  });

  it('tools and toolMode', () => {
    assert.deepEqual(toCoreTools(undefined, undefined), { tools: undefined, toolChoice: undefined });
    assert.deepEqual(toCoreTools([], VSCODE_TOOL_MODE.required), { tools: undefined, toolChoice: undefined });
    const schema = { type: 'object', properties: { path: { type: 'string' } } };
    assert.deepEqual(
      toCoreTools(
        [
          { name: 'read_file', description: 'Read', inputSchema: schema },
          { name: 'now', description: '' },
        ],
        VSCODE_TOOL_MODE.required,
      ),
      {
        tools: [{ name: 'read_file', description: 'Read', inputSchema: schema }, { name: 'now' }],
        toolChoice: 'required',
      },
    );
    assert.equal(toCoreTools([{ name: 'x' }], VSCODE_TOOL_MODE.auto).toolChoice, 'auto');
    assert.equal(toCoreTools([{ name: 'x' }], undefined).toolChoice, 'auto');
  });

  describe('the mapped history on the wire', function () {
    const sim = useSimulator();
    for (const target of ['openai-chat', 'openai-responses', 'anthropic'] as Target[]) {
      it(`${target}: the server sees the result paired with its call and answers with it`, async () => {
        const { messages, systemPrompt } = toCoreRequestMessages(
          [
            user(new TextPart('What is in notes.txt?'), new DataPart(bytes('{}'), 'cache_control')),
            assistant(new ThinkingPart('private'), new ToolCallPart('call_vs1', 'read_file', { path: 'notes.txt' })),
            user(new ToolResultPart('call_vs1', [new TextPart('Buy milk.')])),
          ],
          { kindOf },
        );
        const { tools, toolChoice } = toCoreTools(
          [{ name: 'read_file', description: 'Read a file', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } }],
          VSCODE_TOOL_MODE.auto,
        );
        const s = await drain(stream(simRequest(sim, target, { model: 'sim-tools', messages, systemPrompt, tools, toolChoice })));
        assert.equal(s.text, 'The read_file result (call_vs1) says: Buy milk.');
        const record = sim.stats().requestsLog[0]!;
        assert.deepEqual(record.toolResults, [{ callId: 'call_vs1', name: 'read_file', content: 'Buy milk.' }]);
        assert.ok(!JSON.stringify(record.messages).includes('private'), 'thinking never sent back as text');
      });
    }
  });
});

describe("the provider's usage and log helpers", function () {
  const sim = useSimulator();

  for (const target of ['openai-chat', 'openai-responses', 'anthropic'] as Target[]) {
    it(`${target}: the streamed usage becomes VS Code's usage data (prompt, cached, output, reasoning tokens)`, async () => {
      sim.enqueue({ text: 'Four words of answer.', reasoning: 'Thinking it over first.' });
      const summary = await drain(stream(simRequest(sim, target, { messages: [{ role: 'user', content: 'How many tokens is this prompt?' }] })));
      const usage = summary.finish?.usage;
      assert.ok(usage?.inputTokens && usage.outputTokens, `no usage from ${target}: ${JSON.stringify(usage)}`);
      const data = vsCodeUsageData(usage);
      assert.ok(data);
      assert.equal(data.prompt_tokens, usage.inputTokens);
      assert.equal(data.completion_tokens, usage.outputTokens);
      assert.equal(data.total_tokens, usage.inputTokens + usage.outputTokens);
      if (usage.cachedInputTokens !== undefined) assert.deepEqual(data.prompt_tokens_details, { cached_tokens: usage.cachedInputTokens });
      if (usage.reasoningTokens !== undefined) assert.deepEqual(data.completion_tokens_details, { reasoning_tokens: usage.reasoningTokens });
    });
  }

  it('no usage data when the provider reported none; cached and reasoning tokens only when known', () => {
    assert.equal(vsCodeUsageData(undefined), undefined);
    assert.equal(vsCodeUsageData({ inputTokens: undefined, outputTokens: undefined }), undefined);
    assert.deepEqual(vsCodeUsageData({ inputTokens: 100, outputTokens: 20, cachedInputTokens: 64, reasoningTokens: 5 }), {
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 64 },
      completion_tokens_details: { reasoning_tokens: 5 },
    });
    assert.deepEqual(vsCodeUsageData({ inputTokens: 7, outputTokens: undefined }), { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7 });
  });

  it('says what was left out of a request in one line, and nothing when nothing was', () => {
    const { leftOut } = toCoreRequestMessages([
      {
        role: VSCODE_ROLE.user,
        content: [{ value: 'Hi' }, { mimeType: 'cache_control', data: new TextEncoder().encode('ephemeral') }, { callId: 'orphan', content: [{ value: 'r' }] }],
      },
      { role: VSCODE_ROLE.assistant, content: [{ callId: 'c1', name: 'now', input: {} }] },
    ]);
    assert.equal(
      describeLeftOut(leftOut),
      'left out of the request: data parts not sent upstream: cache_control ×1; 1 tool call(s) without a result (answered as cancelled); 1 tool result(s) without their call (sent as text)',
    );
    assert.equal(describeLeftOut(toCoreRequestMessages([{ role: VSCODE_ROLE.user, content: [{ value: 'Hi' }] }]).leftOut), undefined);
  });

  it('a model is offered for tools unless its server says it cannot', () => {
    assert.equal(offersToolCalling(undefined), true);
    assert.equal(offersToolCalling({ toolCalling: undefined }), true);
    assert.equal(offersToolCalling({ toolCalling: true }), true);
    assert.equal(offersToolCalling({ toolCalling: false }), false);
  });
});
