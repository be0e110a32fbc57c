/**
 * OpenAI Responses API streaming, for OpenAI and any OpenAI-compatible server that serves
 * `/responses`. Text comes from `response.output_text.delta` (each output message its own
 * paragraph), reasoning from the reasoning summary / reasoning text deltas (summaries are asked for
 * on OpenAI's reasoning models), usage and the finish from `response.completed` or
 * `response.incomplete` (any length-like reason is `length`, the server's word kept). `response.failed` and `error` events (flat and nested shapes) become a
 * typed `provider` failure; a stream that stops before its terminal event is a `protocol` failure.
 */
import type { FunctionTool, Response, ResponseInputItem, ResponseStreamEvent, ResponseUsage } from 'openai/resources/responses/responses';
import { assertNever, type FinishReason, type ProviderId, type UnifiedFinishReason, type Usage } from '../events';
import { makeFailure, providerFailure, StreamFailureError } from '../errors';
import { loadOpenAI } from '../lazy';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../request';
import { API_SETTING, OPENAI_WIRE_PROVIDERS, type OpenAIWireProvider } from '../settingsPolicy';
import { withContinuation } from '../continuation';
import { readJsonEvents } from './eventStream';
import { throwIfOpenAIErrorEvent } from './openaiChat';
import { toolInputSchema } from '../toolCalls';
import { isKnownType, missingTerminalFailure, type ProviderContext, type ProviderPart, cachedSdkClient, sdkRequestOptions } from './providerContext';

/** The events this provider reads (typed by the SDK); every other event is {@link OtherEvent}. */
type UsedEvent = Extract<
  ResponseStreamEvent,
  {
    type:
      | 'response.output_text.delta'
      | 'response.refusal.delta'
      | 'response.reasoning_summary_text.delta'
      | 'response.reasoning_text.delta'
      | 'response.output_item.done'
      | 'response.completed'
      | 'response.incomplete'
      | 'response.failed'
      | 'error';
  }
>;

/** The used event types; the compiler checks each is one the SDK knows, and that none is missing. */
const USED_TYPES: Record<UsedEvent['type'], true> = {
  'response.output_text.delta': true,
  'response.refusal.delta': true,
  'response.reasoning_summary_text.delta': true,
  'response.reasoning_text.delta': true,
  'response.output_item.done': true,
  'response.completed': true,
  'response.incomplete': true,
  'response.failed': true,
  error: true,
};

/**
 * Any other event: the SDK's progress, lifecycle and tool-internal events (`response.created`,
 * `…added`, `…done`, web search, code interpreter…) and any type newer than this code. Nothing in
 * them belongs in a chat answer, so they are skipped, except that a delta nobody reads may be
 * content this version drops: that is logged once per kind.
 */
interface OtherEvent {
  type: 'other';
  wireType: string;
}

/** One wire event as the provider sees it: one it uses, or the one default for everything else. */
function classifyEvent(data: unknown): UsedEvent | OtherEvent {
  const type = (data as { type?: unknown } | null)?.type;
  if (isKnownType(USED_TYPES, type)) return data as UsedEvent;
  return { type: 'other', wireType: typeof type === 'string' ? type : `without a type (${typeof type})` };
}

/** Whether a skipped event may carry content (a delta no case reads, or one without a type). */
function mayCarryContent(event: OtherEvent): boolean {
  // Tool-call arguments also arrive whole in `response.output_item.done`, which is read.
  if (event.wireType === 'response.function_call_arguments.delta') return false;
  return event.wireType.endsWith('.delta') || event.wireType.startsWith('without a type');
}

/** Maps Responses usage to {@link Usage}. */
export function convertResponsesUsage(usage: ResponseUsage | null | undefined): Usage | undefined {
  if (!usage) return undefined;
  return {
    inputTokens: numberOrUndefined(usage.input_tokens),
    outputTokens: numberOrUndefined(usage.output_tokens),
    reasoningTokens: numberOrUndefined(usage.output_tokens_details?.reasoning_tokens),
    cachedInputTokens: numberOrUndefined(usage.input_tokens_details?.cached_tokens),
  };
}

/** The unified reason for a `response.incomplete` reason: any length-like word is `length`. */
export function mapIncompleteReason(reason: string | undefined): UnifiedFinishReason {
  if (!reason) return 'other';
  if (/content.?filter|safety|moderat/i.test(reason)) return 'content-filter';
  if (/max|len|token|context|truncat/i.test(reason)) return 'length';
  return 'other';
}

/** OpenAI's reasoning models, which accept (and need, to stream any reasoning) `reasoning.summary`. */
export function isOpenAIReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex)/i.test(model.replace(/^openai\//, ''));
}

/** The finish of a completed or incomplete response. */
export function mapResponsesFinish(response: Pick<Response, 'status' | 'incomplete_details'>, sawToolCall: boolean, refused: boolean): FinishReason {
  if (response.status === 'incomplete') {
    // Servers word it their own way (OpenAI `max_output_tokens`, xAI `REASON_MAX_LEN`): keep their word.
    const reason: string | undefined = response.incomplete_details?.reason ?? undefined;
    return { unified: mapIncompleteReason(reason), raw: reason ?? 'incomplete' };
  }
  const raw = response.status ?? 'completed';
  if (refused) return { unified: 'content-filter', raw };
  if (sawToolCall) return { unified: 'tool-calls', raw };
  return { unified: 'stop', raw };
}

/** Builds the request body for `request`. */
export function buildResponsesBody(request: ChatRequest) {
  const turns = withContinuation(request.messages, request.continueFrom, 'follow-up');
  const input: ResponseInputItem[] = turns.flatMap(responsesItems);
  return {
    model: request.model,
    input,
    stream: true as const,
    // Nothing is stored server-side: the panel keeps the conversation.
    store: false,
    ...(request.systemPrompt ? { instructions: request.systemPrompt } : {}),
    ...(request.maxOutputTokens !== undefined ? { max_output_tokens: request.maxOutputTokens } : {}),
    ...(wantsReasoningSummaries(request) ? { reasoning: { summary: 'auto' as const } } : {}),
    ...(request.tools?.length ? { tools: request.tools.map(responsesTool), tool_choice: request.toolChoice ?? ('auto' as const) } : {}),
  };
}

/** A tool as the Responses API declares it (not strict: VS Code's tools' schemas are not all strict-compatible). */
export function responsesTool(tool: ToolDefinition): FunctionTool {
  return { type: 'function', name: tool.name, description: tool.description ?? null, parameters: toolInputSchema(tool), strict: false };
}

/**
 * One core turn as Responses input items: a user turn's tool results are `function_call_output`
 * items (ids kept) before its text; an assistant turn's text is a message followed by one
 * `function_call` item per call. An assistant turn's reasoning is never sent back as text.
 */
export function responsesItems(turn: ChatMessage): ResponseInputItem[] {
  const out: ResponseInputItem[] = [];
  if (turn.role === 'user') {
    for (const result of turn.toolResults ?? []) out.push({ type: 'function_call_output', call_id: result.callId, output: result.content });
    if (turn.content || out.length === 0) out.push({ role: 'user', content: turn.content });
    return out;
  }
  const calls = turn.toolCalls ?? [];
  if (turn.content || calls.length === 0) out.push({ role: 'assistant', content: turn.content });
  for (const call of calls) out.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: JSON.stringify(call.input ?? {}) });
  return out;
}

function wantsReasoningSummaries(request: ChatRequest): boolean {
  return request.reasoning?.summaries ?? (request.provider === 'openai' && isOpenAIReasoningModel(request.model));
}

/** Streams one Responses API request. */
export async function* streamOpenAIResponses(request: ChatRequest, context: ProviderContext): AsyncGenerator<ProviderPart> {
  const { OpenAI } = loadOpenAI();
  const client = cachedSdkClient('openai', context, (options) => new OpenAI(options));
  let response: globalThis.Response;
  try {
    response = await client.responses.create(buildResponsesBody(request), sdkRequestOptions(context)).asResponse();
  } catch (error) {
    throw noResponsesApiFailure(error, context) ?? error;
  }
  let sawToolCall = false;
  let refused = false;
  // Each output item (a commentary message, then the final one) and each reasoning summary part
  // is its own paragraph: joined bare, "Got it" and "Here are" run together.
  const text = new Paragraphs();
  const reasoning = new Paragraphs();
  for await (const events of readJsonEvents(response, { source: context.baseUrl })) {
    for (const raw of events) {
      throwIfOpenAIErrorEvent(raw, response.headers);
      const event = classifyEvent(raw.data);
      switch (event.type) {
        case 'response.output_text.delta':
          if (event.delta) yield { type: 'text-delta', text: text.next(outputPart(event), event.delta) };
          break;
        case 'response.refusal.delta':
          refused = true;
          if (event.delta) yield { type: 'text-delta', text: text.next(outputPart(event), event.delta) };
          break;
        case 'response.reasoning_summary_text.delta':
          if (event.delta) yield { type: 'reasoning-delta', text: reasoning.next(`${outputPart(event)}:s${event.summary_index}`, event.delta) };
          break;
        case 'response.reasoning_text.delta':
          if (event.delta) yield { type: 'reasoning-delta', text: reasoning.next(`${outputPart(event)}:c${event.content_index}`, event.delta) };
          break;
        case 'response.output_item.done':
          if (event.item.type === 'function_call') {
            sawToolCall = true;
            // The arguments arrive whole here (their deltas are skipped): counted against the cap now.
            yield { type: 'output-growth', chars: event.item.arguments.length };
            yield { type: 'tool-call', toolCall: { id: event.item.call_id, name: event.item.name, arguments: event.item.arguments } };
          }
          break;
        case 'response.completed':
        case 'response.incomplete': {
          const usage = convertResponsesUsage(event.response.usage);
          if (usage) yield { type: 'usage', usage };
          yield { type: 'finish-reason', reason: mapResponsesFinish(event.response, sawToolCall, refused) };
          return;
        }
        case 'response.failed': {
          const error = event.response.error;
          throw providerFailure(error?.message ?? 'the response failed', context.errorContext, error?.code ?? undefined);
        }
        case 'error': {
          // `event: error` and a nested `error` key are thrown above; this is the flat payload without the event line.
          const nested = (event as unknown as { error?: { message?: string; code?: string; type?: string } }).error;
          throw providerFailure(nested?.message ?? event.message ?? 'unknown error', context.errorContext, nested?.type ?? event.code ?? undefined);
        }
        case 'other':
          if (mayCarryContent(event)) yield { type: 'unknown', what: `Responses event "${event.wireType}"` };
          break;
        default:
          assertNever(event, 'Responses event');
      }
    }
  }
  if (context.signal.aborted) return;
  throw missingTerminalFailure(context, 'response.completed');
}

/**
 * Which output item a delta belongs to: its `output_index`, which is stable. Some gateways (GitHub
 * Copilot's Responses endpoint) send a new `item_id` with every event, so the id is only a fallback.
 */
function outputPart(event: { output_index?: number; item_id?: string }): string {
  return typeof event.output_index === 'number' ? `#${event.output_index}` : `id:${String(event.item_id)}`;
}

/** Puts a blank line between deltas of different parts (output items, summary parts). */
class Paragraphs {
  private part: unknown;
  private any = false;

  /** `delta`, preceded by a paragraph break when it starts a new part after earlier text. */
  next(part: unknown, delta: string): string {
    const starts = this.any && part !== this.part;
    this.part = part;
    this.any = true;
    return starts ? `\n\n${delta}` : delta;
  }
}

/**
 * A 404 from a server without `/responses` (many OpenAI-compatible servers serve only Chat
 * Completions) gets a one-line message that says what to change. A 404 about the model is left to
 * the usual message.
 */
function noResponsesApiFailure(error: unknown, context: ProviderContext): StreamFailureError | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  if (status !== 404) return undefined;
  const message = String((error as { message?: unknown }).message ?? '');
  if (/model/i.test(message)) return undefined;
  return new StreamFailureError(
    makeFailure(
      'not-found',
      `${context.baseUrl}/responses was not found (404): this server does not serve the Responses API — switch the wire API to chat (setting sidestream.${apiSettingOf(context.errorContext.provider)} = "chat", CLI --api chat).`,
      context.errorContext,
      { status: 404 },
    ),
  );
}

/** The setting that picks this provider's wire API (settingsPolicy's table). */
function apiSettingOf(provider: ProviderId): string {
  return (OPENAI_WIRE_PROVIDERS as readonly string[]).includes(provider) ? API_SETTING[provider as OpenAIWireProvider] : API_SETTING['openai-compatible'];
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
