import type { ProviderId, ReasoningBlock, WireApi } from './events';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /**
   * On an assistant turn: the reasoning blocks its `finish` event carried (Anthropic thinking with
   * signatures). Sent back before the text, so a conversation that used extended thinking stays valid.
   */
  reasoningBlocks?: ReasoningBlock[] | undefined;
}

/** What reasoning to ask for. */
export interface ReasoningOptions {
  /**
   * Anthropic extended thinking: the token budget (at least 1024), or undefined/0 for off. The
   * answer's `max_tokens` is raised to leave room for it when needed.
   */
  budgetTokens?: number | undefined;
  /**
   * OpenAI Responses: ask for reasoning summaries (`reasoning.summary: "auto"`). Default: on for
   * OpenAI's reasoning models (o-series, gpt-5), off elsewhere (other models reject the parameter).
   */
  summaries?: boolean | undefined;
}

/** Everything one streamed request needs. The API key is passed here and never logged. */
export interface ChatRequest {
  provider: ProviderId;
  /**
   * The wire format. `openai-chat` or `openai-responses` for OpenAI and every OpenAI-compatible
   * server (Ollama, LM Studio, llama.cpp, vLLM, gateways); `anthropic` for Anthropic.
   */
  api: WireApi;
  model: string;
  /** Base URL of the API, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  systemPrompt?: string | undefined;
  /** The conversation, oldest first; the last message is the user's question. */
  messages: ChatMessage[];
  maxOutputTokens?: number | undefined;
  /**
   * When set, the answer continues this assistant text: sent as an assistant prefill where the
   * provider supports it (Anthropic, local OpenAI-compatible servers), else as a continuation request.
   */
  continueFrom?: string | undefined;
  /** Seconds without any body byte after the headers before the stream fails with `idle-timeout`. Default 60. */
  idleTimeoutSeconds?: number | undefined;
  /** Ms to wait for response headers before `timeout`. Default 60 000. */
  headersTimeoutMs?: number | undefined;
  /** Retries before the first byte (SDK `maxRetries`). Default 2. */
  maxRetries?: number | undefined;
  /** Reasoning options (Anthropic thinking budget, Responses reasoning summaries). */
  reasoning?: ReasoningOptions | undefined;
  /** Diagnostic lines (e.g. a wire event this version does not understand, once per kind). */
  onLog?: ((line: string) => void) | undefined;
  /** Called when the SDK is about to wait before a retry: lets the UI say so. */
  onRetry?: ((info: { attempt: number; delayMs: number; status: number | undefined }) => void) | undefined;
}
