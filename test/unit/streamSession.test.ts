/**
 * The stream session (src/core/session/StreamSession.ts) in plain Node: the core's stream() through
 * the real SDKs over loopback to the project's simulator, folded into an answer's state exactly as
 * the panel, the CLI and the benchmarks see it — coalesced appends with consecutive seqs, live
 * figures, final stats on done, cancel and error, partial text kept, and the persistence points
 * (one durable save per answer, before it is reported finished).
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { CancellationSource } from '../../src/core/cancellation';
import type { StreamEvent } from '../../src/core/events';
import { countTokens, encodingForModel } from '../../src/core/metrics';
import type { ChatRequest } from '../../src/core/request';
import { endMessage, StreamSession, type SessionAppend, type SessionMessage, type SessionResult, type StreamSessionOptions } from '../../src/core/session/StreamSession';
import { tokenize } from '../../src/simulator/tokenize';
import { simRequest, type Target, useSimulator } from './helpers/coreHarness';

const TEXT =
  'A stream session folds every delta into the answer at once, and sends it on to the panel in few coalesced appends, each numbered one more than the last, so a redraw never shows a stretch twice or loses one.';

/** Everything a session reported, in order. */
interface Recording {
  appends: SessionAppend[];
  /** 'append:N', 'persist', 'persist:durable', 'finish', 'notice:…' in the order they happened. */
  order: string[];
  metrics: number;
  notices: Array<string | undefined>;
  finishes: SessionResult[];
  textDeltas: number;
  events: StreamEvent[];
}

function record(overrides: Partial<StreamSessionOptions> = {}): { options: StreamSessionOptions; rec: Recording } {
  const rec: Recording = { appends: [], order: [], metrics: 0, notices: [], finishes: [], textDeltas: 0, events: [] };
  const options: StreamSessionOptions = {
    source: stream,
    providerLabel: 'Simulator',
    onAppend: (a) => {
      rec.appends.push(a);
      rec.order.push(`append:${a.seq}`);
    },
    onPersist: (durable) => rec.order.push(durable ? 'persist:durable' : 'persist'),
    onMetrics: () => rec.metrics++,
    onNotice: (n) => {
      rec.notices.push(n);
      rec.order.push(`notice:${n ?? '-'}`);
    },
    onFinish: (r) => {
      rec.finishes.push(r);
      rec.order.push('finish');
    },
    onEvent: (e) => {
      rec.events.push(e);
      if (e.type === 'text-delta') rec.textDeltas++;
    },
    ...overrides,
  };
  return { options, rec };
}

const joined = (appends: SessionAppend[], field: 'text' | 'reasoning' = 'text') => appends.map((a) => a[field]).join('');

/** The checks every ending must pass: consecutive seqs, appends = message, one durable save before finish, finish once. */
function assertWellFormed(rec: Recording, result: SessionResult, firstSeq = 1): void {
  rec.appends.forEach((a, i) => assert.equal(a.seq, firstSeq + i, 'seqs are consecutive'));
  assert.equal(rec.finishes.length, 1, 'onFinish exactly once');
  assert.equal(rec.finishes[0], result, 'onFinish gets what run() resolves');
  assert.equal(rec.order.filter((o) => o === 'persist:durable').length, 1, 'the finished answer is saved durably exactly once');
  assert.deepEqual(rec.order.slice(-2), ['persist:durable', 'finish'], 'saved durably, then reported finished, then nothing');
  // A debounced save follows every append (the panel saves at most ~0.5 s behind).
  assert.equal(rec.order.filter((o) => o === 'persist').length, rec.appends.length);
  assert.notEqual(result.message.state, 'streaming');
  assert.equal(result.message.notice, undefined);
}

describe('StreamSession against the simulator (real SDKs over loopback)', function () {
  this.timeout(60_000);
  const sim = useSimulator();

  function request(target: Target, overrides: Partial<ChatRequest> = {}): ChatRequest {
    return simRequest(sim, target, { maxRetries: 0, ...overrides });
  }

  for (const target of ['openai-chat', 'openai-responses', 'anthropic'] as const) {
    describe(target, () => {
      it('coalesces a fast stream into few appends with consecutive seqs whose text is the answer', async () => {
        sim.enqueue({ text: TEXT, tokensPerSecond: 3000 });
        const { options, rec } = record();
        const result = await new StreamSession(request(target), options).run();
        assertWellFormed(rec, result);
        assert.equal(result.state, 'done');
        assert.equal(result.message.text, TEXT);
        assert.equal(joined(rec.appends), TEXT, 'the appends carry exactly the answer, in order');
        assert.ok(rec.textDeltas >= tokenize(TEXT).length / 2, `${rec.textDeltas} deltas`);
        assert.ok(rec.appends.length < rec.textDeltas / 2, `coalesced: ${rec.appends.length} appends for ${rec.textDeltas} deltas`);
      });

      it("finishes with the final stats: provider, model, label, TTFT, tok/s, the provider's token count", async () => {
        sim.enqueue({ text: TEXT, tokensPerSecond: 200, ttftMs: 50 });
        const { options, rec } = record();
        const result = await new StreamSession(request(target), options).run();
        assertWellFormed(rec, result);
        const stats = result.message.stats;
        assert.ok(stats);
        assert.equal(stats, result.stats);
        assert.equal(stats.provider, target === 'anthropic' ? 'anthropic' : 'openai');
        assert.equal(stats.model, 'sim-model');
        assert.equal(stats.providerLabel, 'Simulator');
        assert.equal(stats.finishReason, 'stop');
        assert.equal(result.finishReason, 'stop');
        assert.equal(stats.estimated, false, 'the simulator reports usage');
        assert.equal(stats.outputTokens, result.usage?.outputTokens);
        assert.ok(stats.ttftMs !== undefined && stats.ttftMs >= 40, `TTFT ${stats.ttftMs}`);
        assert.ok(stats.tokensPerSecond !== undefined && stats.tokensPerSecond > 0);
        assert.equal(result.message.error, undefined);
        assert.ok(rec.metrics >= 2, `live figures while streaming (${rec.metrics})`);
        // The duration spans the whole answer: at least its TTFT plus the streaming of every token.
        const minMs = 50 + ((tokenize(TEXT).length - 1) / 200) * 1000;
        assert.ok(stats.durationMs !== undefined && stats.durationMs >= minMs * 0.9 && stats.durationMs < minMs + 5000, `duration ${stats.durationMs} ms, at least ~${minMs}`);
      });

      it('keeps the partial text and final figures when the stream fails mid-answer', async () => {
        const cut = 12;
        sim.enqueue({ text: TEXT, tokensPerSecond: 400, fault: { kind: 'midstream-error', afterTokens: cut, message: 'Backend exploded' } });
        const { options, rec } = record();
        const result = await new StreamSession(request(target), options).run();
        assertWellFormed(rec, result);
        const partial = tokenize(TEXT).slice(0, cut).join('');
        assert.equal(result.state, 'error');
        assert.equal(result.message.state, 'error');
        assert.equal(result.message.text, partial, 'the partial answer is kept');
        assert.equal(joined(rec.appends), partial, 'and was all sent before the failure was reported');
        assert.ok(result.message.error && result.message.error.message.length > 0);
        assert.equal(result.message.error.kind, result.failure?.kind);
        assert.equal(result.message.stats?.finishReason, 'error');
        assert.equal(result.message.stats?.outputTokens, countTokens(partial, encodingForModel('sim-model')), 'counted on all the text that arrived');
        assert.equal(result.message.stats?.estimated, true);
        assert.ok((result.message.stats?.durationMs ?? -1) >= (result.message.stats?.ttftMs ?? 0), 'a failed answer has its duration too');
      });
    });
  }

  for (const kind of ['AbortSignal', 'cancellation token'] as const) {
    it(`a cancel (${kind}) ends as cancelled, keeps the text that arrived, with final stats`, async () => {
      const cut = 15;
      sim.enqueue({ text: TEXT, tokensPerSecond: 400, fault: { kind: 'stall', afterTokens: cut } });
      const controller = new AbortController();
      const source = new CancellationSource();
      const cancel = () => (kind === 'AbortSignal' ? controller.abort() : source.cancel());
      const id = (sim.stats().requestsLog.at(-1)?.id ?? 0) + 1;
      void sim.waitForTokens(id, cut, 20_000).then(() => setTimeout(cancel, 150), cancel);
      const { options, rec } = record();
      const result = await new StreamSession(request('openai-chat'), options).run(kind === 'AbortSignal' ? controller.signal : source.token);
      assertWellFormed(rec, result);
      const partial = tokenize(TEXT).slice(0, cut).join('');
      assert.equal(result.state, 'cancelled');
      assert.equal(result.message.state, 'cancelled');
      assert.equal(result.message.text, partial);
      assert.equal(joined(rec.appends), partial);
      assert.equal(result.message.error, undefined, 'a cancel is not a failure');
      assert.equal(result.message.stats?.finishReason, 'cancelled');
      assert.equal(result.message.stats?.outputTokens, countTokens(partial, encodingForModel('sim-model')));
      assert.equal(source.listenerCount, 0, 'no listener left on the token');
    });
  }

  it('a continued answer goes on from its text and its last seq, in the same message', async () => {
    const first = 'The first half of the answer. ';
    sim.enqueue({ text: TEXT, tokensPerSecond: 2000 });
    const message: SessionMessage = { text: first, state: 'cancelled', stats: undefined, error: { kind: 'connection', message: 'old' } };
    const { options, rec } = record({ message, seq: 7 });
    const session = new StreamSession(request('openai-chat', { continueFrom: first }), options);
    assert.equal(session.message, message);
    assert.equal(message.state, 'streaming', 'back to streaming at once');
    assert.equal(message.error, undefined);
    assert.equal(session.seq, 7);
    const result = await session.run();
    assertWellFormed(rec, result, 8);
    assert.equal(result.message, message, 'the message was filled in place');
    assert.equal(message.text, first + TEXT);
    assert.equal(session.seq, 7 + rec.appends.length);
    assert.equal(message.state, 'done');
  });

  it('flush() sends what the coalescer holds, so the message is exactly what the appends carried', async () => {
    sim.enqueue({ text: TEXT.repeat(3), tokensPerSecond: 1500 });
    const { options, rec } = record({ coalesceMs: 200 });
    const session = new StreamSession(request('openai-chat'), options);
    let held = 0;
    let checks = 0;
    const timer = setInterval(() => {
      if (joined(rec.appends) !== session.message.text) held++;
      session.flush();
      checks++;
      assert.equal(joined(rec.appends), session.message.text);
      assert.equal(rec.appends.at(-1)?.seq ?? 0, session.seq);
    }, 7);
    const result = await session.run().finally(() => clearInterval(timer));
    assertWellFormed(rec, result);
    assert.ok(held > 0, `the coalescer held text at ${held} of ${checks} checks`);
    assert.equal(joined(rec.appends), TEXT.repeat(3));
  });

  it('with coalesceMs 0 every delta goes out at once (the CLI)', async () => {
    sim.enqueue({ text: TEXT, tokensPerSecond: 3000 });
    const { options, rec } = record({ coalesceMs: 0 });
    const result = await new StreamSession(request('openai-chat'), options).run();
    assertWellFormed(rec, result);
    assert.equal(rec.appends.length, rec.textDeltas);
  });

  it('streams reasoning into the message and the appends, apart from the text', async () => {
    const reasoning = 'First think about what the user asked, then answer briefly.';
    sim.enqueue({ text: TEXT, reasoning, reasoningFormat: 'reasoning_content', tokensPerSecond: 2000 });
    const { options, rec } = record();
    const result = await new StreamSession(request('vllm'), options).run();
    assertWellFormed(rec, result);
    assert.equal(result.message.reasoning, reasoning);
    assert.equal(joined(rec.appends, 'reasoning'), reasoning);
    assert.equal(result.message.text, TEXT);
    assert.equal(joined(rec.appends), TEXT);
  });

  it('shows a retry notice while the SDK waits after a 429, and clears it when text arrives', async () => {
    sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after-ms': '200' } } }, { text: TEXT, tokensPerSecond: 2000 });
    let retries = 0;
    const { options, rec } = record();
    const result = await new StreamSession(request('openai-chat', { maxRetries: 1, onRetry: () => retries++ }), options).run();
    assertWellFormed(rec, result);
    assert.equal(result.state, 'done');
    assert.equal(retries, 1, "the request's own onRetry still runs");
    assert.equal(rec.notices.length, 2);
    assert.match(rec.notices[0]!, /^Rate limited \(429\): retrying in 1 s — Cancel to stop\.$/);
    assert.equal(rec.notices[1], undefined);
    assert.ok(rec.order.indexOf('notice:-') < rec.order.indexOf('append:1'), 'cleared before the first text is sent');
  });

  it('a request that fails before any byte (no key) ends as an error with stats and no text', async () => {
    const { options, rec } = record();
    const result = await new StreamSession(request('openai-chat', { apiKey: undefined }), options).run();
    assertWellFormed(rec, result);
    assert.equal(result.state, 'error');
    assert.equal(result.failure?.kind, 'auth');
    assert.match(result.message.error!.message, /OPENAI_API_KEY/);
    assert.equal(result.message.text, '');
    assert.deepEqual(rec.appends, []);
  });

  it('a source that ends without a terminal event, or throws, still ends the answer once, keeping its text', async () => {
    // Not a provider: the guards for a broken source (the VS Code Language Model API is one the session cannot vouch for).
    async function* endsEarly(): AsyncIterable<StreamEvent> {
      yield { type: 'start', provider: 'vscode-lm', model: 'm' };
      yield { type: 'text-delta', text: 'Half an ' };
    }
    async function* throws(): AsyncIterable<StreamEvent> {
      yield { type: 'start', provider: 'vscode-lm', model: 'm' };
      yield { type: 'text-delta', text: 'Half an ' };
      throw new Error('boom');
    }
    for (const [source, kind, message] of [
      [endsEarly, 'protocol', 'The stream ended without a finish event.'],
      [throws, 'provider', 'Unexpected failure: boom'],
    ] as const) {
      const { options, rec } = record({ source });
      const result = await new StreamSession({ provider: 'vscode-lm', api: 'openai-chat', model: 'm', messages: [] }, options).run();
      assertWellFormed(rec, result);
      assert.equal(result.state, 'error');
      assert.deepEqual(result.message.error, { kind, message });
      assert.equal(result.message.text, 'Half an ');
      assert.equal(joined(rec.appends), 'Half an ');
      assert.equal(result.message.stats?.provider, 'vscode-lm');
      assert.equal(result.message.stats?.finishReason, 'error');
    }
  });

  it("a tool call reaches the consumer after the text before it, whatever the coalescing (the provider's part order)", async () => {
    sim.enqueue({ text: "I'll look that up first.", toolCalls: [{ name: 'search_docs', arguments: '{"query": "debounce"}' }], tokensPerSecond: 0 });
    const order: string[] = [];
    const { options } = record({
      coalesceMs: 10_000,
      onAppend: (a) => order.push(`text:${a.text}`),
      onToolCall: (call) => order.push(`call:${call.name}`),
    });
    const result = await new StreamSession(request('openai-chat', { tools: [{ name: 'search_docs' }] }), options).run();
    assert.equal(result.state, 'done');
    assert.equal(result.finishReason, 'tool-calls');
    assert.equal(order.at(-1), 'call:search_docs', order.join(' | '));
    assert.equal(
      order
        .slice(0, -1)
        .map((o) => o.slice('text:'.length))
        .join(''),
      "I'll look that up first.",
    );
  });

  it('runs once', async () => {
    sim.enqueue({ text: 'Hi.' });
    const session = new StreamSession(request('openai-chat'), record().options);
    await session.run();
    await assert.rejects(session.run(), /runs once/);
  });
});

describe('endMessage (an answer whose request never started)', () => {
  it('ends the message without touching its earlier stats, and clears the notice', () => {
    const stats = { model: 'm', providerLabel: 'X', ttftMs: 5, tokensPerSecond: 1, outputTokens: 3, estimated: false, finishReason: 'length' as const };
    const message: SessionMessage = { text: 'partial', state: 'streaming', stats, notice: 'retrying' };
    const result = endMessage(message, {
      state: 'error',
      stats: undefined,
      error: { kind: 'connection', message: 'No provider' },
      failure: undefined,
      metrics: undefined,
      usage: undefined,
      finishReason: 'error',
      rawFinishReason: undefined,
    });
    assert.equal(result.message, message);
    assert.equal(message.state, 'error');
    assert.deepEqual(message.error, { kind: 'connection', message: 'No provider' });
    assert.equal(message.notice, undefined);
    assert.equal(message.stats, stats);
    assert.equal(message.stats.finishReason, 'length');
    assert.equal(message.text, 'partial');
  });
});
