/**
 * The one message protocol between the extension host and the webview. Imported by both sides;
 * one discriminated union per direction. Nothing here may carry an API key.
 */
import type { ReasoningBlock } from './core/events';
import type { AnswerError, AnswerState, AnswerStats } from './core/session/StreamSession';

export type MessageState = AnswerState;

/** Figures shown under an assistant message and in the status bar (the stream session's). */
export type MessageStats = AnswerStats;

export type ErrorInfo = AnswerError;

export interface UserMessageView {
  id: string;
  role: 'user';
  text: string;
  /** Editor selection sent along as context, shown collapsed. */
  context?: { fileName: string; languageId: string; text: string } | undefined;
}

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

/** Host → webview. */
export type HostToWebview =
  | { type: 'init'; messages: MessageView[]; streaming: boolean; modelLabel: string | undefined }
  | { type: 'setup'; options: SetupOption[]; reason: string }
  | { type: 'messageAdded'; message: MessageView }
  /** Coalesced text appended to an assistant message; `seq` increases by one per post of that message (from 1). */
  | { type: 'append'; id: string; seq: number; text: string; reasoning?: string | undefined }
  | { type: 'notice'; id: string; notice: string | undefined }
  | { type: 'messageFinished'; id: string; state: Exclude<MessageState, 'streaming'>; stats: MessageStats | undefined; error: ErrorInfo | undefined }
  /** The message is being continued: back to streaming, new text is appended to the same message. */
  | { type: 'messageResumed'; id: string; rev: number }
  /** Where the next question goes, e.g. "Simulator · sim-model"; shown in the panel's header. */
  | { type: 'provider'; label: string | undefined }
  | { type: 'cleared' };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'ask'; text: string }
  | { type: 'cancel' }
  | { type: 'retry'; id: string }
  | { type: 'continue'; id: string }
  | { type: 'copy'; text: string }
  | { type: 'insert'; text: string }
  | { type: 'openLink'; href: string }
  /** A setup card button: the host runs that option's command with its own arguments. */
  | { type: 'runCommand'; id: string };
