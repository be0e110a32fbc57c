/**
 * Validates what the webview posts before the host acts on it: one small hand-written check per
 * message type. Anything else — an unknown type, a missing or mistyped field, an oversized string,
 * extra fields a message type does not have — is rejected with a reason the host logs. No `vscode`
 * import: unit-tested in plain Node.
 */
import type { WebviewToHost } from '../protocol';

/** Longest text the panel may send (a question, a code block to copy or insert). */
export const MAX_TEXT = 1_000_000;
const MAX_ID = 200;
const MAX_HREF = 8_192;

export type Validated = { ok: true; message: WebviewToHost } | { ok: false; reason: string };

type Checker = (m: Record<string, unknown>) => string | undefined;

const str = (m: Record<string, unknown>, field: string, max: number, allowEmpty = true): string | undefined => {
  const v = m[field];
  if (typeof v !== 'string') return `"${field}" must be a string`;
  if (v.length > max) return `"${field}" is longer than ${max} characters`;
  if (!allowEmpty && !v) return `"${field}" is empty`;
  return undefined;
};

/** Per type: the fields it has, and its check. */
const CHECKS: Record<WebviewToHost['type'], { fields: readonly string[]; check: Checker }> = {
  ready: { fields: [], check: () => undefined },
  cancel: { fields: [], check: () => undefined },
  ask: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT) },
  retry: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  regenerate: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  edit: { fields: ['id', 'text'], check: (m) => str(m, 'id', MAX_ID, false) ?? str(m, 'text', MAX_TEXT, false) },
  switchBranch: { fields: ['id', 'delta'], check: (m) => str(m, 'id', MAX_ID, false) ?? (m.delta === 1 || m.delta === -1 ? undefined : '"delta" must be 1 or -1') },
  pickContext: { fields: [], check: () => undefined },
  attachContext: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  removeContext: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  selectModel: { fields: [], check: () => undefined },
  continue: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  copy: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT) },
  insert: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT) },
  openLink: { fields: ['href'], check: (m) => str(m, 'href', MAX_HREF, false) },
  runCommand: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
};

/** Checks one inbound message; returns it typed, or why it was rejected. */
export function validateWebviewMessage(raw: unknown): Validated {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(CHECKS, type)) {
    return { ok: false, reason: `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
  }
  const spec = CHECKS[type as WebviewToHost['type']];
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
  if (problem) return { ok: false, reason: `${type}: ${problem}` };
  return { ok: true, message: m as unknown as WebviewToHost };
}
