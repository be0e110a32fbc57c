/**
 * The one event union every provider maps its wire events into. Modelled on the Vercel AI SDK's
 * stream parts: a flat union keyed on `type`, usage counts that are `undefined` when unknown
 * (never 0), and a finish reason that keeps the provider's own word next to a unified value.
 */
import type { FailureKind, ProviderId, ReasoningBlock, UnifiedFinishReason } from '../shared/answerTypes';

export type { FailureKind, ProviderId, ReasoningBlock, UnifiedFinishReason };

/** Who answers (see providerCatalog.ts); `vscode-lm` is VS Code's Language Model API, reached without HTTP. */

/** Which wire format a request speaks. */
export type WireApi = 'openai-chat' | 'openai-responses' | 'anthropic';

export interface FinishReason {
  unified: UnifiedFinishReason;
  /** The provider's own value (`finish_reason`, `stop_reason`, `status`), when it sent one. */
  raw: string | undefined;
}

export interface Usage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  reasoningTokens?: number | undefined;
  cachedInputTokens?: number | undefined;
}

/** A typed failure with a one-line, actionable message. Never contains an API key. */
export interface StreamFailure {
  kind: FailureKind;
  message: string;
  /** HTTP status when the failure came from one. */
  status?: number | undefined;
  /** For `rate-limit`: the wait the server asked for, in ms (already capped). */
  retryAfterMs?: number | undefined;
  /** Whether retrying the same request could succeed. */
  retryable: boolean;
}

/** A tool call as a provider assembled it from the wire, before its arguments are checked. */
export interface RawToolCall {
  id: string;
  name: string;
  /** The arguments JSON text exactly as streamed, accumulated from fragments. */
  arguments: string;
}

/** A complete tool call: its arguments arrived whole and parse to a JSON object. */
export interface ToolCall extends RawToolCall {
  /** The parsed arguments (`{}` for a call streamed with no arguments). */
  input: Record<string, unknown>;
  /** `text` when a local model wrote the call as text and Sidestream recognised it (see textToolCalls.ts). */
  source?: 'text' | undefined;
}

export type StreamEvent =
  | { type: 'start'; provider: ProviderId; model: string }
  | { type: 'text-delta'; text: string }
  /** Reasoning shown in the Thinking section; `redacted` marks a placeholder for reasoning the provider encrypted. */
  | { type: 'reasoning-delta'; text: string; redacted?: boolean }
  /** A complete tool call, emitted once its arguments arrived whole and parsed; parallel calls in order. */
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'metrics'; metrics: StreamMetricsSnapshot }
  | {
      type: 'finish';
      reason: FinishReason;
      usage: Usage;
      metrics: StreamMetricsSnapshot;
      /** Anthropic thinking blocks (with signatures) to send back with this answer on the next turn. */
      reasoningBlocks?: ReasoningBlock[] | undefined;
      /**
       * Why Sidestream itself ended the answer, for the user (set when the client-side output cap
       * stopped a server that kept sending: reason `length`, see outputCap.ts).
       */
      note?: string | undefined;
    }
  /**
   * The stream failed. `metrics` are the final figures, counted on all the text that arrived (the
   * provider's usage when it reported it), exactly as a `finish` carries them.
   */
  | { type: 'error'; error: StreamFailure; partialText: string; metrics: StreamMetricsSnapshot; usage: Usage };

/**
 * Figures measured from the response bytes (see metrics.ts). Times are ms since the request was
 * handed to the network (the provider's time, without SDK loading or request building).
 */
export interface StreamMetricsSnapshot {
  /**
   * ms spent locally before the request was handed to the network (loading the SDK on a cold
   * start, building the request); undefined when it never was.
   */
  setupMs?: number | undefined;
  /** ms from request start to response headers. */
  headersMs: number | undefined;
  /** ms from request start to the first body byte. */
  firstByteMs: number | undefined;
  /** Time to first token: ms from request start to the first text (or reasoning) delta. */
  ttftMs: number | undefined;
  /**
   * ms from request start to the first answer (text) token, set only when reasoning came first:
   * then `ttftMs` is the first visible (reasoning) token and this is when the answer itself began.
   */
  firstAnswerTokenMs?: number | undefined;
  /** ms from request start to the last token. */
  lastTokenMs: number | undefined;
  /** Output tokens: the provider's count when reported, else counted with a tokenizer. */
  outputTokens: number | undefined;
  /** Reasoning tokens, when the provider's usage reports them (they are part of `outputTokens`). */
  reasoningTokens?: number | undefined;
  /** True when `outputTokens` was counted locally rather than reported by the provider. */
  estimated: boolean;
  /** Tokens per second over the whole answer: outputTokens / (last token − first token). */
  tokensPerSecond: number | undefined;
  /** Tokens per second over a short rolling window, while streaming. */
  liveTokensPerSecond: number | undefined;
  /** Response body bytes received. */
  bytes: number;
}

/** Re-exported for the core's own switches; the guard lives in src/shared/, which every layer may import. */
export { assertNever } from '../shared/assertNever';
