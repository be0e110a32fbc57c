/**
 * The status-bar tooltip, a pure function of the figures (no `vscode` import), worded with the one
 * set of figure formats (src/shared/figures.ts): `TTFT <integer> ms · <number> tok/s`, `~` before an
 * estimated TPS.
 * The figures keep their units untranslated; the tooltip's words go through `t` (`vscode.l10n.t` in
 * the extension host, English by default).
 */
import type { StreamMetricsSnapshot } from '../core/events';
import { formatFigures, formatTps } from '../shared/figures';
import { english, type Translate } from '../shared/l10n';

export { formatFigures, formatTps };

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
