/**
 * The SSE reader's buffer bound, end to end: the simulator over real loopback HTTP sends a few
 * tokens, then one `data:` line of 64 MB that never ends; each wire format goes through the real
 * SDK request and the real body reader. The stream must end in a one-line `protocol` failure,
 * keep the text that already arrived, stop reading (the server could not write the whole line) and
 * never hold anything near the line in memory.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { MAX_SSE_BUFFER_CHARS } from '../../src/core/providers/eventStream';
import { Simulator } from '../../src/simulator/Simulator';
import { drain, eventually, failureOf, simRequest, type Target } from './helpers/coreHarness';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.';
const LINE_MB = 64;
const MB = 1024 * 1024;

describe('core: a line that never ends (the SSE buffer bound)', function () {
  this.timeout(60_000);
  const sim = new Simulator();
  before(async () => {
    await sim.start();
    // Load both SDKs first, so their code is not counted as growth.
    for (const target of ['openai-chat', 'anthropic'] as Target[]) {
      sim.enqueue({ text: ANSWER, tokensPerSecond: 0 });
      assert.equal((await drain(stream(simRequest(sim, target)))).text, ANSWER);
    }
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  for (const target of ['openai-chat', 'openai-responses', 'anthropic', 'llamacpp'] as Target[]) {
    it(`${target}: ${LINE_MB} MB without a line break → one-line protocol failure, text kept, memory bounded`, async () => {
      sim.enqueue({ text: ANSWER, tokensPerSecond: 0, fault: { kind: 'endless-line', afterTokens: 5, megabytes: LINE_MB } });
      const baseline = process.memoryUsage().heapUsed;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }, 2);
      let summary;
      try {
        summary = await drain(stream(simRequest(sim, target)));
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().heapUsed);

      const failure = failureOf(summary);
      assert.equal(failure.kind, 'protocol', failure.message);
      assert.doesNotMatch(failure.message, /\n/, 'one line');
      assert.match(failure.message, /sent more than 8 MiB without ending a line or an event/);
      assert.match(failure.message, /check the base URL/);
      assert.ok(failure.message.startsWith(sim.origin), `names the server: ${failure.message}`);

      const recordOf = () => sim.stats().requestsLog.find((r) => r.id === 1);
      await eventually(() => recordOf()?.closedBy === 'client', 5000, 'the client closed the socket');
      const record = recordOf();
      assert.ok(record, 'the request reached the simulator');
      assert.equal(record.tokensSent, 5);
      assert.ok(record.textSent.length > 0);
      assert.equal(summary.error?.partialText, record.textSent, 'the text that arrived before the line is kept');
      assert.equal(summary.text, record.textSent);

      const lineBytes = record.endlessLineBytes ?? 0;
      assert.ok(lineBytes > MAX_SSE_BUFFER_CHARS, `the bound was reached (${lineBytes} bytes sent)`);
      assert.ok(lineBytes < LINE_MB * MB, `reading stopped before the end of the line (${(lineBytes / MB).toFixed(1)} MB of ${LINE_MB} sent)`);
      const growthMb = (peak - baseline) / MB;
      if (process.env.SIDESTREAM_DEBUG_BOUND) console.log(`${target}: heap +${growthMb.toFixed(1)} MB, ${(lineBytes / MB).toFixed(1)} MB of the line sent`);
      // An unbounded parser holds the whole line (64 MB of characters) before the body ends.
      assert.ok(growthMb < LINE_MB / 2, `heap grew ${growthMb.toFixed(1)} MB while ${LINE_MB} MB was offered`);
    });
  }
});
