/**
 * The one message protocol between the extension host and the webview. Imported by both sides;
 * one discriminated union per direction. Nothing here may carry an API key.
 */
import type { AnswerError, AnswerSeam, AnswerState, AnswerStats, ProviderId, ReasoningBlock } from './answerTypes';
import type { ContextFile } from './contextFile';

export type { ContextFile };

export type MessageState = AnswerState;

/** Figures shown under an assistant message and in the status bar (the stream session's). */
export type MessageStats = AnswerStats;

export type ErrorInfo = AnswerError;

/** Where this message sits among its alternatives (edit, regenerate): "‹ index/count ›", 1-based. Snapshots only. */
export interface BranchInfo {
  index: number;
  count: number;
}

/** A context chip in the composer: what goes along with the next question (no text, only what the chip shows). */
export interface ContextChip {
  id: string;
  kind: 'selection' | 'file' | 'activeFile';
  /** File name shown on the chip. */
  label: string;
  /** Workspace-relative path (tooltip). */
  description: string;
  tokens: number;
  truncatedNote?: string | undefined;
  /**
   * The active editor's file is offered, not attached: a suggested chip is shown dimmed with "+"
   * and goes along only after the user attaches it (webview posts `attachContext`).
   */
  suggested?: boolean | undefined;
}

export interface UserMessageView {
  id: string;
  role: 'user';
  text: string;
  /** Editor selection sent along as context (versions before 0.2; read, never written). */
  context?: { fileName: string; languageId: string; text: string } | undefined;
  /** Files and selection sent along with this question, shown collapsed. */
  contextFiles?: ContextFile[] | undefined;
  branch?: BranchInfo | undefined;
}

/**
 * Where an answer was resumed automatically after its stream broke (core/salvage.ts): the webview
 * shows a marker at `offset` in the text, its title what failed, when, and how long the resume took.
 */
export type AnswerSeamView = AnswerSeam;

export interface AssistantMessageView {
  id: string;
  role: 'assistant';
  text: string;
  reasoning?: string | undefined;
  /** Anthropic thinking blocks with their signatures, sent back with this answer on the next turn. */
  reasoningBlocks?: ReasoningBlock[] | undefined;
  state: MessageState;
  stats?: MessageStats | undefined;
  error?: ErrorInfo | undefined;
  /** A transient notice while streaming, e.g. "Rate limited: retrying in 3 s". */
  notice?: string | undefined;
  /**
   * In a snapshot posted to the webview (`init`, `messageAdded`): the last `append` seq whose text
   * `text`/`reasoning` already contain. The webview ignores appends at or below it and expects
   * `rev + 1` next, so a snapshot and the appends posted around it never overlap. Not stored.
   */
  rev?: number | undefined;
  branch?: BranchInfo | undefined;
  /** Where the answer was resumed automatically (offsets in `text`), oldest first. */
  seams?: AnswerSeamView[] | undefined;
}

export type MessageView = UserMessageView | AssistantMessageView;

/** What the setup card offers when no provider works. */
export interface SetupOption {
  id: string;
  label: string;
  description: string;
  /** Command the host runs when the button is clicked. */
  command: string;
  args?: unknown[] | undefined;
}

/** One line of a Diagnose Server card. */
export interface DiagnosisVerdictView {
  /** The verdict's id (`reachable`, `context`…): a fix button names it, never a command. */
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'info' | 'skip';
  line: string;
  fix?: string | undefined;
  /** The button's title when Sidestream can apply the fix. */
  action?: string | undefined;
}

/** A Diagnose Server card (core/diagnose.ts as the panel shows it). */
export interface DiagnosisCardView {
  /** e.g. "Diagnosis of Ollama". */
  title: string;
  /** The base URL (credentials redacted), model, wire API and how long it took. */
  subtitle: string;
  verdicts: DiagnosisVerdictView[];
  /** e.g. "3 problem(s) found." */
  summary: string;
}

/** Host → webview. */
export type HostToWebview =
  | {
      type: 'init';
      messages: MessageView[];
      streaming: boolean;
      modelLabel: string | undefined;
      /** The open chat's id and title (undefined title: a new chat nothing was asked in yet). */
      chatId?: string | undefined;
      chatTitle?: string | undefined;
      /** Earlier questions for ↑/↓ recall in the composer, oldest first (all chats, at most 100). */
      recall?: string[] | undefined;
      /** Why chats are not being saved now, when they are not (see `storageProblem`). */
      storageProblem?: string | undefined;
    }
  | { type: 'setup'; options: SetupOption[]; reason: string }
  /** Sidestream: Diagnose Server ran: show its card (it replaces an earlier one). */
  | { type: 'diagnosis'; card: DiagnosisCardView }
  | { type: 'messageAdded'; message: MessageView }
  /** Coalesced text appended to an assistant message; `seq` increases by one per post of that message (from 1). */
  | { type: 'append'; id: string; seq: number; text: string; reasoning?: string | undefined }
  | { type: 'notice'; id: string; notice: string | undefined }
  /** The answer was resumed after its stream broke: mark the seam (offset in the message's text). */
  | { type: 'seam'; id: string; seam: AnswerSeamView }
  | { type: 'messageFinished'; id: string; state: Exclude<MessageState, 'streaming'>; stats: MessageStats | undefined; error: ErrorInfo | undefined }
  /** The message is being continued: back to streaming, new text is appended to the same message. */
  | { type: 'messageResumed'; id: string; rev: number }
  /** Where the next question goes, e.g. "Simulator · sim-model"; shown in the panel's header. */
  | { type: 'provider'; label: string | undefined }
  | { type: 'cleared' }
  /** The open chat was named (its first answer was saved) or renamed: the header shows the new title. */
  | { type: 'chatTitle'; chatId: string; title: string | undefined }
  /** What goes along with the next question: the composer shows these chips (replaces the whole set). */
  | { type: 'context'; chips: ContextChip[] }
  /** Move keyboard focus to the composer (Ask revealed the view, or the user picked a context file). */
  | { type: 'focusComposer' }
  /** Saving chats stopped (a write failed, the chat list is unreadable): a banner says why until it works again (`message` undefined). */
  | { type: 'storageProblem'; message: string | undefined };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'ask'; text: string }
  /** Ask again for the question answer `id` belongs to; the earlier answer stays as a branch. */
  | { type: 'regenerate'; id: string }
  /** Replace question `id` with `text` and ask it; what came after stays reachable as the earlier branch. */
  | { type: 'edit'; id: string; text: string }
  /** Show the previous (-1) or next (1) alternative of message `id`. */
  | { type: 'switchBranch'; id: string; delta: -1 | 1 }
  /** Open the workspace file picker to add a context file (the user typed `#` or `@`, or clicked Add). */
  | { type: 'pickContext' }
  | { type: 'attachContext'; id: string }
  | { type: 'removeContext'; id: string }
  /** The composer's model button: run Select Model. */
  | { type: 'selectModel' }
  | { type: 'cancel' }
  | { type: 'retry'; id: string }
  | { type: 'continue'; id: string }
  /** The failed answer's fix button (Set API Key, Select Model, Open Settings): the host picks the command. */
  | { type: 'fixFailure'; id: string }
  | { type: 'copy'; text: string }
  | { type: 'insert'; text: string }
  | { type: 'openLink'; href: string }
  /** A setup card button: the host runs that option's command with its own arguments. */
  | { type: 'runCommand'; id: string }
  /** A diagnosis card's fix button: the host applies the fix of that verdict of its last diagnosis. */
  | { type: 'applyDiagnosisFix'; verdict: string }
  /**
   * Test builds only: the panel received the first text of answer `id` at `at` (ms since the epoch,
   * the message event's time). B12 times the panel path to this point, where the panel has the
   * text, as it times the provider path to where the calling extension has it.
   */
  | { type: 'received'; id: string; at: number };

// ── Compare Models panel (its own webview, its own pair of unions) ─────────────────────────────

/** Live figures of one compare column, posted at most every 100 ms while it streams. */
export interface CompareLiveFigures {
  ttftMs: number | undefined;
  /** Rolling rate while streaming; the whole answer's rate once it ended. */
  tokensPerSecond: number | undefined;
  outputTokens: number | undefined;
  estimated: boolean;
  /** ms since the request started, as the host measured it when posting (the webview ticks on from it). */
  elapsedMs: number;
}

/** One model's column of a compare run: a snapshot (`compareInit`, and what is saved). */
export interface CompareColumnView {
  /** The column's id within its run ("c0", "c1"…): messages name their column by it. */
  id: string;
  provider: ProviderId;
  model: string;
  /** e.g. "OpenAI", "Ollama", "Simulator". */
  providerLabel: string;
  text: string;
  reasoning?: string | undefined;
  state: AnswerState;
  stats?: AnswerStats | undefined;
  error?: AnswerError | undefined;
  /** ms from the request's start to its end (undefined while streaming). */
  durationMs?: number | undefined;
  /** The last live figures (snapshots of a streaming run only). */
  live?: CompareLiveFigures | undefined;
  /** As `AssistantMessageView.rev`: the last `compareAppend` seq `text` contains. Not stored. */
  rev?: number | undefined;
}

/** One question put to 2–4 models at once. */
export interface CompareRunView {
  id: string;
  /** The question as typed (without the selection sent along). */
  question: string;
  /** Editor selection sent along with the question, when there was one. */
  contextFiles?: ContextFile[] | undefined;
  /** ms since the epoch when the run started. */
  createdAt: number;
  columns: CompareColumnView[];
}

/** Host → Compare panel. */
export type CompareHostToWebview =
  /** The whole run (after `ready`, or a run reopened from the saved ones). */
  | { type: 'compareInit'; run: CompareRunView }
  /** Coalesced text for one column; `seq` increases by one per post of that column (from 1). */
  | { type: 'compareAppend'; column: string; seq: number; text: string; reasoning?: string | undefined }
  | { type: 'compareFigures'; column: string; figures: CompareLiveFigures }
  | {
      type: 'compareFinished';
      column: string;
      state: Exclude<AnswerState, 'streaming'>;
      stats: AnswerStats | undefined;
      error: AnswerError | undefined;
      durationMs: number | undefined;
    };

/** Compare panel → host. */
export type CompareWebviewToHost =
  | { type: 'ready' }
  /** A column's Stop button: cancel that model's request only. */
  | { type: 'stopColumn'; column: string }
  | { type: 'stopAll' }
  /** Copy as Markdown: the host builds the table and answers and puts them on the clipboard. */
  | { type: 'copyMarkdown' }
  /** A code block's Copy and Insert buttons, and a link clicked in an answer (as in the chat panel). */
  | { type: 'copy'; text: string }
  | { type: 'insert'; text: string }
  | { type: 'openLink'; href: string };
