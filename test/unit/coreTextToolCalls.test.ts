/**
 * Tool calls local models write as text: each form becomes a real call only when it names an
 * offered tool and its arguments parse; anything else — an unknown name, broken arguments, an
 * example in a code block, prose that merely starts like a call — stays text, byte for byte. The
 * parser is checked with every chunking of its input (a call may be cut anywhere), and end to end
 * through the real SDK against the simulator's text-form scripts.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { TextToolCallParser, type TextToolPiece } from '../../src/core/textToolCalls';
import type { SimScript, SimTextForm } from '../../src/simulator/script';
import { drain, simRequest, type StreamSummary, type Target, useSimulator } from './helpers/coreHarness';
import { READ_FILE, SEARCH } from './coreTools.test';

const OFFERED = ['read_file', 'search'];

interface Parsed {
  text: string;
  calls: Array<{ name: string; input: Record<string, unknown> }>;
}

function fold(pieces: TextToolPiece[], into: Parsed): void {
  for (const piece of pieces) {
    if (piece.kind === 'text') into.text += piece.text;
    else into.calls.push({ name: piece.call.name, input: piece.call.input });
  }
}

/** Parses `input` fed in `chunks` pieces at the given cut points. */
function parseChunks(chunks: string[]): Parsed {
  const parser = new TextToolCallParser(OFFERED);
  const out: Parsed = { text: '', calls: [] };
  for (const chunk of chunks) fold(parser.push(chunk), out);
  fold(parser.end(), out);
  return out;
}

/** Parses `input` whole, then cut at every single position, then one character at a time: all must agree. */
function parseEveryWay(input: string): Parsed {
  const whole = parseChunks([input]);
  for (let cut = 1; cut < input.length; cut++) {
    assert.deepEqual(parseChunks([input.slice(0, cut), input.slice(cut)]), whole, `cut at ${cut}: ${JSON.stringify(input.slice(0, cut))}`);
  }
  assert.deepEqual(parseChunks([...input]), whole, 'one character at a time');
  return whole;
}

describe('core: tool calls written as text', () => {
  describe('the parser', () => {
    const accepted: Array<[string, string, Parsed['calls'], string]> = [
      ['Hermes / Qwen <tool_call>', '<tool_call>\n{"name": "search", "arguments": {"query": "a}b"}}\n</tool_call>', [{ name: 'search', input: { query: 'a}b' } }], ''],
      [
        'two <tool_call>s with text before',
        'Let me check.\n<tool_call>{"name": "search", "arguments": {"query": "x"}}</tool_call>\n<tool_call>{"name": "read_file", "arguments": {"path": "a.md"}}</tool_call>',
        [
          { name: 'search', input: { query: 'x' } },
          { name: 'read_file', input: { path: 'a.md' } },
        ],
        'Let me check.\n\n',
      ],
      ['a bare JSON object (Llama 3.x)', '  {"name": "read_file", "parameters": {"path": "ü😀.md"}}', [{ name: 'read_file', input: { path: 'ü😀.md' } }], ''],
      [
        'a bare JSON array of calls',
        '[{"name": "search", "arguments": {"query": "1"}}, {"name": "search", "arguments": {"query": "2"}}]',
        [
          { name: 'search', input: { query: '1' } },
          { name: 'search', input: { query: '2' } },
        ],
        '',
      ],
      ['Mistral [TOOL_CALLS][…]', '[TOOL_CALLS][{"name": "search", "arguments": {"query": "\\"q\\""}}]', [{ name: 'search', input: { query: '"q"' } }], ''],
      ['Mistral [TOOL_CALLS]name[ARGS]{…}', '[TOOL_CALLS]search[ARGS]{"query": "m"}', [{ name: 'search', input: { query: 'm' } }], ''],
      ['Llama <|python_tag|>', '<|python_tag|>{"name": "search", "parameters": {"query": "p"}}', [{ name: 'search', input: { query: 'p' } }], ''],
      ['Llama <function=name>', '<function=read_file>{"path": "f.ts"}</function>', [{ name: 'read_file', input: { path: 'f.ts' } }], ''],
      ['arguments double-encoded as a string', '<tool_call>{"name": "search", "arguments": "{\\"query\\": \\"s\\"}"}</tool_call>', [{ name: 'search', input: { query: 's' } }], ''],
      [
        'OpenAI-shaped {"function": {…}}',
        '<tool_call>{"type": "function", "function": {"name": "search", "arguments": {"query": "o"}}}</tool_call>',
        [{ name: 'search', input: { query: 'o' } }],
        '',
      ],
      ['text after a call', '<tool_call>{"name": "search", "arguments": {}}</tool_call>\nDone.', [{ name: 'search', input: {} }], '\nDone.'],
    ];
    for (const [what, input, calls, text] of accepted) {
      it(`accepts ${what}, however it is cut`, () => {
        const parsed = parseEveryWay(input);
        assert.deepEqual(parsed.calls, calls);
        assert.equal(parsed.text, text);
      });
    }

    const rejected: Array<[string, string]> = [
      ['a tool that was not offered', '<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call>'],
      ['arguments that do not parse', '<tool_call>{"name": "search", "arguments": {"query": "x"</tool_call> and more'],
      ['arguments that are not an object', '[TOOL_CALLS][{"name": "search", "arguments": [1, 2]}]'],
      ['one bad call among good ones', '[{"name": "search", "arguments": {}}, {"name": "nope", "arguments": {}}]'],
      ['a fenced JSON example', 'Call it like this:\n\n```json\n{"name": "search", "arguments": {"query": "x"}}\n```\n'],
      ['a fenced <tool_call> example', 'The format:\n```\n<tool_call>{"name": "search", "arguments": {"query": "x"}}</tool_call>\n```\nThat is all.'],
      ['a bare object that only has a name (data, not a call)', '{"name": "search"}'],
      ['a bare object later in the answer', 'The config is {"name": "search", "arguments": {}} as shown.'],
      ['prose that starts like a call', '[1] See the docs. {not json} <tool_call> is the tag Qwen uses.'],
      ['an answer that starts with a JSON value that is not a call', '{"results": [1, 2, 3]}'],
      ['a call never closed', '<tool_call>{"name": "search", "arguments": {"query": "x"'],
      ['a bare object after text', 'Sure! {"name": "search", "parameters": {"query": "x"}}'],
    ];
    for (const [what, input] of rejected) {
      it(`keeps ${what} as text, byte for byte, however it is cut`, () => {
        const parsed = parseEveryWay(input);
        assert.deepEqual(parsed.calls, []);
        assert.equal(parsed.text, input);
      });
    }

    it('a call after a fenced example is still a call', () => {
      const parsed = parseEveryWay(
        'Example:\n```\n<tool_call>{"name": "search", "arguments": {}}</tool_call>\n```\n<tool_call>{"name": "search", "arguments": {"query": "real"}}</tool_call>',
      );
      assert.deepEqual(parsed.calls, [{ name: 'search', input: { query: 'real' } }]);
    });

    it('holds back only what may still be a call', () => {
      const parser = new TextToolCallParser(OFFERED);
      const text = (pieces: TextToolPiece[]) => pieces.map((p) => (p.kind === 'text' ? p.text : '#')).join('');
      assert.equal(text(parser.push('Hello there <tool')), 'Hello there ', 'a possible opener is held');
      assert.equal(text(parser.push('s> are fine')), '<tools> are fine', 'released once it is not one');
      assert.equal(text(parser.push(' [TOOL_CALLS')), ' ');
      assert.equal(text(parser.push('] nope')), '[TOOL_CALLS] nope', 'an opener not followed by JSON is text at once');
      const start = new TextToolCallParser(OFFERED);
      assert.equal(text(start.push('{ not')), '{ not', 'a bare { not followed by a key is text at once');
      assert.equal(text(new TextToolCallParser(OFFERED).push('Plain answer.')), 'Plain answer.');
    });
  });

  describe('through the core', function () {
    const sim = useSimulator();
    const TOOLS = [READ_FILE, SEARCH];

    async function run(target: Target, script: SimScript, provider?: 'ollama' | 'openai'): Promise<StreamSummary> {
      sim.enqueue(script);
      return drain(stream(simRequest(sim, target, { maxRetries: 0, tools: TOOLS, ...(provider ? { provider } : {}), messages: [{ role: 'user', content: 'Open notes.md' }] })));
    }

    const forms: SimTextForm[] = ['hermes', 'json', 'mistral', 'mistral-args', 'python-tag', 'function'];
    for (const form of forms) {
      it(`${form}: becomes real calls (ids, parsed arguments, finish tool-calls), cut into 1-byte writes`, async () => {
        const s = await run('ollama', { useTools: true, parallelTools: true, textForm: form, chunkBytes: 1 });
        assert.deepEqual(
          s.toolCalls.map((c) => [c.name, c.input, c.source]),
          [
            ['read_file', { path: 'notes.md', startLine: 1 }, 'text'],
            ['search', { query: 'Open notes.md (2)' }, 'text'],
          ],
        );
        for (const call of s.toolCalls) assert.match(call.id, /^call_[0-9a-f]{24}$/);
        assert.equal(new Set(s.toolCalls.map((c) => c.id)).size, 2, 'each call its own id');
        assert.equal(s.text.trim(), '');
        assert.deepEqual(s.finish?.reason, { unified: 'tool-calls', raw: 'stop' });
      });
    }

    it('text before and after a text-form call is kept', async () => {
      const s = await run('ollama', { useTools: true, textForm: 'hermes', text: 'Reading it. ', textAfter: ' One moment.' });
      assert.deepEqual(
        s.toolCalls.map((c) => c.name),
        ['read_file'],
      );
      assert.equal(s.text, 'Reading it.  One moment.');
    });

    it('a call to a tool that was not offered stays text, and the finish stays stop', async () => {
      const script: SimScript = { toolCalls: [{ name: 'rm_rf', arguments: '{}' }], textForm: 'hermes' };
      const s = await run('ollama', script);
      assert.deepEqual(s.toolCalls, []);
      assert.equal(s.text, '<tool_call>\n{"name": "rm_rf", "arguments": {}}\n</tool_call>');
      assert.equal(s.finish?.reason.unified, 'stop');
    });

    it('broken arguments in text form stay text (never a failure: it may just be prose)', async () => {
      const s = await run('ollama', { toolCalls: [{ name: 'search', arguments: '{"query": "x' }], textForm: 'function' });
      assert.deepEqual(s.toolCalls, []);
      assert.equal(s.text, '<function=search>{"query": "x</function>');
      assert.equal(s.finish?.reason.unified, 'stop');
    });

    it('a fenced JSON example in an answer is never a call', async () => {
      const text = 'To call it, send:\n\n```json\n{"name": "search", "arguments": {"query": "x"}}\n```\n';
      const s = await run('ollama', { text });
      assert.deepEqual(s.toolCalls, []);
      assert.equal(s.text, text);
    });

    it('OpenAI and Anthropic are not second-guessed: their text is text', async () => {
      const s = await run('openai-chat', { useTools: true, textForm: 'hermes' }, 'openai');
      assert.deepEqual(s.toolCalls, []);
      assert.match(s.text, /^<tool_call>/);
    });

    it('without offered tools nothing is parsed', async () => {
      sim.enqueue({ text: '<tool_call>{"name": "search", "arguments": {}}</tool_call>' });
      const s = await drain(stream(simRequest(sim, 'ollama', { maxRetries: 0 })));
      assert.deepEqual(s.toolCalls, []);
      assert.equal(s.text, '<tool_call>{"name": "search", "arguments": {}}</tool_call>');
    });

    it('a stream that fails while a possible call is held keeps that text', async () => {
      const s = await run('ollama', {
        text: 'Looking. <tool_call>{"name": "search", "arguments": {"query": "long query here"}}</tool_call>',
        fault: { kind: 'reset', afterTokens: 6 },
      });
      assert.ok(s.error, 'failed');
      assert.ok(s.error.partialText.startsWith('Looking. <tool'), JSON.stringify(s.error.partialText));
      assert.equal(s.text, s.error.partialText);
    });
  });
});
