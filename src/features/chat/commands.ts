/**
 * The chat's own commands: ask (with the selection and the attached files), add a file to the
 * context, focus the composer, new chat. Ids and titles match package.json `contributes.commands`.
 */
import * as vscode from 'vscode';
import type { ContextFile } from '../../shared/contextFile';
import { selectionContext } from '../../platform/editorSelection';
import type { ChatController } from './ChatController';
import type { ContextAttachments } from './ContextAttachments';

interface CommandDeps {
  /** The chat, created on first use. */
  controller(): ChatController;
  /** The files attached in the composer: Ask sends them along with the selection. */
  context(): ContextAttachments;
  /** Shows the panel taking focus, the cursor in its composer. */
  focusComposer(): void;
}

export function registerChatCommands(deps: CommandDeps): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('sidestream.ask', async (question?: string) => {
      const context = selectionContext();
      const text =
        typeof question === 'string'
          ? question
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Sidestream: Ask a Question'),
              prompt: context ? vscode.l10n.t('The selection in {0} goes along as context.', context.fileName) : vscode.l10n.t('The answer streams into the Sidestream panel.'),
              placeHolder: vscode.l10n.t('Ask anything…'),
              ignoreFocusOut: true,
            });
      if (text?.trim()) await askWithContext(deps, text, context);
    }),
    vscode.commands.registerCommand('sidestream.askAboutSelection', async (question?: string) => {
      const context = selectionContext();
      if (!context) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: select some code first, then ask about it.'));
        return;
      }
      const text =
        typeof question === 'string'
          ? question
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Sidestream: Ask About Selection'),
              prompt: vscode.l10n.t('About the selected code in {0}', context.fileName),
              value: vscode.l10n.t('Explain this code.'),
              ignoreFocusOut: true,
            });
      if (text?.trim()) await askWithContext(deps, text, context);
    }),
    vscode.commands.registerCommand('sidestream.addFileToContext', async (uri?: unknown, selected?: unknown) => {
      // The explorer passes the clicked file and every selected one; the palette passes nothing.
      const uris = uriList(selected).length ? uriList(selected) : uriList(uri);
      const added = uris.length ? await deps.context().attachUris(uris) : await deps.context().pick();
      if (added) deps.focusComposer();
    }),
    vscode.commands.registerCommand('sidestream.focusComposer', () => deps.focusComposer()),
    vscode.commands.registerCommand('sidestream.newChat', () => deps.controller().newChat()),
  ];
}

/** Asks with the selection and then the composer's attached files; the composer gets the focus. */
async function askWithContext(deps: CommandDeps, text: string, selection: ContextFile | undefined): Promise<void> {
  deps.focusComposer();
  const files = await deps.context().takeForSend();
  await deps.controller().ask(text, selection ? [selection, ...files] : files);
}

function uriList(value: unknown): vscode.Uri[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  return items.filter((v): v is vscode.Uri => v instanceof vscode.Uri);
}
