/**
 * The status-bar text and tooltip, as pure functions of the figures (no `vscode` import), so the
 * exact format is unit tested: `TTFT <integer> ms · <number> tok/s`, `~` before an estimated TPS.
 * The figures keep their units untranslated; the tooltip's words go through `t` (`vscode.l10n.t` in
 * the extension host, English by default).
 */
import type { StreamMetricsSnapshot } from '../core/events';
import { english, type Translate } from '../shared/l10n';

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

export function formatTooltip(model: string, providerLabel: string, m: StreamMetricsSnapshot | undefined, finish: string | undefined, t: Translate = english): string {
  const lines = [t('Sidestream — {0} · {1}', providerLabel, model)];
  if (m) {
    if (m.ttftMs !== undefined) lines.push(t('Time to first token: {0} ms', Math.round(m.ttftMs)));
    if (m.headersMs !== undefined) lines.push(t('Response headers after: {0} ms', Math.round(m.headersMs)));
    const tps = formatTps(m.tokensPerSecond, m.estimated);
    if (tps) lines.push(m.estimated ? t('Throughput: {0} (tokens counted locally, estimated)', tps) : t('Throughput: {0}', tps));
    if (m.outputTokens !== undefined) lines.push(t('Output tokens: {0}', `${m.estimated ? '~' : ''}${m.outputTokens}`));
    lines.push(t('Bytes received: {0}', m.bytes));
  }
  if (finish) lines.push(t('Finish: {0}', finish));
  lines.push(t('Click to open the Sidestream panel'));
  return lines.join('\n');
}
