import type { SimOfferedTool, SimToolResult } from './parseApiRequest';
import type { SimScript, SimTextForm, SimToolCall } from './script';

/**
 * What a script does with tools for one request: the calls to stream (natively, or written as text
 * in a local model's form), or — when the request ends with tool results — an answer that uses them.
 */
export interface ToolPlan {
  /** The calls to stream as tool calls (empty when none, or when they are written as text). */
  calls: SimToolCall[];
  /** The answer text, when tools decide it (the calls written as text, or the answer to tool results). */
  text: string | undefined;
  /** Whether the finish is `tool-calls`. */
  finishToolCalls: boolean;
}

/** At most this much of each tool result is quoted in the answer to it. */
const RESULT_EXCERPT_CHARS = 400;

/**
 * The tool plan for a request, or undefined when tools play no part (the script's plain answer).
 * `fallbackCall` is the legacy `toolCall` used by `finishReason: "tool-calls"`.
 */
export function planTools(
  script: SimScript,
  request: { tools: SimOfferedTool[]; toolResults: SimToolResult[]; lastUserText: string },
  fallbackCall: SimToolCall,
): ToolPlan | undefined {
  const wantsTools = script.toolCalls !== undefined || script.useTools === true || script.finishReason === 'tool-calls';
  if (!wantsTools) return undefined;
  // The second step of an agent loop: the results are back, the model answers with them.
  if (request.toolResults.length > 0 && script.text === undefined && (script.useTools || script.toolCalls === undefined)) {
    return { calls: [], text: toolResultAnswer(request.toolResults), finishToolCalls: false };
  }
  let calls: SimToolCall[] | undefined = script.toolCalls;
  if (!calls && script.useTools) {
    if (request.tools.length === 0) return undefined;
    const chosen = script.parallelTools ? [request.tools[0]!, request.tools[1] ?? request.tools[0]!] : [request.tools[0]!];
    calls = chosen.map((tool, n) => ({ name: tool.name, arguments: script.toolArguments ?? JSON.stringify(argumentsFromSchema(tool.schema, request.lastUserText, n)) }));
  }
  calls ??= [fallbackCall];
  if (script.textForm) {
    const text = (script.text ?? '') + writeCallsAsText(script.textForm, calls) + (script.textAfter ?? '');
    return { calls: [], text, finishToolCalls: false };
  }
  return { calls, text: undefined, finishToolCalls: true };
}

/** The answer to tool results: each result quoted, so a test can see the model "used" it. */
export function toolResultAnswer(results: readonly SimToolResult[]): string {
  return results
    .map((result) => {
      const content = result.content.trim();
      const excerpt = content.length > RESULT_EXCERPT_CHARS ? `${content.slice(0, RESULT_EXCERPT_CHARS)}…` : content;
      return `The ${result.name ?? 'tool'} result (${result.callId}) says: ${excerpt}`;
    })
    .join('\n\n');
}

/**
 * Arguments for a tool from its JSON schema: every required property (every property when none is
 * marked required) gets a value of its type; a string named like a path takes a file name from the
 * question when it has one, other strings the question itself. `n` varies a parallel call.
 */
export function argumentsFromSchema(schema: Record<string, unknown>, question: string, n = 0): Record<string, unknown> {
  const properties = (typeof schema.properties === 'object' && schema.properties !== null ? schema.properties : {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]).filter((k): k is string => typeof k === 'string') : Object.keys(properties);
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = valueFor(key, properties[key] ?? {}, question, n);
  return out;
}

function valueFor(key: string, schema: Record<string, unknown>, question: string, n: number): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'number':
    case 'integer':
      return 1 + n;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default: {
      if (/path|file|uri/i.test(key)) {
        const file = /[\w./-]+\.\w+/.exec(question)?.[0];
        if (file) return file;
      }
      const text = question.trim().slice(0, 60) || 'sidestream';
      return n > 0 ? `${text} (${n + 1})` : text;
    }
  }
}

/** The calls as a local model writes them into its answer. Arguments go in verbatim (broken ones too). */
export function writeCallsAsText(form: SimTextForm, calls: readonly SimToolCall[]): string {
  const object = (call: SimToolCall, key: string) => `{"name": ${JSON.stringify(call.name)}, "${key}": ${call.arguments}}`;
  switch (form) {
    case 'hermes':
      return calls.map((call) => `<tool_call>\n${object(call, 'arguments')}\n</tool_call>`).join('\n');
    case 'json':
      return calls.length === 1 ? object(calls[0]!, 'parameters') : `[${calls.map((call) => object(call, 'parameters')).join(', ')}]`;
    case 'mistral':
      return `[TOOL_CALLS][${calls.map((call) => object(call, 'arguments')).join(', ')}]`;
    case 'mistral-args':
      return calls.map((call) => `[TOOL_CALLS]${call.name}[ARGS]${call.arguments}`).join('');
    case 'python-tag':
      return `<|python_tag|>${calls.map((call) => object(call, 'parameters')).join('; ')}`;
    case 'function':
      return calls.map((call) => `<function=${call.name}>${call.arguments}</function>`).join('\n');
  }
}
