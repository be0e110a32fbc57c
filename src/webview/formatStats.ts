/** The figures shown under a finished assistant message, in display order (worded in src/shared/figures.ts). */
import { describeFinishReason, formatDuration, formatTps, formatTtft } from '../shared/figures';
import type { MessageStats } from '../shared/protocol';

/** The stat items in display order, e.g. `["gpt-4o", "TTFT 312 ms", "~48.2 tok/s", "~512 tokens", "done"]`. */
export function formatStats(stats: MessageStats): string[] {
  const approx = stats.estimated ? '~' : '';
  const parts: string[] = [];
  const tps = formatTps(stats.tokensPerSecond, stats.estimated);
  parts.push(stats.providerLabel && stats.model ? `${stats.providerLabel} · ${stats.model}` : stats.model || stats.providerLabel);
  if (stats.ttftMs !== undefined) parts.push(formatTtft(stats.ttftMs));
  if (stats.firstAnswerTokenMs !== undefined) parts.push(`answer at ${formatDuration(stats.firstAnswerTokenMs)}`);
  if (tps) parts.push(tps);
  if (stats.outputTokens !== undefined) parts.push(`${approx}${stats.outputTokens} tokens`);
  if (stats.reasoningTokens) parts.push(`${stats.reasoningTokens} reasoning`);
  if (stats.finishReason !== undefined) parts.push(describeFinishReason(stats.finishReason));
  return parts.filter((p) => p.length > 0);
}

export { describeFinishReason };
