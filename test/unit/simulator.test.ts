import * as assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parseArgs } from '../../src/simulator/main';
import { useSimClients } from './helpers/simClients';
import { Simulator } from '../../src/simulator/Simulator';
import { tokenize } from '../../src/simulator/tokenize';

/** Text with markdown, code, multibyte and astral characters, so reassembly is a real check. */
const TEXT = '## Résumé\n\nUse `Map` for caches — it keeps order. 日本語もOK 🚀🎉\n\n```ts\nconst x = 1;\n```\n';

async function collectChat(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  const reasoning = chunks.map((c) => (c.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? '').join('');
  return { chunks, text, reasoning };
}

describe('Simulator: wire formats through the real SDKs', () => {
  let sim: Simulator;
  let openai: OpenAI;
  let anthropic: Anthropic;

  useSimClients((clients) => ({ sim, openai, anthropic } = clients));

  describe('OpenAI Chat Completions', () => {
    it('streams a role-only chunk, the text exactly, a finish chunk and a usage-only chunk', async () => {
      sim.enqueue({ text: TEXT });
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hello there' }],
      });
      const { chunks, text } = await collectChat(stream);
      assert.equal(text, TEXT);
      assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null });
      const finish = chunks[chunks.length - 2];
      assert.equal(finish?.choices[0]?.finish_reason, 'stop');
      assert.deepEqual(finish?.choices[0]?.delta, {});
      const usage = chunks[chunks.length - 1];
      assert.deepEqual(usage?.choices, []);
      assert.equal(usage?.usage?.completion_tokens, tokenize(TEXT).length);
      assert.ok((usage?.usage?.prompt_tokens ?? 0) > 0);
      const record = sim.stats().requestsLog[0]!;
      assert.equal(record.tokensSent, tokenize(TEXT).length, 'the usage it reports is what it streamed');
      assert.equal(record.textSent, TEXT);
      assert.equal(record.model, 'gpt-4o');
      assert.deepEqual(record.messages, [{ role: 'user', content: 'hello there' }]);
    });

    it('sends no usage chunk unless stream_options.include_usage asks for it', async () => {
      sim.enqueue({ text: 'short answer' });
      const { chunks } = await collectChat(await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] }));
      assert.ok(chunks.every((c) => c.usage === undefined && c.choices.length === 1));
      assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'stop');
    });

    it('streams reasoning as reasoning_content deltas before the content (llama.cpp style)', async () => {
      sim.enqueue({ reasoning: 'Think about maps first.', text: 'Use a Map.' });
      const { chunks, text, reasoning } = await collectChat(
        await openai.chat.completions.create({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'q' }] }),
      );
      assert.equal(reasoning, 'Think about maps first.');
      assert.equal(text, 'Use a Map.');
      const firstContent = chunks.findIndex((c) => (c.choices[0]?.delta.content ?? '') !== '');
      const lastReasoning = chunks.map((c) => (c.choices[0]?.delta as { reasoning_content?: string })?.reasoning_content !== undefined).lastIndexOf(true);
      assert.ok(lastReasoning < firstContent, 'all reasoning precedes the content');
      const usage = chunks[chunks.length - 1]?.usage;
      assert.equal(usage?.completion_tokens_details?.reasoning_tokens, tokenize('Think about maps first.').length);
    });

    it('maps finish reasons and cuts the answer at max_tokens with finish_reason length', async () => {
      sim.enqueue({ text: 'x', finishReason: 'content-filter' });
      const filtered = await collectChat(await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] }));
      assert.equal(filtered.chunks[filtered.chunks.length - 1]?.choices[0]?.finish_reason, 'content_filter');

      sim.enqueue({ text: 'one two three four five six seven' });
      const cut = await collectChat(await openai.chat.completions.create({ model: 'm', stream: true, max_tokens: 3, messages: [{ role: 'user', content: 'q' }] }));
      assert.equal(cut.text, 'one two three');
      assert.equal(cut.chunks[cut.chunks.length - 1]?.choices[0]?.finish_reason, 'length');
    });

    it('streams a tool call in fragments when the script ends with tool-calls', async () => {
      const args = '{"query":"debounce in TypeScript","limit":3}';
      sim.enqueue({ text: 'Let me look.', finishReason: 'tool-calls', toolCall: { name: 'search_docs', arguments: args } });
      const { chunks, text } = await collectChat(await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] }));
      assert.equal(text, 'Let me look.');
      const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      assert.equal(calls[0]?.function?.name, 'search_docs');
      assert.ok(calls[0]?.id?.startsWith('call_'));
      assert.equal(calls.map((c) => c.function?.arguments ?? '').join(''), args);
      assert.equal(chunks[chunks.length - 1]?.choices[0]?.finish_reason, 'tool_calls');
    });

    it('continues from a trailing assistant message (prefill)', async () => {
      sim.enqueue({ text: 'The answer is forty-two, of course.' });
      const { text } = await collectChat(
        await openai.chat.completions.create({
          model: 'm',
          stream: true,
          messages: [
            { role: 'user', content: 'q' },
            { role: 'assistant', content: 'The answer is' },
          ],
        }),
      );
      assert.equal(text, ' forty-two, of course.');
    });

    it('streams a canned markdown answer when the script has no text, the same one for the same question', async () => {
      const ask = async () =>
        (await collectChat(await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'How do I debounce?' }] }))).text;
      const first = await ask();
      assert.ok(first.length > 200);
      assert.match(first, /```/);
      assert.equal(await ask(), first);
    });
  });

  describe('OpenAI Responses', () => {
    it('emits the real event sequence with the text exactly and usage on response.completed', async () => {
      sim.enqueue({ text: TEXT });
      const stream = await openai.responses.create({ model: 'gpt-4o-mini', stream: true, input: 'hello' });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = events.map((e) => e.type);
      const deltas = tokenize(TEXT).length;
      assert.deepEqual(types, [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array<string>(deltas).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
      assert.equal(text, TEXT);
      assert.deepEqual(
        events.map((e) => e.sequence_number),
        events.map((_, i) => i),
      );
      const completed = events[events.length - 1] as OpenAI.Responses.ResponseCompletedEvent;
      assert.equal(completed.response.status, 'completed');
      assert.equal(completed.response.usage?.output_tokens, deltas);
      assert.ok((completed.response.usage?.input_tokens ?? 0) > 0);
      assert.equal(completed.response.output_text ?? TEXT, TEXT);
    });

    it('streams reasoning summary deltas on a reasoning item before the message item', async () => {
      sim.enqueue({ reasoning: 'Short plan.', text: 'Done.' });
      const stream = await openai.responses.create({ model: 'm', stream: true, input: [{ role: 'user', content: 'q' }] });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const added = events.filter((e): e is OpenAI.Responses.ResponseOutputItemAddedEvent => e.type === 'response.output_item.added');
      assert.deepEqual(
        added.map((e) => [e.item.type, e.output_index]),
        [
          ['reasoning', 0],
          ['message', 1],
        ],
      );
      const reasoning = events.map((e) => (e.type === 'response.reasoning_summary_text.delta' ? e.delta : '')).join('');
      assert.equal(reasoning, 'Short plan.');
      const completed = events[events.length - 1] as OpenAI.Responses.ResponseCompletedEvent;
      assert.equal(completed.response.usage?.output_tokens_details.reasoning_tokens, tokenize('Short plan.').length);
    });

    it('ends with response.incomplete (max_output_tokens) when cut at the length limit', async () => {
      sim.enqueue({ text: 'alpha beta gamma delta' });
      const stream = await openai.responses.create({ model: 'm', stream: true, input: 'q', max_output_tokens: 2 });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const last = events[events.length - 1] as OpenAI.Responses.ResponseIncompleteEvent;
      assert.equal(last.type, 'response.incomplete');
      assert.equal(last.response.incomplete_details?.reason, 'max_output_tokens');
    });
  });

  describe('Anthropic Messages', () => {
    it('emits message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop', async () => {
      sim.enqueue({ text: TEXT });
      const stream = await anthropic.messages.create({ model: 'claude-sim-1', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'hello' }] });
      const events: Anthropic.RawMessageStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const deltas = tokenize(TEXT).length;
      assert.deepEqual(
        events.map((e) => e.type),
        ['message_start', 'content_block_start', ...Array<string>(deltas).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop'],
        'the SDK swallows ping; everything else in the real order',
      );
      const start = events[0] as Anthropic.RawMessageStartEvent;
      assert.equal(start.message.usage.output_tokens, 1);
      assert.ok(start.message.usage.input_tokens > 0);
      const text = events.map((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? e.delta.text : '')).join('');
      assert.equal(text, TEXT);
      const delta = events[events.length - 2] as Anthropic.RawMessageDeltaEvent;
      assert.equal(delta.delta.stop_reason, 'end_turn');
      assert.equal(delta.usage.output_tokens, deltas);
    });

    it('streams thinking as a thinking block, and the messages.stream() helper assembles the message', async () => {
      sim.enqueue({ reasoning: 'Let me think.', text: 'Answer.' });
      const message = await anthropic.messages.stream({ model: 'claude', max_tokens: 1024, messages: [{ role: 'user', content: 'q' }] }).finalMessage();
      assert.deepEqual(
        message.content.map((b) => b.type),
        ['thinking', 'text'],
      );
      const [thinking, text] = message.content as [Anthropic.ThinkingBlock, Anthropic.TextBlock];
      assert.equal(thinking.thinking, 'Let me think.');
      assert.ok(thinking.signature.length > 0);
      assert.equal(text.text, 'Answer.');
      assert.equal(message.usage.output_tokens, tokenize('Let me think.').length + tokenize('Answer.').length);
    });

    it('continues from a trailing assistant message (prefill) and maps max_tokens', async () => {
      sim.enqueue({ text: 'Paris is the capital of France.' });
      const message = await anthropic.messages
        .stream({
          model: 'claude',
          max_tokens: 1024,
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
            { role: 'assistant', content: 'Paris is' },
          ],
        })
        .finalMessage();
      assert.equal((message.content[0] as Anthropic.TextBlock).text, ' the capital of France.');

      sim.enqueue({ text: 'one two three four' });
      const cut = await anthropic.messages.stream({ model: 'claude', max_tokens: 2, messages: [{ role: 'user', content: 'q' }] }).finalMessage();
      assert.equal(cut.stop_reason, 'max_tokens');
      assert.equal((cut.content[0] as Anthropic.TextBlock).text, 'one two');
    });

    it('streams a tool_use block with input_json_delta fragments', async () => {
      sim.enqueue({ text: 'Checking.', finishReason: 'tool-calls', toolCall: { name: 'read_file', arguments: '{"path":"/tmp/a.txt"}' } });
      const message = await anthropic.messages.stream({ model: 'claude', max_tokens: 1024, messages: [{ role: 'user', content: 'q' }] }).finalMessage();
      assert.equal(message.stop_reason, 'tool_use');
      const tool = message.content[1] as Anthropic.ToolUseBlock;
      assert.equal(tool.name, 'read_file');
      assert.deepEqual(tool.input, { path: '/tmp/a.txt' });
    });
  });

  describe('models, auth, errors and counting', () => {
    it('lists models in the OpenAI shape, and in the Anthropic shape when anthropic-version is sent', async () => {
      const oa: string[] = [];
      for await (const m of openai.models.list()) {
        assert.equal(m.object, 'model');
        assert.equal(typeof m.created, 'number');
        oa.push(m.id);
      }
      assert.ok(oa.includes('sim-fast'));
      const an: Anthropic.ModelInfo[] = [];
      for await (const m of anthropic.models.list()) an.push(m);
      assert.deepEqual(
        an.map((m) => m.id),
        oa,
      );
      assert.equal(an[0]?.type, 'model');
      assert.equal(an[0]?.display_name, 'Sim Model');
      const raw = (await (await fetch(`${sim.origin}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })).json()) as Record<string, unknown>;
      assert.equal(raw.has_more, false);
      assert.equal(raw.first_id, oa[0]);
      assert.equal(raw.last_id, oa[oa.length - 1]);
    });

    it('rejects a non-streaming request with a clear 400', async () => {
      await assert.rejects(
        openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }),
        (err: unknown) => err instanceof OpenAI.BadRequestError && /stream/.test(err.message),
      );
    });

    it('counts every request on any path, control calls apart', async () => {
      await fetch(`${sim.origin}/favicon.ico`);
      await fetch(`${sim.origin}/img/pixel.png?leak=1`);
      const notFound = await fetch(`${sim.origin}/v1/nothing-here`, { method: 'POST' });
      assert.equal(notFound.status, 404);
      assert.match(((await notFound.json()) as { error: { message: string } }).error.message, /Invalid URL/);
      const stats = (await (await fetch(`${sim.origin}/__sim/stats`)).json()) as ReturnType<Simulator['stats']>;
      assert.equal(stats.requests, 3);
      assert.deepEqual(stats.byPath, { '/favicon.ico': 1, '/img/pixel.png': 1, '/v1/nothing-here': 1 });
      assert.equal(stats.controlRequests, 1);
    });
  });
});

describe('Simulator: API key and strict models', () => {
  let sim: Simulator;
  before(async () => {
    sim = new Simulator({ apiKey: 'sk-right', strictModels: true, models: ['gpt-4o', 'claude-sim-1'] });
    await sim.start();
  });
  after(() => sim.stop());

  it('answers a wrong OpenAI key with a real-shaped 401 the SDK turns into AuthenticationError', async () => {
    const client = new OpenAI({ apiKey: 'sk-wrong', baseURL: sim.openAIBaseUrl, maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'q' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.AuthenticationError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_api_key');
      assert.equal(err.type, 'invalid_request_error');
      assert.doesNotMatch(err.message, /sk-wrong/, 'the key is never echoed');
      return true;
    });
  });

  it('answers a wrong Anthropic key with authentication_error', async () => {
    const client = new Anthropic({ apiKey: 'sk-wrong', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
    await assert.rejects(client.messages.create({ model: 'claude-sim-1', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'q' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.AuthenticationError);
      assert.deepEqual((err.error as { error: unknown }).error, { type: 'authentication_error', message: 'invalid x-api-key' });
      return true;
    });
  });

  it('accepts the right key as Bearer or x-api-key', async () => {
    const oa = new OpenAI({ apiKey: 'sk-right', baseURL: sim.openAIBaseUrl, maxRetries: 0 });
    sim.enqueue({ text: 'ok' });
    const { text } = await collectChat(await oa.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'q' }] }));
    assert.equal(text, 'ok');
    const an = new Anthropic({ apiKey: 'sk-right', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
    sim.enqueue({ text: 'fine' });
    const message = await an.messages.stream({ model: 'claude-sim-1', max_tokens: 10, messages: [{ role: 'user', content: 'q' }] }).finalMessage();
    assert.equal((message.content[0] as Anthropic.TextBlock).text, 'fine');
  });

  it('answers an unknown model with a real-shaped 404 in both formats', async () => {
    const oa = new OpenAI({ apiKey: 'sk-right', baseURL: sim.openAIBaseUrl, maxRetries: 0 });
    await assert.rejects(oa.chat.completions.create({ model: 'gpt-9', stream: true, messages: [{ role: 'user', content: 'q' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.NotFoundError);
      assert.equal(err.code, 'model_not_found');
      assert.match(err.message, /gpt-9/);
      return true;
    });
    const an = new Anthropic({ apiKey: 'sk-right', baseURL: sim.anthropicBaseUrl, maxRetries: 0 });
    await assert.rejects(an.messages.create({ model: 'claude-9', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'q' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      assert.equal((err.error as { error: { type: string } }).error.type, 'not_found_error');
      return true;
    });
  });
});

describe('Simulator CLI arguments', () => {
  it('--models lists the given names instead of the defaults, and wants at least one', () => {
    assert.deepEqual(parseArgs(['--port', '0', '--models', 'sim-ttft-250-tps-50, sim-fast']).models, ['sim-ttft-250-tps-50', 'sim-fast']);
    assert.equal(parseArgs(['--port', '0']).models, undefined);
    assert.throws(() => parseArgs(['--models']), /--models needs/);
    assert.throws(() => parseArgs(['--models', ' , ']), /--models needs/);
  });
});
