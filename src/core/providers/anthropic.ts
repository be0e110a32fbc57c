/**
 * Anthropic Messages streaming: `text_delta` → text, `thinking_delta` → reasoning,
 * `input_json_delta` fragments → one whole tool call, usage from `message_start` (input) and
 * `message_delta` (cumulative output). `event: error` becomes the SDK's `APIError`, as its own
 * stream does (overload arrives as `overloaded_error` or as `api_error` "Overloaded"). Events are read by
 * their JSON `type`, so a stream whose `event:` lines a proxy dropped still streams (the SDK's own
 * iterator yields nothing for it).
 */
import type { MessageCreateParamsStreaming, MessageParam, RawMessageStreamEvent, StopReason } from '@anthropic-ai/sdk/resources/messages/messages';
import { assertNever, type FinishReason, type ToolCall, type UnifiedFinishReason, type Usage } from '../events';
import { loadAnthropic } from '../lazy';
import type { ChatRequest } from '../request';
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

/** Builds the request body for `request`. */
export function buildAnthropicBody(request: ChatRequest): MessageCreateParamsStreaming {
  const turns = withContinuation(request.messages, request.continueFrom, 'prefill');
  const messages: MessageParam[] = turns.map((turn, index) => ({
    role: turn.role,
    // The API rejects a final assistant turn that ends in whitespace; the model re-emits it.
    content: index === turns.length - 1 && turn.role === 'assistant' ? turn.content.trimEnd() : turn.content,
  }));
  return {
    model: request.model,
    max_tokens: request.maxOutputTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages,
    stream: true,
    ...(request.systemPrompt ? { system: request.systemPrompt } : {}),
  };
}

/** Streams one Messages API request. */
export async function* streamAnthropic(request: ChatRequest, context: ProviderContext): AsyncGenerator<ProviderPart> {
  const { Anthropic } = loadAnthropic();
  const client = cachedSdkClient('anthropic', context, (options) => new Anthropic(options));
  const response = await client.messages.create(buildAnthropicBody(request), sdkRequestOptions(context)).asResponse();
  const tools = new Map<number, ToolCall>();
  let inputUsage: Pick<Usage, 'inputTokens' | 'cachedInputTokens'> = { inputTokens: undefined, cachedInputTokens: undefined };
  let stopReason: string | undefined;
  for await (const events of readJsonEvents(response)) {
    for (const raw of events) {
      throwIfAnthropicErrorEvent(raw, response.headers);
      const event = raw.data as RawMessageStreamEvent;
      if (!isKnownType(EVENT_TYPES, (event as { type?: unknown } | null)?.type)) continue;
      switch (event.type) {
        case 'message_start':
          inputUsage = {
            inputTokens: event.message.usage?.input_tokens ?? undefined,
            cachedInputTokens: event.message.usage?.cache_read_input_tokens ?? undefined,
          };
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            tools.set(event.index, { id: event.content_block.id, name: event.content_block.name, arguments: '' });
          } else if (event.content_block.type === 'text' && event.content_block.text) {
            yield { type: 'text-delta', text: event.content_block.text };
          }
          break;
        case 'content_block_delta': {
          const delta = event.delta;
          if (!isKnownType(DELTA_TYPES, (delta as { type?: unknown }).type)) break;
          switch (delta.type) {
            case 'text_delta':
              if (delta.text) yield { type: 'text-delta', text: delta.text };
              break;
            case 'thinking_delta':
              if (delta.thinking) yield { type: 'reasoning-delta', text: delta.thinking };
              break;
            case 'input_json_delta': {
              const tool = tools.get(event.index);
              if (tool) tool.arguments += delta.partial_json;
              break;
            }
            case 'citations_delta':
            case 'signature_delta':
              // Signatures verify thinking blocks on a later turn; citations are metadata. Neither is shown.
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
