import * as assert from 'node:assert/strict';
import { DeltaCoalescer, type CoalescedDelta } from '../../src/core/session/DeltaCoalescer';
import { formatFigures, formatTps } from '../../src/platform/statusText';

describe('DeltaCoalescer', () => {
  it('posts the first delta at once, then at most one post per interval, losing and reordering nothing', async () => {
    let clock = 0;
    const posts: CoalescedDelta[] = [];
    const c = new DeltaCoalescer(
      (d) => posts.push(d),
      20,
      () => clock,
    );
    c.push('a');
    assert.equal(posts.length, 1, 'first delta is not delayed');
    // 3,000 tokens/s for 1 s of virtual time: one token every 1/3 ms.
    const tokens: string[] = [];
    for (let i = 0; i < 3000; i++) {
      clock = i / 3;
      const t = ` t${i}`;
      tokens.push(t);
      c.push(t);
      // Fire due timers in virtual time.
      if (i % 60 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    c.flush();
    const text = posts.map((p) => p.text).join('');
    assert.equal(text, 'a' + tokens.join(''), 'every character arrives, in order');
    assert.ok(posts.length <= 60, `at most one post per 20 ms of virtual time, got ${posts.length}`);
  });

  it('keeps text and reasoning apart and flushes on dispose', () => {
    const posts: CoalescedDelta[] = [];
    let clock = 0;
    const c = new DeltaCoalescer(
      (d) => posts.push(d),
      20,
      () => clock,
    );
    c.push('', 'think');
    clock = 1;
    c.push('x');
    c.push('', ' more');
    c.dispose();
    assert.deepEqual(posts, [
      { text: '', reasoning: 'think' },
      { text: 'x', reasoning: ' more' },
    ]);
  });
});

describe('status-bar figures', () => {
  it('formats TTFT as an integer and TPS with one decimal, ~ when estimated', () => {
    assert.equal(formatFigures({ ttftMs: 412.6, tokensPerSecond: 41.26, liveTokensPerSecond: undefined, estimated: false }, false), 'TTFT 413 ms · 41.3 tok/s');
    assert.equal(formatFigures({ ttftMs: 80, tokensPerSecond: 2345.2, liveTokensPerSecond: undefined, estimated: true }, false), 'TTFT 80 ms · ~2345 tok/s');
    assert.equal(formatFigures({ ttftMs: 80, tokensPerSecond: 10, liveTokensPerSecond: 55.55, estimated: false }, true), 'TTFT 80 ms · 55.5 tok/s');
    assert.equal(formatTps(undefined, false), undefined);
    assert.equal(formatFigures({ ttftMs: undefined, tokensPerSecond: undefined, liveTokensPerSecond: undefined, estimated: false }, true), '');
  });
});
