import { CONTINUE_PROMPT } from '../core/continuation';
import type { WireApi } from '../core/events';
import { countTokens } from './tokenize';

/** What the simulator reads from a generation request body, whatever its wire format. */
export interface ApiRequest {
  model: string | undefined;
  stream: boolean;
  /** The conversation as sent (`messages`, or Responses `input`). */
  messages: unknown;
  system: unknown;
  /** The text of the last user message; picks the canned answer. */
  lastUserText: string;
  /**
   * Text of a trailing assistant message, or of an assistant message followed by the continue
   * instruction (continuation.ts): the answer continues from it.
   */
  prefill: string | undefined;
  /** True when the request asked to continue with the continue instruction rather than a prefill. */
  continueInstruction: boolean;
  /** Input tokens counted with the simulator's tokenizer. */
  inputTokens: number;
  /** `max_tokens`, `max_completion_tokens` or `max_output_tokens`. */
  maxTokens: number | undefined;
  /** OpenAI chat: `stream_options.include_usage`. Always true for the other formats. */
  usageRequested: boolean;
  /** The tools the request offers, in order. */
  tools: SimOfferedTool[];
  /** The request's tool choice as sent (`auto`, `required`, `{type:"any"}`…). */
  toolChoice: unknown;
  /**
   * The tool results the request ends with (Chat `tool` messages, Responses `function_call_output`
   * items, Anthropic `tool_result` blocks on the last user turn), with the name of the call each
   * answers when the history shows it. Empty when the last turn is not tool results.
   */
  toolResults: SimToolResult[];
  /** The names of the tools the request offers (Chat `tools[].function.name`, Responses and Anthropic `tools[].name`). */
  toolNames: string[];
}

/** A tool offered in a request: its name and its input schema. */
export interface SimOfferedTool {
  name: string;
  schema: Record<string, unknown>;
}

/** A tool result at the end of a request. */
export interface SimToolResult {
  callId: string;
  name: string | undefined;
  content: string;
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const names: string[] = [];
  for (const tool of tools as unknown[]) {
    if (typeof tool !== 'object' || tool === null) continue;
    const t = tool as { name?: unknown; function?: { name?: unknown } };
    const name = typeof t.function?.name === 'string' ? t.function.name : t.name;
    if (typeof name === 'string' && name) names.push(name);
  }
  return names;
}

interface Turn {
  role: string;
  text: string;
}

/** The text of a message's content: a string, or the `text` of its parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}

function turns(list: unknown): Turn[] {
  if (typeof list === 'string') return [{ role: 'user', text: list }];
  if (!Array.isArray(list)) return [];
  return (
    list
      .filter((m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null)
      // Responses tool items (`function_call`, `function_call_output`) are not turns of text.
      .filter((m) => m.type === undefined || m.type === 'message')
      .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', text: contentText(m.content) }))
  );
}

function records(list: unknown): Array<Record<string, unknown>> {
  return Array.isArray(list) ? list.filter((m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null) : [];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A tool result's content as text: a string, or the text of its parts. */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return contentText(content);
}

/** The tools a request offers, whatever its wire format. */
function offeredTools(api: WireApi, body: Record<string, unknown>): SimOfferedTool[] {
  const out: SimOfferedTool[] = [];
  for (const tool of records(body.tools)) {
    const fn = api === 'openai-chat' && typeof tool.function === 'object' && tool.function !== null ? (tool.function as Record<string, unknown>) : tool;
    const name = str(fn.name);
    const schema = fn.parameters ?? fn.input_schema;
    if (name) out.push({ name, schema: typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : {} });
  }
  return out;
}

/** The tool results a request ends with, named from the calls in its history. */
function trailingToolResults(api: WireApi, list: unknown): SimToolResult[] {
  const items = records(list);
  const names = new Map<string, string>();
  const results: SimToolResult[] = [];
  const name = (id: string) => names.get(id);
  switch (api) {
    case 'openai-chat': {
      for (const m of items) {
        for (const call of records(m.tool_calls)) {
          const fn = (call.function ?? {}) as Record<string, unknown>;
          if (str(call.id) && str(fn.name)) names.set(call.id as string, fn.name as string);
        }
      }
      for (let i = items.length - 1; i >= 0 && items[i]!.role === 'tool'; i--) {
        const id = str(items[i]!.tool_call_id) ?? '';
        results.unshift({ callId: id, name: name(id), content: resultText(items[i]!.content) });
      }
      return results;
    }
    case 'openai-responses': {
      for (const m of items) if (m.type === 'function_call' && str(m.call_id) && str(m.name)) names.set(m.call_id as string, m.name as string);
      for (let i = items.length - 1; i >= 0 && items[i]!.type === 'function_call_output'; i--) {
        const id = str(items[i]!.call_id) ?? '';
        results.unshift({ callId: id, name: name(id), content: resultText(items[i]!.output) });
      }
      return results;
    }
    case 'anthropic': {
      for (const m of items)
        for (const block of records(m.content)) if (block.type === 'tool_use' && str(block.id) && str(block.name)) names.set(block.id as string, block.name as string);
      const last = items[items.length - 1];
      if (!last || last.role !== 'user') return [];
      for (const block of records(last.content)) {
        if (block.type !== 'tool_result') continue;
        const id = str(block.tool_use_id) ?? '';
        results.push({ callId: id, name: name(id), content: resultText(block.content) });
      }
      return results;
    }
  }
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/** Reads a chat/responses/messages request body. Never throws on odd shapes. */
export function parseApiRequest(api: WireApi, body: Record<string, unknown>): ApiRequest {
  const list = api === 'openai-responses' ? body.input : body.messages;
  const system = api === 'openai-responses' ? body.instructions : api === 'anthropic' ? body.system : undefined;
  const all = turns(list);
  const toolResults = trailingToolResults(api, list);
  const last = all[all.length - 1];
  const beforeLast = all[all.length - 2];
  // The continue instruction after an assistant turn asks for the same answer, continued.
  const continueInstruction = last?.role === 'user' && last.text === CONTINUE_PROMPT && beforeLast?.role === 'assistant' && beforeLast.text !== '';
  // A request that ends with tool results continues after them, not after the assistant's text.
  const prefill = toolResults.length > 0 ? undefined : continueInstruction ? beforeLast.text : last && last.role === 'assistant' && last.text !== '' ? last.text : undefined;
  const asked = continueInstruction ? all.slice(0, -2) : all;
  const lastUser = [...asked].reverse().find((t) => t.role === 'user' && t.text !== '') ?? [...asked].reverse().find((t) => t.role === 'user');
  const systemText = typeof system === 'string' ? system : contentText(system);
  // ~3 tokens of framing per message, as OpenAI's own counting guide does.
  const inputTokens = all.reduce((sum, t) => sum + countTokens(t.text) + 3, countTokens(systemText)) + 3;
  const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof body.model === 'string' ? body.model : undefined,
    stream: body.stream === true,
    messages: list,
    system,
    lastUserText: lastUser?.text ?? '',
    prefill,
    continueInstruction,
    inputTokens,
    maxTokens: num(body.max_tokens) ?? num(body.max_completion_tokens) ?? num(body.max_output_tokens),
    usageRequested: api === 'openai-chat' ? streamOptions?.include_usage === true : true,
    tools: offeredTools(api, body),
    toolChoice: body.tool_choice,
    toolResults,
    toolNames: toolNames(body.tools),
  };
}
