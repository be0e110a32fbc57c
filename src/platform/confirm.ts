/**
 * Confirmations for commands whose arguments may come from another extension
 * (`vscode.commands.executeCommand('sidestream.exportChat', uri)`): such arguments are untrusted,
 * so a file is never overwritten, and a key never removed, without the user saying so in a modal
 * dialog. A path the user picked in a save dialog needs none (the dialog asks about replacing).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';

/** True when `uri` does not exist yet, or the user chose Replace; anything else leaves the file alone. */
export async function confirmOverwrite(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
  } catch (error) {
    // Only "not found" means there is nothing to lose; any other failure asks like an existing file.
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return true;
  }
  const replace = vscode.l10n.t('Replace');
  const shown = uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} already exists. Replace it?', path.basename(uri.path)),
    { modal: true, detail: vscode.l10n.t('Sidestream was asked to write {0}. Its current content will be lost.', shown) },
    replace,
  );
  return choice === replace;
}

/** True when the user chose Remove for the key named `label`. */
export async function confirmClearKey(label: string): Promise<boolean> {
  const remove = vscode.l10n.t('Remove');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove the {0} key from secret storage?', label),
    { modal: true, detail: vscode.l10n.t('Sidestream was asked to clear it. You would need to set it again to use this provider.') },
    remove,
  );
  return choice === remove;
}
