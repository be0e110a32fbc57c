/**
 * OpenAI Chat Completions streaming, for OpenAI itself and every local OpenAI-compatible server
 * (Ollama, LM Studio, llama.cpp, vLLM, others). Handles the dialects seen on the wire: role-only
 * first chunks, `null` content, refusals, tool-call fragments, `reasoning_content` / `reasoning`,
 * `delta.content` as an array of `text` / `thinking` parts (Mistral), reasoning inline in
 * `<think>` tags at the start of the content (raw R1/Qwen3; never from OpenAI itself), the
 * usage-only final chunk, vLLM's flat `{"object":"error"}` chunk and llama.cpp's legacy `error:`
 * SSE field.
 */
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { assertNever, type FinishReason, type Usage, type UnifiedFinishReason } from '../events';
import { isLocalProvider, providerFailure } from '../errors';
import { loadOpenAI } from '../lazy';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../request';
import { ToolCallAccumulator, toolInputSchema } from '../toolCalls';
import { withContinuation } from '../continuation';
import { readJsonEvents, type JsonEvent } from './eventStream';
import { ThinkTagSplitter, type SplitPiece } from './thinkTags';
import { isKnownType, missingTerminalFailure, type ProviderContext, type ProviderPart, cachedSdkClient, sdkRequestOptions } from './providerContext';

/** Non-standard fields some servers add to a delta. */
interface DeltaExtras {
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/**
 * `delta.content` as an array of parts (Mistral's magistral models, some gateways):
 * `{type:"text", text}` is answer, `{type:"thinking", thinking:[{type:"text", text}…]}` is reasoning.
 */
type ContentPart = { type: 'text'; text?: unknown } | { type: 'thinking'; thinking?: unknown } | { type: string; [key: string]: unknown };

/** The text of a content part, whatever nesting the server used (a string, a part, or a list of parts). */
export function partText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(partText).join('');
  if (value && typeof value === 'object') {
    const part = value as { text?: unknown; thinking?: unknown };
    if (part.text !== undefined) return partText(part.text);
    if (part.thinking !== undefined) return partText(part.thinking);
  }
  return '';
}

/** Maps `delta.content` parts to text and reasoning pieces, in order; unknown part types are reported. */
export function mapContentParts(parts: readonly unknown[]): Array<{ kind: 'text' | 'reasoning' | 'unknown'; text: string }> {
  const out: Array<{ kind: 'text' | 'reasoning' | 'unknown'; text: string }> = [];
  for (const raw of parts) {
    if (typeof raw === 'string') {
      out.push({ kind: 'text', text: raw });
      continue;
    }
    const part = (raw ?? {}) as ContentPart;
    switch (part.type) {
      case 'text':
        out.push({ kind: 'text', text: partText(part.text) });
        break;
      case 'thinking':
        out.push({ kind: 'reasoning', text: partText(part.thinking) });
        break;
      default:
        out.push({ kind: 'unknown', text: `content part "${String(part.type)}"` });
    }
  }
  return out;
}

/** vLLM (and some proxies) send an error as a flat chunk instead of an HTTP error or an `error` key. */
interface FlatErrorChunk {
  object: 'error';
  message?: string;
  type?: string;
  code?: number | string;
}

type ChunkKind = { kind: 'error'; message: string; type: string | undefined } | { kind: 'usage-only'; usage: Usage } | { kind: 'choices'; chunk: ChatCompletionChunk };

const FINISH_REASONS: Record<ChatCompletionChunk.Choice['finish_reason'] & string, true> = {
  stop: true,
  length: true,
  tool_calls: true,
  content_filter: true,
  function_call: true,
};

/** Maps a Chat Completions `finish_reason` to the unified reason. */
export function mapOpenAIChatFinishReason(raw: string | null | undefined): FinishReason {
  if (!raw) return { unified: 'other', raw: undefined };
  if (!isKnownType(FINISH_REASONS, raw)) return { unified: 'other', raw };
  let unified: UnifiedFinishReason;
  switch (raw) {
    case 'stop':
      unified = 'stop';
      break;
    case 'length':
      unified = 'length';
      break;
    case 'tool_calls':
    case 'function_call':
      unified = 'tool-calls';
      break;
    case 'content_filter':
      unified = 'content-filter';
      break;
    default:
      return assertNever(raw, 'finish_reason');
  }
  return { unified, raw };
}

/** Maps Chat Completions usage (`prompt_tokens`, `completion_tokens`, details) to {@link Usage}. */
export function convertOpenAIChatUsage(usage: ChatCompletionChunk['usage']): Usage | undefined {
  if (!usage) return undefined;
  return {
    inputTokens: numberOrUndefined(usage.prompt_tokens),
    outputTokens: numberOrUndefined(usage.completion_tokens),
    reasoningTokens: numberOrUndefined(usage.completion_tokens_details?.reasoning_tokens),
    cachedInputTokens: numberOrUndefined(usage.prompt_tokens_details?.cached_tokens),
  };
}

/** Builds the request body for `request`. */
export function buildOpenAIChatBody(request: ChatRequest): ChatCompletionCreateParamsStreaming & Record<string, unknown> {
  const local = isLocalProvider(request.provider);
  const turns = withContinuation(request.messages, request.continueFrom, local ? 'prefill' : 'follow-up');
  const messages: ChatCompletionMessageParam[] = [];
  if (request.systemPrompt) messages.push({ role: 'system', content: request.systemPrompt });
  for (const turn of turns) messages.push(...chatMessages(turn));
  const body: ChatCompletionCreateParamsStreaming & Record<string, unknown> = {
    model: request.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.maxOutputTokens !== undefined) {
    // OpenAI's reasoning models reject `max_tokens`; local servers mostly only know `max_tokens`.
    if (local) body.max_tokens = request.maxOutputTokens;
    else body.max_completion_tokens = request.maxOutputTokens;
  }
  if (request.tools?.length) {
    body.tools = request.tools.map(chatTool);
    body.tool_choice = request.toolChoice ?? 'auto';
  }
  if (request.continueFrom && request.provider === 'vllm') {
    // vLLM only continues the trailing assistant turn when told to.
    body.continue_final_message = true;
    body.add_generation_prompt = false;
  }
  return body;
}

/** A tool as Chat Completions declares it. */
export function chatTool(tool: ToolDefinition): ChatCompletionTool {
  return {
    type: 'function',
    function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: toolInputSchema(tool) },
  };
}

/**
 * One core turn as Chat Completions messages: a user turn's tool results become `tool` messages
 * (ids kept) before its text; an assistant turn's calls ride on its message as `tool_calls`. An
 * assistant turn's reasoning is never sent back as content.
 */
export function chatMessages(turn: ChatMessage): ChatCompletionMessageParam[] {
  if (turn.role === 'user') {
    const out: ChatCompletionMessageParam[] = (turn.toolResults ?? []).map((result) => ({
      role: 'tool' as const,
      tool_call_id: result.callId,
      content: result.content,
    }));
    if (turn.content || out.length === 0) out.push({ role: 'user', content: turn.content });
    return out;
  }
  const calls = turn.toolCalls ?? [];
  if (calls.length === 0) return [{ role: 'assistant', content: turn.content }];
  return [
    {
      role: 'assistant',
      content: turn.content || null,
      tool_calls: calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) } })),
    },
  ];
}

/** Streams one Chat Completions request. */
export async function* streamOpenAIChat(request: ChatRequest, context: ProviderContext): AsyncGenerator<ProviderPart> {
  const { OpenAI } = loadOpenAI();
  const client = cachedSdkClient('openai', context, (options) => new OpenAI(options));
  const response = await client.chat.completions.create(buildOpenAIChatBody(request), sdkRequestOptions(context)).asResponse();
  const toolCalls = new ToolCallAccumulator();
  // OpenAI itself never inlines reasoning; raw open-weights models behind other servers may.
  const thinkTags = request.provider === 'openai' ? undefined : new ThinkTagSplitter();
  let finishRaw: string | undefined;
  let sawFinish = false;
  let refused = false;
  // llama.cpp before 2025-09 sent a mid-stream error as an `error:` SSE field, which SSE parsers skip.
  let errorField: string | undefined;
  const onErrorField = (value: string) => {
    errorField = value;
  };
  for await (const events of readJsonEvents(response, { source: context.baseUrl, onErrorField })) {
    for (const event of events) {
      throwIfOpenAIErrorEvent(event, response.headers);
      const classified = classifyChunk(event.data as ChatCompletionChunk);
      switch (classified.kind) {
        case 'error':
          throw providerFailure(classified.message, context.errorContext, classified.type);
        case 'usage-only':
          yield { type: 'usage', usage: classified.usage };
          break;
        case 'choices': {
          const usage = convertOpenAIChatUsage(classified.chunk.usage);
          for (const choice of classified.chunk.choices) {
            if (choice.index !== 0 && choice.index !== undefined) continue;
            const delta = (choice.delta ?? {}) as ChatCompletionChunk.Choice.Delta & DeltaExtras;
            const reasoning = delta.reasoning_content ?? delta.reasoning;
            if (typeof reasoning === 'string' && reasoning) yield { type: 'reasoning-delta', text: reasoning };
            const content: unknown = delta.content;
            if (typeof content === 'string' && content) {
              if (thinkTags) yield* splitPieces(thinkTags.push(content));
              else yield { type: 'text-delta', text: content };
            } else if (Array.isArray(content)) {
              for (const piece of mapContentParts(content)) {
                if (!piece.text) continue;
                if (piece.kind === 'unknown') yield { type: 'unknown', what: piece.text };
                else if (piece.kind === 'reasoning') yield { type: 'reasoning-delta', text: piece.text };
                else if (thinkTags) yield* splitPieces(thinkTags.push(piece.text));
                else yield { type: 'text-delta', text: piece.text };
              }
            }
            if (typeof delta.refusal === 'string' && delta.refusal) {
              refused = true;
              yield { type: 'text-delta', text: delta.refusal };
            }
            if (delta.tool_calls) {
              for (const fragment of delta.tool_calls as unknown[]) {
                if (typeof fragment !== 'object' || fragment === null) continue;
                const chars = toolCalls.add(fragment);
                if (chars > 0) yield { type: 'output-growth', chars };
              }
            }
            if (choice.finish_reason) {
              if (thinkTags) yield* splitPieces(thinkTags.end());
              sawFinish = true;
              finishRaw = choice.finish_reason;
              for (const call of toolCalls.flush()) yield { type: 'tool-call', toolCall: call };
            }
          }
          if (usage) yield { type: 'usage', usage };
          break;
        }
        default:
          assertNever(classified, 'chunk kind');
      }
    }
  }
  if (context.signal.aborted) return;
  if (!sawFinish) {
    if (errorField !== undefined) {
      const { message, type } = parseErrorPayload(errorField);
      throw providerFailure(message, context.errorContext, type);
    }
    throw missingTerminalFailure(context, 'a finish_reason');
  }
  const reason = mapOpenAIChatFinishReason(finishRaw);
  // A refusal arrives with finish_reason "stop": say what really happened, keep the provider's word.
  yield { type: 'finish-reason', reason: refused ? { unified: 'content-filter', raw: reason.raw } : reason };
}

function* splitPieces(pieces: readonly SplitPiece[]): Generator<ProviderPart> {
  for (const piece of pieces) yield piece.kind === 'reasoning' ? { type: 'reasoning-delta', text: piece.text } : { type: 'text-delta', text: piece.text };
}

/**
 * What openai-node's own stream does with an error sent mid-stream (an `event: error`, or a chunk
 * with an `error` key): throw its `APIError` with no status, so it is classified like any other.
 */
export function throwIfOpenAIErrorEvent(event: JsonEvent, headers: Headers): void {
  const data = event.data as { error?: unknown } | null;
  if (event.event === 'error') throw new (loadOpenAI().APIError)(undefined, (data?.error ?? data) as object | undefined, undefined, headers);
  if (data && typeof data === 'object' && data.error) throw new (loadOpenAI().APIError)(undefined, data.error as object, undefined, headers);
}

function classifyChunk(chunk: ChatCompletionChunk): ChunkKind {
  if (typeof chunk !== 'object' || chunk === null) return { kind: 'choices', chunk: { choices: [] } as unknown as ChatCompletionChunk };
  const loose = chunk as unknown as Partial<FlatErrorChunk> & { choices?: unknown };
  if (loose.object === 'error') {
    return { kind: 'error', message: loose.message ?? 'unknown error', type: typeof loose.type === 'string' ? loose.type : undefined };
  }
  if (!Array.isArray(loose.choices) || loose.choices.length === 0) {
    const usage = convertOpenAIChatUsage(chunk.usage);
    if (usage) return { kind: 'usage-only', usage };
  }
  // Copy only the rare chunk whose `choices` is missing or malformed (the hot path allocates nothing).
  return { kind: 'choices', chunk: Array.isArray(loose.choices) ? chunk : { ...chunk, choices: [] } };
}

/** Parses a legacy `error:` field value: JSON `{message, type}` or plain text. */
function parseErrorPayload(value: string): { message: string; type: string | undefined } {
  try {
    const parsed = JSON.parse(value) as { message?: unknown; type?: unknown; error?: { message?: unknown; type?: unknown } };
    const inner = parsed.error ?? parsed;
    const message = typeof inner.message === 'string' ? inner.message : value;
    return { message, type: typeof inner.type === 'string' ? inner.type : undefined };
  } catch {
    return { message: value.trim() || 'unknown error', type: undefined };
  }
}

/** Re-exported: the accumulator lives in toolCalls.ts, shared with the tests. */
export { ToolCallAccumulator };

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
