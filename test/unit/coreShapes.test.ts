/**
 * The wire shapes real servers send beyond the basics, each through the real SDK over loopback
 * against the simulator: Chat `delta.content` as an array of parts (Mistral), inline `<think>` tags
 * cut across deltas, Responses `response.incomplete` with a server's own length reason, separate
 * output messages, reasoning summaries, the Responses API on any OpenAI-compatible server, Anthropic
 * extended and redacted thinking with signatures kept for the next turn, and events no adapter knows.
 * The raw bodies here are this project's own, modelled on recordings from real APIs.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { buildAnthropicBody, REDACTED_THINKING_TEXT } from '../../src/core/providers/anthropic';
import { buildResponsesBody, mapIncompleteReason } from '../../src/core/providers/openaiResponses';
import { ThinkTagSplitter } from '../../src/core/providers/thinkTags';
import type { ChatRequest } from '../../src/core/request';
import type { SimScript } from '../../src/simulator/script';
import { drain, failureOf, simRequest, type StreamSummary, type Target, useSimulator } from './helpers/coreHarness';

const REASONING = 'First 17 × 20 = 340, then 17 × 3 = 51; 340 + 51 = 391.';
const ANSWER = '391';

/** A Chat body in Mistral's shape: thinking parts, and the answer's first part in the same chunk as the last thinking part. */
function mistralBody(): string {
  const chunk = (delta: unknown, finish: string | null = null, usage?: unknown) =>
    `data: ${JSON.stringify({ id: 'cmpl-1', object: 'chat.completion.chunk', created: 1, model: 'magistral-small', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  const think = (text: string, closed = true) => ({ type: 'thinking', thinking: [{ type: 'text', text }], ...(closed ? { closed: true } : {}) });
  return (
    chunk({ role: 'assistant', content: '' }) +
    chunk({ content: [think('First 17 × 20 = 340, ')] }) +
    chunk({ content: [think('then 17 × 3 = 51; ', false)] }) +
    chunk({ content: [think('340 + 51 = 391.'), { type: 'text', text: '3' }] }) +
    chunk({ content: '91' }, 'stop', { prompt_tokens: 28, completion_tokens: 40, total_tokens: 68 }) +
    'data: [DONE]\n\n'
  );
}

/** A Responses body as xAI ends a capped answer: `response.incomplete`, reason `REASON_MAX_LEN`. */
function xaiIncompleteBody(): string {
  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: seq++ })}\n\n`;
  const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'resp_x', object: 'response', status, model: 'grok-3-mini', output: [], ...extra });
  return (
    event('response.created', { response: response('in_progress') }) +
    event('response.output_item.added', { output_index: 0, item: { id: 'msg_x', type: 'message', status: 'in_progress', role: 'assistant', content: [] } }) +
    event('response.output_text.delta', { item_id: 'msg_x', output_index: 0, content_index: 0, delta: 'The sky is blue because' }) +
    event('response.output_text.delta', { item_id: 'msg_x', output_index: 0, content_index: 0, delta: ' of Rayleigh' }) +
    event('response.incomplete', {
      response: response('incomplete', {
        incomplete_details: { reason: 'REASON_MAX_LEN' },
        usage: { input_tokens: 12, output_tokens: 300, output_tokens_details: { reasoning_tokens: 180 } },
      }),
    })
  );
}

describe('core: wire shapes and reasoning', function () {
  const sim = useSimulator();

  async function run(target: Target, script: SimScript, overrides: Partial<ChatRequest> = {}): Promise<StreamSummary> {
    sim.enqueue(script);
    return drain(stream(simRequest(sim, target, { maxRetries: 0, ...overrides })));
  }

  function raw(body: string): SimScript {
    return { fault: { kind: 'raw', contentType: 'text/event-stream', body } };
  }

  describe('Chat Completions', () => {
    it('delta.content as an array of parts: thinking parts are reasoning, text parts are the answer ("391", not "91")', async () => {
      const s = await run('openai-chat', raw(mistralBody()), { provider: 'openai-compatible' });
      assert.equal(s.text, ANSWER);
      assert.equal(s.reasoning, REASONING);
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'stop' });
      assert.equal(s.finish?.usage.outputTokens, 40);
    });

    it('the simulator scripts content parts for reasoning and answer alike', async () => {
      const s = await run('ollama', { reasoning: REASONING, text: 'The answer is 391.', reasoningFormat: 'content-parts' });
      assert.equal(s.reasoning, REASONING);
      assert.equal(s.text, 'The answer is 391.');
      assert.equal(s.finish?.reason.unified, 'stop');
    });

    it('inline <think>…</think> with both tags cut across deltas is split into reasoning and answer', async () => {
      const s = await run('ollama', { reasoning: REASONING, text: 'The answer is 391.', reasoningFormat: 'think-tags' });
      assert.equal(s.reasoning, REASONING);
      assert.equal(s.text, 'The answer is 391.');
      const m = s.finish!.metrics;
      assert.ok(m.firstAnswerTokenMs !== undefined && m.ttftMs !== undefined && m.firstAnswerTokenMs > m.ttftMs, 'first answer token after the first (reasoning) token');
    });

    it('one-byte network writes do not disturb the <think> split', async () => {
      const s = await run('llamacpp', { reasoning: REASONING, text: 'Done — 391.', reasoningFormat: 'think-tags', chunkBytes: 1 });
      assert.equal(s.reasoning, REASONING);
      assert.equal(s.text, 'Done — 391.');
    });

    it('a content part of an unknown type is logged once and skipped; the stream finishes', async () => {
      const lines: string[] = [];
      const s = await run('openai-chat', { text: 'Hello there', unknownEvent: true }, { provider: 'openai-compatible', onLog: (line) => lines.push(line) });
      assert.equal(s.text, 'Hello there');
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, /content part "reference"/);
    });
  });

  describe('ThinkTagSplitter', () => {
    it('gives the same split for every way of cutting the stream in two', () => {
      const whole = '\n<think>\nweigh it</think>\n\nThe answer.';
      for (let cut = 0; cut <= whole.length; cut++) {
        const splitter = new ThinkTagSplitter();
        const pieces = [...splitter.push(whole.slice(0, cut)), ...splitter.push(whole.slice(cut)), ...splitter.end()];
        const reasoning = pieces
          .filter((p) => p.kind === 'reasoning')
          .map((p) => p.text)
          .join('');
        const text = pieces
          .filter((p) => p.kind === 'text')
          .map((p) => p.text)
          .join('');
        assert.deepEqual({ reasoning, text }, { reasoning: '\nweigh it', text: 'The answer.' }, `cut at ${cut}`);
      }
    });

    it('leaves text that does not open with <think> alone, a later <think> included; an unclosed block is reasoning', () => {
      const splitter = new ThinkTagSplitter();
      const pieces = [...splitter.push('\n\nUse <think> tags'), ...splitter.push(' like this.'), ...splitter.end()];
      assert.deepEqual(pieces, [
        { kind: 'text', text: '\n\nUse <think> tags' },
        { kind: 'text', text: ' like this.' },
      ]);
      const open = new ThinkTagSplitter();
      assert.deepEqual([...open.push('<think>still going'), ...open.end()], [{ kind: 'reasoning', text: 'still going' }]);
      const lone = new ThinkTagSplitter();
      assert.deepEqual([...lone.push('<thi'), ...lone.end()], [{ kind: 'text', text: '<thi' }]);
    });
  });

  describe('Responses', () => {
    it("response.incomplete with xAI's REASON_MAX_LEN finishes as length, raw reason kept, usage read", async () => {
      const s = await run('openai-responses', raw(xaiIncompleteBody()), { provider: 'openai-compatible' });
      assert.equal(s.text, 'The sky is blue because of Rayleigh');
      assert.deepEqual(s.finish?.reason, { unified: 'length', raw: 'REASON_MAX_LEN' });
      assert.equal(s.finish?.usage.outputTokens, 300);
      assert.equal(s.finish?.metrics.reasoningTokens, 180);
    });

    it('a gateway that sends a new item_id with every event (GitHub Copilot) still gives one paragraph per output item', async () => {
      let seq = 0;
      let id = 0;
      const event = (type: string, fields: Record<string, unknown>) =>
        `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, item_id: `capture-id-${++id}`, sequence_number: seq++ })}\n\n`;
      const body =
        event('response.reasoning_summary_text.delta', { output_index: 0, summary_index: 0, delta: '**Counting**' }) +
        event('response.reasoning_summary_text.delta', { output_index: 0, summary_index: 0, delta: ' letters' }) +
        event('response.output_text.delta', { output_index: 1, content_index: 0, delta: 'There are' }) +
        event('response.output_text.delta', { output_index: 1, content_index: 0, delta: ' **3**' }) +
        event('response.output_text.delta', { output_index: 1, content_index: 0, delta: ' r’s.' }) +
        event('response.completed', { response: { id: 'resp_1', object: 'response', status: 'completed', output: [], usage: { input_tokens: 5, output_tokens: 9 } } });
      const s = await run('openai-responses', raw(body));
      assert.equal(s.reasoning, '**Counting** letters');
      assert.equal(s.text, 'There are **3** r’s.');
      assert.equal(s.finish?.usage.outputTokens, 9);
    });

    it('maps every length-like incomplete reason to length', () => {
      for (const reason of ['max_output_tokens', 'REASON_MAX_LEN', 'max_tokens', 'length', 'context_length_exceeded']) assert.equal(mapIncompleteReason(reason), 'length', reason);
      assert.equal(mapIncompleteReason('content_filter'), 'content-filter');
      assert.equal(mapIncompleteReason('interrupted'), 'other');
      assert.equal(mapIncompleteReason(undefined), 'other');
    });

    it('the simulator scripts the xAI reason (sim-maxlen)', async () => {
      const s = await run('openai-responses', {}, { model: 'sim-maxlen' });
      assert.deepEqual(s.finish?.reason, { unified: 'length', raw: 'REASON_MAX_LEN' });
    });

    it('a commentary message and the final message stay separate paragraphs', async () => {
      const s = await run('openai-responses', { commentary: 'Got it — checking.', text: 'Here are the headlines.' });
      assert.equal(s.text, 'Got it — checking.\n\nHere are the headlines.');
    });

    it('reasoning summaries stream as reasoning; first answer token and reasoning tokens are reported', async () => {
      const s = await run('openai-responses', { reasoning: REASONING, text: ANSWER });
      assert.equal(s.reasoning, REASONING);
      assert.equal(s.text, ANSWER);
      const m = s.finish!.metrics;
      assert.ok(m.firstAnswerTokenMs! > m.ttftMs!, 'first answer token after the first reasoning token');
      assert.ok(m.reasoningTokens! > 0, 'reasoning tokens from usage');
      assert.equal(m.reasoningTokens, s.finish?.usage.reasoningTokens);
    });

    it('asks OpenAI reasoning models for summaries, not other models, unless told', () => {
      const base: Omit<ChatRequest, 'model'> = { provider: 'openai', api: 'openai-responses', messages: [{ role: 'user', content: 'q' }] };
      assert.deepEqual(buildResponsesBody({ ...base, model: 'gpt-5-mini' }).reasoning, { summary: 'auto' });
      assert.deepEqual(buildResponsesBody({ ...base, model: 'o4-mini' }).reasoning, { summary: 'auto' });
      assert.equal(buildResponsesBody({ ...base, model: 'gpt-4.1-mini' }).reasoning, undefined);
      assert.equal(buildResponsesBody({ ...base, provider: 'vllm', model: 'gpt-oss-20b' }).reasoning, undefined);
      assert.deepEqual(buildResponsesBody({ ...base, provider: 'vllm', model: 'gpt-oss-20b', reasoning: { summaries: true } }).reasoning, { summary: 'auto' });
    });

    it('an unknown event type is logged once and skipped; the stream finishes', async () => {
      const lines: string[] = [];
      const s = await run('openai-responses', { text: 'Fine.', unknownEvent: true }, { onLog: (line) => lines.push(line) });
      assert.equal(s.text, 'Fine.');
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.equal(lines.length, 1);
      assert.match(lines[0]!, /response\.sim_future\.delta/);
    });

    it('skips every event it does not use through one default; only a delta nobody reads or a type-less event is logged, once per kind', async () => {
      let seq = 0;
      const event = (type: string | undefined, fields: Record<string, unknown>) =>
        `data: ${JSON.stringify({ ...(type === undefined ? {} : { type }), ...fields, sequence_number: seq++ })}\n\n`;
      const response = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'resp_1', object: 'response', status, output: [], ...extra });
      const body =
        event('response.created', { response: response('in_progress') }) +
        event('response.in_progress', { response: response('in_progress') }) +
        event('response.output_item.added', { output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } }) +
        event('response.web_search_call.searching', { output_index: 0, item_id: 'ws_1' }) +
        event('response.sim_future.started', { output_index: 0 }) +
        event('response.output_text.delta', { output_index: 0, content_index: 0, delta: 'Still' }) +
        event('response.sim_future_text.delta', { output_index: 0, delta: 'lost?' }) +
        event('response.sim_future_text.delta', { output_index: 0, delta: 'lost again?' }) +
        event(undefined, { delta: 'no type' }) +
        event('response.function_call_arguments.delta', { output_index: 0, item_id: 'fc_1', delta: '{"a"' }) +
        event('response.output_text.delta', { output_index: 0, content_index: 0, delta: ' streaming.' }) +
        event('response.output_text.done', { output_index: 0, content_index: 0, text: 'Still streaming.' }) +
        event('response.output_item.done', { output_index: 0, item: { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [] } }) +
        event('response.completed', { response: response('completed', { usage: { input_tokens: 5, output_tokens: 4 } }) });
      const lines: string[] = [];
      const s = await run('openai-responses', raw(body), { onLog: (line) => lines.push(line) });
      assert.equal(s.text, 'Still streaming.');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'completed' });
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0]!, /Responses event "response\.sim_future_text\.delta"/);
      assert.match(lines[1]!, /Responses event "without a type \(undefined\)"/);
    });

    for (const provider of ['ollama', 'lmstudio', 'llamacpp', 'vllm', 'openai-compatible'] as const) {
      it(`serves the Responses API for ${provider}`, async () => {
        const s = await run('openai-responses', { text: 'From /responses.' }, { provider, apiKey: undefined });
        assert.equal(s.text, 'From /responses.');
        assert.equal(sim.stats().requestsLog[0]?.path, '/v1/responses');
      });
    }

    it('a 404 on /responses says, in one line, to switch to chat', async () => {
      const s = await run('openai-responses', { fault: { kind: 'status', status: 404, body: '404 page not found' } }, { provider: 'ollama', apiKey: undefined });
      const failure = failureOf(s);
      assert.equal(failure.kind, 'not-found');
      assert.match(failure.message, /does not serve the Responses API .*switch .*to chat/);
      assert.ok(!failure.message.includes('\n'));
    });

    it('a 404 about the model keeps the model message', async () => {
      const s = await run('openai-responses', { fault: { kind: 'status', status: 404 } }, { model: 'no-such-model' });
      assert.doesNotMatch(failureOf(s).message, /Responses API/);
    });
  });

  describe('Anthropic', () => {
    it('thinking budget: sends `thinking` and leaves the answer its own max_tokens; off sends none', () => {
      const base: ChatRequest = { provider: 'anthropic', api: 'anthropic', model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'q' }], maxOutputTokens: 2000 };
      const on = buildAnthropicBody({ ...base, reasoning: { budgetTokens: 4000 } });
      assert.deepEqual(on.thinking, { type: 'enabled', budget_tokens: 4000 });
      assert.equal(on.max_tokens, 6000);
      assert.equal(buildAnthropicBody({ ...base, reasoning: { budgetTokens: 0 } }).thinking, undefined);
      assert.equal(buildAnthropicBody(base).max_tokens, 2000);
      assert.equal(buildAnthropicBody({ ...base, reasoning: { budgetTokens: 100 } }).thinking?.type, 'enabled');
      assert.equal((buildAnthropicBody({ ...base, reasoning: { budgetTokens: 100 } }).thinking as { budget_tokens: number }).budget_tokens, 1024);
      // A Continue is an assistant prefill, which the API refuses with thinking on.
      assert.equal(buildAnthropicBody({ ...base, reasoning: { budgetTokens: 4000 }, continueFrom: 'The a' }).thinking, undefined);
    });

    it('thinking and redacted thinking stream as reasoning; the blocks and signatures come back for the next turn', async () => {
      const s = await run('anthropic', { reasoning: REASONING, text: ANSWER, redactedThinking: true }, { reasoning: { budgetTokens: 2048 } });
      assert.equal(s.text, ANSWER);
      assert.equal(s.reasoning, `${REDACTED_THINKING_TEXT}\n\n${REASONING}`);
      assert.equal(s.redactedReasoning, 1);
      const blocks = s.finish?.reasoningBlocks ?? [];
      assert.deepEqual(
        blocks.map((b) => b.type),
        ['redacted_thinking', 'thinking'],
      );
      const thinking = blocks[1]!;
      assert.ok(thinking.type === 'thinking' && thinking.thinking === REASONING && thinking.signature.length > 20, 'whole thinking with its signature');
      assert.ok(blocks[0]!.type === 'redacted_thinking' && blocks[0]!.data.length > 20, 'redacted data kept verbatim');

      // The next turn sends them back first, in order, and the server takes it.
      const next: ChatRequest = {
        ...simRequest(sim, 'anthropic', { maxRetries: 0, reasoning: { budgetTokens: 2048 } }),
        messages: [
          { role: 'user', content: 'What is 17 × 23?' },
          { role: 'assistant', content: ANSWER, reasoningBlocks: blocks },
          { role: 'user', content: 'And doubled?' },
        ],
      };
      const body = buildAnthropicBody(next);
      assert.deepEqual(body.messages[1]?.content, [...blocks, { type: 'text', text: ANSWER }]);
      sim.enqueue({ text: '782' });
      const second = await drain(stream(next));
      assert.equal(second.text, '782');
      // What went over the wire: the blocks verbatim (signature and redacted data), then the text.
      const sent = sim.stats().requestsLog[1]?.messages as Array<{ role: string; content: unknown }>;
      assert.deepEqual(sent[1], { role: 'assistant', content: [...blocks, { type: 'text', text: ANSWER }] });
    });

    it('a block and a delta type newer than the SDK (compaction) are each logged once and skipped; the text after them streams', async () => {
      const event = (data: Record<string, unknown>) => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
      const body =
        event({
          type: 'message_start',
          message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, usage: { input_tokens: 90, output_tokens: 1 } },
        }) +
        event({ type: 'content_block_start', index: 0, content_block: { type: 'compaction', content: null } }) +
        event({ type: 'content_block_delta', index: 0, delta: { type: 'compaction_delta', content: '## Summary of the conversation' } }) +
        event({ type: 'content_block_delta', index: 0, delta: { type: 'compaction_delta', content: ' so far.' } }) +
        event({ type: 'content_block_stop', index: 0 }) +
        event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }) +
        event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Carrying on.' } }) +
        event({ type: 'content_block_stop', index: 1 }) +
        event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 42 } }) +
        event({ type: 'message_stop' });
      const lines: string[] = [];
      const s = await run('anthropic', raw(body), { onLog: (line) => lines.push(line) });
      assert.equal(s.text, 'Carrying on.');
      assert.deepEqual(s.finish?.reason, { unified: 'stop', raw: 'end_turn' });
      assert.equal(s.finish?.usage.outputTokens, 42);
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0]!, /content block "compaction"/);
      assert.match(lines[1]!, /content block delta "compaction_delta"/);
    });

    it('an unknown event type is logged once and skipped', async () => {
      const lines: string[] = [];
      const s = await run('anthropic', { text: 'Fine.', unknownEvent: true }, { onLog: (line) => lines.push(line) });
      assert.equal(s.text, 'Fine.');
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.deepEqual(lines.length, 1);
      assert.match(lines[0]!, /sim_future_event/);
    });
  });
});
