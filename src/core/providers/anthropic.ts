/**
 * Anthropic Messages streaming: `text_delta` → text, `thinking_delta` and redacted-thinking
 * blocks → reasoning (the blocks, signatures included, are handed back for the next turn; extended
 * thinking is asked for with `reasoning.budgetTokens`),
 * `input_json_delta` fragments → one whole tool call, usage from `message_start` (input) and
 * `message_delta` (cumulative output). `event: error` becomes the SDK's `APIError`, as its own
 * stream does (overload arrives as `overloaded_error` or as `api_error` "Overloaded"). Events are read by
 * their JSON `type`, so a stream whose `event:` lines a proxy dropped still streams (the SDK's own
 * iterator yields nothing for it).
 */
import type { ContentBlockParam, MessageCreateParamsStreaming, MessageParam, RawMessageStreamEvent, StopReason, Tool } from '@anthropic-ai/sdk/resources/messages/messages';
import { assertNever, type FinishReason, type RawToolCall, type ReasoningBlock, type UnifiedFinishReason, type Usage } from '../events';
import { loadAnthropic } from '../lazy';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../request';
import { toolInputSchema } from '../toolCalls';
import { withContinuation } from '../continuation';
import { readJsonEvents, type JsonEvent } from './eventStream';
import { isKnownType, missingTerminalFailure, type ProviderContext, type ProviderPart, cachedSdkClient, sdkRequestOptions } from './providerContext';

/** Anthropic requires `max_tokens`; used when the request sets none. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

const EVENT_TYPES: Record<RawMessageStreamEvent['type'], true> = {
  message_start: true,
  message_delta: true,
  message_stop: true,
  content_block_start: true,
  content_block_delta: true,
  content_block_stop: true,
};

type BlockDelta = Extract<RawMessageStreamEvent, { type: 'content_block_delta' }>['delta'];

const DELTA_TYPES: Record<BlockDelta['type'], true> = {
  text_delta: true,
  input_json_delta: true,
  citations_delta: true,
  thinking_delta: true,
  signature_delta: true,
};

type ContentBlock = Extract<RawMessageStreamEvent, { type: 'content_block_start' }>['content_block'];

const BLOCK_TYPES: Record<ContentBlock['type'], true> = {
  text: true,
  tool_use: true,
  thinking: true,
  redacted_thinking: true,
  server_tool_use: true,
  web_search_tool_result: true,
  web_fetch_tool_result: true,
  code_execution_tool_result: true,
  bash_code_execution_tool_result: true,
  text_editor_code_execution_tool_result: true,
  tool_search_tool_result: true,
  container_upload: true,
};

const STOP_REASONS: Record<StopReason, true> = {
  end_turn: true,
  max_tokens: true,
  stop_sequence: true,
  tool_use: true,
  pause_turn: true,
  refusal: true,
  model_context_window_exceeded: true,
};

/** Maps an Anthropic `stop_reason` to the unified reason. */
export function mapAnthropicStopReason(raw: string | null | undefined): FinishReason {
  if (!raw) return { unified: 'other', raw: undefined };
  if (!isKnownType(STOP_REASONS, raw)) return { unified: 'other', raw };
  let unified: UnifiedFinishReason;
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence':
      unified = 'stop';
      break;
    case 'max_tokens':
    case 'model_context_window_exceeded':
      unified = 'length';
      break;
    case 'tool_use':
      unified = 'tool-calls';
      break;
    case 'refusal':
      unified = 'content-filter';
      break;
    case 'pause_turn':
      unified = 'other';
      break;
    default:
      return assertNever(raw, 'stop_reason');
  }
  return { unified, raw };
}

/** The smallest thinking budget the API accepts. */
export const MIN_THINKING_BUDGET = 1024;

/** Shown in the Thinking section for a `redacted_thinking` block (its content is encrypted). */
export const REDACTED_THINKING_TEXT = '[Part of the reasoning was redacted by Anthropic.]';

/** Builds the request body for `request`. */
export function buildAnthropicBody(request: ChatRequest): MessageCreateParamsStreaming {
  const turns = withContinuation(request.messages, request.continueFrom, 'prefill');
  // Extended thinking cannot continue an assistant prefill (the API wants such a turn to start
  // with a thinking block), so a Continue asks without it.
  // Tool use with extended thinking allows only tool_choice auto: a request that must call a tool asks without thinking.
  const mustCall = Boolean(request.tools?.length) && request.toolChoice === 'required';
  const budget = request.continueFrom || mustCall ? undefined : thinkingBudget(request);
  const messages: MessageParam[] = turns.map((turn, index) => anthropicMessage(turn, index === turns.length - 1));
  const answerTokens = request.maxOutputTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  return {
    model: request.model,
    // The thinking budget counts toward max_tokens, which must exceed it: the answer keeps its own room.
    max_tokens: budget ? budget + answerTokens : answerTokens,
    messages,
    stream: true,
    ...(request.systemPrompt ? { system: request.systemPrompt } : {}),
    ...(budget ? { thinking: { type: 'enabled' as const, budget_tokens: budget } } : {}),
    ...(request.tools?.length ? { tools: request.tools.map(anthropicTool), tool_choice: mustCall ? { type: 'any' as const } : { type: 'auto' as const } } : {}),
  };
}

/** A tool as the Messages API declares it. */
export function anthropicTool(tool: ToolDefinition): Tool {
  return { name: tool.name, ...(tool.description ? { description: tool.description } : {}), input_schema: toolInputSchema(tool) as Tool['input_schema'] };
}

/**
 * One core turn as a Messages API message. A user turn's tool results are `tool_result` blocks
 * (ids kept), first, as the API requires, then its text; an assistant turn is its signed thinking
 * blocks, its text, then one `tool_use` block per call. Empty text blocks are left out (the API
 * rejects them); the reasoning text of a turn without signed blocks is never sent back.
 */
export function anthropicMessage(turn: ChatMessage, last: boolean): MessageParam {
  // The API rejects a final assistant turn that ends in whitespace; the model re-emits it.
  const text = last && turn.role === 'assistant' ? turn.content.trimEnd() : turn.content;
  if (turn.role === 'user') {
    const results = turn.toolResults ?? [];
    if (results.length === 0) return { role: 'user', content: text };
    const blocks: ContentBlockParam[] = results.map((result) => ({
      type: 'tool_result' as const,
      tool_use_id: result.callId,
      content: result.content,
      ...(result.isError ? { is_error: true } : {}),
    }));
    if (text) blocks.push({ type: 'text', text });
    return { role: 'user', content: blocks };
  }
  const reasoning = turn.reasoningBlocks ?? [];
  const calls = turn.toolCalls ?? [];
  if (reasoning.length === 0 && calls.length === 0) return { role: 'assistant', content: text };
  // Earlier thinking goes back whole, signatures included, before the text it led to.
  const blocks: ContentBlockParam[] = reasoning.map((block) => ({ ...block }));
  if (text) blocks.push({ type: 'text', text });
  for (const call of calls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input ?? {} });
  return { role: 'assistant', content: blocks };
}

/** The thinking budget to send, or undefined when thinking is off. */
function thinkingBudget(request: ChatRequest): number | undefined {
  const budget = request.reasoning?.budgetTokens;
  if (!budget || budget <= 0) return undefined;
  return Math.max(MIN_THINKING_BUDGET, Math.floor(budget));
}

/** Streams one Messages API request. */
export async function* streamAnthropic(request: ChatRequest, context: ProviderContext): AsyncGenerator<ProviderPart> {
  const { Anthropic } = loadAnthropic();
  const client = cachedSdkClient('anthropic', context, (options) => new Anthropic(options));
  const response = await client.messages.create(buildAnthropicBody(request), sdkRequestOptions(context)).asResponse();
  const tools = new Map<number, RawToolCall>();
  // Thinking blocks by index, kept whole (with their signatures) for the next turn.
  const thinking = new Map<number, ReasoningBlock>();
  // A second thinking block is its own paragraph in the Thinking section.
  let shownReasoning = false;
  let breakBeforeNext = false;
  const startReasoningBlock = () => {
    if (shownReasoning) breakBeforeNext = true;
  };
  const reasoningText = (text: string): string => {
    const out = breakBeforeNext ? `\n\n${text}` : text;
    breakBeforeNext = false;
    shownReasoning = true;
    return out;
  };
  let inputUsage: Pick<Usage, 'inputTokens' | 'cachedInputTokens'> = { inputTokens: undefined, cachedInputTokens: undefined };
  let stopReason: string | undefined;
  for await (const events of readJsonEvents(response, { source: context.baseUrl })) {
    for (const raw of events) {
      throwIfAnthropicErrorEvent(raw, response.headers);
      const event = raw.data as RawMessageStreamEvent;
      const type = (event as { type?: unknown } | null)?.type;
      if (!isKnownType(EVENT_TYPES, type)) {
        if (type !== 'ping') yield { type: 'unknown', what: `Messages event "${String(type)}"` };
        continue;
      }
      switch (event.type) {
        case 'message_start':
          inputUsage = {
            inputTokens: event.message.usage?.input_tokens ?? undefined,
            cachedInputTokens: event.message.usage?.cache_read_input_tokens ?? undefined,
          };
          break;
        case 'content_block_start': {
          const block = event.content_block;
          if (!isKnownType(BLOCK_TYPES, block.type)) {
            yield { type: 'unknown', what: `content block "${String(block.type)}"` };
            break;
          }
          switch (block.type) {
            case 'tool_use':
              tools.set(event.index, { id: block.id, name: block.name, arguments: '' });
              break;
            case 'text':
              if (block.text) yield { type: 'text-delta', text: block.text };
              break;
            case 'thinking':
              thinking.set(event.index, { type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
              startReasoningBlock();
              if (block.thinking) yield { type: 'reasoning-delta', text: reasoningText(block.thinking) };
              break;
            case 'redacted_thinking':
              thinking.set(event.index, { type: 'redacted_thinking', data: block.data });
              startReasoningBlock();
              yield { type: 'reasoning-delta', text: reasoningText(REDACTED_THINKING_TEXT), redacted: true };
              break;
            case 'server_tool_use':
            case 'web_search_tool_result':
            case 'web_fetch_tool_result':
            case 'code_execution_tool_result':
            case 'bash_code_execution_tool_result':
            case 'text_editor_code_execution_tool_result':
            case 'tool_search_tool_result':
            case 'container_upload':
              // Server-side tools run by Anthropic: their results feed the text that follows.
              break;
            default:
              assertNever(block, 'content block');
          }
          break;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (!isKnownType(DELTA_TYPES, (delta as { type?: unknown }).type)) {
            yield { type: 'unknown', what: `content block delta "${String((delta as { type?: unknown }).type)}"` };
            break;
          }
          switch (delta.type) {
            case 'text_delta':
              if (delta.text) yield { type: 'text-delta', text: delta.text };
              break;
            case 'thinking_delta': {
              const block = thinking.get(event.index);
              if (block?.type === 'thinking') block.thinking += delta.thinking;
              if (delta.thinking) yield { type: 'reasoning-delta', text: reasoningText(delta.thinking) };
              break;
            }
            case 'signature_delta': {
              const block = thinking.get(event.index);
              if (block?.type === 'thinking') {
                block.signature += delta.signature;
                yield { type: 'output-growth', chars: delta.signature.length };
              }
              break;
            }
            case 'input_json_delta': {
              const tool = tools.get(event.index);
              if (tool) {
                tool.arguments += delta.partial_json;
                yield { type: 'output-growth', chars: delta.partial_json.length };
              }
              break;
            }
            case 'citations_delta':
              // Citations are metadata about the text around them.
              break;
            default:
              assertNever(delta, 'content block delta');
          }
          break;
        }
        case 'content_block_stop': {
          const tool = tools.get(event.index);
          if (tool) {
            tools.delete(event.index);
            yield { type: 'tool-call', toolCall: tool };
          }
          break;
        }
        case 'message_delta':
          stopReason = event.delta.stop_reason ?? stopReason;
          yield {
            type: 'usage',
            usage: {
              inputTokens: event.usage.input_tokens ?? inputUsage.inputTokens,
              outputTokens: event.usage.output_tokens ?? undefined,
              cachedInputTokens: event.usage.cache_read_input_tokens ?? inputUsage.cachedInputTokens,
            },
          };
          break;
        case 'message_stop':
          // A block cut off by max_tokens never gets its content_block_stop: emit what arrived.
          for (const tool of [...tools.entries()].sort(([a], [b]) => a - b).map(([, call]) => call)) {
            yield { type: 'tool-call', toolCall: tool };
          }
          tools.clear();
          if (thinking.size > 0) yield { type: 'reasoning-blocks', blocks: [...thinking.entries()].sort(([a], [b]) => a - b).map(([, block]) => block) };
          yield { type: 'finish-reason', reason: mapAnthropicStopReason(stopReason) };
          return;
        default:
          assertNever(event, 'Messages event');
      }
    }
  }
  if (context.signal.aborted) return;
  throw missingTerminalFailure(context, 'message_stop');
}

/**
 * What the Anthropic SDK's own stream does with `event: error`: throw its `APIError` with no status
 * (an overload is `overloaded_error`, or `api_error` "Overloaded"). The same payload without its
 * `event:` line (`"type": "error"`) is treated alike.
 */
function throwIfAnthropicErrorEvent(event: JsonEvent, headers: Headers): void {
  const data = event.data as { type?: unknown; error?: { type?: unknown } } | null;
  if (event.event !== 'error' && !(data && typeof data === 'object' && data.type === 'error')) return;
  const type = typeof data?.error?.type === 'string' ? data.error.type : undefined;
  const { APIError } = loadAnthropic();
  throw new APIError(undefined, (data ?? undefined) as object | undefined, undefined, headers, type as ConstructorParameters<typeof APIError>[4]);
}
