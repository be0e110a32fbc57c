/**
 * The providers' small pure parts: finish-reason and usage mappers, request bodies (including
 * continue-from-partial), tool-call accumulation.
 */
import * as assert from 'node:assert/strict';
import { CONTINUE_PROMPT } from '../../src/core/continuation';
import { buildAnthropicBody, DEFAULT_ANTHROPIC_MAX_TOKENS, mapAnthropicStopReason } from '../../src/core/providers/anthropic';
import { buildOpenAIChatBody, convertOpenAIChatUsage, mapOpenAIChatFinishReason, ToolCallAccumulator } from '../../src/core/providers/openaiChat';
import { buildResponsesBody, convertResponsesUsage, mapResponsesFinish } from '../../src/core/providers/openaiResponses';
import type { ChatRequest } from '../../src/core/request';

const base: ChatRequest = { provider: 'openai', api: 'openai-chat', model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] };

describe('providers: mappers and request bodies', () => {
  it('maps Chat Completions finish reasons, keeping the raw word; unknown → other', () => {
    assert.deepEqual(mapOpenAIChatFinishReason('stop'), { unified: 'stop', raw: 'stop' });
    assert.deepEqual(mapOpenAIChatFinishReason('length'), { unified: 'length', raw: 'length' });
    assert.deepEqual(mapOpenAIChatFinishReason('tool_calls'), { unified: 'tool-calls', raw: 'tool_calls' });
    assert.deepEqual(mapOpenAIChatFinishReason('function_call'), { unified: 'tool-calls', raw: 'function_call' });
    assert.deepEqual(mapOpenAIChatFinishReason('content_filter'), { unified: 'content-filter', raw: 'content_filter' });
    assert.deepEqual(mapOpenAIChatFinishReason('abort'), { unified: 'other', raw: 'abort' });
    assert.deepEqual(mapOpenAIChatFinishReason(null), { unified: 'other', raw: undefined });
  });

  it('maps Anthropic stop reasons', () => {
    assert.equal(mapAnthropicStopReason('end_turn').unified, 'stop');
    assert.equal(mapAnthropicStopReason('stop_sequence').unified, 'stop');
    assert.equal(mapAnthropicStopReason('max_tokens').unified, 'length');
    assert.equal(mapAnthropicStopReason('model_context_window_exceeded').unified, 'length');
    assert.equal(mapAnthropicStopReason('tool_use').unified, 'tool-calls');
    assert.equal(mapAnthropicStopReason('refusal').unified, 'content-filter');
    assert.deepEqual(mapAnthropicStopReason('something_new'), { unified: 'other', raw: 'something_new' });
  });

  it('maps Responses completed / incomplete', () => {
    assert.deepEqual(mapResponsesFinish({ status: 'completed', incomplete_details: null }, false, false), { unified: 'stop', raw: 'completed' });
    assert.equal(mapResponsesFinish({ status: 'completed', incomplete_details: null }, true, false).unified, 'tool-calls');
    assert.equal(mapResponsesFinish({ status: 'completed', incomplete_details: null }, false, true).unified, 'content-filter');
    assert.deepEqual(mapResponsesFinish({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }, false, false), {
      unified: 'length',
      raw: 'max_output_tokens',
    });
    assert.equal(mapResponsesFinish({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } }, false, false).unified, 'content-filter');
  });

  it('converts usage with unknown fields left undefined, never 0', () => {
    assert.equal(convertOpenAIChatUsage(null), undefined);
    assert.deepEqual(convertOpenAIChatUsage({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 }), {
      inputTokens: 5,
      outputTokens: 7,
      reasoningTokens: undefined,
      cachedInputTokens: undefined,
    });
    assert.equal(convertResponsesUsage(undefined), undefined);
  });

  it('chat body: usage requested, system first, max_completion_tokens for OpenAI and max_tokens for local servers', () => {
    const cloud = buildOpenAIChatBody({ ...base, systemPrompt: 'Be brief', maxOutputTokens: 100 });
    assert.deepEqual(cloud.stream_options, { include_usage: true });
    assert.deepEqual(cloud.messages[0], { role: 'system', content: 'Be brief' });
    assert.equal(cloud.max_completion_tokens, 100);
    assert.equal(cloud.max_tokens, undefined);
    const local = buildOpenAIChatBody({ ...base, provider: 'llamacpp', maxOutputTokens: 100 });
    assert.equal(local.max_tokens, 100);
    assert.equal(local.max_completion_tokens, undefined);
  });

  it('continue-from-partial: prefill for local servers and Anthropic, follow-up turn for OpenAI cloud', () => {
    const partial = 'Once upon a time ';
    const ollama = buildOpenAIChatBody({ ...base, provider: 'ollama', continueFrom: partial });
    assert.deepEqual(ollama.messages.at(-1), { role: 'assistant', content: partial });
    const vllm = buildOpenAIChatBody({ ...base, provider: 'vllm', continueFrom: partial });
    assert.equal(vllm.continue_final_message, true);
    assert.equal(vllm.add_generation_prompt, false);
    const cloud = buildOpenAIChatBody({ ...base, continueFrom: partial });
    assert.deepEqual(cloud.messages.slice(-2), [
      { role: 'assistant', content: partial },
      { role: 'user', content: CONTINUE_PROMPT },
    ]);
    const responses = buildResponsesBody({ ...base, api: 'openai-responses', continueFrom: partial });
    assert.deepEqual(responses.input.at(-1), { role: 'user', content: CONTINUE_PROMPT });
    const anthropic = buildAnthropicBody({ ...base, provider: 'anthropic', api: 'anthropic', continueFrom: partial });
    // The Messages API rejects a final assistant turn ending in whitespace.
    assert.deepEqual(anthropic.messages.at(-1), { role: 'assistant', content: 'Once upon a time' });
    assert.equal(anthropic.max_tokens, DEFAULT_ANTHROPIC_MAX_TOKENS);
  });

  it('accumulates tool-call fragments by index and emits them whole, in order', () => {
    const acc = new ToolCallAccumulator();
    acc.add({ index: 1, id: 'b', type: 'function', function: { name: 'second', arguments: '' } });
    acc.add({ index: 0, id: 'a', type: 'function', function: { name: 'first', arguments: '{"x"' } });
    acc.add({ index: 0, function: { arguments: ':1}' } });
    acc.add({ index: 1, function: { name: 'second', arguments: '{}' } });
    assert.deepEqual(acc.flush(), [
      { id: 'a', name: 'first', arguments: '{"x":1}' },
      { id: 'b', name: 'second', arguments: '{}' },
    ]);
    assert.deepEqual(acc.flush(), []);
  });
});
