/**
 * Validates what the Compare panel posts before the host acts on it, as webviewMessages.ts does for
 * the chat panel: known type, exactly its fields, strings of bounded length. No `vscode` import.
 */
import type { CompareWebviewToHost } from '../protocol';
import { MAX_TEXT } from './webviewMessages';

export type ValidatedCompare = { ok: true; message: CompareWebviewToHost } | { ok: false; reason: string };

const MAX_COLUMN = 40;
const MAX_HREF = 8_192;

const str = (m: Record<string, unknown>, field: string, max: number, allowEmpty: boolean): string | undefined => {
  const v = m[field];
  if (typeof v !== 'string') return `"${field}" must be a string`;
  if (v.length > max) return `"${field}" is longer than ${max} characters`;
  return !allowEmpty && !v ? `"${field}" is empty` : undefined;
};

const CHECKS: Record<CompareWebviewToHost['type'], { fields: readonly string[]; check: (m: Record<string, unknown>) => string | undefined }> = {
  ready: { fields: [], check: () => undefined },
  stopAll: { fields: [], check: () => undefined },
  copyMarkdown: { fields: [], check: () => undefined },
  stopColumn: { fields: ['column'], check: (m) => str(m, 'column', MAX_COLUMN, false) },
  copy: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT, true) },
  insert: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT, true) },
  openLink: { fields: ['href'], check: (m) => str(m, 'href', MAX_HREF, false) },
};

/** Checks one message from the Compare panel; returns it typed, or why it was rejected. */
export function validateCompareMessage(raw: unknown): ValidatedCompare {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(CHECKS, type)) {
    return { ok: false, reason: `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
  }
  const spec = CHECKS[type as CompareWebviewToHost['type']];
  const extra = Object.keys(m).filter((k) => k !== 'type' && !spec.fields.includes(k));
  if (extra.length)
    return {
      ok: false,
      reason: `${type}: unexpected field(s) ${extra
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`,
    };
  const problem = spec.check(m);
  return problem ? { ok: false, reason: `${type}: ${problem}` } : { ok: true, message: m as unknown as CompareWebviewToHost };
}
