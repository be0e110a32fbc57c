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
  /** The names of the tools the request offers (Chat `tools[].function.name`, Responses and Anthropic `tools[].name`). */
  toolNames: string[];
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
  return list
    .filter((m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null)
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', text: contentText(m.content) }));
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

/** Reads a chat/responses/messages request body. Never throws on odd shapes. */
export function parseApiRequest(api: WireApi, body: Record<string, unknown>): ApiRequest {
  const list = api === 'openai-responses' ? body.input : body.messages;
  const system = api === 'openai-responses' ? body.instructions : api === 'anthropic' ? body.system : undefined;
  const all = turns(list);
  const last = all[all.length - 1];
  const beforeLast = all[all.length - 2];
  // The continue instruction after an assistant turn asks for the same answer, continued.
  const continueInstruction = last?.role === 'user' && last.text === CONTINUE_PROMPT && beforeLast?.role === 'assistant' && beforeLast.text !== '';
  const prefill = continueInstruction ? beforeLast.text : last && last.role === 'assistant' && last.text !== '' ? last.text : undefined;
  const lastUser = [...(continueInstruction ? all.slice(0, -2) : all)].reverse().find((t) => t.role === 'user');
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
    toolNames: toolNames(body.tools),
  };
}
