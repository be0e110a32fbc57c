/**
 * Translation without `vscode`: pure modules (status text, model limits) take a `Translate`, which
 * the extension host passes as `vscode.l10n.t`; their tests and callers without one get `english`,
 * which fills the `{0}`, `{1}` … placeholders of the English message as `vscode.l10n.t` does.
 */
export type Translate = (message: string, ...args: Array<string | number>) => string;

export const english: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => (Number(index) < args.length ? String(args[Number(index)]) : whole));
