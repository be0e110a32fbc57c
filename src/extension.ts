import * as vscode from 'vscode';
import type { SidestreamApi } from './api';
import { ApiKeyStore } from './panel/ApiKeyStore';
import { ChatController } from './panel/ChatController';
import { ChatViewProvider } from './panel/ChatViewProvider';
import { registerCommands } from './panel/commands';
import { ConversationStore } from './panel/ConversationStore';
import { loadedCore } from './panel/coreLoader';
import { MetricsStatusBar } from './panel/MetricsStatusBar';
import { ProviderResolver } from './panel/ProviderResolver';

let controller: ChatController | undefined;

/** Wires the features together; each owns its own work. Nothing here touches the network or the SDKs. */
export function activate(context: vscode.ExtensionContext): SidestreamApi {
  const log = vscode.window.createOutputChannel('Sidestream', { log: true });
  const statusBar = new MetricsStatusBar();
  const keys = new ApiKeyStore(context.secrets);
  const resolver = new ProviderResolver(keys);
  const view = new ChatViewProvider(context.extensionUri, log);
  controller = new ChatController(view, new ConversationStore(context.workspaceState), resolver, statusBar, log);
  view.attach(controller);
  const chat = controller;
  const refreshPanel = () => {
    view.post(chat.initMessage());
    void chat.checkSetup();
  };

  context.subscriptions.push(
    log,
    statusBar,
    view,
    chat,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, view),
    ...registerCommands({ controller: chat, keys, resolver, log, refreshPanel }),
    keys.onDidChange(refreshPanel),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sidestream')) refreshPanel();
    }),
  );
  return createApi(chat, statusBar, view);
}

export async function deactivate(): Promise<void> {
  await controller?.cancelAndWait();
}

function createApi(chat: ChatController, statusBar: MetricsStatusBar, view: ChatViewProvider): SidestreamApi {
  return {
    snapshot: () => ({
      streaming: chat.streaming,
      messages: chat.conversation.map((m) => ({ ...m })),
      statusBarText: statusBar.text,
      statusBarTooltip: statusBar.tooltip,
      provider: chat.provider?.label,
      model: chat.provider?.model,
      postCount: view.postCount,
      diagnostics: { liveRequests: chat.liveRequests, liveCancellationListeners: loadedCore()?.liveCancellationListeners() ?? 0 },
    }),
    onDidChange: (listener) => {
      const a = chat.onDidChange(listener);
      const b = statusBar.onDidChange(listener);
      return { dispose: () => (a.dispose(), b.dispose()) };
    },
    ask: async (question) => chat.ask(question),
  };
}
