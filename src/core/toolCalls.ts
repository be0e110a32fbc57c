/**
 * Tool calls on the stream side, shared by every provider: fragments gathered per call into whole
 * calls (Chat Completions streams them by `index`, in pieces cut anywhere), and a whole call's
 * arguments checked once: they must parse to a JSON object. A call whose arguments do not parse is
 * never handed on as a call; the adapter ends the answer with a failure that says so.
 */
import { randomUUID } from 'node:crypto';
import type { RawToolCall, ToolCall } from './events';
import type { ToolDefinition } from './request';

/** At most this much of bad arguments is quoted in a failure message. */
const EXCERPT_CHARS = 80;

/** The outcome of checking a call's arguments. */
export type CheckedToolCall = { ok: true; call: ToolCall } | { ok: false; call: RawToolCall; problem: string };

/**
 * Parses a call's arguments: empty text is `{}` (a call without arguments), anything else must be
 * one JSON object. The text is kept as streamed.
 */
export function checkToolCall(raw: RawToolCall): CheckedToolCall {
  const text = raw.arguments.trim();
  if (!raw.name) return { ok: false, call: raw, problem: 'the call has no tool name' };
  if (text === '') return { ok: true, call: { ...raw, input: {} } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, call: raw, problem: `its arguments are not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, call: raw, problem: `its arguments are ${Array.isArray(parsed) ? 'an array' : `a ${parsed === null ? 'null' : typeof parsed}`}, not a JSON object` };
  }
  return { ok: true, call: { ...raw, input: parsed as Record<string, unknown> } };
}

/** A one-line excerpt of bad arguments, for a message. */
export function argumentsExcerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

/** The message for a call whose arguments did not parse (the answer ends with it). */
export function badToolCallMessage(bad: Extract<CheckedToolCall, { ok: false }>): string {
  const name = bad.call.name ? `the tool "${bad.call.name}"` : 'a tool';
  const excerpt = bad.call.arguments.trim() ? `: ${argumentsExcerpt(bad.call.arguments)}` : '';
  return `The model called ${name} but ${bad.problem}${excerpt} — the call was not made. Try again, or use a model (or server setting) with reliable tool calling.`;
}

/** The note for a call cut off by the output limit (finish `length`): it is left out, not run. */
export function truncatedToolCallNote(call: RawToolCall): string {
  return `The answer reached its output limit while writing a call to ${call.name ? `the tool "${call.name}"` : 'a tool'}: the incomplete call was left out. Raise the output limit (sidestream.maxOutputTokens) and try again.`;
}

/** One Chat Completions tool-call fragment (`delta.tool_calls[n]`), as loosely as servers send it. */
export interface ToolCallFragment {
  index?: number | null | undefined;
  id?: string | null | undefined;
  type?: string | null | undefined;
  function?: { name?: string | null | undefined; arguments?: unknown } | null | undefined;
}

/**
 * Gathers Chat Completions tool-call fragments into calls. A call is keyed by its `index`
 * (indexes need not start at 0 or be contiguous: calls come out in index order); a fragment with a
 * new id at an index already taken starts a new call (older Ollama sent every parallel call at
 * index 0); a server that sends no index is followed by id (a new id starts a new call, a
 * fragment without one continues the last). The name may arrive with the first piece of the
 * arguments (llama.cpp), alone with the arguments arriving whole at the end (vLLM), or repeated on
 * every fragment (Groq): the first name wins and argument pieces are concatenated as they are — a
 * piece may end anywhere, mid-escape or mid-character, so nothing is parsed until the call is whole.
 */
export class ToolCallAccumulator {
  /** Every call in order of arrival, with the wire index it came under. */
  private entries: Array<{ index: number; call: RawToolCall }> = [];
  /** The call each wire index currently continues. */
  private readonly byIndex = new Map<number, { index: number; call: RawToolCall }>();
  private last: { index: number; call: RawToolCall } | undefined;

  /** Adds a fragment; returns how many characters of arguments it added. */
  add(fragment: ToolCallFragment): number {
    const id = typeof fragment.id === 'string' && fragment.id ? fragment.id : undefined;
    const entry = this.entryFor(fragment, id);
    const call = entry.call;
    this.last = entry;
    if (id && !call.id) call.id = id;
    const fn = fragment.function;
    if (typeof fn?.name === 'string' && fn.name && !call.name) call.name = fn.name;
    const args = fn?.arguments;
    // Some servers (Ollama's native shape behind a gateway) send the arguments as an object.
    const piece = typeof args === 'string' ? args : args !== undefined && args !== null && typeof args === 'object' ? JSON.stringify(args) : '';
    call.arguments += piece;
    return piece.length;
  }

  /** How many calls are held. */
  get size(): number {
    return this.entries.length;
  }

  /** The calls so far, in index order (arrival order within an index), ids filled in where the server sent none; clears the accumulator. */
  flush(): RawToolCall[] {
    const calls = this.entries
      .map((entry, arrival) => ({ ...entry, arrival }))
      .sort((a, b) => a.index - b.index || a.arrival - b.arrival)
      .map((entry) => entry.call);
    this.entries = [];
    this.byIndex.clear();
    this.last = undefined;
    for (const call of calls) if (!call.id) call.id = newToolCallId();
    return calls;
  }

  private entryFor(fragment: ToolCallFragment, id: string | undefined): { index: number; call: RawToolCall } {
    if (typeof fragment.index === 'number' && Number.isFinite(fragment.index)) {
      const current = this.byIndex.get(fragment.index);
      if (current && !(id && current.call.id && id !== current.call.id)) return current;
      return this.open(fragment.index);
    }
    // No index: follow the id, else continue the last call.
    if (id) return this.entries.find((entry) => entry.call.id === id) ?? this.open(this.nextIndex());
    return this.last ?? this.open(this.nextIndex());
  }

  private open(index: number): { index: number; call: RawToolCall } {
    const entry = { index, call: { id: '', name: '', arguments: '' } };
    this.entries.push(entry);
    this.byIndex.set(index, entry);
    return entry;
  }

  private nextIndex(): number {
    let index = 0;
    for (const entry of this.entries) index = Math.max(index, entry.index + 1);
    return index;
  }
}

/** An id for a call whose server sent none (and for calls read from text): unique, call-shaped. */
export function newToolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

/** A tool's input schema, never absent (an empty object schema): every wire format requires one. */
export function toolInputSchema(tool: ToolDefinition): Record<string, unknown> {
  const schema = tool.inputSchema;
  if (!schema || typeof schema !== 'object' || Object.keys(schema).length === 0) return { type: 'object', properties: {} };
  return schema.type === undefined ? { type: 'object', ...schema } : schema;
}
