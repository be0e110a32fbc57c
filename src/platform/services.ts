/**
 * What the platform hands a feature: the services with state, created once at activation. Features
 * loaded later from dist/features.js get this object instead of importing the modules that hold
 * that state, so the two bundles never share a module singleton (each would otherwise get its own
 * copy of it).
 */
import type * as vscode from 'vscode';
import type * as Core from '../core';
import type { AnswerRunner } from './answerRunner';
import type { CancelHooks } from './cancelHooks';
import type { SidestreamSettings } from './settings';

export interface HostServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  /** Runs every answer (see answerRunner.ts). */
  runner: AnswerRunner;
  /** What "Sidestream: Cancel Response" stops. */
  cancelHooks: CancelHooks;
  /** The user's settings, read now (workspace values only where trusted; see settings.ts). */
  readSettings(): SidestreamSettings;
  /** The streaming core (SDKs, tokenizer), loaded on first use. */
  loadCore(): typeof Core;
  /** Sidestream's state for this user, across workspaces. */
  globalState: vscode.Memento;
  /** This window's storage folder (the workspace's, or the global one without a folder). */
  storageDir: string;
}
