/** Pure formatting of the figures shown under a finished assistant message. */
import type { UnifiedFinishReason } from '../shared/answerTypes';
import type { MessageStats } from '../shared/protocol';

/** Words for finish reasons; `stop` is the normal end and reads as "done". */
export function describeFinishReason(reason: UnifiedFinishReason): string {
  switch (reason) {
    case 'stop':
      return 'done';
    case 'length':
      return 'stopped at length limit';
    case 'content-filter':
      return 'stopped by content filter';
    case 'tool-calls':
      return 'tool calls';
    case 'cancelled':
      return 'cancelled';
    case 'error':
      return 'error';
    case 'other':
      return 'other';
  }
}

function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function formatRate(tps: number): string {
  return tps >= 100 ? tps.toFixed(0) : tps.toFixed(1);
}

/** The stat items in display order, e.g. `["gpt-4o", "TTFT 312 ms", "~48.2 tok/s", "~512 tokens", "done"]`. */
export function formatStats(stats: MessageStats): string[] {
  const approx = stats.estimated ? '~' : '';
  const parts: string[] = [];
  parts.push(stats.providerLabel && stats.model ? `${stats.providerLabel} · ${stats.model}` : stats.model || stats.providerLabel);
  if (stats.ttftMs !== undefined) parts.push(`TTFT ${Math.round(stats.ttftMs)} ms`);
  if (stats.firstAnswerTokenMs !== undefined) parts.push(`answer at ${formatMs(stats.firstAnswerTokenMs)}`);
  if (stats.tokensPerSecond !== undefined) parts.push(`${approx}${formatRate(stats.tokensPerSecond)} tok/s`);
  if (stats.outputTokens !== undefined) parts.push(`${approx}${stats.outputTokens} tokens`);
  if (stats.reasoningTokens) parts.push(`${stats.reasoningTokens} reasoning`);
  if (stats.finishReason !== undefined) parts.push(describeFinishReason(stats.finishReason));
  return parts.filter((p) => p.length > 0);
}
