/**
 * What `activate()` returns in a test build run by VS Code in test mode, and nowhere else (the
 * production build does not contain it). The extension-host tests use it to observe and drive the
 * panel without scraping the DOM. It never exposes an API key.
 */
import type * as vscode from 'vscode';
import type { ProviderId } from './core/events';
import type { KeyedProvider } from './core/providerCatalog';
import type { ChatSummary } from './features/chat/ChatStore';
import type { CompareRunView, ContextChip, MessageView } from './shared/protocol';
import type { AnswerRecord } from './shared/answerMetrics';

export interface SidestreamSnapshot {
  /** True while a request is streaming. */
  streaming: boolean;
  messages: MessageView[];
  /** The status-bar item's current text and tooltip. */
  statusBarText: string;
  statusBarTooltip: string;
  /** The provider/model the next question goes to, when one is configured. */
  provider: string | undefined;
  model: string | undefined;
  /** postMessage calls the host made to the panel since it opened (benchmarks read it). */
  postCount: number;
  /** The panel's webview is open and has said `ready` (messages reach it). */
  panelReady: boolean;
  /** The panel is ready and in sight (not in a hidden or collapsed view container). */
  panelVisible: boolean;
  /** Leak checks for the load tests: both are 0 whenever nothing streams. */
  diagnostics: {
    /** Requests started and not yet finished (their CancellationTokenSource not yet disposed). */
    liveRequests: number;
    /** Cancellation-token listeners held by the streaming core (0 before the core is loaded). */
    liveCancellationListeners: number;
  };
}

export interface SidestreamApi {
  snapshot(): SidestreamSnapshot;
  /** Fires whenever the snapshot changes (coalesced). */
  onDidChange(listener: () => void): { dispose(): void };
  /** Fires when the panel (the webview) has received an answer's first text; `at` is ms since the epoch. */
  onPanelReceivedFirstText(listener: (e: { id: string; at: number }) => void): { dispose(): void };
  /** Asks a question as if typed in the panel; resolves when the answer has finished (any state). */
  ask(question: string): Promise<MessageView | undefined>;
  /** The `@sidestream` chat participant's handler, for tests that cannot drive the chat view. */
  chatParticipantHandler: vscode.ChatRequestHandler;
  /** The panel's Retry button on answer `id`; resolves when the new answer has finished. */
  retry(id: string): Promise<void>;
  /** The panel's Continue button on answer `id`; resolves when the continued answer has finished. */
  continueAnswer(id: string): Promise<void>;
  /** The panel's Regenerate on answer `id`; resolves with the new answer when it has finished. */
  regenerate(id: string): Promise<MessageView | undefined>;
  /** The panel's Edit of question `id` to `text`; resolves with the new answer when it has finished. */
  edit(id: string, text: string): Promise<MessageView | undefined>;
  /** The panel's ‹ › on message `id`; resolves when the panel was sent the new path. */
  switchBranch(id: string, delta: -1 | 1): Promise<void>;
  /** New Chat: the open chat stays in the history. */
  newChat(): Promise<void>;
  /** Chats with messages, most recently updated first (as Show Chat History lists them). */
  listChats(): ChatSummary[];
  /** Shows chat `id` in the panel; false when it does not exist or cannot be read. */
  openChat(id: string): Promise<boolean>;
  /** The open chat as the panel's `init` carries it: messages with their branch info, the recall list, whether an answer streams. */
  currentChat(): { id: string; title: string | undefined; messages: MessageView[]; recall: string[]; streaming: boolean };
  /** The open chat as Copy Chat / Export Chat write it. */
  chatMarkdown(): string;
  renameChat(id: string, title: string): Promise<void>;
  /** Deletes chat `id`; resolves with its Undo (undefined when there was no such chat). */
  deleteChat(id: string): Promise<(() => Promise<void>) | undefined>;
  /** The composer's context chips as the panel shows them (attached files, then the active file offered). */
  contextChips(): ContextChip[];
  /** The "×" on chip `id` (the panel's `removeContext`). */
  removeContext(id: string): void;
  /** The "+" on the suggested active-file chip `id` (the panel's `attachContext`); resolves once attached. */
  attachContext(id: string): Promise<void>;
  /** The metrics store and view (Sidestream: Show Metrics). */
  metrics: {
    /** The store's JSON Lines file (in the extension's global storage folder). */
    file: string;
    /** The stored answers' figures, oldest first. */
    records(): AnswerRecord[];
    /** The metrics view when it is open; `opened` counts the panels created since activation. */
    view(): { title: string; visible: boolean; active: boolean; opened: number } | undefined;
  };
  /** Compare Models, driven without the quick pick. */
  compare: SidestreamCompareApi;
  /** Sidestream's SecretStorage, so a test can put a key there (it cannot type into the password box); never reads a key back. */
  keys: {
    /** Stores `key`; an empty one removes the stored key. */
    store(provider: KeyedProvider, key: string): Promise<void>;
    /** Whether a key for `provider` is in SecretStorage (the environment does not count). */
    stored(provider: KeyedProvider): Promise<boolean>;
  };
  /** What users answered when another extension asked to spend a key (see features/vscodeChat/keyConsent.ts). */
  keyAccess: {
    remembered(): Record<string, 'always' | 'denied'>;
    /** Forgets the answers for these extensions (remembered and for this window). */
    forget(extensionIds: string[]): Promise<void>;
  };
}

export interface SidestreamCompareApi {
  /** Asks `question` of each model (Sidestream provider id and model) at once; resolves when every column ended and the run is saved. */
  start(question: string, models: Array<{ provider: ProviderId; model: string }>): Promise<CompareRunView>;
  /** The shown run with live figures (columns' text as posted so far), or undefined. */
  snapshot(): CompareRunView | undefined;
  streaming(): boolean;
  /** A column's Stop button. */
  stopColumn(column: string): void;
  /** The column ids marked fastest (TTFT, tok/s) once every column ended. */
  fastest(): { ttft: string | undefined; tps: string | undefined };
  /** Saved runs, newest first (id, title, date, models). */
  listRuns(): Array<{ id: string; title: string; createdAt: number; models: string[] }>;
  /** Reopens a saved run in the panel; false when it is not saved. */
  openRun(id: string): Promise<boolean>;
  /** What Copy as Markdown copies for the shown run. */
  markdown(): string | undefined;
  /** Posts to the Compare panel since it opened. */
  postCount(): number;
  /** Column requests whose token source is not yet disposed (0 when idle). */
  liveRequests(): number;
  onDidChange(listener: () => void): { dispose(): void };
  /** A message from the Compare panel's webview, as its script would post it (validated the same way); resolves once handled. */
  webviewMessage(message: unknown): Promise<void>;
}
