/**
 * The figures of a model comparison, shared by every side that shows one: the CLI's `compare`
 * table, the Compare Models panel (its "fastest" badges, in the webview) and the panel's Copy as
 * Markdown (in the host). Neutral (src/shared): its own structural types, no imports, so the
 * webview can run it as well as the core and the host.
 */

/** One model's figures in a comparison. */
export interface CompareFigures {
  /** How the row is named, e.g. "gpt-4.1-mini" or "anthropic:claude-sonnet-4-5". */
  label: string;
  ttftMs: number | undefined;
  /** When reasoning came first: ms to the first token of the answer itself. */
  firstAnswerTokenMs?: number | undefined;
  tokensPerSecond: number | undefined;
  outputTokens: number | undefined;
  /** The token count is an estimate (the provider reported no usage). */
  estimated: boolean;
  durationMs: number | undefined;
  /** The finish cell: the unified reason, or "error (kind): message" for a failure. */
  finish: string;
  /** Only models that answered in full compete for "fastest" (a cancelled or failed one does not). */
  completed: boolean;
}

/** Indices of the fastest TTFT and the highest tok/s among the models that answered. */
export function compareFastest(rows: readonly Pick<CompareFigures, 'ttftMs' | 'tokensPerSecond' | 'completed'>[]): { ttft: number | undefined; tps: number | undefined } {
  let ttft: number | undefined;
  let tps: number | undefined;
  rows.forEach((r, i) => {
    if (!r.completed) return;
    if (r.ttftMs !== undefined && (ttft === undefined || r.ttftMs < rows[ttft]!.ttftMs!)) ttft = i;
    if (r.tokensPerSecond !== undefined && (tps === undefined || r.tokensPerSecond > rows[tps]!.tokensPerSecond!)) tps = i;
  });
  return { ttft, tps };
}

/** The finish cell of a failure: kind and message on one line. */
export function failureCell(kind: string, message: string): string {
  return `error (${kind}): ${message.replace(/\s*\n\s*/g, ' ')}`;
}

/** The comparison as a Markdown table, columns aligned: the fastest TTFT and tok/s marked `*`. */
export function formatCompareTable(rows: readonly CompareFigures[]): string {
  const fastest = compareFastest(rows);
  const header = ['model', 'TTFT ms', 'first answer ms', 'tok/s', 'tokens', 'duration ms', 'finish'];
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const body = rows.map((r, i) => {
    const mark = (cell: string, best: number | undefined) => (best === i ? `${cell} *` : cell);
    return [
      escape(r.label),
      mark(r.ttftMs !== undefined ? r.ttftMs.toFixed(0) : '—', fastest.ttft),
      r.firstAnswerTokenMs !== undefined ? r.firstAnswerTokenMs.toFixed(0) : '—',
      mark(r.tokensPerSecond !== undefined ? r.tokensPerSecond.toFixed(1) : '—', fastest.tps),
      r.outputTokens !== undefined ? `${r.estimated ? '~' : ''}${r.outputTokens}` : '—',
      r.durationMs !== undefined ? r.durationMs.toFixed(0) : '—',
      escape(r.finish),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const left = (i: number) => i === 0 || i === header.length - 1;
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Each answer under a `##` heading, after the table: what the CLI prints and Copy as Markdown copies. */
export function formatCompareAnswers(rows: readonly { label: string; answer: string }[]): string {
  return rows.map((r) => `\n## ${r.label}\n\n${r.answer ? r.answer.replace(/\n*$/, '') : '(no answer)'}\n`).join('');
}

/** The whole comparison as Markdown: the question (when given), the table, then every answer. */
export function formatCompareMarkdown(rows: readonly (CompareFigures & { answer: string })[], question?: string): string {
  const intro = question ? `${question.replace(/\n+$/, '').replace(/^/gm, '> ')}\n\n` : '';
  return `${intro}${formatCompareTable(rows)}\n${formatCompareAnswers(rows)}`;
}
