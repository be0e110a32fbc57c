import type { ProviderId, ReasoningBlock, WireApi } from './events';

/** A tool the model may call: its name, what it does, and a JSON schema for its input. */
export interface ToolDefinition {
  name: string;
  description?: string | undefined;
  /** A JSON schema (an `object` schema); an empty object schema when absent. */
  inputSchema?: Record<string, unknown> | undefined;
}

/** Whether the model may answer without a call (`auto`) or must call a tool (`required`). */
export type ToolChoice = 'auto' | 'required';

/** A tool call an assistant turn made, as it goes back to the provider in the history. */
export interface HistoryToolCall {
  /** The provider's id for the call (kept, so its result can be matched to it). */
  id: string;
  name: string;
  /** The arguments as a JSON object. */
  input: Record<string, unknown>;
}

/** The result of a tool call, sent back on the user turn after the assistant turn that made the call. */
export interface HistoryToolResult {
  /** The id of the call this answers. */
  callId: string;
  /** The tool's name, when known (some wire formats and the text-form fallback use it). */
  name?: string | undefined;
  /** The result as text. */
  content: string;
  /** The tool failed: its content is the error. */
  isError?: boolean | undefined;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  /** The turn's text (on a user turn with tool results: any text that follows the results). */
  content: string;
  /**
   * On an assistant turn: the reasoning blocks its `finish` event carried (Anthropic thinking with
   * signatures). Sent back before the text, so a conversation that used extended thinking stays valid.
   */
  reasoningBlocks?: ReasoningBlock[] | undefined;
  /**
   * On an assistant turn: the reasoning it showed (a thinking part), kept with the turn but never
   * sent back as answer text (only Anthropic's signed {@link reasoningBlocks} go back).
   */
  reasoning?: string | undefined;
  /** On an assistant turn: the tool calls it made, after its text. */
  toolCalls?: HistoryToolCall[] | undefined;
  /** On a user turn: the results of the previous assistant turn's tool calls, before its text. */
  toolResults?: HistoryToolResult[] | undefined;
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
  /** Tools the model may call; none when absent or empty. */
  tools?: ToolDefinition[] | undefined;
  /** With {@link tools}: `auto` (default) or `required`. */
  toolChoice?: ToolChoice | undefined;
  /** Diagnostic lines (e.g. a wire event this version does not understand, once per kind). */
  onLog?: ((line: string) => void) | undefined;
  /** Called when the SDK is about to wait before a retry: lets the UI say so. */
  onRetry?: ((info: { attempt: number; delayMs: number; status: number | undefined }) => void) | undefined;
}
