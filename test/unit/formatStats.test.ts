/** The figures under an answer (pure formatting, plain Node). */
import * as assert from 'node:assert/strict';
import { formatStats } from '../../src/webview/formatStats';

describe('formatStats', () => {
  const base = { model: 'claude-sonnet', providerLabel: 'Anthropic', ttftMs: 412.3, tokensPerSecond: 61.25, outputTokens: 900, estimated: false, finishReason: 'stop' as const };

  it('shows model, TTFT, tok/s, tokens and the finish', () => {
    assert.deepEqual(formatStats(base), ['Anthropic · claude-sonnet', 'TTFT 412 ms', '61.3 tok/s', '900 tokens', 'done']);
  });

  it('adds when the answer itself began after reasoning, and the reasoning tokens', () => {
    assert.deepEqual(formatStats({ ...base, firstAnswerTokenMs: 2_480, reasoningTokens: 640 }), [
      'Anthropic · claude-sonnet',
      'TTFT 412 ms',
      'answer at 2.5 s',
      '61.3 tok/s',
      '900 tokens',
      '640 reasoning',
      'done',
    ]);
    assert.ok(formatStats({ ...base, firstAnswerTokenMs: 730 }).includes('answer at 730 ms'));
  });

  it('marks estimated counts with ~', () => {
    assert.deepEqual(formatStats({ ...base, estimated: true, finishReason: 'error' }).slice(2), ['~61.3 tok/s', '~900 tokens', 'error']);
  });
});
