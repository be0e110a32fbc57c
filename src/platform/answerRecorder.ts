/**
 * Records each answer's figures in the metrics store: the answer runner (answerRunner.ts) calls it
 * once per answer, whoever consumed it (the panel, Compare, `@sidestream`, the `vscode.lm`
 * provider). No `vscode` import.
 */
import type { AnswerStats, SessionResult } from '../core/session/StreamSession';
import type { AnswerRecord, AnswerSource } from '../shared/answerMetrics';
import type { MetricsStore } from './MetricsStore';

/** Where answers' figures go (the answer runner holds one; undefined store: nowhere, as in unit tests of consumers). */
export class AnswerRecorder {
  constructor(private readonly store: Pick<MetricsStore, 'append'> | undefined) {}

  /**
   * Records how an answer ended, whatever the state: a cancelled or failed answer's figures are
   * real too. An answer whose request never started (no stats) has no figures and is not recorded.
   */
  record(source: AnswerSource, result: Pick<SessionResult, 'stats' | 'finishReason'> & Partial<Pick<SessionResult, 'usage'>>, caller?: string): void {
    if (!this.store || !result.stats) return;
    const record = answerRecord(source, result.stats, result.finishReason, Date.now());
    if (result.usage?.inputTokens !== undefined) record.promptTokens = result.usage.inputTokens;
    if (result.usage?.cachedInputTokens !== undefined) record.cachedPromptTokens = result.usage.cachedInputTokens;
    if (caller) record.caller = caller;
    this.store.append(record);
  }
}

/** One answer's figures as stored: the stats' numbers, never the answer's text. */
export function answerRecord(source: AnswerSource, stats: AnswerStats, finish: string, time: number): AnswerRecord {
  const record: AnswerRecord = {
    time,
    source,
    provider: stats.provider ?? 'unknown',
    providerLabel: stats.providerLabel,
    model: stats.model,
    estimated: stats.estimated,
    finish: stats.finishReason ?? finish,
  };
  // Absent figures stay absent (JSON would drop `undefined` anyway; this keeps the object honest).
  if (stats.ttftMs !== undefined) record.ttftMs = round(stats.ttftMs);
  if (stats.firstAnswerTokenMs !== undefined) record.firstAnswerTokenMs = round(stats.firstAnswerTokenMs);
  if (stats.tokensPerSecond !== undefined) record.tokensPerSecond = round(stats.tokensPerSecond);
  if (stats.outputTokens !== undefined) record.outputTokens = stats.outputTokens;
  if (stats.durationMs !== undefined) record.durationMs = round(stats.durationMs);
  return record;
}

/** A tenth of a millisecond (or token per second) is finer than any of these figures is accurate. */
function round(n: number): number {
  return Math.round(n * 10) / 10;
}
