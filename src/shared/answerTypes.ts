/**
 * The answer's types every layer shares: the core produces them, the host stores and sends them, the
 * webview shows them. Types only, in the neutral layer, so the webview never imports the core and
 * the core never imports the protocol.
 */

/** Who answers (see src/core/providerCatalog.ts); `vscode-lm` is VS Code's Language Model API, reached without HTTP. */
export type ProviderId = 'openai' | 'anthropic' | 'ollama' | 'lmstudio' | 'llamacpp' | 'vllm' | 'openai-compatible' | 'vscode-lm';

export type UnifiedFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'cancelled' | 'error' | 'other';

export type FailureKind =
  'auth' | 'not-found' | 'bad-request' | 'rate-limit' | 'overloaded' | 'server' | 'connection' | 'timeout' | 'idle-timeout' | 'protocol' | 'provider' | 'content-filter';

/**
 * A reasoning block as the provider must see it again on the next turn. Anthropic verifies its
 * extended-thinking blocks by their `signature` (and needs redacted blocks' `data` verbatim) when a
 * conversation continues after thinking, so they are kept whole, in order, next to the answer.
 */
export type ReasoningBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

/** Where an answer is: streaming, or how it ended. */
export type AnswerState = 'streaming' | 'done' | 'cancelled' | 'error';

/** Figures shown under an answer and in the status bar. */
export interface AnswerStats {
  /** Who answered; absent on answers saved by versions before it was recorded. */
  provider?: ProviderId | undefined;
  model: string;
  /** Provider label shown to the user, e.g. "OpenAI", "Ollama", "Simulator". */
  providerLabel: string;
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
  outputTokens: number | undefined;
  estimated: boolean;
  finishReason: UnifiedFinishReason | undefined;
  /** When reasoning came first: ms to the first token of the answer itself (TTFT is the first visible token). */
  firstAnswerTokenMs?: number | undefined;
  /** Reasoning tokens, when the provider's usage reports them (part of `outputTokens`). */
  reasoningTokens?: number | undefined;
  /** ms from the session's start to the answer's end (done, cancelled or failed), on this machine's clock. */
  durationMs?: number | undefined;
  /** Why Sidestream itself stopped the answer (the output cap), shown with the figures. */
  note?: string | undefined;
}

/** Why an answer failed, in one line. */
export interface AnswerError {
  kind: FailureKind;
  message: string;
}

/** Where an answer was resumed. Saved with the answer; shown as a marker in the text. */
export interface AnswerSeam {
  /** Where the resumed text begins, in characters of the answer's text. */
  offset: number;
  /** What failed. */
  failure: { kind: FailureKind; message: string; status?: number | undefined };
  /** When it failed, ms since the epoch. */
  at: number;
  /** ms from the failure to the first text of the resumed part (waits and failed attempts included). */
  resumeMs: number;
  /** How many requests it took (1, or 2 when the first resume failed before any text). */
  attempts: number;
  /** Characters the model repeated at the seam, removed. */
  overlapChars: number;
  /** How the partial answer was sent back. */
  mode: 'prefill' | 'follow-up';
}
