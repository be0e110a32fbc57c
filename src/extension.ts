import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SidestreamApi } from './api';
import { providerInfo } from './core/providerCatalog';
import { redactCredentials } from './core/redact';
import type * as Features from './features';
import { ChatController } from './features/chat/ChatController';
import { ChatStore } from './features/chat/ChatStore';
import { ChatViewProvider } from './features/chat/ChatViewProvider';
import { registerChatCommands } from './features/chat/commands';
import { ContextAttachments } from './features/chat/ContextAttachments';
import type { CompareController } from './features/compare/CompareController';
import type { MetricsPanel } from './features/metrics/MetricsPanel';
import { registerLanguageModelFeatures, type LanguageModelFeatures } from './features/vscodeChat';
import { AnswerRunner } from './platform/answerRunner';
import { ApiKeyStore } from './platform/ApiKeyStore';
import { CancelHooks } from './platform/cancelHooks';
import { registerPlatformCommands } from './platform/commands';
import * as coreLoader from './platform/coreLoader';
import { lazyFeature, type LazyFeature } from './platform/featureLoader';
import { MetricsStatusBar } from './platform/MetricsStatusBar';
import { METRICS_BOUND, MetricsStore } from './platform/MetricsStore';
import { ProviderResolver } from './platform/ProviderResolver';
import type { HostServices } from './platform/services';
import * as settings from './platform/settings';

/** The chat, once something used it (the view, a command, the test API): created on first use. */
let chatFeature: { controller: ChatController; context: ContextAttachments } | undefined;

let features: typeof Features | undefined;

/** dist/features.js (src/features.ts), required the first time one of its features is used. */
function loadFeatures(): typeof Features {
  // esbuild marks this path external and emits dist/features.js beside dist/extension.js.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  features ??= require('./features.js') as typeof Features;
  return features;
}

/** Wires the features together; each owns its own work. Nothing here touches the network or the SDKs. */
export function activate(context: vscode.ExtensionContext): SidestreamApi | undefined {
  const channel = vscode.window.createOutputChannel('Sidestream', { log: true });
  const log = redactingLog(channel);
  settings.setSettingsLog(log);
  const settingsReady = settings.migrateLegacyBaseUrl(log);
  const statusBar = new MetricsStatusBar();
  const keys = new ApiKeyStore(context.secrets);
  const resolver = new ProviderResolver(keys);
  const metricsStore = new MetricsStore(globalStorageDir(context), METRICS_BOUND, (line) => log.warn(`metrics: ${line}`));
  const runner = new AnswerRunner({ statusBar, log, metrics: metricsStore });
  const cancelHooks = new CancelHooks();
  const host: HostServices = {
    extensionUri: context.extensionUri,
    log,
    runner,
    cancelHooks,
    readSettings: settings.readSettings,
    loadCore: coreLoader.loadCore,
    globalState: context.globalState,
    storageDir: storageDir(context),
  };
  const view = new ChatViewProvider(context.extensionUri, log);
  // Nothing of the chat runs until something uses it — the view, a command, the test API: no chat
  // files read, no provider probed, no SDK loaded for a window that never opens Sidestream.
  const chatParts = (): { controller: ChatController; context: ContextAttachments } => {
    if (!chatFeature) {
      const store = new ChatStore(host.storageDir, context.workspaceState, 500, (line) => log.warn(line));
      const controller = new ChatController(view, store, resolver, statusBar, runner, log);
      chatFeature = { controller, context: new ContextAttachments(view, log) };
      context.subscriptions.push(chatFeature.controller, chatFeature.context);
    }
    return chatFeature;
  };
  const chat = (): ChatController => chatParts().controller;
  view.attach(chatParts);
  const refreshPanel = () => {
    // A chat not created yet has nothing to redraw: the view's `ready` sends it all.
    if (!chatFeature) return;
    view.post(chatFeature.controller.initMessage());
    void chatFeature.controller.checkSetup();
  };

  void settingsReady.then(() => {
    refreshPanel();
    // Until the chat is used, the status bar names the model the settings choose, without probing.
    if (!chatFeature) showSettingsModel(statusBar);
  });
  const lm = registerLanguageModelFeatures(context.extensionUri, { keys, resolver, runner, globalState: context.globalState, log });
  // Created from dist/features.js the first time one of their commands runs.
  const metricsView = lazyFeature(['sidestream.showMetrics', 'sidestream.exportMetrics'], loadFeatures, (f) => f.createMetricsView(context.extensionUri, metricsStore, log));
  const compare = lazyFeature(['sidestream.compareModels', 'sidestream.showCompareRuns', 'sidestream.openCompareRun', 'sidestream.copyCompareMarkdown'], loadFeatures, (f) =>
    f.compareFeature({ host, compare: new f.CompareController(host, new f.CompareRunStore(host.storageDir, (line) => log.warn(line)), lm.models), models: lm.models }),
  );
  // Diagnose Server: checks the configured server and shows a card of verdicts with their fixes.
  const diagnose = lazyFeature(['sidestream.diagnoseServer', 'sidestream.applyDiagnosisFix'], loadFeatures, (f) =>
    f.diagnoseFeature({
      host,
      resolver,
      // In the chat panel when it is open; otherwise the feature shows its Markdown document.
      showCard: (card) => {
        // Only a panel in sight shows the card; otherwise it opens as a document the user sees.
        if (!view.isShown) return false;
        chat().showDiagnosis(card);
        return true;
      },
    }),
  );
  // Show Chat History lists the saved compare runs too.
  const history = lazyFeature(['sidestream.showHistory', 'sidestream.copyChat', 'sidestream.exportChat'], loadFeatures, (f) =>
    f.chatHistoryFeature(chat(), log, () => compare.get()),
  );
  context.subscriptions.push(
    channel,
    statusBar,
    view,
    ...lm.disposables,
    cancelHooks.register(() => chatFeature?.controller.cancel()),
    metricsView,
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, view),
    ...registerPlatformCommands({ keys, resolver, log, cancelHooks, refreshPanel, globalState: context.globalState }),
    ...registerChatCommands({ controller: chat, context: () => chatParts().context, focusComposer: () => view.focusComposer() }),
    history,
    compare,
    diagnose,
    keys.onDidChange(refreshPanel),
    // Trusting the workspace lets its project settings (model, system prompt…) count from now on.
    vscode.workspace.onDidGrantWorkspaceTrust(refreshPanel),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('sidestream')) refreshPanel();
    }),
  );
  // The API spends the user's keys (ask) and reads the conversation: only the tests get it. It is a
  // test hook: the production build (`__SIDESTREAM_TEST__` false) does not contain it at all.
  return __SIDESTREAM_TEST__ && context.extensionMode === vscode.ExtensionMode.Test
    ? createApi(chat(), statusBar, view, lm, chatParts().context, { store: metricsStore, view: metricsView }, compare, keys)
    : undefined;
}

/** The status bar's model from the settings alone (a model chosen for a named provider): no probe, no key read. */
function showSettingsModel(statusBar: MetricsStatusBar): void {
  const { provider, model } = settings.readSettings();
  if (model && provider !== 'auto' && provider !== 'vscode-lm') statusBar.setModel(model, providerInfo(provider).label);
}

/**
 * The chats' folder: this workspace's storage, or the global one without a workspace — shared by
 * every window without a folder, which the chat store merges (it never lets one window take it over).
 */
function storageDir(context: vscode.ExtensionContext): string {
  return localFolder(context.storageUri, context.globalStorageUri);
}

/**
 * The extension's global storage folder (the metrics store: figures from every workspace answer
 * "which model is faster on my machine").
 */
function globalStorageDir(context: vscode.ExtensionContext): string {
  return localFolder(context.globalStorageUri);
}

/**
 * The first of `uris` that is a local folder: one in every VS Code we know; the fallback keeps
 * activation (and the answers) working should a host ever hand out another scheme.
 */
function localFolder(...uris: Array<vscode.Uri | undefined>): string {
  for (const uri of uris) {
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
  await chatFeature?.controller.cancelAndWait();
}

function createApi(
  chat: ChatController,
  statusBar: MetricsStatusBar,
  view: ChatViewProvider,
  lm: LanguageModelFeatures,
  attachments: ContextAttachments,
  metrics: { store: MetricsStore; view: LazyFeature<MetricsPanel> },
  compare: LazyFeature<CompareController>,
  keys: ApiKeyStore,
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
      panelReady: view.isReady,
      panelVisible: view.isShown,
      diagnostics: { liveRequests: chat.liveRequests, liveCancellationListeners: coreLoader.loadedCore()?.liveCancellationListeners() ?? 0 },
    }),
    onDidChange: (listener) => {
      const a = chat.onDidChange(listener);
      const b = statusBar.onDidChange(listener);
      return { dispose: () => (a.dispose(), b.dispose()) };
    },
    onPanelReceivedFirstText: (listener) => view.onDidReceiveFirstText(listener),
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
      return { id: chat.openChat.id, title: init.chatTitle, messages: init.messages, recall: init.recall ?? [], streaming: init.streaming };
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
        const view = metrics.view.loaded;
        const panel = view?.webviewPanel;
        return view && panel ? { title: panel.title, visible: panel.visible, active: panel.active, opened: view.opened } : undefined;
      },
    },
    compare: {
      start: async (question, models) => {
        const cts = new vscode.CancellationTokenSource();
        const all = await lm.models.reachableModels(cts.token).finally(() => cts.dispose());
        // A model the server does not list (the simulator's scripted names) takes its server's label.
        const targets = models.map((m) => ({ ...m, label: all.find((a) => a.provider === m.provider)?.label ?? m.provider }));
        return compare.get().start(question, targets);
      },
      snapshot: () => compare.get().snapshot(),
      streaming: () => compare.get().streaming,
      stopColumn: (column) => compare.get().stopColumn(column),
      fastest: () => {
        const run = compare.get().snapshot();
        return run ? loadFeatures().fastestColumns(run) : { ttft: undefined, tps: undefined };
      },
      listRuns: () => compare.get().listRuns(),
      openRun: (id) => compare.get().openRun(id),
      markdown: () => compare.get().markdown(),
      postCount: () => compare.get().postCount,
      liveRequests: () => compare.get().liveRequests,
      onDidChange: (listener) => compare.get().onDidChange(listener),
      webviewMessage: (message) => compare.get().receive(message),
    },
    keys: {
      store: (provider, key) => (key ? keys.set(provider, key) : keys.clear(provider)),
      stored: (provider) => keys.stored(provider),
    },
    keyAccess: {
      remembered: () => lm.consent.remembered(),
      forget: (ids) => lm.consent.forget(ids),
    },
  };
}
