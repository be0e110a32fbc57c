/**
 * An answer that never ends: the simulator, over real loopback HTTP through the real SDKs, keeps
 * sending valid events (text, reasoning or tool-call argument fragments) whatever the output limit.
 * The core stops at its client-side cap (in proportion to the output limit, with a hard ceiling):
 * the answer ends as `length` with the text so far kept and a note that says why, and the request
 * is aborted (the simulator sees the client close the connection before the end).
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import type { StreamEvent } from '../../src/core/events';
import { MAX_OUTPUT_CHARS, MIN_OUTPUT_CHARS, outputCapChars } from '../../src/core/outputCap';
import { StreamSession } from '../../src/core/session/StreamSession';
import type { SimRequestRecord } from '../../src/simulator/SimStats';
import { drain, eventually, simRequest, type StreamSummary, type Target, useSimulator } from './helpers/coreHarness';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.';
const PIECE = 1024;
/** The simulator's safety stop for a client without a cap (the old code): far past every cap tested here. */
const SAFETY_MB = 16;

function finishNote(s: StreamSummary): string | undefined {
  const finish = s.events.find((e): e is Extract<StreamEvent, { type: 'finish' }> => e.type === 'finish');
  return (finish as { note?: string } | undefined)?.note;
}

describe('core: an answer that never ends stops at the output cap', function () {
  this.timeout(60_000);
  const sim = useSimulator();
  const record = (id = 1): SimRequestRecord | undefined => sim.stats().requestsLog.find((r) => r.id === id);

  it('the cap is in proportion to the output limit, with a floor and a hard ceiling', () => {
    assert.equal(outputCapChars({ maxOutputTokens: 100 }), MIN_OUTPUT_CHARS);
    assert.equal(outputCapChars({ maxOutputTokens: 64_000 }), 64_000 * 16);
    assert.equal(outputCapChars({ maxOutputTokens: 64_000, reasoning: { budgetTokens: 16_000 } }), 80_000 * 16);
    assert.equal(outputCapChars({ maxOutputTokens: 1_000_000 }), MAX_OUTPUT_CHARS);
    assert.equal(outputCapChars({ maxOutputTokens: undefined }), MAX_OUTPUT_CHARS);
    assert.ok(MAX_OUTPUT_CHARS <= 8 * 1024 * 1024);
  });

  const cases: Array<{ target: Target; segment: 'text' | 'reasoning' | 'tool' }> = [
    { target: 'openai-chat', segment: 'text' },
    { target: 'openai-responses', segment: 'text' },
    { target: 'anthropic', segment: 'text' },
    { target: 'llamacpp', segment: 'text' },
    { target: 'openai-chat', segment: 'reasoning' },
    { target: 'openai-responses', segment: 'reasoning' },
    { target: 'anthropic', segment: 'reasoning' },
    { target: 'openai-chat', segment: 'tool' },
    { target: 'anthropic', segment: 'tool' },
  ];
  for (const { target, segment } of cases) {
    it(`${target}: endless ${segment} → finish length at the cap, the partial kept, a note, the socket closed by the client`, async () => {
      const maxOutputTokens = 1000;
      const cap = outputCapChars({ maxOutputTokens });
      sim.enqueue({
        text: ANSWER,
        tokensPerSecond: 0,
        ...(segment === 'tool' ? { finishReason: 'tool-calls' as const } : {}),
        fault: { kind: 'endless', afterTokens: 5, segment, pieceChars: PIECE, megabytes: SAFETY_MB },
      });
      const s = await drain(stream(simRequest(sim, target, { maxOutputTokens })));
      assert.equal(s.error, undefined, `no failure: ${JSON.stringify(s.error?.error)}`);
      assert.equal(s.finish?.reason.unified, 'length', `finish ${JSON.stringify(s.finish?.reason)} after ${s.text.length + s.reasoning.length} characters`);
      const note = finishNote(s);
      assert.match(
        note ?? '',
        /^Stopped after [\d,]+ characters: the server kept sending \(the output limit was 1,000 tokens\)\. The answer so far is kept; Continue asks for more\.$/,
      );
      // The partial is kept: the first tokens, then the endless part up to the cap.
      if (segment !== 'reasoning') assert.ok(s.text.startsWith('The quick'), `text kept: ${JSON.stringify(s.text.slice(0, 40))}`);
      const grown = segment === 'text' ? s.text.length : segment === 'reasoning' ? s.reasoning.length : 0;
      if (segment !== 'tool') {
        assert.ok(grown >= cap - PIECE, `kept ${grown} of a ${cap} cap`);
        assert.ok(grown <= cap + 16 * PIECE, `stopped near the cap: ${grown} > ${cap}`);
      }
      await eventually(() => record()?.closedBy === 'client', 5000, 'the client to close the connection');
      assert.equal(record()?.completed, false);
      assert.ok((record()?.endlessBytes ?? 0) < SAFETY_MB * 1024 * 1024, 'the server did not reach its own stop');
    });
  }

  it('openai-chat: with an output limit of 1,000,000 tokens the hard ceiling still stops it, memory bounded', async () => {
    sim.enqueue({ text: ANSWER, tokensPerSecond: 0, fault: { kind: 'endless', afterTokens: 5, pieceChars: 16 * 1024, megabytes: 32 } });
    const baseline = process.memoryUsage().heapUsed;
    const s = await drain(stream(simRequest(sim, 'openai-chat', { maxOutputTokens: 1_000_000 })));
    const grownMb = (process.memoryUsage().heapUsed - baseline) / (1024 * 1024);
    assert.equal(s.finish?.reason.unified, 'length', `finish ${JSON.stringify(s.finish?.reason)} after ${s.text.length} characters`);
    assert.ok(s.text.length >= MAX_OUTPUT_CHARS && s.text.length <= MAX_OUTPUT_CHARS + 16 * 16 * 1024, `stopped at the ceiling: ${s.text.length}`);
    assert.match(finishNote(s) ?? '', /the output limit was 1,000,000 tokens/);
    await eventually(() => record()?.closedBy === 'client', 5000, 'the client to close the connection');
    // The text itself is up to 8 Mi characters (held twice here: the summary and its events); nothing near what the server sent.
    assert.ok(grownMb < 200, `heap grew ${grownMb.toFixed(0)} MB`);
  });

  it('a stream session ends the endless answer done/length, with the note in its figures and the text kept', async () => {
    sim.enqueue({ text: ANSWER, tokensPerSecond: 0, fault: { kind: 'endless', afterTokens: 5, pieceChars: PIECE, megabytes: SAFETY_MB } });
    const session = new StreamSession(simRequest(sim, 'anthropic', { maxOutputTokens: 1000 }), { source: stream, providerLabel: 'Simulator', coalesceMs: 0 });
    const result = await session.run();
    assert.equal(result.state, 'done');
    assert.equal(result.finishReason, 'length');
    assert.ok(result.message.text.startsWith('The quick') && result.message.text.length >= MIN_OUTPUT_CHARS - PIECE);
    assert.match((result.stats as { note?: string } | undefined)?.note ?? '', /^Stopped after/);
    await eventually(() => record()?.closedBy === 'client', 5000, 'the client to close the connection');
  });
});
