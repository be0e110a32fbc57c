/**
 * Tool calls that local models write as text, recognised as they stream. Open-weights models
 * served without a tool-call parser (or with the wrong chat template) print their calls into the
 * answer; these forms become real calls:
 *
 * - `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (Hermes, Qwen 2.5/3; several in a row)
 * - `[TOOL_CALLS][{"name": …, "arguments": {…}}]` and `[TOOL_CALLS]name[ARGS]{…}` (Mistral)
 * - `<|python_tag|>{"name": …, "parameters": {…}}` (Llama 3.1+)
 * - `<function=name>{…}</function>` (Llama 3.1 custom tool format)
 * - a bare JSON object `{"name": …, "arguments"|"parameters": {…}}` (or an array of them) that is
 *   the whole start of the answer (Llama 3.x JSON tool calling)
 *
 * — and only when the name is one of the offered tools and the arguments parse to an object.
 * Anything else stays text, byte for byte. A form inside a fenced code block is never a call (an
 * answer that shows an example call is an answer). Text that might be the start of a call is held
 * back only while it still might be: a possible opener at the end of a chunk (`<tool_` …), or a
 * started call until its JSON closes; then it is either a call or released as text.
 */
import type { ToolCall } from './events';
import { newToolCallId } from './toolCalls';

/** One piece of the answer: text to show, or a recognised call. */
export type TextToolPiece = { kind: 'text'; text: string } | { kind: 'call'; call: ToolCall; raw: string };

type Form = 'tool_call' | 'mistral' | 'python_tag' | 'function' | 'bare';

const OPENERS: ReadonlyArray<{ text: string; form: Exclude<Form, 'bare'> }> = [
  { text: '<tool_call>', form: 'tool_call' },
  { text: '[TOOL_CALLS]', form: 'mistral' },
  { text: '<|python_tag|>', form: 'python_tag' },
  { text: '<function=', form: 'function' },
];

const CLOSERS: Partial<Record<Form, string>> = { tool_call: '</tool_call>', function: '</function>' };

/** Keys that carry a call's arguments, by model family. */
const ARGUMENT_KEYS = ['arguments', 'parameters', 'input', 'args'] as const;

/** Where a JSON value being scanned is. */
interface JsonScan {
  /** Index in `held` of the value's first character. */
  start: number;
  /** Next index to scan. */
  pos: number;
  depth: number;
  inString: boolean;
  escape: boolean;
}

/** A call being read: its form, where its JSON is, and (for `<function=…>` and Mistral's `[ARGS]`) the name read before it. */
interface Candidate {
  form: Form;
  /** Index in `held` just past the opener. */
  bodyStart: number;
  name?: string | undefined;
  scan?: JsonScan | undefined;
  /** Index in `held` just past the value, once it closed. */
  valueEnd?: number | undefined;
}

/**
 * Splits one answer's text into text and calls. Feed every text delta in order to
 * {@link TextToolCallParser.push}, then call {@link TextToolCallParser.end} once.
 */
export class TextToolCallParser {
  private readonly offered: ReadonlySet<string>;
  private held = '';
  private candidate: Candidate | undefined;
  /** No text but whitespace released yet (a bare JSON call may only open the answer). */
  private atStart = true;
  /** Right after a call: another bare call may follow (`;` or whitespace between). */
  private afterCall = false;
  /** Released text inside a fenced code block. */
  private fenceOpen = false;
  /** Released text since the last line break (for fence detection). */
  private lineTail = '';
  /** Calls recognised so far. */
  callCount = 0;

  constructor(offeredTools: Iterable<string>) {
    this.offered = new Set(offeredTools);
  }

  /** The pieces `text` resolves to now (none while a possible call is undecided). */
  push(text: string): TextToolPiece[] {
    this.held += text;
    const out: TextToolPiece[] = [];
    this.advance(out, false);
    return out;
  }

  /** The answer ended: a call whose JSON closed counts (even without its closing tag); anything else held is text. */
  end(): TextToolPiece[] {
    const out: TextToolPiece[] = [];
    this.advance(out, true);
    if (this.held) this.releaseText(this.held.length, out);
    this.candidate = undefined;
    return out;
  }

  private advance(out: TextToolPiece[], ending: boolean): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.candidate) {
        const decided = this.readCandidate(this.candidate, out, ending);
        if (!decided) return;
        continue;
      }
      if (!this.findOpener(out, ending)) return;
    }
  }

  /** In text: releases text up to the next opener and starts a candidate there; false when nothing more can be decided now. */
  private findOpener(out: TextToolPiece[], ending: boolean): boolean {
    const held = this.held;
    if (held === '') return false;
    // A bare JSON call: only where the answer (or a run of calls) starts.
    if (this.atStart || this.afterCall) {
      const lead = /^[\s;]*/.exec(held)![0].length;
      if (lead === held.length) {
        if (ending) this.releaseText(held.length, out);
        return false;
      }
      const c = held[lead];
      const rest = held.slice(lead);
      // `[TOOL_CALLS]` (or the start of it) is Mistral's opener, not a JSON array.
      const tagged = OPENERS.some((opener) => rest.startsWith(opener.text) || opener.text.startsWith(rest));
      if ((c === '{' || c === '[') && !tagged && !this.fenceOpen) {
        // The whitespace (and `;` between calls) before it goes with the call, or out as text if it is none.
        this.candidate = { form: 'bare', bodyStart: lead };
        return true;
      }
    }
    let best: { index: number; form: Exclude<Form, 'bare'>; length: number } | undefined;
    for (const opener of OPENERS) {
      const index = held.indexOf(opener.text);
      if (index >= 0 && (!best || index < best.index)) best = { index, form: opener.form, length: opener.text.length };
    }
    if (best) {
      this.releaseText(best.index, out);
      if (this.insideFence()) {
        // An example in a code block: the opener is text.
        this.releaseText(best.length, out);
        return true;
      }
      this.candidate = { form: best.form, bodyStart: best.length };
      return true;
    }
    // Nothing yet: release all but what could still become an opener.
    const keep = ending ? 0 : partialOpenerSuffix(held);
    if (held.length - keep > 0) this.releaseText(held.length - keep, out);
    return false;
  }

  /**
   * Reads a candidate as far as `held` goes. Returns true when it was decided (a call emitted, or
   * its text released), false when more text is needed.
   */
  private readCandidate(candidate: Candidate, out: TextToolPiece[], ending: boolean): boolean {
    const held = this.held;
    if (!candidate.scan) {
      let i = candidate.bodyStart;
      if (candidate.form === 'function' && candidate.name === undefined) {
        const close = held.indexOf('>', i);
        if (close < 0) return ending ? this.reject(out) : /^[\w.-]*$/.test(held.slice(i)) ? false : this.reject(out);
        const name = held.slice(i, close);
        if (!/^[\w.-]+$/.test(name)) return this.reject(out);
        candidate.name = name;
        candidate.bodyStart = close + 1;
        i = close + 1;
      }
      if (candidate.form === 'mistral' && i < held.length && /[\w.-]/.test(held[i]!)) {
        // `[TOOL_CALLS]name[ARGS]{…}`
        const match = /^([\w.-]+)(\[ARGS\])?/.exec(held.slice(i));
        const name = match?.[1] ?? '';
        if (!match?.[2]) {
          const rest = held.slice(i + name.length);
          if (!ending && '[ARGS]'.startsWith(rest)) return false;
          return this.reject(out);
        }
        candidate.name = name;
        i += match[0].length;
      }
      while (i < held.length && /\s/.test(held[i]!)) i++;
      if (i >= held.length) return ending ? this.reject(out) : false;
      const c = held[i];
      if (c !== '{' && c !== '[') return this.reject(out);
      if (candidate.form === 'bare' && !this.couldBeBareCall(held.slice(i))) return ending ? this.reject(out) : this.bareUndecided(held.slice(i)) ? false : this.reject(out);
      candidate.scan = { start: i, pos: i, depth: 0, inString: false, escape: false };
    }
    if (candidate.valueEnd === undefined) {
      if (candidate.form === 'bare' && !this.couldBeBareCall(held.slice(candidate.scan.start))) {
        if (!ending && this.bareUndecided(held.slice(candidate.scan.start))) return false;
        return this.reject(out);
      }
      const end = scanJson(held, candidate.scan);
      if (end === undefined) return ending ? this.reject(out) : false;
      candidate.valueEnd = end;
    }
    let consumed = candidate.valueEnd;
    const closer = CLOSERS[candidate.form];
    if (closer) {
      let j = consumed;
      while (j < held.length && /\s/.test(held[j]!)) j++;
      const rest = held.slice(j);
      if (rest.startsWith(closer)) consumed = j + closer.length;
      else if (!ending && closer.startsWith(rest)) return false; // the closing tag may still come
    }
    const calls = this.callsFrom(candidate, held.slice(candidate.scan.start, candidate.valueEnd));
    if (!calls) return this.reject(out);
    const raw = held.slice(0, consumed);
    this.held = held.slice(consumed);
    this.candidate = undefined;
    this.afterCall = true;
    this.atStart = false;
    calls.forEach((call, n) => out.push({ kind: 'call', call, raw: n === 0 ? raw : '' }));
    this.callCount += calls.length;
    return true;
  }

  /** The calls a closed JSON value makes, or undefined when it is not (only) calls to offered tools. */
  private callsFrom(candidate: Candidate, json: string): ToolCall[] | undefined {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (candidate.name !== undefined) {
      // The name came before the JSON (`<function=name>`, `name[ARGS]`): the value is the arguments.
      const call = this.call(candidate.name, value);
      return call ? [call] : undefined;
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) return undefined;
    const calls: ToolCall[] = [];
    for (const item of list) {
      const call = this.callFromObject(item, candidate.form === 'bare');
      if (!call) return undefined;
      calls.push(call);
    }
    return calls;
  }

  /** `{"name", "arguments"|"parameters"|…}` (or OpenAI's `{"function": {…}}`) as a call. */
  private callFromObject(item: unknown, bare: boolean): ToolCall | undefined {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    let object = item as Record<string, unknown>;
    if (typeof object.function === 'object' && object.function !== null && typeof object.name !== 'string') object = object.function as Record<string, unknown>;
    if (typeof object.name !== 'string') return undefined;
    const key = ARGUMENT_KEYS.find((k) => object[k] !== undefined);
    // A bare object must say it is a call: a name alone is more likely data than a call.
    if (key === undefined && bare) return undefined;
    return this.call(object.name, key === undefined ? {} : object[key]);
  }

  private call(name: string, args: unknown): ToolCall | undefined {
    if (!this.offered.has(name)) return undefined;
    let input = args;
    // Some templates double-encode the arguments as a JSON string.
    if (typeof input === 'string') {
      try {
        input = input.trim() === '' ? {} : JSON.parse(input);
      } catch {
        return undefined;
      }
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    return { id: newToolCallId(), name, arguments: JSON.stringify(input), input: input as Record<string, unknown>, source: 'text' };
  }

  /** Whether `text` (from a `{` or `[` that opens the answer) still looks like `{"…` or `[{"…`. */
  private couldBeBareCall(text: string): boolean {
    return /^\[?\s*\{\s*"/.test(text);
  }

  /** Whether `text` is too short yet to say it is not `{"…` / `[{"…`. */
  private bareUndecided(text: string): boolean {
    return /^\[?\s*(\{\s*)?$/.test(text);
  }

  /** The candidate is not a call: its text so far (opener included) is released as text. */
  private reject(out: TextToolPiece[]): boolean {
    const candidate = this.candidate!;
    this.candidate = undefined;
    this.afterCall = false;
    // Release at least the opener (a bare candidate: through its first character), so scanning moves on.
    const upTo = candidate.form === 'bare' ? candidate.bodyStart + 1 : candidate.bodyStart;
    this.releaseText(Math.max(1, upTo), out);
    return true;
  }

  /** Releases `held[0, n)` as text. `whitespace` marks leading whitespace before a call (it does not end the answer's start). */
  private releaseText(n: number, out: TextToolPiece[], whitespace = false): void {
    if (n <= 0) return;
    const text = this.held.slice(0, n);
    this.held = this.held.slice(n);
    const last = out[out.length - 1];
    if (last?.kind === 'text') last.text += text;
    else out.push({ kind: 'text', text });
    if (!whitespace && /[^\s;]/.test(text)) {
      this.atStart = false;
      this.afterCall = false;
    }
    this.trackFences(text);
  }

  private trackFences(text: string): void {
    const lines = (this.lineTail + text).split('\n');
    this.lineTail = lines.pop() ?? '';
    for (const line of lines) if (/^\s{0,3}(```|~~~)/.test(line)) this.fenceOpen = !this.fenceOpen;
  }

  /** Whether the next character (the first held) is inside a fenced code block, or on a fence's own line. */
  private insideFence(): boolean {
    return this.fenceOpen || /^\s{0,3}(```|~~~)/.test(this.lineTail);
  }
}

/** The length of the longest suffix of `text` that is a proper prefix of an opener. */
function partialOpenerSuffix(text: string): number {
  let keep = 0;
  for (const { text: opener } of OPENERS) {
    for (let n = Math.min(opener.length - 1, text.length); n > keep; n--) {
      if (text.endsWith(opener.slice(0, n))) {
        keep = n;
        break;
      }
    }
  }
  return keep;
}

/**
 * Scans a JSON value in `text` from `scan.pos` on (resuming where the last call stopped), tracking
 * strings and escapes so a brace in a string does not count. Returns the index just past the
 * value once its outermost bracket closed, else undefined.
 */
function scanJson(text: string, scan: JsonScan): number | undefined {
  for (let i = scan.pos; i < text.length; i++) {
    const c = text[i];
    if (scan.inString) {
      if (scan.escape) scan.escape = false;
      else if (c === '\\') scan.escape = true;
      else if (c === '"') scan.inString = false;
      continue;
    }
    if (c === '"') scan.inString = true;
    else if (c === '{' || c === '[') scan.depth++;
    else if (c === '}' || c === ']') {
      scan.depth--;
      if (scan.depth === 0) {
        scan.pos = i + 1;
        return i + 1;
      }
    }
  }
  scan.pos = text.length;
  return undefined;
}

/** Whether text-form calls are looked for: tools were offered to a server that may run a model without a tool-call parser. */
export function looksForTextToolCalls(request: { provider: string; tools?: ReadonlyArray<{ name: string }> | undefined }): boolean {
  return Boolean(request.tools?.length) && request.provider !== 'openai' && request.provider !== 'anthropic';
}
