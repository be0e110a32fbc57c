/**
 * RFC 4180 CSV, written the one way every export uses it (`bench --csv`, the metrics view's export):
 * a field is quoted only when it holds a comma, a quote or a line break, quotes are doubled, and
 * every record ends with CRLF.
 */

/** One CSV field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows (the first is usually the header) as CSV text, each record ended by CRLF. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return rows.map((cells) => `${cells.map(csvField).join(',')}\r\n`).join('');
}
