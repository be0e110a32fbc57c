/**
 * Validates what the Compare panel posts before the host acts on it, as webviewMessages.ts does for
 * the chat panel: known type, exactly its fields, strings of bounded length. No `vscode` import.
 */
import type { CompareWebviewToHost } from '../../shared/protocol';
import { MAX_TEXT, messageValidator, stringField, type MessageSpec, type Validated } from '../../shared/messageValidator';

export type ValidatedCompare = Validated<CompareWebviewToHost>;

const MAX_COLUMN = 40;
const MAX_HREF = 8_192;
const str = stringField;

const CHECKS: Record<CompareWebviewToHost['type'], MessageSpec> = {
  ready: { fields: [], check: () => undefined },
  stopAll: { fields: [], check: () => undefined },
  copyMarkdown: { fields: [], check: () => undefined },
  stopColumn: { fields: ['column'], check: (m) => str(m, 'column', MAX_COLUMN, false) },
  copy: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT, true) },
  insert: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT, true) },
  openLink: { fields: ['href'], check: (m) => str(m, 'href', MAX_HREF, false) },
};

/** Checks one message from the Compare panel; returns it typed, or why it was rejected. */
export const validateCompareMessage: (raw: unknown) => ValidatedCompare = messageValidator<CompareWebviewToHost>(CHECKS);
