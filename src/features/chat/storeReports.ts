/**
 * What the chat store reports, told to the user: a persistent banner in the panel while chats are
 * not being saved (or their list cannot be read), a notice for damaged files kept aside and for a
 * chat file that could not be removed. The store never throws at the user; this is where it speaks.
 */
import * as vscode from 'vscode';
import { assertNever } from '../../shared/assertNever';
import type { HostToWebview } from '../../shared/protocol';
import type { ChatStore, StoreProblem } from './ChatStore';

/** What the panel's banner says while chats are not being saved. */
export function storageProblemText(problem: StoreProblem | undefined): string | undefined {
  if (!problem) return undefined;
  return problem.kind === 'cantSave'
    ? vscode.l10n.t(
        "Sidestream can't save chats: {0}. What you see stays in this window, but closing or reloading it loses what was not saved. Sidestream tries again with each answer; free disk space or fix the permissions of {1}.",
        problem.reason,
        problem.folder,
      )
    : vscode.l10n.t(
        "Sidestream can't read its chat list ({0}). It lists your chats from their files and won't write the list until it can read it; new answers are still saved.",
        problem.reason,
      );
}

/** Tells the user what `store` reports from now on (subscribe before `load()`: what loading finds is reported too). */
export function reportStoreProblems(store: ChatStore, panel: { post(message: HostToWebview): void }, log: vscode.LogOutputChannel): vscode.Disposable {
  return store.onDidReport((report) => {
    switch (report.kind) {
      case 'problem': {
        const message = storageProblemText(report.problem);
        if (message) log.error(message);
        else log.info('chats are being saved again');
        panel.post({ type: 'storageProblem', message });
        return;
      }
      case 'keptAside':
        void vscode.window.showWarningMessage(
          vscode.l10n.t('Sidestream found damaged chat files and moved them, unchanged, to {0} ({1}). Your other chats are loaded.', report.folder, report.files.join(', ')),
        );
        return;
      case 'cantRemove':
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'Sidestream could not remove {0} ({1}). The chat is off the list, but may come back after a restart; remove the file yourself to delete it for good.',
            report.file,
            report.reason,
          ),
        );
        return;
      default:
        assertNever(report, 'store report');
    }
  });
}
