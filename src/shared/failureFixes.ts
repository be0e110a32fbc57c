/**
 * The action that fixes a failure, offered beside the failed answer: a wrong or missing key →
 * Set API Key; a model the server does not have → Select Model; a server that cannot be reached
 * or does not answer → Open Settings at its base URL. Shared by the webview (which shows the
 * button) and the host (which runs the command): the panel names the failed answer, never a
 * command.
 */
import type { FailureKind } from './answerTypes';

export type FailureFix = 'setApiKey' | 'selectModel' | 'openSettings';

const FIXES: Partial<Record<FailureKind, FailureFix>> = {
  auth: 'setApiKey',
  'not-found': 'selectModel',
  connection: 'openSettings',
  timeout: 'openSettings',
  'idle-timeout': 'openSettings',
};

/** The fix for a failure of `kind`, if one helps. */
export function failureFix(kind: FailureKind): FailureFix | undefined {
  return FIXES[kind];
}

/** The button's label and codicon. */
export const FAILURE_FIX_BUTTON: Record<FailureFix, { label: string; icon: string }> = {
  setApiKey: { label: 'Set API Key', icon: 'key' },
  selectModel: { label: 'Select Model', icon: 'symbol-class' },
  openSettings: { label: 'Open Settings', icon: 'gear' },
};
