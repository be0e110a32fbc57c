/**
 * Replays real wire captures (test/fixtures/wire) through the real SDKs over loopback HTTP and checks
 * each produces what its header says: text, finish reason, usage, tool calls, or the failure kind.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { Simulator } from '../../src/simulator/Simulator';
import { replayScript } from '../../src/simulator/wireFixture';
import { drain, failureOf, readWireFixture, simRequest, type StreamSummary, type Target } from './helpers/coreHarness';

describe('core: wire fixture replay through the real SDKs', function () {
  const sim = new Simulator();
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  async function replay(target: Target, fixture: string, options: { chunkBytes?: number } = {}): Promise<StreamSummary> {
    sim.enqueue(replayScript(readWireFixture(fixture), fixture, options));
    return drain(stream(simRequest(sim, target, { maxRetries: 0 })));
  }

  describe('OpenAI Chat Completions', () => {
    it('01 role-only first chunk, content, finish chunk, usage-only chunk', async () => {
      const s = await replay('openai-chat', 'openai-chat/01_role_content_finish_usage_done.sse');
      assert.equal(s.text, '{"city":"San Francisco","units":"c"}');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'stop' });
      assert.equal(s.finish?.usage.inputTokens, 17);
      assert.equal(s.finish?.usage.outputTokens, 10);
      assert.equal(s.finish?.metrics.outputTokens, 10);
      assert.equal(s.finish?.metrics.estimated, false);
    });

    it('01 survives bodies cut into 7-byte network chunks', async () => {
      const s = await replay('openai-chat', 'openai-chat/01_role_content_finish_usage_done.sse', { chunkBytes: 7 });
      assert.equal(s.text, '{"city":"San Francisco","units":"c"}');
      assert.equal(s.finish?.reason.unified, 'stop');
    });

    it('02 refusal: the refusal text is shown and the finish says content-filter (raw "stop")', async () => {
      const s = await replay('openai-chat', 'openai-chat/02_refusal_with_logprobs.sse');
      assert.equal(s.text, "I'm very sorry, but I can't assist with that request.");
      assert.deepEqual(s.finish?.reason, { unified: 'content-filter', raw: 'stop' });
      assert.equal(s.finish?.usage.outputTokens, 13);
    });

    it('03 keeps a leading "\\n\\n" content delta', async () => {
      const s = await replay('openai-chat', 'openai-chat/03_leading_newline_content.sse');
      assert.equal(s.text, '\n\n{"city":"San Francisco","units":"c"}');
      assert.equal(s.finish?.reason.unified, 'stop');
    });

    it('04 tool-call fragments are accumulated and emitted whole', async () => {
      const s = await replay('openai-chat', 'openai-chat/04_tool_calls_split_across_chunks.sse');
      assert.deepEqual(s.toolCalls, [{ id: 'call_HjeqP7YeRkoNj0de9e3U4X4B', name: 'read_file', arguments: '{"path":"README.md"}', input: { path: 'README.md' } }]);
      assert.deepEqual(s.finish?.reason, { unified: 'tool-calls', raw: 'tool_calls' });
      assert.equal(s.finish?.usage.inputTokens, 60);
      assert.equal(s.finish?.usage.outputTokens, 15);
      assert.equal(s.finish?.usage.reasoningTokens, 0);
    });

    it('05 mid-stream {"error":…} chunk: provider failure, partial text kept', async () => {
      const s = await replay('openai-chat', 'openai-chat/05_midstream_error_object_no_done.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /The server had an error while processing your request/);
      assert.equal(s.error?.partialText, 'The question "');
    });
  });

  describe('OpenAI Responses', () => {
    it('01 output_text deltas and response.completed usage', async () => {
      const s = await replay('openai-responses', 'openai-responses/01_simple_text_with_event_lines.sse');
      assert.equal(s.text, 'Why did the scarecrow win an award?\n\nBecause he was outstanding in his field!');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'completed' });
      assert.equal(s.finish?.usage.inputTokens, 11);
      assert.equal(s.finish?.usage.outputTokens, 18);
    });

    it('02 flat `error` event: provider failure, partial text kept', async () => {
      const s = await replay('openai-responses', 'openai-responses/02_error_event_flat_shape.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /Something went wrong/);
      assert.equal(s.error?.partialText, 'Hello');
    });

    it('03 response.failed: provider failure with its message', async () => {
      const s = await replay('openai-responses', 'openai-responses/03_response_failed.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /The model failed to generate a response/);
      assert.equal(s.error?.partialText, 'Hello');
    });

    it('04 nested `error` event then response.failed: provider failure', async () => {
      const s = await replay('openai-responses', 'openai-responses/04_error_nested_then_response_failed_real.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /exceeded your current quota/);
      assert.equal(s.error?.partialText, '');
    });
  });

  describe('Anthropic Messages', () => {
    it('01 text deltas, ping ignored, usage from message_start + message_delta', async () => {
      const s = await replay('anthropic', 'anthropic/01_basic_text.sse');
      assert.equal(s.text, 'Hello there!');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'end_turn' });
      assert.equal(s.finish?.usage.inputTokens, 11);
      assert.equal(s.finish?.usage.outputTokens, 6);
    });

    it('02 input_json_delta fragments split mid-token become one tool call', async () => {
      const s = await replay('anthropic', 'anthropic/02_text_then_tool_use_input_json_delta.sse');
      assert.equal(s.text, "I'll check the current weather in Paris for you.");
      assert.deepEqual(s.toolCalls, [{ id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather', arguments: '{"location": "Paris"}', input: { location: 'Paris' } }]);
      assert.deepEqual(s.finish?.reason, { unified: 'tool-calls', raw: 'tool_use' });
      assert.equal(s.finish?.usage.inputTokens, 377);
      assert.equal(s.finish?.usage.outputTokens, 65);
    });

    it('03 thinking deltas become reasoning, one paragraph per block; signatures are kept for the next turn, not shown', async () => {
      const s = await replay('anthropic', 'anthropic/03_thinking_signature_tool_use.sse');
      assert.equal(s.reasoning, 'The user wants me to read a file called "foo". Let me find and read it.\n\nI should use the Read tool to access the file contents.');
      const blocks = s.finish?.reasoningBlocks ?? [];
      assert.deepEqual(
        blocks.map((b) => (b.type === 'thinking' ? [b.thinking.slice(0, 20), b.signature.slice(0, 8)] : [b.type])),
        [
          ['The user wants me to', 'Eu8BCkYI'],
          ['I should use the Rea', 'Aa1BCkYI'],
        ],
      );
      assert.ok(!s.reasoning.includes('Eu8BCkYI'), 'no signature in the Thinking section');
      assert.equal(s.text, '');
      assert.deepEqual(s.toolCalls, [{ id: 'toolu_01RX68weRSquLx6HUTj65iBo', name: 'Read', arguments: '{"file_path": "/tmp/blah/foo"}', input: { file_path: '/tmp/blah/foo' } }]);
      assert.equal(s.finish?.reason.unified, 'tool-calls');
      assert.equal(s.finish?.usage.outputTokens, 61);
      assert.equal(s.finish?.usage.cachedInputTokens, 13993);
    });

    it('04 event: error api_error "Overloaded" → overloaded', async () => {
      const s = await replay('anthropic', 'anthropic/04_midstream_error_api_error_overloaded.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'overloaded');
      assert.equal(failure.retryable, true);
      assert.equal(s.error?.partialText, '');
    });

    it('05 max_tokens with an unfinished tool block: finish length, the cut call left out with a note (never run half-written)', async () => {
      const s = await replay('anthropic', 'anthropic/05_max_tokens_truncated_tool_json.sse');
      assert.equal(s.text, "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a file called taxes.txt. Let me do that for you now.");
      assert.deepEqual(s.finish?.reason, { unified: 'length', raw: 'max_tokens' });
      assert.deepEqual(s.toolCalls, []);
      const finish = s.events.find((e) => e.type === 'finish');
      assert.match(finish?.type === 'finish' ? (finish.note ?? '') : '', /output limit while writing a call to the tool "make_file"/);
      assert.equal(s.finish?.usage.outputTokens, 124);
    });

    it('06 event: error overloaded_error → overloaded', async () => {
      const s = await replay('anthropic', 'anthropic/06_error_event_overloaded_error_doc.sse');
      assert.equal(failureOf(s).kind, 'overloaded');
    });
  });

  describe('local OpenAI-compatible servers', () => {
    it('ollama 04: role repeated on every delta, no usage → usage unknown, tokens estimated', async () => {
      const s = await replay('ollama', 'ollama/04_openai_compat_v1_text_stream.sse');
      assert.equal(s.text, 'My name is Neo Vim.');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'stop' });
      assert.equal(s.finish?.usage.inputTokens, undefined);
      assert.equal(s.finish?.usage.outputTokens, undefined);
      assert.equal(s.finish?.metrics.estimated, true);
      assert.ok((s.finish?.metrics.outputTokens ?? 0) >= 5, 'counted with the tokenizer');
    });

    it('ollama 05: a whole tool call in one chunk', async () => {
      const s = await replay('ollama', 'ollama/05_openai_compat_v1_tool_call_all_in_one.sse');
      assert.deepEqual(s.toolCalls, [{ id: 'call_lbcjwr0u', name: 'run_command', arguments: '{"command":"ls -a"}', input: { command: 'ls -a' } }]);
      assert.equal(s.finish?.reason.unified, 'tool-calls');
    });

    it('vllm 01: name-only first tool delta, stop_reason next to finish_reason', async () => {
      const s = await replay('vllm', 'vllm/01_tool_call_fragments_stop_reason.sse');
      assert.deepEqual(s.toolCalls, [{ id: 'chatcmpl-tool-ca99dda515524c6abe47d1ea22813507', name: 'run_command', arguments: '{"command": "ls"}', input: { command: 'ls' } }]);
      assert.deepEqual(s.finish?.reason, { unified: 'tool-calls', raw: 'tool_calls' });
    });

    it('vllm 02: flat {"object":"error"} chunk → provider failure, partial text kept', async () => {
      const s = await replay('vllm', 'vllm/02_flat_object_error_chunk.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /KV cache/);
      assert.equal(s.error?.partialText, 'Hello wor');
    });

    it('llama.cpp 01: reasoning_content becomes reasoning; the excerpt has no finish → protocol', async () => {
      const s = await replay('llamacpp', 'llamacpp/01_reasoning_content_with_timings_excerpt.sse');
      assert.equal(s.reasoning, ' if thePlayful');
      assert.equal(failureOf(s).kind, 'protocol');
    });

    it('llama.cpp 02: legacy `error:` SSE field → provider failure with its message', async () => {
      const s = await replay('llamacpp', 'llamacpp/02_legacy_nonstandard_error_field.sse');
      const failure = failureOf(s);
      assert.equal(failure.kind, 'provider');
      assert.match(failure.message, /exceeds the available context size/);
    });
  });
});
