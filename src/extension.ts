import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SidestreamApi } from './api';
import { redactCredentials } from './core/redact';
import { ApiKeyStore } from './panel/ApiKeyStore';
import { ChatController } from './panel/ChatController';
import { ChatViewProvider } from './panel/ChatViewProvider';
import { CompareController, fastestColumns } from './panel/CompareController';
import { registerCompareCommands } from './panel/compareCommands';
import { CompareRunStore } from './panel/CompareRunStore';
import { registerCommands } from './panel/commands';
import { ChatStore } from './panel/ChatStore';
import { registerChatCommands } from './panel/chatCommands';
import { ContextAttachments } from './panel/ContextAttachments';
import { loadedCore } from './panel/coreLoader';
import { registerMetrics, type MetricsPanel } from './panel/MetricsPanel';
import { MetricsStatusBar } from './panel/MetricsStatusBar';
import type { MetricsStore } from './panel/MetricsStore';
import { ProviderResolver } from './panel/ProviderResolver';
import { migrateLegacyBaseUrl, setSettingsLog } from './panel/settings';
import { registerLanguageModelFeatures, type LanguageModelFeatures } from './lm';

let controller: ChatController | undefined;

/** Wires the features together; each owns its own work. Nothing here touches the network or the SDKs. */
export function activate(context: vscode.ExtensionContext): SidestreamApi | undefined {
  const channel = vscode.window.createOutputChannel('Sidestream', { log: true });
  const log = redactingLog(channel);
  setSettingsLog(log);
  const settingsReady = migrateLegacyBaseUrl(log);
  const statusBar = new MetricsStatusBar();
  const keys = new ApiKeyStore(context.secrets);
  const resolver = new ProviderResolver(keys);
  const view = new ChatViewProvider(context.extensionUri, log);
  const store = new ChatStore(storageDir(context), context.workspaceState, 500, (line) => log.warn(line));
  controller = new ChatController(view, store, resolver, statusBar, log);
  view.attach(controller);
  const attachments = new ContextAttachments(view, log);
  view.attachContext(attachments);
  const chat = controller;
  const refreshPanel = () => {
    view.post(chat.initMessage());
    void chat.checkSetup();
  };

  void settingsReady.then(refreshPanel);
  const metrics = registerMetrics(context, log);
  const lm = registerLanguageModelFeatures(context.extensionUri, { keys, resolver, statusBar, log });
  const compare = new CompareController(context.extensionUri, new CompareRunStore(storageDir(context), (line) => log.warn(line)), lm.models, log);
  context.subscriptions.push(
    channel,
    statusBar,
    view,
    chat,
    attachments,
    ...lm.disposables,
    ...metrics.disposables,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, view),
    ...registerCommands({ controller: chat, keys, resolver, log, refreshPanel, context: attachments, focusComposer: () => view.focusComposer() }),
    ...registerChatCommands(chat, log),
    compare,
    ...registerCompareCommands({ compare, models: lm.models, state: context.globalState }),
    keys.onDidChange(refreshPanel),
    // Trusting the workspace lets its project settings (model, system prompt…) count from now on.
    vscode.workspace.onDidGrantWorkspaceTrust(refreshPanel),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sidestream')) refreshPanel();
    }),
  );
  // The API spends the user's keys (ask) and reads the conversation: only the tests get it. It is a
  // test hook: the production build (`__SIDESTREAM_TEST__` false) does not contain it at all.
  return __SIDESTREAM_TEST__ && context.extensionMode === vscode.ExtensionMode.Test ? createApi(chat, statusBar, view, lm, attachments, metrics, compare) : undefined;
}

/** The conversation's folder: this workspace's storage, or the global one without a workspace. */
function storageDir(context: vscode.ExtensionContext): string {
  for (const uri of [context.storageUri, context.globalStorageUri]) {
    if (uri && uri.scheme === 'file' && typeof uri.fsPath === 'string') return uri.fsPath;
  }
  return path.join(os.tmpdir(), 'sidestream-storage');
}

/** The log with URL credentials (user:pass@, ?api-key=…) redacted from every line. */
function redactingLog(log: vscode.LogOutputChannel): vscode.LogOutputChannel {
  const wrapped = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);
  return new Proxy(log, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!wrapped.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      return (first: unknown, ...rest: unknown[]) =>
        (value as (...a: unknown[]) => unknown).call(
          target,
          typeof first === 'string' ? redactCredentials(first) : first instanceof Error ? redactCredentials(first.message) : first,
          ...rest,
        );
    },
  });
}

export async function deactivate(): Promise<void> {
  await controller?.cancelAndWait();
}

function createApi(
  chat: ChatController,
  statusBar: MetricsStatusBar,
  view: ChatViewProvider,
  lm: LanguageModelFeatures,
  attachments: ContextAttachments,
  metrics: { store: MetricsStore; panel: MetricsPanel },
  compare: CompareController,
): SidestreamApi {
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
    // The panel's own path: the attached files go along, as when the user presses Enter.
    ask: async (question) => view.ask(question),
    chatParticipantHandler: lm.participantHandler,
    retry: async (id) => chat.retry(id),
    continueAnswer: async (id) => chat.continue(id),
    regenerate: async (id) => chat.regenerate(id),
    edit: async (id, text) => chat.edit(id, text),
    switchBranch: async (id, delta) => chat.switchBranch(id, delta),
    newChat: async () => chat.newChat(),
    listChats: () => chat.listChats(),
    openChat: async (id) => chat.openChatById(id),
    currentChat: () => {
      const init = chat.initMessage();
      return { id: chat.openChat.id, title: init.chatTitle, messages: init.messages, recall: init.recall ?? [] };
    },
    chatMarkdown: () => chat.markdown(),
    renameChat: async (id, title) => chat.renameChat(id, title),
    deleteChat: async (id) => {
      const deleted = await chat.deleteChat(id);
      return deleted ? async () => chat.restoreChat(deleted) : undefined;
    },
    contextChips: () => attachments.chips(),
    removeContext: (id) => attachments.remove(id),
    attachContext: (id) => attachments.attach(id),
    metrics: {
      file: metrics.store.file,
      records: () => metrics.store.read(),
      view: () => {
        const panel = metrics.panel.webviewPanel;
        return panel ? { title: panel.title, visible: panel.visible, active: panel.active, opened: metrics.panel.opened } : undefined;
      },
    },
    compare: {
      start: async (question, models) => {
        const cts = new vscode.CancellationTokenSource();
        const all = await lm.models.reachableModels(cts.token).finally(() => cts.dispose());
        // A model the server does not list (the simulator's scripted names) takes its server's label.
        const targets = models.map((m) => ({ ...m, label: all.find((a) => a.provider === m.provider)?.label ?? m.provider }));
        return compare.start(question, targets);
      },
      snapshot: () => compare.snapshot(),
      streaming: () => compare.streaming,
      stopColumn: (column) => compare.stopColumn(column),
      fastest: () => {
        const run = compare.snapshot();
        return run ? fastestColumns(run) : { ttft: undefined, tps: undefined };
      },
      listRuns: () => compare.listRuns(),
      openRun: (id) => compare.openRun(id),
      markdown: () => compare.markdown(),
      postCount: () => compare.postCount,
      liveRequests: () => compare.liveRequests,
      onDidChange: (listener) => compare.onDidChange(listener),
    },
  };
}
