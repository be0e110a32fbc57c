import { CANNED_COMMENTARY, CANNED_REASONING, longAnswer } from './answers';

/**
 * What the simulator does for the next response: the answer, its pace, and an optional fault.
 * Scripts are plain JSON so other processes can enqueue them over `POST /__sim/enqueue`.
 */

/** The finish reasons a script can ask for; each wire format maps them to its own word. */
export type SimFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls';

/** How a Chat Completions stream carries reasoning (see {@link SimScript.reasoningFormat}). */
export type SimReasoningFormat = 'reasoning_content' | 'reasoning' | 'content-parts' | 'think-tags';

/** A way for the response to go wrong, modelled on what real services and proxies do. */
export type SimFault =
  /** An HTTP error before any body; a real-shaped error body for the wire format when `body` is omitted. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** An in-band error after some tokens (OpenAI chat `data: {"error":…}`, Responses `event: error`, Anthropic `event: error`). */
  | { kind: 'midstream-error'; afterTokens: number; errorType?: string; message?: string }
  /** The server destroys the socket after some tokens. */
  | { kind: 'reset'; afterTokens: number }
  /** The server sends nothing more after some tokens but keeps the socket open until the client leaves. */
  | { kind: 'stall'; afterTokens: number }
  /** The response ends cleanly without the format's terminal event (`[DONE]`, `message_stop`, …). */
  | { kind: 'no-terminal'; afterTokens?: number }
  /** A truncated JSON payload after some tokens, then the response ends. */
  | { kind: 'malformed-json'; afterTokens: number }
  /** The stream without its `event:` lines, as some proxies send Anthropic streams. */
  | { kind: 'no-event-lines' }
  /** A 200 `text/html` page from a proxy instead of an event stream. */
  | { kind: 'html-200' }
  /**
   * After some tokens, a `data:` line that never ends: `megabytes` MB of `x` (default 64) with no
   * line break, written as fast as the client reads (the server waits for `drain`), then the
   * response ends. A broken server or a misrouted binary download, for the reader's buffer bound.
   */
  | { kind: 'endless-line'; afterTokens: number; megabytes?: number }
  /**
   * After some tokens, valid events that never stop: `segment` (default `text`; `reasoning`, or
   * `tool` for tool-call argument fragments) in pieces of `pieceChars` characters (default 1,024),
   * written as fast as the client reads, whatever the request's output limit, until the client
   * leaves. With `megabytes` the server gives up after writing that much and finishes the answer
   * normally (a bound for tests run against a client without a cap). A server that ignores the
   * output limit and keeps sending, for the client's output cap.
   */
  | { kind: 'endless'; afterTokens: number; segment?: 'text' | 'reasoning' | 'tool'; pieceChars?: number; megabytes?: number }
  /**
   * Replays a captured body verbatim. `chunkDelayMs` splits it at event boundaries with a pause
   * between them; `chunkBytes` splits it into fixed-size byte chunks (to cut UTF-8 characters).
   */
  | { kind: 'raw'; contentType?: string; body: string; chunkDelayMs?: number; chunkBytes?: number };

export type SimFaultKind = SimFault['kind'];

/** A tool call the answer ends with when `finishReason` is `tool-calls`. */
export interface SimToolCall {
  name: string;
  /** The arguments JSON text, streamed in fragments (any text: a broken one tests the client). */
  arguments: string;
  /** The call's id; a fresh service-shaped one (`call_…`, `toolu_…`) when absent. */
  id?: string;
}

/**
 * How Chat Completions streams tool calls (`SimScript.toolShape`), after the servers that do it:
 * `openai` (default: id and name with empty arguments, then argument fragments), `llamacpp` (the
 * first argument piece — the `{` — in the chunk with the name), `vllm` (name alone, then the
 * arguments whole in one late fragment), `whole` (Ollama: each call complete in one chunk),
 * `sparse` (indexes 1, 3, 5… instead of 0, 1, 2), `interleaved` (parallel calls' fragments
 * alternate). Responses and Anthropic stream each call as its own item or block whatever the shape.
 */
export type SimToolShape = 'openai' | 'llamacpp' | 'vllm' | 'whole' | 'sparse' | 'interleaved';

/**
 * How a local model without a tool-call parser writes its calls as text (`SimScript.textForm`):
 * `hermes` (`<tool_call>{…}</tool_call>`, Qwen/Hermes), `json` (a bare `{"name", "parameters"}`
 * object, Llama 3.x), `mistral` (`[TOOL_CALLS][{…}]`), `mistral-args` (`[TOOL_CALLS]name[ARGS]{…}`),
 * `python-tag` (`<|python_tag|>{…}`, Llama 3.1), `function` (`<function=name>{…}</function>`).
 */
export type SimTextForm = 'hermes' | 'json' | 'mistral' | 'mistral-args' | 'python-tag' | 'function';

export interface SimScript {
  /** Answer text. Default: a canned markdown answer picked by the last user message. */
  text?: string;
  /** Reasoning streamed before the answer (`reasoning_content`, reasoning summary, thinking block). */
  reasoning?: string;
  /**
   * How Chat Completions carries the reasoning: `reasoning_content` (llama.cpp, DeepSeek; default),
   * `reasoning` (Ollama's and OpenRouter's `delta.reasoning`),
   * `content-parts` (Mistral: `delta.content` as an array of `thinking` and `text` parts, the answer
   * too), or `think-tags` (a raw R1/Qwen3: `<think>…</think>` inline in the content, each tag cut
   * across two deltas).
   */
  reasoningFormat?: SimReasoningFormat;
  /** Anthropic: a `redacted_thinking` block before the thinking block. */
  redactedThinking?: boolean;
  /**
   * A first message streamed before the answer: in Responses its own output message item
   * (`phase: "commentary"`), elsewhere text run straight into the answer.
   */
  commentary?: string;
  /** Responses: the `incomplete_details.reason` of a `length` finish (default `max_output_tokens`; xAI sends `REASON_MAX_LEN`). */
  incompleteReason?: string;
  /**
   * An event the client cannot know, sent before the first token: Chat a `delta.content` part of
   * type `reference`, Responses `response.sim_future.delta`, Anthropic `sim_future_event`.
   */
  unknownEvent?: boolean;
  /** Delay from headers sent to the first token. Default 0. */
  ttftMs?: number;
  /** Delay before the status line and headers are sent. Default 0. */
  headersDelayMs?: number;
  /** Pace of the stream; 0 or undefined streams as fast as possible. */
  tokensPerSecond?: number;
  /** Default `stop`, or `length` when the request's max tokens cut the answer short. */
  finishReason?: SimFinishReason;
  /** Default true. OpenAI chat also needs `stream_options.include_usage` in the request. */
  includeUsage?: boolean;
  /** While waiting longer than this, send SSE comments (OpenAI) or `ping` events (Anthropic). */
  keepAliveEveryMs?: number;
  fault?: SimFault;
  /** How many requests this script serves when enqueued. Default 1. */
  times?: number;
  /** The tool call streamed when `finishReason` is `tool-calls`. Default: a `search_docs` call. */
  toolCall?: SimToolCall;
  /**
   * The tool calls to make (parallel when several), after `text` (default none before them) and
   * before `textAfter`; the finish reason is `tool-calls` (or `stop` with `textForm`).
   */
  toolCalls?: SimToolCall[];
  /**
   * Call the request's offered tools (`sim-tools`): the first one (the first two with `parallel`),
   * arguments made from its input schema. A request without tools gets a plain answer; a request
   * that ends with tool results gets an answer that quotes them (the second step of an agent loop).
   */
  useTools?: boolean;
  /** With `useTools`: two calls (the first two offered tools, or the first one twice). */
  parallelTools?: boolean;
  /** How Chat Completions frames the calls (see {@link SimToolShape}). */
  toolShape?: SimToolShape;
  /** Write the calls into the answer text in this form instead of as tool calls (see {@link SimTextForm}). */
  textForm?: SimTextForm;
  /** Text after the tool calls. */
  textAfter?: string;
  /** With `useTools`: these arguments instead of ones made from the schema (`badjson`: broken JSON). */
  toolArguments?: string;
  /**
   * Split every scheduled write into socket writes of at most this many bytes, yielding to the
   * event loop between them so each goes out on its own (1 cuts every multibyte UTF-8 character
   * and every SSE line apart). A token's recorded time is when its last slice was written.
   */
  chunkBytes?: number;
  /**
   * On a request that continues a partial answer (a prefill, or the continue instruction): start
   * the continuation this many words before the end of the partial, repeating them, as models
   * sometimes do. 0 or absent: go on exactly where the partial ends.
   */
  resumeOverlapWords?: number;
}

/** Text before the calls of a `sim-tools-preamble` answer. */
export const TOOL_PREAMBLE = "I'll look that up first.";
/** Text after the calls of a `sim-tools-after` answer. */
export const TOOL_AFTERWORD = ' Running that now.';

const TOOL_SHAPES: Record<SimToolShape, true> = { openai: true, llamacpp: true, vllm: true, whole: true, sparse: true, interleaved: true };
const TEXT_FORMS: Record<SimTextForm, true> = { hermes: true, json: true, mistral: true, 'mistral-args': true, 'python-tag': true, function: true };

function isToolShape(value: string): value is SimToolShape {
  return Object.prototype.hasOwnProperty.call(TOOL_SHAPES, value);
}

/** Faults selected by model name, e.g. `sim-fault-429`. */
const FAULTS_BY_NAME: Record<string, SimFault> = {
  reset: { kind: 'reset', afterTokens: 5 },
  stall: { kind: 'stall', afterTokens: 5 },
  midstream: { kind: 'midstream-error', afterTokens: 5 },
  'no-terminal': { kind: 'no-terminal', afterTokens: 5 },
  malformed: { kind: 'malformed-json', afterTokens: 5 },
  'no-event-lines': { kind: 'no-event-lines' },
  html: { kind: 'html-200' },
  'endless-line': { kind: 'endless-line', afterTokens: 5 },
  // After `endless-line`: a name is matched by prefix, so `endless-line` must be tried first.
  endless: { kind: 'endless', afterTokens: 5 },
};

/** Canned pace presets selected by model name. */
const PRESETS: Record<string, SimScript> = {
  fast: { ttftMs: 0, tokensPerSecond: 0 },
  slow: { ttftMs: 1500, tokensPerSecond: 8 },
  demo: { ttftMs: 380, tokensPerSecond: 55 },
  length: { finishReason: 'length' },
  'content-filter': { finishReason: 'content-filter' },
  'tool-calls': { finishReason: 'tool-calls' },
};

/**
 * The model names the simulator understands without a control call. A model name is `sim-`
 * followed by dash-separated parts, so they combine (`sim-slow-fault-reset`, `sim-tps-200-ttft-50`):
 *
 * - `fast` (unpaced), `slow` (TTFT 1.5 s, 8 tok/s), `demo` (TTFT 380 ms, 55 tok/s)
 * - `tps-N`, `ttft-N`, `headers-N` (headers delay in ms), `keepalive-N`, `bytes-N` (`chunkBytes`)
 * - `reasoning` (stream the canned reasoning first), `long` (all canned answers in one), `length`, `content-filter`, `tool-calls`
 * - `parts` (reasoning and answer as Mistral-style content parts), `think` (reasoning in inline
 *   `<think>` tags), `redacted` (an Anthropic redacted-thinking block): each also streams the reasoning
 * - `commentary` (a commentary message before the answer), `maxlen` (finish `length` with xAI's
 *   `REASON_MAX_LEN` in Responses), `unknown` (an event no client knows, before the first token)
 * - `fault-reset`, `fault-stall`, `fault-midstream`, `fault-no-terminal`, `fault-malformed`,
 *   `fault-no-event-lines`, `fault-html`, `fault-endless-line`, `fault-endless` (text that never
 *   stops): the fault after 5 tokens where it applies
 * - `fault-NNN` (e.g. `fault-401`, `fault-429`, `fault-529`): that HTTP status with a real-shaped body
 * - `tools` (call the request's first offered tool, arguments from its schema; answer tool results
 *   with text quoting them), with `parallel` (two calls), `preamble` / `after` (text before / after
 *   the calls), `badjson` (arguments that do not parse), `shape-S` (Chat framing: `llamacpp`,
 *   `vllm`, `whole`, `sparse`, `interleaved`), `text-F` (written as text: `hermes`, `json`,
 *   `mistral`, `mistral-args`, `python-tag`, `function`)
 * - `ctx-N`, `notools`, `unloaded`: what the model-info endpoints (`/api/show`, `/api/ps`,
 *   `/api/v0/models`, `/props`, `max_model_len`) report for the model
 *
 * Unknown parts are ignored, so any `sim-…` name is a valid model.
 */
/** The pace of a real hosted model, for demos: TTFT ~380 ms, ~55 tokens per second. */
export function demoScript(): SimScript {
  return { ttftMs: 380, tokensPerSecond: 55, keepAliveEveryMs: 15000 };
}

export const SIM_MODEL_NAME_HELP = [
  'sim-fast',
  'sim-slow',
  'sim-demo',
  'sim-reasoning',
  'sim-parts',
  'sim-think',
  'sim-redacted',
  'sim-commentary',
  'sim-maxlen',
  'sim-unknown',
  'sim-long',
  'sim-length',
  'sim-content-filter',
  'sim-tool-calls',
  'sim-tools',
  'sim-tools-parallel',
  'sim-tools-preamble-after',
  'sim-tools-badjson',
  'sim-tools-shape-llamacpp',
  'sim-tools-shape-vllm',
  'sim-tools-shape-whole',
  'sim-tools-shape-sparse',
  'sim-tools-parallel-shape-interleaved',
  'sim-tools-text-hermes',
  'sim-tools-text-json',
  'sim-tools-text-mistral',
  'sim-tools-text-mistral-args',
  'sim-tools-text-python-tag',
  'sim-tools-text-function',
  'sim-tps-N',
  'sim-ttft-N',
  'sim-headers-N',
  'sim-keepalive-N',
  'sim-bytes-N',
  'sim-fault-reset',
  'sim-fault-stall',
  'sim-fault-midstream',
  'sim-fault-no-terminal',
  'sim-fault-malformed',
  'sim-fault-no-event-lines',
  'sim-fault-html',
  'sim-fault-endless-line',
  'sim-fault-endless',
  'sim-fault-400',
  'sim-fault-401',
  'sim-fault-403',
  'sim-fault-404',
  'sim-fault-429',
  'sim-fault-500',
  'sim-fault-503',
  'sim-fault-529',
] as const;

/**
 * The script a model name asks for, or undefined when the name is not a `sim-` name. Numbers are
 * taken from the name; a status fault for 429 also asks the client to wait briefly
 * (`retry-after-ms: 200`, `retry-after: 1`) so a retrying SDK does not stall a UI test.
 */
export function scriptForModel(model: string | undefined): SimScript | undefined {
  if (!model || !model.startsWith('sim-')) return undefined;
  const parts = model.slice(4).split('-');
  const script: SimScript = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const next = parts[i + 1];
    const num = next !== undefined && /^\d+$/.test(next) ? Number(next) : undefined;
    if (part === 'fault') {
      const rest = parts.slice(i + 1).join('-');
      const status = /^\d{3}/.exec(rest);
      if (status) script.fault = statusFault(Number(status[0]));
      else {
        const name = Object.keys(FAULTS_BY_NAME).find((n) => rest === n || rest.startsWith(n + '-'));
        if (name) script.fault = FAULTS_BY_NAME[name];
      }
      break;
    }
    if (num !== undefined && (part === 'tps' || part === 'ttft' || part === 'headers' || part === 'keepalive' || part === 'bytes')) {
      if (part === 'tps') script.tokensPerSecond = num;
      if (part === 'bytes' && num > 0) script.chunkBytes = num;
      if (part === 'ttft') script.ttftMs = num;
      if (part === 'headers') script.headersDelayMs = num;
      if (part === 'keepalive') script.keepAliveEveryMs = num;
      i++;
      continue;
    }
    const twoWord = next !== undefined ? `${part}-${next}` : undefined;
    if (twoWord && PRESETS[twoWord]) {
      Object.assign(script, PRESETS[twoWord]);
      i++;
      continue;
    }
    const preset = PRESETS[part];
    if (preset) Object.assign(script, preset);
    if (part === 'reasoning') script.reasoning = CANNED_REASONING;
    if (part === 'parts' || part === 'think' || part === 'redacted') script.reasoning ??= CANNED_REASONING;
    if (part === 'parts') script.reasoningFormat = 'content-parts';
    if (part === 'think') script.reasoningFormat = 'think-tags';
    if (part === 'redacted') script.redactedThinking = true;
    if (part === 'commentary') script.commentary = CANNED_COMMENTARY;
    if (part === 'maxlen') {
      script.finishReason = 'length';
      script.incompleteReason = 'REASON_MAX_LEN';
    }
    if (part === 'unknown') script.unknownEvent = true;
    if (part === 'long') script.text = longAnswer();
    if (part === 'tools') script.useTools = true;
    if (part === 'parallel') script.parallelTools = true;
    if (part === 'preamble') script.text = TOOL_PREAMBLE;
    if (part === 'after') script.textAfter = TOOL_AFTERWORD;
    if (part === 'badjson') script.toolArguments = '{"query": "unterminated';
    if (part === 'shape' && next !== undefined && isToolShape(next)) {
      script.toolShape = next;
      i++;
    }
    if (part === 'text' && next !== undefined) {
      const form = parts[i + 2] !== undefined && `${next}-${parts[i + 2]}` in TEXT_FORMS ? `${next}-${parts[i + 2]}` : next;
      if (form in TEXT_FORMS) {
        script.textForm = form as SimTextForm;
        i += form.split('-').length;
      }
    }
  }
  return script;
}

function statusFault(status: number): SimFault {
  if (status === 429) return { kind: 'status', status, headers: { 'retry-after-ms': '200', 'retry-after': '1' } };
  return { kind: 'status', status };
}

/**
 * The script for one request: an enqueued script wins over the model name, which wins over the
 * default. Fields left undefined fall through to the next source.
 */
export function resolveScript(queued: SimScript | undefined, byModel: SimScript | undefined, fallback: SimScript): SimScript {
  if (queued) return { ...definedOnly(byModel ?? {}), ...definedOnly(queued) };
  return { ...definedOnly(fallback), ...definedOnly(byModel ?? {}) };
}

function definedOnly(script: SimScript): SimScript {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(script)) if (value !== undefined) out[key] = value;
  return out as SimScript;
}

/** Validates a script that arrived as JSON; throws a readable error. */
export function parseScripts(json: unknown): SimScript[] {
  const list = Array.isArray(json) ? json : [json];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) throw new Error('each script must be an object');
    const fault = (item as SimScript).fault;
    if (fault !== undefined && (typeof fault !== 'object' || fault === null || typeof fault.kind !== 'string')) {
      throw new Error('fault must be an object with a kind');
    }
  }
  return list as SimScript[];
}
