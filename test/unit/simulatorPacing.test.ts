import * as assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Simulator } from '../../src/simulator/Simulator';
import { tokenize } from '../../src/simulator/tokenize';

/**
 * Pacing is checked on the simulator's own recorded timestamps. The writer never sends a token
 * before it is due (t0 + i·1000/tps), which is exact; upper bounds are deliberately loose.
 */
describe('Simulator: pacing by absolute schedule', () => {
  let sim: Simulator;
  let openai: OpenAI;

  before(async () => {
    sim = new Simulator();
    await sim.start();
    openai = new OpenAI({ apiKey: 'k', baseURL: sim.openAIBaseUrl, maxRetries: 0 });
  });
  after(() => sim.stop());
  beforeEach(() => sim.reset());

  it('honours the scripted TTFT and tokens per second, never sending a token early', async () => {
    const text = Array.from({ length: 16 }, (_, i) => ` w${i}`).join('');
    const ttftMs = 150;
    const tps = 40;
    sim.enqueue({ text, ttftMs, tokensPerSecond: tps });
    const sentAt = performance.timeOrigin + performance.now();
    let clientFirstDeltaAt: number | undefined;
    let received = '';
    for await (const c of await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] })) {
      const delta = c.choices[0]?.delta.content ?? '';
      if (delta !== '') clientFirstDeltaAt ??= performance.timeOrigin + performance.now();
      received += delta;
    }
    assert.equal(received, text);
    const r = sim.stats().requestsLog[0]!;
    const t0 = r.headersSentAt! + ttftMs;
    r.tokenTimes.forEach((at, i) => assert.ok(at >= t0 + (i * 1000) / tps, `token ${i} sent ${(t0 + (i * 1000) / tps - at).toFixed(1)} ms early`));
    // At 40 tok/s each token is normally its own write; a loaded machine may merge a few.
    assert.ok(new Set(r.tokenTimes).size >= 8, `tokens spaced out, ${new Set(r.tokenTimes).size} writes for 16`);
    const span = r.lastTokenAt! - r.firstTokenAt!;
    assert.ok(span >= 375 * 0.5 && span < 375 * 3, `15 gaps of 25 ms took ${span.toFixed(0)} ms`);
    assert.ok(clientFirstDeltaAt! - sentAt >= ttftMs, 'the client sees the first token after the TTFT');
  });

  it('keeps up with 5,000 tokens per second by writing everything due in one write per tick', async () => {
    const text = Array.from({ length: 2500 }, (_, i) => ` t${i % 100}`).join('');
    assert.equal(tokenize(text).length, 2500);
    sim.enqueue({ text, tokensPerSecond: 5000 });
    let received = '';
    let chunks = 0;
    for await (const c of await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] })) {
      received += c.choices[0]?.delta.content ?? '';
      chunks++;
    }
    assert.equal(received, text);
    assert.ok(chunks >= 2500);
    const r = sim.stats().requestsLog[0]!;
    assert.equal(r.tokensSent, 2500);
    const writes = new Set(r.tokenTimes).size;
    assert.ok(writes < 1250, `batched into ${writes} writes`);
    const span = r.lastTokenAt! - r.headersSentAt!;
    assert.ok(span >= 2499 / 5, `paced, not dumped: ${span.toFixed(0)} ms`);
    assert.ok(span < 2500, `kept up: ${(2500 / (span / 1000)).toFixed(0)} tok/s`);
  });

  it('waits headersDelayMs before the status line, then streams unpaced tokens in batches', async () => {
    sim.enqueue({ text: Array.from({ length: 200 }, (_, i) => ` u${i}`).join(''), headersDelayMs: 120 });
    let n = 0;
    for await (const c of await openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'q' }] })) if (c.choices[0]?.delta.content) n++;
    assert.equal(n, 200);
    const r = sim.stats().requestsLog[0]!;
    assert.ok(r.headersSentAt! - r.startedAt >= 120);
    assert.ok(new Set(r.tokenTimes).size > 1, 'unpaced streams still yield between batches');
  });
});
