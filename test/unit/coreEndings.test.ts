/**
 * Final figures on every ending. A finish, a mid-stream failure and a cancel each carry final
 * metrics counted on all the text that arrived (the provider's usage when it reported it), so the
 * same scripted stream gives the same count at 10, 400 and 5,000 tok/s — before, a failure kept the
 * last live snapshot (taken at most every 100 ms) and the count depended on the speed.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { CancellationSource } from '../../src/core/cancellation';
import { countTokens, encodingForModel, StreamMetrics } from '../../src/core/metrics';
import { createObservedFetch } from '../../src/core/observedFetch';
import type { SimScript } from '../../src/simulator/script';
import { tokenize } from '../../src/simulator/tokenize';
import { drain, simRequest, type StreamSummary, type Target, useSimulator } from './helpers/coreHarness';

const TEXT = 'Streaming answers arrive token by token, and every figure about them must hold however the stream ends: finished, failed or cancelled by the user halfway through.';
const CUT_AFTER = 20;
const SPEEDS = [10, 400, 5000];

describe('core: final figures on every ending', function () {
  this.timeout(60_000);
  const sim = useSimulator();

  async function run(target: Target, script: SimScript, cancelAfterTokens?: number): Promise<StreamSummary> {
    sim.enqueue(script);
    const source = new CancellationSource();
    const events = stream(simRequest(sim, target, { maxRetries: 0 }), source.token);
    if (cancelAfterTokens === undefined) return drain(events);
    const id = (sim.stats().requestsLog.at(-1)?.id ?? 0) + 1;
    void sim.waitForTokens(id, cancelAfterTokens, 20_000).then(
      // Let the last written tokens reach the client before the user presses Cancel.
      () => setTimeout(() => source.cancel(), 150),
      () => source.cancel(),
    );
    return drain(events);
  }

  for (const target of ['openai-chat', 'anthropic'] as const) {
    describe(target, () => {
      it('a mid-stream failure reports the same final count at every speed, counted on all the text that arrived', async () => {
        const counts: number[] = [];
        for (const tokensPerSecond of SPEEDS) {
          const s = await run(target, { text: TEXT, tokensPerSecond, fault: { kind: 'midstream-error', afterTokens: CUT_AFTER } });
          assert.ok(s.error, `failed at ${tokensPerSecond} tok/s`);
          const expectedText = tokenize(TEXT).slice(0, CUT_AFTER).join('');
          assert.equal(s.error.partialText, expectedText);
          const m = s.error.metrics;
          assert.equal(m.estimated, true, 'no usage was reported before the failure');
          assert.equal(m.outputTokens, countTokens(expectedText, encodingForModel('sim-model')), `at ${tokensPerSecond} tok/s`);
          assert.ok(m.ttftMs !== undefined && m.lastTokenMs !== undefined);
          counts.push(m.outputTokens!);
        }
        assert.equal(new Set(counts).size, 1, `counts ${counts.join(', ')}`);
      });

      it('a cancel reports the same final count at every speed', async () => {
        const counts: number[] = [];
        for (const tokensPerSecond of SPEEDS) {
          const s = await run(target, { text: TEXT, tokensPerSecond, fault: { kind: 'stall', afterTokens: CUT_AFTER } }, CUT_AFTER);
          assert.equal(s.finish?.reason.unified, 'cancelled', `at ${tokensPerSecond} tok/s`);
          assert.equal(s.text, tokenize(TEXT).slice(0, CUT_AFTER).join(''));
          counts.push(s.finish!.metrics.outputTokens!);
        }
        assert.equal(new Set(counts).size, 1, `counts ${counts.join(', ')}`);
        assert.equal(counts[0], countTokens(tokenize(TEXT).slice(0, CUT_AFTER).join(''), encodingForModel('sim-model')));
      });

      it("a finish reports the provider's usage at every speed", async () => {
        for (const tokensPerSecond of SPEEDS) {
          const s = await run(target, { text: TEXT, tokensPerSecond });
          assert.equal(s.finish?.reason.unified, 'stop');
          assert.equal(s.finish?.metrics.outputTokens, tokenize(TEXT).length, `at ${tokensPerSecond} tok/s`);
          assert.equal(s.finish?.metrics.estimated, false);
        }
      });
    });
  }

  it('a tool-call-only answer reports a count, not null (counted when the server reports no usage)', async () => {
    const toolCall = { name: 'search_docs', arguments: JSON.stringify({ query: 'how do streams end', limit: 5 }) };
    const counted = await run('ollama', { text: '', finishReason: 'tool-calls', toolCall, includeUsage: false });
    assert.equal(counted.text, '');
    assert.equal(counted.toolCalls.length, 1);
    assert.equal(counted.finish?.metrics.estimated, true);
    assert.equal(counted.finish?.metrics.outputTokens, countTokens(toolCall.arguments, encodingForModel('sim-model')));
    const reported = await run('anthropic', { text: '', finishReason: 'tool-calls', toolCall });
    assert.equal(reported.finish?.metrics.outputTokens, tokenize(toolCall.arguments).length);
  });

  it('the observed fetch reports the call, then the headers going to the socket, for its own URL only', async () => {
    const phases: string[] = [];
    const fetch = createObservedFetch({ idleTimeoutMs: 0, headersTimeoutMs: 0, maxRetries: 0, observer: { onRequest: ({ phase }) => phases.push(phase) } });
    const other = globalThis.fetch(`${sim.openAIBaseUrl}/models?other=1`);
    const response = await fetch(`${sim.openAIBaseUrl}/models`);
    await response.text();
    await (await other).text();
    assert.deepEqual(phases, ['called', 'sent']);
  });

  it('metrics: times run from the request on the network, the setup before it apart; a socket time replaces the call time', () => {
    let t = 0;
    const m = new StreamMetrics('m', () => t);
    t = 80; // SDK loaded, request built
    m.markRequestSent();
    t = 95; // the first fetch in a process sets itself up before the headers go out
    m.markRequestSent(true);
    t = 100;
    m.markRequestSent(); // a retry does not restart the clock
    t = 395;
    m.addDelta('Hi', 'reasoning');
    t = 495;
    m.addDelta('Hello', 'text');
    const s = m.snapshot(true);
    assert.equal(s.setupMs, 95);
    assert.equal(s.ttftMs, 300);
    assert.equal(s.firstAnswerTokenMs, 400);
  });

  it('the clock starts when the request is handed to the network: local setup is its own figure', async () => {
    const s = await run('openai-chat', { text: 'Hello', ttftMs: 150 });
    const m = s.finish!.metrics;
    assert.ok(m.setupMs !== undefined && m.setupMs >= 0, 'setup reported');
    const r = sim.stats().requestsLog[0]!;
    // The simulator's first-token write, after the request reached it; the core sees it a little later.
    const serverTtft = r.firstTokenAt! - r.startedAt;
    assert.ok(m.ttftMs! >= serverTtft, `TTFT ${m.ttftMs!.toFixed(1)} ≥ server ${serverTtft.toFixed(1)} ms`);
    assert.ok(m.ttftMs! <= serverTtft + 30, `TTFT ${m.ttftMs!.toFixed(1)} vs server ${serverTtft.toFixed(1)} ms`);
  });
});
