/**
 * An answer's figures in words, in one place: the status bar, the panel's footer, the Compare
 * columns, `@sidestream`'s footer, the chat's Markdown export and the CLI all format them here.
 * Figures keep their units untranslated (`TTFT 312 ms`, `48.2 tok/s`); `~` marks an estimate.
 */
import type { UnifiedFinishReason } from './answerTypes';

/** `TTFT 312 ms` (whole milliseconds). */
export function formatTtft(ms: number): string {
  return `TTFT ${Math.round(ms)} ms`;
}

/** `48.2 tok/s`, `~48.2 tok/s` when estimated, whole numbers from 100 up; undefined without a finite rate. */
export function formatTps(tps: number | undefined, estimated: boolean): string | undefined {
  if (tps === undefined || !Number.isFinite(tps)) return undefined;
  const value = tps >= 100 ? Math.round(tps).toString() : tps.toFixed(1);
  return `${estimated ? '~' : ''}${value} tok/s`;
}

/** A duration as read at a glance: `850 ms`, `2.4 s`, `12 s`. */
export function formatDuration(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** `TTFT 120 ms · 45.2 tok/s`: the two live figures (`live`: the recent rate while streaming, when there is one). */
export function formatFigures(
  m: { ttftMs?: number | undefined; tokensPerSecond?: number | undefined; liveTokensPerSecond?: number | undefined; estimated: boolean },
  live: boolean,
): string {
  const parts: string[] = [];
  if (m.ttftMs !== undefined) parts.push(formatTtft(m.ttftMs));
  const tps = formatTps(live ? (m.liveTokensPerSecond ?? m.tokensPerSecond) : m.tokensPerSecond, m.estimated);
  if (tps) parts.push(tps);
  return parts.join(' · ');
}

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
