/**
 * One way to check what a webview posts before the host acts on it (the chat panel, the Compare
 * panel, the metrics view): a known `type`, exactly that type's fields, each checked. Anything else
 * is rejected with a reason the host logs. No `vscode`, DOM or Node import.
 */

/** Longest text a panel may send (a question, a code block to copy or insert). */
export const MAX_TEXT = 1_000_000;

export type Validated<T> = { ok: true; message: T } | { ok: false; reason: string };

/** A field check: undefined when the message is fine, else why not. */
export type FieldCheck = (m: Record<string, unknown>) => string | undefined;

export interface MessageSpec {
  fields: readonly string[];
  check: FieldCheck;
}

/** `field` is a string of at most `max` characters (and not empty unless `allowEmpty`). */
export function stringField(m: Record<string, unknown>, field: string, max: number, allowEmpty = true): string | undefined {
  const v = m[field];
  if (typeof v !== 'string') return `"${field}" must be a string`;
  if (v.length > max) return `"${field}" is longer than ${max} characters`;
  if (!allowEmpty && !v) return `"${field}" is empty`;
  return undefined;
}

/** A validator for the union `T`, from one spec per message type. */
export function messageValidator<T extends { type: string }>(specs: Record<T['type'], MessageSpec>): (raw: unknown) => Validated<T> {
  return (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
    const m = raw as Record<string, unknown>;
    const type = m.type;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(specs, type)) {
      return { ok: false, reason: `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}` };
    }
    const spec = specs[type as T['type']];
    const extra = Object.keys(m).filter((k) => k !== 'type' && !spec.fields.includes(k));
    if (extra.length) {
      return {
        ok: false,
        reason: `${type}: unexpected field(s) ${extra
          .slice(0, 5)
          .map((k) => JSON.stringify(k.slice(0, 40)))
          .join(', ')}`,
      };
    }
    const problem = spec.check(m);
    return problem ? { ok: false, reason: `${type}: ${problem}` } : { ok: true, message: m as unknown as T };
  };
}
