/** StreamMetrics with an injected clock: TTFT, TPS, provider usage vs. the real tokenizer, live rate. */
import * as assert from 'node:assert/strict';
import { countTokens, encodingForModel, StreamMetrics } from '../../src/core/metrics';

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

  it('counts with cl100k for every model; special-token text is plain text', () => {
    assert.equal(encodingForModel('gpt-4o-mini'), 'cl100k_base');
    assert.equal(encodingForModel('claude-sonnet-4-5'), 'cl100k_base');
    assert.ok(countTokens('a <|endoftext|> b', 'cl100k_base') > 3);
  });
});
