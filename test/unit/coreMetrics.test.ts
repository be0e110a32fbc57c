/** StreamMetrics with an injected clock: TTFT, TPS, provider usage vs. the real tokenizer, live rate. */
import * as assert from 'node:assert/strict';
import { countTokens, encodingForModel, LIVE_SAMPLE_CHARS, StreamMetrics } from '../../src/core/metrics';

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('core: metrics', () => {
  it('measures TTFT from the request start and TPS between first and last token', () => {
    const c = clock();
    const m = new StreamMetrics('gpt-4o', c.now);
    c.advance(50);
    m.markHeaders();
    c.advance(10);
    m.markBytes(100);
    c.advance(240);
    m.addDelta('Hello');
    c.advance(1000);
    m.addDelta(' world');
    m.setUsage({ inputTokens: 3, outputTokens: 10 });
    const s = m.snapshot(true);
    assert.equal(s.headersMs, 50);
    assert.equal(s.firstByteMs, 60);
    assert.equal(s.ttftMs, 300);
    assert.equal(s.lastTokenMs, 1300);
    assert.equal(s.outputTokens, 10);
    assert.equal(s.estimated, false);
    assert.equal(s.tokensPerSecond, 10);
    assert.equal(s.bytes, 100);
  });

  it('counts with the real tokenizer when the provider reports no usage', () => {
    const c = clock();
    const m = new StreamMetrics('llama3.2', c.now);
    m.addDelta('The quick brown fox');
    c.advance(500);
    m.addDelta(' jumps over the lazy dog.');
    const s = m.snapshot(true);
    assert.equal(s.estimated, true);
    assert.equal(s.outputTokens, countTokens('The quick brown fox jumps over the lazy dog.', 'cl100k_base'));
    assert.equal(s.outputTokens, 10);
  });

  it('reports no tokens before the first delta, and undefined TPS for a single instant', () => {
    const m = new StreamMetrics('gpt-4o', clock().now);
    assert.equal(m.snapshot().outputTokens, undefined);
    assert.equal(m.snapshot().ttftMs, undefined);
    m.addDelta('x');
    assert.equal(m.snapshot(true).tokensPerSecond, undefined);
  });

  it('live rate covers the last second and empties during a stall', () => {
    const c = clock();
    const m = new StreamMetrics('gpt-4o', c.now);
    for (let i = 0; i < 20; i++) {
      m.addDelta(' word');
      c.advance(100);
    }
    const live = m.snapshot().liveTokensPerSecond!;
    assert.ok(Math.abs(live - 10) < 0.5, `live ${live}`);
    c.advance(5000);
    assert.equal(m.snapshot().liveTokensPerSecond, undefined);
  });

  it('live rate follows a change of speed when snapshots come every 100 ms, as the adapter takes them', () => {
    const c = clock();
    const m = new StreamMetrics('llama3.2', c.now);
    const rates: number[] = [];
    // 2 s at 20 tok/s, then 2 s at 100 tok/s (one-token deltas), a snapshot every 100 ms.
    for (let ms = 0; ms < 4000; ms += 10) {
      const every = ms < 2000 ? 50 : 10;
      if (ms % every === 0) m.addDelta(' word');
      if (ms % 100 === 0) rates.push(m.snapshot().liveTokensPerSecond ?? 0);
      c.advance(10);
    }
    const at = (ms: number) => rates[ms / 100]!;
    assert.ok(Math.abs(at(1900) - 20) < 1, `slow phase ${at(1900)}`);
    assert.ok(Math.abs(at(3900) - 100) < 3, `fast phase ${at(3900)}`);
    const final = m.snapshot(true);
    assert.equal(final.outputTokens, 40 + 200);
    assert.equal(final.liveTokensPerSecond, undefined);
  });

  it('counts a long burst between snapshots from a bounded sample live, and exactly at the end', () => {
    const c = clock();
    const m = new StreamMetrics('llama3.2', c.now);
    const piece = 'The streamed answer keeps going, with `code()` and prose. ';
    let text = '';
    m.addDelta(piece);
    text += piece;
    assert.equal(m.snapshot().outputTokens, countTokens(piece, 'cl100k_base'));
    while (text.length < LIVE_SAMPLE_CHARS * 10) {
      c.advance(1);
      m.addDelta(piece);
      text += piece;
    }
    const exact = countTokens(text, 'cl100k_base');
    const live = m.snapshot();
    assert.ok(Math.abs(live.outputTokens! - exact) / exact < 0.05, `live ${live.outputTokens} vs exact ${exact}`);
    assert.equal(live.estimated, true);
    assert.equal(m.snapshot(true).outputTokens, exact);
  });

  it("uses the provider's count once reported, for the live and the final figure", () => {
    const c = clock();
    const m = new StreamMetrics('gpt-4o', c.now);
    m.addDelta('Hello there, general Kenobi.');
    c.advance(100);
    m.setUsage({ inputTokens: 5, outputTokens: 42 });
    assert.equal(m.snapshot().outputTokens, 42);
    assert.equal(m.snapshot(true).outputTokens, 42);
    assert.equal(m.snapshot(true).estimated, false);
  });

  it('counts with cl100k for every model; special-token text is plain text', () => {
    assert.equal(encodingForModel('gpt-4o-mini'), 'cl100k_base');
    assert.equal(encodingForModel('claude-sonnet-4-5'), 'cl100k_base');
    assert.ok(countTokens('a <|endoftext|> b', 'cl100k_base') > 3);
  });
});
