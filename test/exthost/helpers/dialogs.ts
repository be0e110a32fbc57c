/**
 * The extension-host tests cannot click a modal dialog (it is drawn by the workbench, out of the
 * extension host's reach), so while observed, `vscode.window.showWarningMessage` and
 * `vscode.env.openExternal` — the very objects the extension calls, since every file of the
 * development extension gets the same API object — record what the extension asked and opened,
 * and the test answers each question as the user would by choosing a button (or none: Escape).
 * The UI path itself (the dialog shown and clicked) is covered by test/e2e/workflows.test.ts.
 */
import * as vscode from 'vscode';

export interface AskedQuestion {
  message: string;
  modal: boolean;
  detail: string | undefined;
  buttons: string[];
}

export interface ObservedDialogs {
  /** Every warning shown since observing began (notifications and modal questions). */
  readonly asked: AskedQuestion[];
  /** The modal questions among them. */
  modal(): AskedQuestion[];
  /** URIs passed to vscode.env.openExternal (nothing is actually opened while observed). */
  readonly opened: string[];
  /** The button the "user" presses on the next modal questions; undefined dismisses them. */
  answer: string | undefined;
  dispose(): void;
}

type Item = string | vscode.MessageItem;

export function observeDialogs(): ObservedDialogs {
  const window = vscode.window as unknown as Record<string, unknown>;
  const env = vscode.env as unknown as Record<string, unknown>;
  const originalWarning = window.showWarningMessage;
  const originalOpen = env.openExternal;
  const observed: ObservedDialogs = {
    asked: [],
    opened: [],
    answer: undefined,
    modal: () => observed.asked.filter((q) => q.modal),
    dispose: () => {
      window.showWarningMessage = originalWarning;
      env.openExternal = originalOpen;
    },
  };
  window.showWarningMessage = (message: string, ...rest: unknown[]): Promise<Item | undefined> => {
    const first = rest[0];
    const options = typeof first === 'object' && first !== null && !('title' in first) ? (rest.shift() as vscode.MessageOptions) : undefined;
    const items = rest as Item[];
    const buttons = items.map((i) => (typeof i === 'string' ? i : i.title));
    const modal = options?.modal === true;
    observed.asked.push({ message, modal, detail: options?.detail, buttons });
    if (!modal) return Promise.resolve(undefined);
    return Promise.resolve(items.find((i) => (typeof i === 'string' ? i : i.title) === observed.answer));
  };
  env.openExternal = (uri: vscode.Uri): Promise<boolean> => {
    observed.opened.push(uri.toString(true));
    return Promise.resolve(true);
  };
  return observed;
}
