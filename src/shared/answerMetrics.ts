/**
 * One answer's figures as the metrics store keeps them, and what the metrics view computes from
 * them: the filter, median and p95, and the CSV. Shared by the host (the store, the export) and the
 * metrics webview (charts, table), so the table, the spread and the exported file agree by
 * construction. No `vscode`, no Node, no DOM.
 */
import { messageValidator, type Validated } from './messageValidator';
import { csvText } from './csv';

/** Who streamed the answer: the panel, `@sidestream`, the `vscode.lm` provider, or a compare run. */
export type AnswerSource = 'panel' | 'participant' | 'lm-provider' | 'compare';
export const ANSWER_SOURCES: readonly AnswerSource[] = ['panel', 'participant', 'lm-provider', 'compare'];

/**
 * One answer's figures (never its text, its question or a key). A figure is absent when the
 * answer never got that far (no token: no TTFT) — absent, not zero, so charts and medians skip it.
 */
export interface AnswerRecord {
  /** When the answer ended, ms since the epoch. */
  time: number;
  source: AnswerSource;
  /** Provider id (`openai`, `ollama`, `vscode-lm`…) and the label shown to the user. */
  provider: string;
  providerLabel: string;
  model: string;
  ttftMs?: number;
  /** Only when reasoning came first: ms to the first token of the answer itself. */
  firstAnswerTokenMs?: number;
  tokensPerSecond?: number;
  outputTokens?: number;
  /** True when `outputTokens` was counted locally rather than reported by the provider. */
  estimated: boolean;
  durationMs?: number;
  /** Prompt tokens, and how many of them the provider served from its cache, when it reported them. */
  promptTokens?: number;
  cachedPromptTokens?: number;
  /** How it ended: stop, length, content-filter, tool-calls, cancelled, error, other. */
  finish: string;
  /**
   * Who made the call, for the language model provider's answers: the calling extension's id, or
   * `core` for VS Code's own chat (an agent's steps are its calls with finish `tool-calls`).
   */
  caller?: string;
}

const NUMBER_FIELDS = ['ttftMs', 'firstAnswerTokenMs', 'tokensPerSecond', 'outputTokens', 'durationMs', 'promptTokens', 'cachedPromptTokens'] as const;

/** A stored or posted value as a record, or undefined when it is not one (a torn or foreign line). */
export function asAnswerRecord(value: unknown): AnswerRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.time !== 'number' || !Number.isFinite(v.time)) return undefined;
  if (!ANSWER_SOURCES.includes(v.source as AnswerSource)) return undefined;
  for (const key of ['provider', 'providerLabel', 'model', 'finish'] as const) if (typeof v[key] !== 'string') return undefined;
  if (typeof v.estimated !== 'boolean') return undefined;
  const record: AnswerRecord = {
    time: v.time,
    source: v.source as AnswerSource,
    provider: v.provider as string,
    providerLabel: v.providerLabel as string,
    model: v.model as string,
    estimated: v.estimated,
    finish: v.finish as string,
  };
  if (typeof v.caller === 'string' && v.caller) record.caller = v.caller;
  for (const key of NUMBER_FIELDS) {
    const n = v[key];
    if (n === undefined || n === null) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
    record[key] = n;
  }
  return record;
}

/** The view's time ranges. */
export type TimeRange = '24h' | '7d' | '30d' | 'all';
export const TIME_RANGES: readonly TimeRange[] = ['24h', '7d', '30d', 'all'];
const RANGE_MS: Record<TimeRange, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, all: Infinity };

/** The view's filter: a provider id and a model, or all (undefined); a time range ending `now`. */
export interface MetricsFilter {
  provider?: string | undefined;
  model?: string | undefined;
  range: TimeRange;
}

export function matchesFilter(record: AnswerRecord, filter: MetricsFilter, now: number): boolean {
  if (filter.provider !== undefined && record.provider !== filter.provider) return false;
  if (filter.model !== undefined && record.model !== filter.model) return false;
  return now - record.time <= RANGE_MS[filter.range];
}

/** The records the filter keeps, in their order. */
export function filterRecords(records: readonly AnswerRecord[], filter: MetricsFilter, now: number): AnswerRecord[] {
  return records.filter((r) => matchesFilter(r, filter, now));
}

/** A series' key: a model is named by its provider too (two servers may serve "llama3"). */
export function seriesKey(record: Pick<AnswerRecord, 'provider' | 'model'>): string {
  return `${record.provider}\u0000${record.model}`;
}

/**
 * The q-quantile (0…1) by linear interpolation between closest ranks (numpy's default, so a p95
 * of 20 values lies between the 19th and 20th). Undefined for no values.
 */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Spread {
  count: number;
  median: number | undefined;
  p95: number | undefined;
}

export interface ModelSpread {
  provider: string;
  providerLabel: string;
  model: string;
  answers: number;
  ttft: Spread;
  tps: Spread;
}

function spread(values: number[]): Spread {
  return { count: values.length, median: quantile(values, 0.5), p95: quantile(values, 0.95) };
}

/** Median and p95 of TTFT and tok/s per model (answers without the figure do not count for it). */
export function spreadByModel(records: readonly AnswerRecord[]): ModelSpread[] {
  const groups = new Map<string, AnswerRecord[]>();
  for (const r of records) {
    const key = seriesKey(r);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((group) => ({
    provider: group[0]!.provider,
    providerLabel: group[group.length - 1]!.providerLabel,
    model: group[0]!.model,
    answers: group.length,
    ttft: spread(group.flatMap((r) => (r.ttftMs === undefined ? [] : [r.ttftMs]))),
    tps: spread(group.flatMap((r) => (r.tokensPerSecond === undefined ? [] : [r.tokensPerSecond]))),
  }));
}

export const METRICS_CSV_HEADER = [
  'time',
  'source',
  'provider',
  'provider_label',
  'model',
  'ttft_ms',
  'first_answer_token_ms',
  'tokens_per_second',
  'output_tokens',
  'estimated',
  'duration_ms',
  'finish',
] as const;

/** The records as RFC 4180 CSV: a header, then one row each (ISO 8601 UTC times, numbers unformatted). */
export function metricsCsv(records: readonly AnswerRecord[]): string {
  return csvText([
    [...METRICS_CSV_HEADER],
    ...records.map((r) => [
      new Date(r.time).toISOString(),
      r.source,
      r.provider,
      r.providerLabel,
      r.model,
      r.ttftMs,
      r.firstAnswerTokenMs,
      r.tokensPerSecond,
      r.outputTokens,
      r.estimated,
      r.durationMs,
      r.finish,
    ]),
  ]);
}

/** Host → metrics view. */
export type MetricsHostMessage =
  /** Every stored record, oldest first; `bound` is the store's bound (shown in the footer). */
  | { type: 'init'; records: AnswerRecord[]; bound: number }
  /** An answer just ended. */
  | { type: 'record'; record: AnswerRecord };

/** Metrics view → host. */
export type MetricsViewMessage =
  | { type: 'ready' }
  /** Export the records the filter keeps (`count` is how many the view's table holds, for the log). */
  | { type: 'exportCsv'; filter: MetricsFilter; count: number };

/**
 * Checks a message from the metrics webview (untrusted input) like the chat panel's messages are
 * checked (src/features/chat/webviewMessages.ts): known type, exactly its fields, each of the right type.
 */
export const validateMetricsViewMessage: (raw: unknown) => Validated<MetricsViewMessage> = messageValidator<MetricsViewMessage>({
  ready: { fields: [], check: () => undefined },
  exportCsv: {
    fields: ['filter', 'count'],
    check: (m) => {
      const f = m.filter;
      if (typeof f !== 'object' || f === null || Array.isArray(f)) return '"filter" must be an object';
      const filter = f as Record<string, unknown>;
      if (Object.keys(filter).some((k) => !['provider', 'model', 'range'].includes(k))) return 'unexpected filter field';
      for (const key of ['provider', 'model'] as const) {
        const v = filter[key];
        if (v !== undefined && (typeof v !== 'string' || v.length > 1000)) return `"filter.${key}" must be a string`;
      }
      if (!TIME_RANGES.includes(filter.range as TimeRange)) return '"filter.range" must be 24h, 7d, 30d or all';
      if (typeof m.count !== 'number' || !Number.isInteger(m.count) || m.count < 0) return '"count" must be a whole number';
      return undefined;
    },
  },
});
