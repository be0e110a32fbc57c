/**
 * What `activate()` returns in a test build run by VS Code in test mode, and nowhere else (the
 * production build does not contain it). The extension-host tests use it to observe and drive the
 * panel without scraping the DOM. It never exposes an API key.
 */
import type * as vscode from 'vscode';
import type { ProviderId } from './core/events';
import type { CompareRunView, MessageView } from './protocol';

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
  /** Asks a question as if typed in the panel; resolves when the answer has finished (any state). */
  ask(question: string): Promise<MessageView | undefined>;
  /** The `@sidestream` chat participant's handler, for tests that cannot drive the chat view. */
  chatParticipantHandler: vscode.ChatRequestHandler;
  /** The panel's Retry button on answer `id`; resolves when the new answer has finished. */
  retry(id: string): Promise<void>;
  /** The panel's Continue button on answer `id`; resolves when the continued answer has finished. */
  continueAnswer(id: string): Promise<void>;
  /** Compare Models, driven without the quick pick. */
  compare: SidestreamCompareApi;
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
}
