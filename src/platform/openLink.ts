import * as vscode from 'vscode';

/** The schemes a link in a model's answer may have: the web and mail, never commands or local files. */
const OPENABLE = new Set(['http', 'https', 'mailto']);

/**
 * Opens a link from a model's answer — the chat panel's or a Compare column's — only after the user
 * confirmed it in a modal question naming the whole link (an answer can put anything behind a
 * link's text). Other schemes (command:, file:, vscode:) are neither asked about nor opened.
 * Resolves with whether the link was opened.
 */
export async function openLinkAfterConfirm(href: string): Promise<boolean> {
  let uri: vscode.Uri;
  try {
    uri = vscode.Uri.parse(href, true);
  } catch {
    return false;
  }
  if (!OPENABLE.has(uri.scheme)) return false;
  const open = vscode.l10n.t('Open');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t("Open this link from the model's answer?\n\n{0}", href), { modal: true }, open);
  if (choice !== open) return false;
  return vscode.env.openExternal(uri);
}
