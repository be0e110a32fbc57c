import type { AnswerRecord } from '../../../src/shared/answerMetrics';

/** Answer record `i` of a metrics store (one second apart), with `overrides`. */
export function rec(i: number, overrides: Partial<AnswerRecord> = {}): AnswerRecord {
  return {
    time: 1_700_000_000_000 + i * 1000,
    source: 'panel',
    provider: 'openai',
    providerLabel: 'OpenAI',
    model: 'm',
    ttftMs: 100 + i,
    tokensPerSecond: 50,
    outputTokens: 10,
    estimated: false,
    durationMs: 400,
    finish: 'stop',
    ...overrides,
  };
}
