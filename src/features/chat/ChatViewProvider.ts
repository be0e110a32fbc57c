import * as vscode from 'vscode';
import { assertNever } from '../../shared/assertNever';
import type { AssistantMessageView, HostToWebview, WebviewToHost } from '../../shared/protocol';
import type { ChatController } from './ChatController';
import type { PanelPort } from './panelSync';
import type { ContextAttachments } from './ContextAttachments';
import { setupOptions } from './setupOptions';
import { openLinkAfterConfirm } from '../../platform/openLink';
import { renderWebviewHtml, webviewNonce } from '../../platform/webviewHtml';
import { validateWebviewMessage } from './webviewMessages';
import { BASE_URL_SETTING } from '../../core/settingsPolicy';
import type { FailureKind, ProviderId } from '../../shared/answerTypes';
import { failureFix } from '../../shared/failureFixes';
import { KEYED_PROVIDERS } from '../../platform/ApiKeyStore';
import { readSettings } from '../../platform/settings';

/**
 * The chat panel: a webview view in Sidestream's own view container. It never posts before the
 * webview said `ready`; after that it sends the whole conversation (`init`), so a reloaded or
 * re-shown view is always complete.
 */
export class ChatViewProvider implements vscode.WebviewViewProvider, PanelPort, vscode.Disposable {
  static readonly viewType = 'sidestream.chatView';
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** The chat, created on first use (the view's `ready`, a question): activation creates nothing. */
  private chat: (() => { controller: ChatController; context: ContextAttachments }) | undefined;
  /** Ask revealed a view that was still loading: focus its composer once it is ready. */
  private focusWhenReady = false;
  private readonly disposables: vscode.Disposable[] = [];
  /** Posts since the view was created: the benchmarks and tests read it. */
  postCount = 0;
  private readonly receivedFirstText = new vscode.EventEmitter<{ id: string; at: number }>();
  /** Test builds: the panel received an answer's first text (`at`: ms since the epoch). */
  readonly onDidReceiveFirstText = this.receivedFirstText.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Where the panel's messages go: the chat and the next question's context (chips), created by `chat()` on first use. */
  attach(chat: () => { controller: ChatController; context: ContextAttachments }): void {
    this.chat = chat;
  }

  private get controller(): ChatController | undefined {
    return this.chat?.().controller;
  }

  private get context(): ContextAttachments | undefined {
    return this.chat?.().context;
  }

  get isReady(): boolean {
    return this.view !== undefined && this.ready;
  }

  /** Ready and in sight (its view container shown, the view not collapsed). */
  get isShown(): boolean {
    return this.isReady && this.view!.visible;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media], enableCommandUris: false };
    const asUri = (...segments: string[]) => view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments)).toString();
    view.webview.html = renderWebviewHtml({
      cspSource: view.webview.cspSource,
      nonce: webviewNonce(),
      scriptUri: asUri('dist', 'webview.js'),
      styleUris: [asUri('media', 'main.css')],
      codiconsUri: asUri('dist', 'codicons', 'codicon.css'),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const checked = validateWebviewMessage(raw);
        if (checked.ok) void this.onMessage(checked.message);
        else this.log.warn(`rejected a malformed message from the panel: ${checked.reason}`);
      }),
      view.onDidDispose(() => {
        this.view = undefined;
        this.ready = false;
      }),
    );
  }

  post(message: HostToWebview): void {
    if (!this.view || !this.ready) return; // the next `ready` gets everything through `init`
    this.postCount++;
    void this.view.webview.postMessage(message);
  }

  /**
   * Shows the view taking focus and puts the cursor in the composer (Ask, Add File to Context). A
   * view being created gets the focus after its `ready`: posts before it are dropped.
   */
  focusComposer(): void {
    if (this.view) this.view.show(false);
    else void vscode.commands.executeCommand(`${ChatViewProvider.viewType}.focus`);
    if (this.isReady) this.post({ type: 'focusComposer' });
    else this.focusWhenReady = true;
  }

  /** The panel's Ask (and the test API's): the attached files go along and their chips are cleared. */
  async ask(text: string): Promise<AssistantMessageView | undefined> {
    const controller = this.controller;
    if (!controller || !text.trim()) return undefined;
    const files = (await this.context?.takeForSend()) ?? [];
    return controller.ask(text, files);
  }

  reveal(): void {
    if (this.view) {
      this.view.show(true);
    } else {
      void vscode.commands.executeCommand(`${ChatViewProvider.viewType}.focus`);
    }
  }

  private async onMessage(message: WebviewToHost): Promise<void> {
    const controller = this.controller;
    if (!controller) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.post(controller.initMessage());
        this.context?.panelReady();
        if (this.focusWhenReady) {
          this.focusWhenReady = false;
          this.post({ type: 'focusComposer' });
        }
        await controller.checkSetup();
        return;
      case 'ask':
        await this.ask(message.text);
        return;
      case 'cancel':
        controller.cancel();
        return;
      case 'retry':
        await controller.retry(message.id);
        return;
      case 'continue':
        await controller.continue(message.id);
        return;
      case 'fixFailure':
        await fixFailure(controller.failureOf(message.id));
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        void vscode.window.setStatusBarMessage('$(check) Copied', 2000);
        return;
      case 'insert':
        await insertAtCursor(message.text);
        return;
      case 'openLink':
        await openLinkAfterConfirm(message.href);
        return;
      case 'runCommand': {
        // Only the setup card's own options, each run with the host's own arguments: the panel
        // names an option, it never chooses the command or its arguments.
        const option = setupOptions().find((o) => o.id === message.id);
        if (option) await vscode.commands.executeCommand(option.command, ...(option.args ?? []));
        else this.log.warn(`webview asked for a setup option that does not exist: ${JSON.stringify(message.id.slice(0, 80))}`);
        return;
      }
      case 'applyDiagnosisFix':
        // The panel names a verdict; the fix applied is the host's own, from its last diagnosis.
        await vscode.commands.executeCommand('sidestream.applyDiagnosisFix', message.verdict);
        return;
      case 'regenerate':
        await controller.regenerate(message.id);
        return;
      case 'edit':
        await controller.edit(message.id, message.text);
        return;
      case 'switchBranch':
        await controller.switchBranch(message.id, message.delta);
        return;
      case 'pickContext':
        // The composer keeps the cursor after a pick, whether or not a file was added.
        await this.context?.pick();
        this.post({ type: 'focusComposer' });
        return;
      case 'attachContext':
        await this.context?.attach(message.id);
        return;
      case 'removeContext':
        this.context?.remove(message.id);
        return;
      case 'selectModel':
        await vscode.commands.executeCommand('sidestream.selectModel');
        return;
      case 'received':
        // Sent by test builds only (their B12 figures); a production host has nothing to do with it.
        if (__SIDESTREAM_TEST__) this.receivedFirstText.fire({ id: message.id, at: message.at });
        return;
      default:
        assertNever(message, 'webview message');
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.receivedFirstText.dispose();
  }
}

async function insertAtCursor(text: string): Promise<void> {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  if (!editor) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: open an editor to insert the code into.'));
    return;
  }
  await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, text);
  });
}

/**
 * Runs the fix of a failed answer: Set API Key for the provider that refused the key, Select Model,
 * or the Settings editor at the base URL of the server that did not answer (all of Sidestream's
 * settings when the answer does not say who answered).
 */
async function fixFailure(failure: { kind: FailureKind; provider: ProviderId | undefined } | undefined): Promise<void> {
  const fix = failure && failureFix(failure.kind);
  if (!failure || !fix) return;
  const configured = readSettings().provider;
  const provider = failure.provider ?? (configured === 'auto' ? undefined : configured);
  switch (fix) {
    case 'setApiKey':
      await vscode.commands.executeCommand('sidestream.setApiKey', ...(provider && (KEYED_PROVIDERS as readonly string[]).includes(provider) ? [provider] : []));
      return;
    case 'selectModel':
      await vscode.commands.executeCommand('sidestream.selectModel');
      return;
    case 'openSettings': {
      const setting = provider && provider in BASE_URL_SETTING ? `sidestream.${BASE_URL_SETTING[provider as keyof typeof BASE_URL_SETTING]}` : undefined;
      await vscode.commands.executeCommand('sidestream.openSettings', setting);
      return;
    }
    default:
      assertNever(fix);
  }
}
