/**
 * The status-bar text and tooltip, as pure functions of the figures (no `vscode` import), so the
 * exact format is unit tested: `TTFT <integer> ms · <number> tok/s`, `~` before an estimated TPS.
 */
import type { StreamMetricsSnapshot } from '../core/events';

export function formatTps(tps: number | undefined, estimated: boolean): string | undefined {
  if (tps === undefined || !Number.isFinite(tps)) return undefined;
  const value = tps >= 100 ? Math.round(tps).toString() : tps.toFixed(1);
  return `${estimated ? '~' : ''}${value} tok/s`;
}

export function formatFigures(m: Pick<StreamMetricsSnapshot, 'ttftMs' | 'tokensPerSecond' | 'liveTokensPerSecond' | 'estimated'>, live: boolean): string {
  const parts: string[] = [];
  if (m.ttftMs !== undefined) parts.push(`TTFT ${Math.round(m.ttftMs)} ms`);
  const tps = formatTps(live ? (m.liveTokensPerSecond ?? m.tokensPerSecond) : m.tokensPerSecond, m.estimated);
  if (tps) parts.push(tps);
  return parts.join(' · ');
}

export function formatTooltip(model: string, providerLabel: string, m: StreamMetricsSnapshot | undefined, finish: string | undefined): string {
  const lines = [`Sidestream — ${providerLabel} · ${model}`];
  if (m) {
    if (m.ttftMs !== undefined) lines.push(`Time to first token: ${Math.round(m.ttftMs)} ms`);
    if (m.headersMs !== undefined) lines.push(`Response headers after: ${Math.round(m.headersMs)} ms`);
    const tps = formatTps(m.tokensPerSecond, m.estimated);
    if (tps) lines.push(`Throughput: ${tps}${m.estimated ? ' (tokens counted locally, estimated)' : ''}`);
    if (m.outputTokens !== undefined) lines.push(`Output tokens: ${m.estimated ? '~' : ''}${m.outputTokens}`);
    lines.push(`Bytes received: ${m.bytes}`);
  }
  if (finish) lines.push(`Finish: ${finish}`);
  lines.push('Click to open the Sidestream panel');
  return lines.join('\n');
}
