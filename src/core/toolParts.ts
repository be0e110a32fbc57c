/**
 * VS Code's chat request, typed only by its shape, as the core's request: messages made of parts
 * (text, tool calls, tool results, thinking, data) become {@link ChatMessage}s; the request's
 * `tools` and `toolMode` become tool definitions and a tool choice. No `vscode` import: the
 * language model provider hands its parts in, with a classifier that uses `instanceof` where the
 * running VS Code has the class (a thinking part and a text part have the same shape).
 *
 * - Text parts are the turn's text; a thinking part is kept as the turn's reasoning and never sent
 *   back as answer text.
 * - Tool call parts `{callId, name, input}` and tool result parts `{callId, content[]}` keep their
 *   ids. A result's content is its text parts (and text-like data parts) joined.
 * - Data parts are VS Code's metadata (`cache_control`, `stateful_marker`) or images: never sent
 *   upstream as text. They are counted so the host can log what was left out.
 * - The turns are made valid for every wire format: same-role turns merged, a call without a result
 *   answered with a cancellation result, a result without its call folded into the user's text.
 */
import type { Usage } from './events';
import type { ChatMessage, HistoryToolCall, HistoryToolResult, ToolChoice, ToolDefinition } from './request';

/** VS Code's `LanguageModelChatMessageRole`: User 1, Assistant 2, System 3 (proposed). */
export const VSCODE_ROLE = { user: 1, assistant: 2, system: 3 } as const;

/** VS Code's `LanguageModelChatToolMode`: Auto 1, Required 2. */
export const VSCODE_TOOL_MODE = { auto: 1, required: 2 } as const;

/** What a part is. */
export type VsCodePartKind = 'text' | 'thinking' | 'tool-call' | 'tool-result' | 'data' | 'prompt-tsx' | 'unknown';

/** A VS Code request message, by shape (`vscode.LanguageModelChatRequestMessage`). */
export interface VsCodeMessageLike {
  readonly role: number;
  readonly content: ReadonlyArray<unknown>;
}

/** A VS Code tool, by shape (`vscode.LanguageModelChatTool`). */
export interface VsCodeToolLike {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema?: object | undefined;
}

export interface ToCoreOptions {
  /**
   * Classifies a part the host knows by class (`instanceof vscode.LanguageModelThinkingPart`…);
   * undefined falls back to the part's shape.
   */
  kindOf?: ((part: unknown) => VsCodePartKind | undefined) | undefined;
}

/** What was left out of the request, for the host's log. */
export interface LeftOut {
  /** Data parts dropped, by MIME type (`cache_control`, `stateful_marker`, `image/png`…). */
  dataParts: Record<string, number>;
  /** Parts of a shape this version does not know. */
  unknownParts: number;
  /** Calls that had no result in the next turn (answered with a cancellation result). */
  unansweredCalls: number;
  /** Results without their call in the previous turn (folded into the user's text). */
  orphanResults: number;
}

/** The result given to a call that has none (the user stopped it, or the history was cut). */
export const CANCELLED_RESULT = 'The tool call was cancelled: there is no result.';

/** A part's kind from its shape (a thinking part with a string value looks like text: use `kindOf`). */
export function partKindByShape(part: unknown): VsCodePartKind {
  if (typeof part !== 'object' || part === null) return 'unknown';
  const p = part as Record<string, unknown>;
  if (typeof p.callId === 'string' && typeof p.name === 'string' && 'input' in p) return 'tool-call';
  if (typeof p.callId === 'string' && Array.isArray(p.content)) return 'tool-result';
  if (typeof p.mimeType === 'string' && p.data instanceof Uint8Array) return 'data';
  if (Array.isArray(p.value) && p.value.every((v) => typeof v === 'string')) return 'thinking';
  if (typeof p.value === 'string') return 'id' in p || 'metadata' in p ? 'thinking' : 'text';
  if ('value' in p) return 'prompt-tsx';
  return 'unknown';
}

/** VS Code's messages as the core's: system text becomes the system prompt; the rest valid turns. */
export function toCoreRequestMessages(
  messages: ReadonlyArray<VsCodeMessageLike>,
  options: ToCoreOptions = {},
): { systemPrompt: string | undefined; messages: ChatMessage[]; leftOut: LeftOut } {
  const leftOut: LeftOut = { dataParts: {}, unknownParts: 0, unansweredCalls: 0, orphanResults: 0 };
  const kindOf = (part: unknown) => options.kindOf?.(part) ?? partKindByShape(part);
  const system: string[] = [];
  const turns: ChatMessage[] = [];
  for (const message of messages) {
    let text = '';
    let reasoning = '';
    const calls: HistoryToolCall[] = [];
    const results: HistoryToolResult[] = [];
    for (const part of message.content) {
      const kind = kindOf(part);
      const p = part as Record<string, unknown>;
      switch (kind) {
        case 'text':
          text += String(p.value);
          break;
        case 'thinking':
          reasoning += Array.isArray(p.value) ? p.value.join('') : String(p.value ?? '');
          break;
        case 'tool-call':
          calls.push({ id: String(p.callId), name: String(p.name), input: objectOrEmpty(p.input) });
          break;
        case 'tool-result':
          results.push({ callId: String(p.callId), content: resultText(p.content as unknown[], kindOf, leftOut) });
          break;
        case 'data':
          text += dataText(p, leftOut);
          break;
        case 'prompt-tsx':
          text += textOfTree(p.value);
          break;
        case 'unknown':
          leftOut.unknownParts++;
          break;
      }
    }
    if (message.role === VSCODE_ROLE.user || message.role === VSCODE_ROLE.assistant) {
      const role = message.role === VSCODE_ROLE.user ? 'user' : 'assistant';
      const turn: ChatMessage = { role, content: text };
      if (role === 'assistant') {
        if (reasoning) turn.reasoning = reasoning;
        if (calls.length) turn.toolCalls = calls;
        // Results never belong to an assistant turn: their text stays.
        if (results.length) turn.content += results.map((r) => `\n\n${r.content}`).join('');
      } else {
        if (results.length) turn.toolResults = results;
        // A user turn never calls tools; a stray call part is left out.
        if (calls.length) leftOut.unknownParts += calls.length;
      }
      pushTurn(turns, turn);
    } else {
      // The System role (3) is a proposed API; its text still belongs to the request.
      system.push(text);
    }
  }
  return { systemPrompt: system.length ? system.join('\n\n') : undefined, messages: pairToolTurns(turns, leftOut), leftOut };
}

/** VS Code's tools and tool mode as the core's; no tools when the request offers none. */
export function toCoreTools(
  tools: ReadonlyArray<VsCodeToolLike> | undefined,
  toolMode: number | undefined,
): { tools: ToolDefinition[] | undefined; toolChoice: ToolChoice | undefined } {
  if (!tools || tools.length === 0) return { tools: undefined, toolChoice: undefined };
  const definitions = tools.map((tool) => ({
    name: tool.name,
    ...(tool.description ? { description: tool.description } : {}),
    ...(tool.inputSchema && typeof tool.inputSchema === 'object' ? { inputSchema: tool.inputSchema as Record<string, unknown> } : {}),
  }));
  return { tools: definitions, toolChoice: toolMode === VSCODE_TOOL_MODE.required ? 'required' : 'auto' };
}

/** Appends a turn, merging it into the previous one of the same role (every format wants alternation). */
function pushTurn(turns: ChatMessage[], turn: ChatMessage): void {
  const prev = turns[turns.length - 1];
  if (!prev || prev.role !== turn.role) {
    turns.push(turn);
    return;
  }
  prev.content = prev.content && turn.content ? `${prev.content}\n\n${turn.content}` : prev.content || turn.content;
  if (turn.reasoning) prev.reasoning = prev.reasoning ? `${prev.reasoning}\n\n${turn.reasoning}` : turn.reasoning;
  if (turn.toolCalls) prev.toolCalls = [...(prev.toolCalls ?? []), ...turn.toolCalls];
  if (turn.toolResults) prev.toolResults = [...(prev.toolResults ?? []), ...turn.toolResults];
}

/**
 * Every call answered in the next turn, every result answering a call of the previous turn (the
 * APIs reject anything else): a missing result is a cancellation; an orphan result is text.
 */
function pairToolTurns(turns: ChatMessage[], leftOut: LeftOut): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = { ...turns[i]! };
    const prev = out[out.length - 1];
    if (turn.role === 'user' && turn.toolResults?.length) {
      const called = new Map((prev?.role === 'assistant' ? (prev.toolCalls ?? []) : []).map((c) => [c.id, c.name]));
      const kept: HistoryToolResult[] = [];
      const orphans: string[] = [];
      for (const result of turn.toolResults) {
        if (called.has(result.callId)) kept.push({ ...result, name: called.get(result.callId) });
        else orphans.push(result.content);
      }
      leftOut.orphanResults += orphans.length;
      turn.toolResults = kept.length ? kept : undefined;
      if (orphans.length) turn.content = [...orphans, turn.content].filter((t) => t).join('\n\n');
    }
    if (turn.role === 'assistant' && turn.toolCalls?.length) {
      const next = turns[i + 1];
      const answered = new Set(next?.role === 'user' ? (next.toolResults ?? []).map((r) => r.callId) : []);
      const missing = turn.toolCalls.filter((c) => !answered.has(c.id));
      if (missing.length) {
        leftOut.unansweredCalls += missing.length;
        const cancelled = missing.map((c) => ({ callId: c.id, name: c.name, content: CANCELLED_RESULT, isError: true }));
        if (next?.role === 'user') turns[i + 1] = { ...next, toolResults: [...(next.toolResults ?? []), ...cancelled] };
        else turns.splice(i + 1, 0, { role: 'user', content: '', toolResults: cancelled });
      }
    }
    out.push(turn);
  }
  return out;
}

/** A tool result's content as text: its text parts, text-like data, prompt-tsx text; metadata left out. */
function resultText(content: readonly unknown[], kindOf: (part: unknown) => VsCodePartKind, leftOut: LeftOut): string {
  let text = '';
  for (const part of content ?? []) {
    const p = part as Record<string, unknown>;
    switch (kindOf(part)) {
      case 'text':
      case 'thinking':
        text += Array.isArray(p.value) ? p.value.join('') : String(p.value);
        break;
      case 'data':
        text += dataText(p, leftOut);
        break;
      case 'prompt-tsx':
        text += textOfTree(p.value);
        break;
      case 'tool-call':
      case 'tool-result':
      case 'unknown':
        if (typeof part === 'string') text += part;
        else leftOut.unknownParts++;
        break;
    }
  }
  return text;
}

/**
 * A data part's text when it is text (a tool that returns JSON or plain text as data); metadata
 * (`cache_control`, `stateful_marker`) and images are left out and counted by MIME type.
 */
function dataText(part: Record<string, unknown>, leftOut: LeftOut): string {
  const mime = String(part.mimeType);
  const lower = mime.toLowerCase();
  if (lower.startsWith('text/') || lower === 'application/json') return new TextDecoder().decode(part.data as Uint8Array);
  leftOut.dataParts[mime] = (leftOut.dataParts[mime] ?? 0) + 1;
  return '';
}

/** The text inside a prompt-tsx tree (strings and `text` fields, in order). */
function textOfTree(node: unknown, depth = 0): string {
  if (depth > 64) return '';
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map((child) => textOfTree(child, depth + 1)).join('');
  if (typeof node === 'object' && node !== null) {
    const n = node as Record<string, unknown>;
    if (typeof n.text === 'string') return n.text;
    let out = '';
    for (const key of ['children', 'node', 'value']) if (key in n) out += textOfTree(n[key], depth + 1);
    return out;
  }
  return '';
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The MIME type of the data part VS Code's chat reads a provider's token usage from (VS Code 1.139:
 * a `LanguageModelDataPart` whose data is JSON with OpenAI Chat's usage field names).
 */
export const VSCODE_USAGE_MIME = 'usage';

/** A usage data part's JSON, as VS Code reads it. */
export interface VsCodeUsageData {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number } | undefined;
  completion_tokens_details?: { reasoning_tokens: number } | undefined;
}

/** The core's usage as VS Code's usage data (prompt, cached, output, reasoning tokens); undefined when the provider reported none. */
export function vsCodeUsageData(usage: Usage | undefined): VsCodeUsageData | undefined {
  if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return undefined;
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    ...(usage.cachedInputTokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } } : {}),
    ...(usage.reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } } : {}),
  };
}

/** One log line saying what {@link toCoreRequestMessages} left out, or undefined when nothing was. */
export function describeLeftOut(leftOut: LeftOut): string | undefined {
  const parts: string[] = [];
  const data = Object.entries(leftOut.dataParts);
  if (data.length) parts.push(`data parts not sent upstream: ${data.map(([mime, n]) => `${mime} ×${n}`).join(', ')}`);
  if (leftOut.unknownParts) parts.push(`${leftOut.unknownParts} part(s) of an unknown kind`);
  if (leftOut.unansweredCalls) parts.push(`${leftOut.unansweredCalls} tool call(s) without a result (answered as cancelled)`);
  if (leftOut.orphanResults) parts.push(`${leftOut.orphanResults} tool result(s) without their call (sent as text)`);
  return parts.length ? `left out of the request: ${parts.join('; ')}` : undefined;
}
