/**
 * What "Sidestream: Cancel Response" stops: every feature with requests of its own (the chat, each
 * Compare column) registers its cancel here, so the one command (and its Escape key) stops them all
 * without the command knowing each feature. One instance, created at activation and handed to the
 * features (the lazily loaded ones too).
 */
import type * as vscode from 'vscode';

export class CancelHooks {
  private readonly hooks = new Set<() => void>();

  /** Adds `cancel` to what Cancel Response runs, until the returned disposable is disposed. */
  register(cancel: () => void): vscode.Disposable {
    this.hooks.add(cancel);
    return { dispose: () => this.hooks.delete(cancel) };
  }

  /** Runs every registered hook (the Cancel Response command). */
  runAll(): void {
    for (const cancel of this.hooks) cancel();
  }
}
