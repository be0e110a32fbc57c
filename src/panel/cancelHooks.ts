/**
 * What else "Sidestream: Cancel Response" stops besides the chat's answer: features with their own
 * requests (Compare Models) register here, so the one command (and its Escape key) stops them all
 * without the command knowing each feature.
 */
import type * as vscode from 'vscode';

const hooks = new Set<() => void>();

/** Adds `cancel` to what Cancel Response runs, until the returned disposable is disposed. */
export function registerCancelHook(cancel: () => void): vscode.Disposable {
  hooks.add(cancel);
  return { dispose: () => hooks.delete(cancel) };
}

/** Runs every registered hook (the Cancel Response command). */
export function runCancelHooks(): void {
  for (const cancel of hooks) cancel();
}
