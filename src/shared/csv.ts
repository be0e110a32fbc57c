/**
 * RFC 4180 CSV, written the one way every export uses it (`bench --csv`, the metrics view's export):
 * a field is quoted only when it holds a comma, a quote or a line break, quotes are doubled, and
 * every record ends with CRLF. Text that a spreadsheet would run as a formula (it starts with `=`,
 * `+`, `-`, `@`, a tab or a CR — OWASP's CSV injection list) gets a leading `'`, so a model name
 * or server message like `=HYPERLINK(…)` opens as text. Numbers, and text that is only a number
 * (`-1.5`, `+2`, `1e-3`), are left alone: a spreadsheet reads them as numbers, never as formulas.
 */

/** Text a spreadsheet would evaluate: it starts with a formula character, a tab or a CR. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal number, optionally signed, with an optional exponent. */
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One CSV field: formula-like text prefixed with `'`; quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text) && !NUMERIC.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (the first is usually the header) as CSV text, each record ended by CRLF. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return rows.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}
