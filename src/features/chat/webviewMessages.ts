/**
 * Validates what the webview posts before the host acts on it: one small hand-written check per
 * message type. Anything else — an unknown type, a missing or mistyped field, an oversized string,
 * extra fields a message type does not have — is rejected with a reason the host logs. No `vscode`
 * import: unit-tested in plain Node.
 */
import type { WebviewToHost } from '../../shared/protocol';
import { MAX_TEXT, messageValidator, stringField, type MessageSpec, type Validated as ValidatedMessage } from '../../shared/messageValidator';

const MAX_ID = 200;
const MAX_HREF = 8_192;

export type Validated = ValidatedMessage<WebviewToHost>;

const str = stringField;

/** Per type: the fields it has, and its check. */
const CHECKS: Record<WebviewToHost['type'], MessageSpec> = {
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
  fixFailure: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  copy: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT) },
  insert: { fields: ['text'], check: (m) => str(m, 'text', MAX_TEXT) },
  openLink: { fields: ['href'], check: (m) => str(m, 'href', MAX_HREF, false) },
  runCommand: { fields: ['id'], check: (m) => str(m, 'id', MAX_ID, false) },
  applyDiagnosisFix: { fields: ['verdict'], check: (m) => str(m, 'verdict', MAX_ID, false) },
  received: { fields: ['id', 'at'], check: (m) => str(m, 'id', MAX_ID, false) ?? (typeof m.at === 'number' && Number.isFinite(m.at) ? undefined : '"at" must be a finite number') },
};

/** Checks one inbound message; returns it typed, or why it was rejected. */
export const validateWebviewMessage: (raw: unknown) => Validated = messageValidator<WebviewToHost>(CHECKS);
