import * as vscode from 'vscode';
import type * as Core from '../core';
import type { ContextFile } from '../shared/contextFile';
import { selectionContextFor } from './contextLimits';
import { loadCore } from './coreLoader';

/**
 * The editor's selection as context for a question (Ask, Compare Models), when there is one, cut
 * at the per-file token limit. `core` counts the tokens (a lazily loaded feature passes its own).
 */
export function selectionContext(core: () => Pick<typeof Core, 'countTokens'> = loadCore): ContextFile | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const text = editor.document.getText(editor.selection);
  if (!text.trim()) return undefined;
  // Cut like an attached file: at the per-file token limit, with the visible note.
  const count = (t: string): number => core().countTokens(t, 'cl100k_base');
  return selectionContextFor(vscode.workspace.asRelativePath(editor.document.uri), editor.document.languageId, text, count, (message, ...args) => vscode.l10n.t(message, ...args));
}
