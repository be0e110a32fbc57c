/**
 * Diagnose Server (`sidestream doctor`, the Diagnose Server command): checks a configured server
 * in a few seconds and returns one verdict per line — reachable; models listed; streams; sends
 * usage; where reasoning comes; tool calls native, as text or absent; the Responses API; the
 * loaded context window against the model's own; TTFT and tok/s of a short answer. Each problem
 * comes with its fix in words and, where Sidestream can apply it, the command or setting that does.
 *
 * It reads the raw wire (plain `fetch`, no SDK): what a server sends is the question, so nothing
 * may smooth it over. {@link classifyStream} is the part that reads a stream; it is tested against
 * recorded streams from real servers. No `vscode` import.
 */
import { toAbortSignal, type Cancellation } from './cancellation';
import type { ProviderId, WireApi } from './events';
import { isLocalProvider, providerInfo, type OpenAIWireProvider, type UrlProvider } from './providerCatalog';
import { API_SETTING, BASE_URL_SETTING } from './settingsPolicy';

export type VerdictId = 'reachable' | 'models' | 'streams' | 'usage' | 'reasoning' | 'tools' | 'responses' | 'context' | 'speed';
/** `ok` fine; `warn` works but costs something; `fail` broken; `info` a fact; `skip` not checked (say why). */
export type VerdictStatus = 'ok' | 'warn' | 'fail' | 'info' | 'skip';

/** What applies a fix: a Sidestream command, or a setting (under `sidestream.`) set to a value. */
export type FixAction = { kind: 'command'; command: string; title: string } | { kind: 'setting'; setting: string; value: unknown; title: string };

export interface Verdict {
  id: VerdictId;
  status: VerdictStatus;
  /** One line, e.g. "Streams (text/event-stream, 14 events)". */
  line: string;
  /** The fix, in words, when there is a problem. */
  fix?: string | undefined;
  /** Where Sidestream can apply the fix. */
  action?: FixAction | undefined;
}

export interface Diagnosis {
  provider: ProviderId;
  api: WireApi;
  baseUrl: string;
  /** The model the requests used (the configured one, or the first listed). */
  model: string | undefined;
  verdicts: Verdict[];
  /** Verdicts with status `warn` or `fail`. */
  problems: number;
  durationMs: number;
}

export interface DiagnoseConfig {
  provider: ProviderId;
  api: WireApi;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  model?: string | undefined;
  /** The longest any one request may take, ms. Default 5,000 (the checks run side by side). */
  timeoutMs?: number | undefined;
}

/** The short answer timed for TTFT and tok/s. */
const PROMPT = 'Count from 1 to 20, separated by spaces. Reply with the numbers only.';
const TOOL_PROMPT = 'What time is it in UTC? Use the get_time tool.';
const TOOL = {
  name: 'get_time',
  description: 'The current time in a time zone.',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};
const MAX_TOKENS = 64;

// ---------------------------------------------------------------------------------------------
// Reading a stream

/** One server-sent event: its `event:` name when it had one, its `data:` parsed (or the raw text). */
export interface WireEvent {
  event?: string | undefined;
  data: unknown;
  /** ms since the request started, when read live. */
  at?: number | undefined;
}

/** Splits an SSE body into events (`data: [DONE]` kept as the string). */
export function parseSse(body: string): WireEvent[] {
  const events: WireEvent[] = [];
  let name: string | undefined;
  let data: string[] = [];
  const flush = () => {
    if (data.length) events.push({ event: name, data: parseData(data.join('\n')) });
    name = undefined;
    data = [];
  };
  for (const raw of body.split(/\r?\n/)) {
    if (raw === '') flush();
    else if (raw.startsWith('event:')) name = raw.slice(6).trim();
    else if (raw.startsWith('data:')) data.push(raw.slice(5).replace(/^ /, ''));
  }
  flush();
  return events;
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Where reasoning comes in a stream. */
export type ReasoningPlace =
  'reasoning_content' | 'reasoning' | 'content-parts' | 'think-tags' | 'harmony-tags' | 'reasoning-summary' | 'reasoning-text' | 'thinking' | `unread field ${string}`;

export interface StreamTraits {
  format: WireApi | 'unknown';
  /** The visible answer text. */
  text: string;
  usage: boolean;
  reasoning: ReasoningPlace | undefined;
  /** Tool calls as structured events, written into the text, or none. */
  tools: 'native' | 'text' | 'none';
  /** The stream carried an error event. */
  error: boolean;
  /** The finish word (`stop`, `tool_calls`, `end_turn`, `completed`…), when one came. */
  finish: string | undefined;
  /** Delta events that carried visible text or reasoning (the tok/s estimate without usage). */
  deltas: number;
}

/** Tool calls a model wrote as text because nothing parsed them: Hermes/Qwen tags, Llama's python tag, Mistral's marker, bare JSON calls. */
const TEXT_TOOL_CALL = /<tool_call>|<\|python_tag\|>|\[TOOL_CALLS\]|<function=|<\|tool_call|"name"\s*:\s*"[\w.-]+"\s*,\s*"(?:arguments|parameters)"\s*:/;
/** Delta fields Sidestream reads, or that carry no text. */
const KNOWN_DELTA_FIELDS = new Set(['role', 'content', 'reasoning_content', 'reasoning', 'tool_calls', 'function_call', 'refusal', 'annotations', 'audio', 'reasoning_details']);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a stream shows about its server: the format, usage, where reasoning comes, how tool calls come. */
export function classifyStream(events: readonly WireEvent[]): StreamTraits {
  const traits: StreamTraits = { format: 'unknown', text: '', usage: false, reasoning: undefined, tools: 'none', error: false, finish: undefined, deltas: 0 };
  const setReasoning = (place: ReasoningPlace) => {
    traits.reasoning ??= place;
  };
  for (const { event, data } of events) {
    const d = obj(data);
    if (!d) continue;
    const type = str(d.type) ?? event;
    if (d.object === 'chat.completion.chunk' || Array.isArray(d.choices)) {
      traits.format = 'openai-chat';
      if (obj(d.usage)) traits.usage = true;
      if (obj(d.error)) traits.error = true;
      for (const choice of (d.choices as unknown[]) ?? []) {
        const c = obj(choice);
        const delta = obj(c?.delta);
        if (str(c?.finish_reason)) traits.finish = str(c?.finish_reason);
        if (!delta) continue;
        let visible = false;
        const content = delta.content;
        if (typeof content === 'string' && content) {
          traits.text += content;
          visible = true;
        } else if (Array.isArray(content)) {
          for (const part of content as unknown[]) {
            const p = obj(part);
            if (p?.type === 'thinking') setReasoning('content-parts');
            if (p?.type === 'text' && str(p.text)) traits.text += str(p.text);
            visible = true;
          }
        }
        if (str(delta.reasoning_content)) {
          setReasoning('reasoning_content');
          visible = true;
        }
        if (str(delta.reasoning)) {
          setReasoning('reasoning');
          visible = true;
        }
        if (Array.isArray(delta.tool_calls) && delta.tool_calls.length) traits.tools = 'native';
        for (const [key, value] of Object.entries(delta)) {
          if (!KNOWN_DELTA_FIELDS.has(key) && typeof value === 'string' && value.trim()) setReasoning(`unread field ${key}`);
        }
        if (visible) traits.deltas++;
      }
    } else if (type?.startsWith('response.') || type === 'error') {
      if (type === 'error' && traits.format === 'unknown' && d.error === undefined && !('code' in d) && !('message' in d)) continue;
      if (type?.startsWith('response.')) traits.format = 'openai-responses';
      if (type === 'error' || type === 'response.failed') traits.error = true;
      if (type === 'response.output_text.delta' && str(d.delta)) {
        traits.text += str(d.delta);
        traits.deltas++;
      }
      if (type === 'response.reasoning_summary_text.delta') {
        setReasoning('reasoning-summary');
        traits.deltas++;
      }
      if (type === 'response.reasoning_text.delta') {
        setReasoning('reasoning-text');
        traits.deltas++;
      }
      if (type === 'response.function_call_arguments.delta' || obj(d.item)?.type === 'function_call') traits.tools = 'native';
      const response = obj(d.response);
      if (response && (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed')) {
        traits.finish = type.slice('response.'.length);
        if (obj(response.usage)) traits.usage = true;
      }
    } else if (type?.startsWith('message_') || type?.startsWith('content_block_') || type === 'ping') {
      traits.format = 'anthropic';
      const message = obj(d.message);
      if (obj(message?.usage) || obj(d.usage)) traits.usage = true;
      const block = obj(d.content_block);
      if (block?.type === 'tool_use' || block?.type === 'server_tool_use') traits.tools = 'native';
      if (block?.type === 'thinking' || block?.type === 'redacted_thinking') setReasoning('thinking');
      const delta = obj(d.delta);
      if (delta?.type === 'text_delta' && str(delta.text)) {
        traits.text += str(delta.text);
        traits.deltas++;
      }
      if (delta?.type === 'thinking_delta') {
        setReasoning('thinking');
        traits.deltas++;
      }
      if (str(delta?.stop_reason)) traits.finish = str(delta?.stop_reason);
    }
  }
  if (traits.text.includes('<think>')) setReasoning('think-tags');
  // gpt-oss's harmony format left in the content: a template that did not parse the channels.
  if (/<\|channel\|>\s*analysis/.test(traits.text)) setReasoning('harmony-tags');
  if (traits.tools === 'none' && TEXT_TOOL_CALL.test(traits.text)) traits.tools = 'text';
  return traits;
}

// ---------------------------------------------------------------------------------------------
// Talking to the server

interface Http {
  status: number;
  contentType: string;
  /** Parsed JSON body, when it was JSON. */
  json: unknown;
  text: string;
  events: WireEvent[];
  /** ms from the request to the first event with visible text or reasoning, and to the last. */
  firstDeltaMs: number | undefined;
  lastDeltaMs: number | undefined;
}

type Failure = { error: string; code: string | undefined };

async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown }, signal: AbortSignal, timeoutMs: number): Promise<Http | Failure> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: both,
      redirect: 'error',
    });
    const contentType = res.headers.get('content-type') ?? '';
    let text = '';
    let firstDeltaMs: number | undefined;
    let lastDeltaMs: number | undefined;
    const events: WireEvent[] = [];
    if (res.body) {
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const piece = decoder.decode(chunk, { stream: true });
        text += piece;
        if (text.length > 2_000_000) break;
        if (!contentType.includes('event-stream')) continue;
        pending += piece;
        const cut = pending.lastIndexOf('\n\n');
        if (cut < 0) continue;
        const at = performance.now() - started;
        for (const event of parseSse(pending.slice(0, cut + 2))) {
          event.at = at;
          events.push(event);
          if (classifyStream([event]).deltas > 0) {
            firstDeltaMs ??= at;
            lastDeltaMs = at;
          }
        }
        pending = pending.slice(cut + 2);
      }
      if (pending.trim()) events.push(...parseSse(pending));
    }
    let json: unknown;
    if (!contentType.includes('event-stream')) json = parseData(text);
    return { status: res.status, contentType, json, text, events, firstDeltaMs, lastDeltaMs };
  } catch (error) {
    if (timeout.aborted) return { error: `no answer within ${(timeoutMs / 1000).toFixed(0)} s`, code: 'TIMEOUT' };
    const code = findCode(error);
    return { error: code ?? (error instanceof Error ? error.message : String(error)), code };
  }
}

function findCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let i = 0; i < 5 && current && typeof current === 'object'; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const failed = (r: Http | Failure): r is Failure => 'error' in r;

/** The server's own error message in a JSON error body, one line. */
function serverMessage(r: Http): string {
  const body = obj(r.json);
  const message = str(obj(body?.error)?.message) ?? str(body?.error) ?? str(body?.message) ?? r.text.slice(0, 200);
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}

// ---------------------------------------------------------------------------------------------
// The diagnosis

/** The local server a provider is, for its context-window endpoints. */
type LocalKind = 'ollama' | 'lmstudio' | 'llamacpp' | 'vllm';

/** Diagnoses a server; never rejects (a cancel returns what was found, the rest skipped). */
export async function diagnoseServer(config: DiagnoseConfig, cancellation?: Cancellation): Promise<Diagnosis> {
  const started = performance.now();
  const { signal, dispose } = toAbortSignal(cancellation);
  const info = providerInfo(config.provider);
  const baseUrl = (config.baseUrl?.trim() || info.defaultBaseUrl || '').replace(/\/+$/, '');
  const verdicts: Verdict[] = [];
  const result = (model: string | undefined): Diagnosis => ({
    provider: config.provider,
    api: config.api,
    baseUrl,
    model,
    verdicts,
    problems: verdicts.filter((v) => v.status === 'warn' || v.status === 'fail').length,
    durationMs: Math.round(performance.now() - started),
  });
  const skipRest = (why: string) => {
    for (const id of ['models', 'streams', 'usage', 'reasoning', 'tools', 'responses', 'context', 'speed'] as const) {
      if (!verdicts.some((v) => v.id === id)) verdicts.push({ id, status: 'skip', line: `${LABELS[id]}: not checked (${why})` });
    }
  };
  const baseUrlAction = (): FixAction | undefined => {
    const setting = (BASE_URL_SETTING as Record<string, string | undefined>)[config.provider as UrlProvider];
    return setting ? { kind: 'setting', setting, value: undefined, title: `Set sidestream.${setting}` } : undefined;
  };
  try {
    if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
      verdicts.push({
        id: 'reachable',
        status: 'fail',
        line: baseUrl ? `Reachable: "${baseUrl}" is not an http(s) URL` : 'Reachable: no base URL set',
        fix: 'Set the base URL to the server’s API, e.g. http://127.0.0.1:11434/v1.',
        action: baseUrlAction(),
      });
      skipRest('no server');
      return result(config.model);
    }
    const timeoutMs = config.timeoutMs ?? 5000;
    const anthropic = config.api === 'anthropic';
    const headers: Record<string, string> = anthropic
      ? { 'anthropic-version': '2023-06-01', ...(config.apiKey ? { 'x-api-key': config.apiKey } : {}) }
      : config.apiKey
        ? { authorization: `Bearer ${config.apiKey}` }
        : {};
    const apiBase = anthropic ? `${baseUrl}/v1` : baseUrl;

    // 1. Reachable, and the models it lists.
    const models = await request(`${apiBase}/models`, { headers }, signal, Math.min(timeoutMs, 3000));
    if (failed(models)) {
      verdicts.push({
        id: 'reachable',
        status: 'fail',
        line: `Reachable: nothing answers at ${baseUrl} (${models.error})`,
        fix: isLocalProvider(config.provider)
          ? `Start ${info.label} (is it running on this port?), or set the base URL to where it listens.`
          : 'Check the network and the base URL.',
        action: baseUrlAction(),
      });
      skipRest('not reachable');
      return result(config.model);
    }
    if (models.status === 401 || models.status === 403) {
      verdicts.push({
        id: 'reachable',
        status: 'fail',
        line: `Reachable: yes, but the key was refused (${models.status}: ${serverMessage(models)})`,
        fix: 'Set the API key for this provider.',
        action: { kind: 'command', command: 'sidestream.setApiKey', title: 'Set API Key' },
      });
      skipRest('key refused');
      return result(config.model);
    }
    verdicts.push({ id: 'reachable', status: 'ok', line: `Reachable: ${baseUrl} answers (${models.status})` });
    const ids = modelIds(models);
    let model = config.model?.trim() || undefined;
    if (models.status >= 400 || ids === undefined) {
      verdicts.push({
        id: 'models',
        status: 'warn',
        line: `Models listed: no (${models.status >= 400 ? `${models.status}: ${serverMessage(models)}` : 'not a model list'})`,
        fix: 'The base URL may point at the server but not its API: it usually ends in /v1.',
        action: baseUrlAction(),
      });
    } else if (ids.length === 0) {
      verdicts.push({ id: 'models', status: 'fail', line: 'Models listed: none', fix: `Load or pull a model into ${info.label} first.` });
    } else if (model && !ids.includes(model)) {
      verdicts.push({
        id: 'models',
        status: 'warn',
        line: `Models listed: ${ids.length}, but not "${model}"`,
        fix: `Choose one of the listed models (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''}).`,
        action: { kind: 'command', command: 'sidestream.selectModel', title: 'Select Model' },
      });
    } else verdicts.push({ id: 'models', status: 'ok', line: `Models listed: ${ids.length}${model ? ` (including ${model})` : ''}` });
    model ??= ids?.[0];
    if (!model) {
      skipRest('no model to ask');
      return result(model);
    }

    // 2. Side by side: a short answer (streams, usage, reasoning, speed), a tool offer, the Responses API, the context window.
    const [answer, tools, responses, context] = await Promise.all([
      request(endpoint(config.api, apiBase), { headers, body: answerBody(config, model, false) }, signal, timeoutMs),
      request(endpoint(config.api, apiBase), { headers, body: answerBody(config, model, true) }, signal, timeoutMs),
      config.api === 'anthropic'
        ? Promise.resolve(undefined)
        : request(`${apiBase}/responses`, { headers, body: { model, input: 'Say OK.', stream: true, max_output_tokens: 16 } }, signal, timeoutMs),
      contextWindow(config, baseUrl, model, ids !== undefined ? models : undefined, headers, signal, Math.min(timeoutMs, 3000)),
    ]);

    const selectModel: FixAction = { kind: 'command', command: 'sidestream.selectModel', title: 'Select Model' };
    let traits: StreamTraits | undefined;
    if (failed(answer)) {
      verdicts.push({
        id: 'streams',
        status: 'fail',
        line: `Streams: the request failed (${answer.error})`,
        fix: 'Try again; a model that loads slowly may need a first request to warm up.',
      });
    } else if (answer.status >= 400) {
      const notFound = answer.status === 404;
      verdicts.push({
        id: 'streams',
        status: 'fail',
        line: `Streams: the server refused a short request (${answer.status}: ${serverMessage(answer)})`,
        fix: notFound ? `Choose a model the server has (is "${model}" pulled or loaded?).` : 'Read the server’s message above; the model or a parameter may be wrong.',
        action: notFound ? selectModel : undefined,
      });
    } else if (!answer.contentType.includes('event-stream')) {
      verdicts.push({
        id: 'streams',
        status: 'fail',
        line: `Streams: no — the answer came in one piece (${answer.contentType || 'no content type'})`,
        fix: 'Point the base URL at the server itself: a proxy in between may buffer the stream, or the server does not stream.',
        action: baseUrlAction(),
      });
    } else {
      traits = classifyStream(answer.events);
      verdicts.push({
        id: 'streams',
        status: traits.deltas > 0 ? 'ok' : 'warn',
        line: `Streams: ${traits.deltas > 0 ? 'yes' : 'an event stream, but no text in it'} (${answer.events.length} events${traits.finish ? `, finish ${traits.finish}` : ''})`,
        ...(traits.deltas > 0 ? {} : { fix: 'The model answered nothing to a short question: try another model.', action: selectModel }),
      });
    }

    // Usage: the answer asked for it (`stream_options` on Chat); the tool request did not.
    const toolTraits = !failed(tools) && tools.contentType.includes('event-stream') ? classifyStream(tools.events) : undefined;
    if (!traits) verdicts.push({ id: 'usage', status: 'skip', line: 'Sends usage: not checked (no stream)' });
    else if (traits.usage) {
      const needsOption = config.api === 'openai-chat' && toolTraits !== undefined && !toolTraits.usage;
      verdicts.push({
        id: 'usage',
        status: 'ok',
        line: needsOption ? 'Sends usage: yes, when asked with stream_options.include_usage (Sidestream asks)' : 'Sends usage: yes',
      });
    } else {
      verdicts.push({
        id: 'usage',
        status: 'warn',
        line: `Sends usage: no${config.api === 'openai-chat' ? ', not even with stream_options.include_usage' : ''} — token counts and tok/s are estimated with a tokenizer`,
        fix: 'Nothing breaks: Sidestream estimates the counts. For exact ones, update the server (Ollama, LM Studio, llama.cpp and vLLM all report usage in current versions).',
      });
    }

    // Reasoning: where it came, in either answer.
    const place = traits?.reasoning ?? toolTraits?.reasoning;
    if (!traits) verdicts.push({ id: 'reasoning', status: 'skip', line: 'Reasoning: not checked (no stream)' });
    else if (!place) verdicts.push({ id: 'reasoning', status: 'info', line: 'Reasoning: none in a short answer (not a reasoning model, or it reasons without showing it)' });
    else if (place === 'harmony-tags') {
      verdicts.push({
        id: 'reasoning',
        status: 'warn',
        line: 'Reasoning: arrives inside the answer as gpt-oss channel tags (<|channel|>analysis…), shown as text',
        fix: 'Start the server so it parses the harmony format (llama.cpp: --jinja; recent Ollama and LM Studio do it themselves): reasoning then comes in its own field.',
      });
    } else if (place.startsWith('unread field')) {
      verdicts.push({
        id: 'reasoning',
        status: 'warn',
        line: `Reasoning: arrives in delta.${place.slice('unread field '.length)}, which Sidestream does not read`,
        fix: 'Reasoning will not show in the Thinking section; the answer itself is fine. Report the field so it can be read.',
      });
    } else verdicts.push({ id: 'reasoning', status: 'ok', line: `Reasoning: ${REASONING_WORDS[place as Exclude<ReasoningPlace, `unread field ${string}` | 'harmony-tags'>]}` });

    // Tool calls, from the raw stream of the request that offered one.
    if (failed(tools)) verdicts.push({ id: 'tools', status: 'skip', line: `Tool calls: not checked (${tools.error})` });
    else if (tools.status >= 400) {
      const refusesTools = /tool/i.test(serverMessage(tools));
      verdicts.push({
        id: 'tools',
        status: refusesTools ? 'warn' : 'info',
        line: refusesTools
          ? `Tool calls: absent — the server refuses tools for ${model} (${tools.status}: ${serverMessage(tools)})`
          : `Tool calls: not checked (${tools.status}: ${serverMessage(tools)})`,
        ...(refusesTools ? { fix: 'Choose a tool-capable model (for Ollama, one whose page lists "tools").', action: selectModel } : {}),
      });
    } else if (!toolTraits) verdicts.push({ id: 'tools', status: 'skip', line: 'Tool calls: not checked (no stream)' });
    else if (toolTraits.tools === 'native') verdicts.push({ id: 'tools', status: 'ok', line: 'Tool calls: native (structured tool-call events)' });
    else if (toolTraits.tools === 'text') {
      verdicts.push({
        id: 'tools',
        status: 'warn',
        line: 'Tool calls: written as text — the model calls the tool inside its answer, and nothing parses it',
        fix: 'Choose a tool-capable model, or start the server with tool parsing (llama.cpp --jinja; vLLM --enable-auto-tool-choice --tool-call-parser …).',
        action: selectModel,
      });
    } else {
      verdicts.push({
        id: 'tools',
        status: 'warn',
        line: 'Tool calls: absent — offered a tool and asked to use it, the model answered without calling it',
        fix: 'Choose a tool-capable model if you need tools.',
        action: selectModel,
      });
    }

    // The Responses API.
    const apiSetting = (API_SETTING as Record<string, string | undefined>)[config.provider as OpenAIWireProvider];
    if (responses === undefined) verdicts.push({ id: 'responses', status: 'info', line: 'Responses API: not applicable (Anthropic Messages API)' });
    else if (failed(responses)) verdicts.push({ id: 'responses', status: 'skip', line: `Responses API: not checked (${responses.error})` });
    else {
      const present = responses.status < 400 && responses.contentType.includes('event-stream');
      const using = config.api === 'openai-responses';
      if (present) verdicts.push({ id: 'responses', status: 'ok', line: `Responses API: present (/v1/responses)${using ? ', in use' : ''}` });
      else if (using) {
        verdicts.push({
          id: 'responses',
          status: 'fail',
          line: `Responses API: missing (${responses.status}), but Sidestream is set to use it`,
          fix: 'Switch `api` to chat: this server speaks Chat Completions only.',
          action: apiSetting ? { kind: 'setting', setting: apiSetting, value: 'chat', title: `Set sidestream.${apiSetting} to chat` } : undefined,
        });
      } else verdicts.push({ id: 'responses', status: 'info', line: `Responses API: absent (${responses.status}); Sidestream uses Chat Completions here` });
    }

    verdicts.push(context);

    // Speed of the short answer.
    if (!traits || failed(answer) || answer.firstDeltaMs === undefined) verdicts.push({ id: 'speed', status: 'skip', line: 'Speed: not measured (no streamed text)' });
    else {
      const usageTokens = completionTokens(answer.events);
      const tokens = usageTokens ?? traits.deltas;
      const span = (answer.lastDeltaMs ?? answer.firstDeltaMs) - answer.firstDeltaMs;
      const tps = span > 0 && tokens > 1 ? ((tokens - 1) / span) * 1000 : undefined;
      verdicts.push({
        id: 'speed',
        status: 'info',
        line: `Speed: TTFT ${Math.round(answer.firstDeltaMs)} ms, ${tps !== undefined ? `${tps.toFixed(1)} tok/s` : 'tok/s not measurable'} (${tokens}${usageTokens === undefined ? ' estimated' : ''} tokens)`,
      });
    }
    return result(model);
  } finally {
    if (signal.aborted) skipRest('cancelled');
    dispose();
  }
}

const LABELS: Record<VerdictId, string> = {
  reachable: 'Reachable',
  models: 'Models listed',
  streams: 'Streams',
  usage: 'Sends usage',
  reasoning: 'Reasoning',
  tools: 'Tool calls',
  responses: 'Responses API',
  context: 'Context window',
  speed: 'Speed',
};

const REASONING_WORDS: Record<Exclude<ReasoningPlace, `unread field ${string}` | 'harmony-tags'>, string> = {
  reasoning_content: 'arrives in delta.reasoning_content',
  reasoning: 'arrives in delta.reasoning',
  'content-parts': 'arrives as thinking content parts',
  'think-tags': 'arrives inline in <think> tags (Sidestream splits them out)',
  'reasoning-summary': 'arrives as reasoning summaries (response.reasoning_summary_text)',
  'reasoning-text': 'arrives as reasoning text (response.reasoning_text)',
  thinking: 'arrives in thinking blocks',
};

function endpoint(api: WireApi, apiBase: string): string {
  switch (api) {
    case 'openai-chat':
      return `${apiBase}/chat/completions`;
    case 'openai-responses':
      return `${apiBase}/responses`;
    case 'anthropic':
      return `${apiBase}/messages`;
  }
}

function answerBody(config: DiagnoseConfig, model: string, withTool: boolean): Json {
  const prompt = withTool ? TOOL_PROMPT : PROMPT;
  switch (config.api) {
    case 'openai-chat': {
      const body: Json = { model, messages: [{ role: 'user', content: prompt }], stream: true };
      // Usage is asked for on the answer only: the tool request shows whether it comes unasked.
      if (!withTool) body.stream_options = { include_usage: true };
      if (config.provider === 'openai') body.max_completion_tokens = MAX_TOKENS * 4;
      else body.max_tokens = withTool ? MAX_TOKENS * 2 : MAX_TOKENS;
      if (withTool) body.tools = [{ type: 'function', function: TOOL }];
      return body;
    }
    case 'openai-responses': {
      const body: Json = { model, input: prompt, stream: true, max_output_tokens: MAX_TOKENS * 4 };
      if (withTool) body.tools = [{ type: 'function', ...TOOL }];
      return body;
    }
    case 'anthropic': {
      const body: Json = { model, max_tokens: MAX_TOKENS * 2, messages: [{ role: 'user', content: prompt }], stream: true };
      if (withTool) body.tools = [{ name: TOOL.name, description: TOOL.description, input_schema: TOOL.parameters }];
      return body;
    }
  }
}

function modelIds(r: Http): string[] | undefined {
  const data = obj(r.json)?.data;
  if (!Array.isArray(data)) return undefined;
  return data.map((m) => str(obj(m)?.id)).filter((id): id is string => id !== undefined);
}

function completionTokens(events: readonly WireEvent[]): number | undefined {
  let tokens: number | undefined;
  for (const { data } of events) {
    const d = obj(data);
    const usage = obj(d?.usage) ?? obj(obj(d?.response)?.usage) ?? obj(obj(d?.message)?.usage);
    const n = usage?.completion_tokens ?? usage?.output_tokens;
    if (typeof n === 'number' && n > 0) tokens = n;
  }
  return tokens;
}

/** Below this a loaded window is worth a warning when the model could take more. */
const SMALL_WINDOW = 16_384;

const CONTEXT_FIX: Record<LocalKind, string> = {
  ollama: 'Raise num_ctx: start Ollama with OLLAMA_CONTEXT_LENGTH=32768 (or set PARAMETER num_ctx in a Modelfile); a longer prompt loses its beginning today.',
  lmstudio: 'Reload the model with a larger context length (LM Studio’s load settings, or `lms load MODEL --context-length 32768`).',
  llamacpp: 'Restart llama-server with a larger -c (e.g. -c 32768, or -c 0 for the model’s own).',
  vllm: 'Restart vLLM with a larger --max-model-len (memory permitting).',
};

/** The loaded context window against the model's own, each server its own way. */
async function contextWindow(
  config: DiagnoseConfig,
  baseUrl: string,
  model: string,
  models: Http | undefined,
  headers: Record<string, string>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<Verdict> {
  const origin = baseUrl.replace(/\/v1$/, '');
  const known: LocalKind | undefined = (['ollama', 'lmstudio', 'llamacpp', 'vllm'] as const).find((k) => k === config.provider);
  if (config.api === 'anthropic' || (!known && config.provider !== 'openai-compatible')) {
    return { id: 'context', status: 'info', line: 'Context window: set by the service (not a local server)' };
  }
  const get = (path: string, body?: unknown) => request(`${origin}${path}`, { headers, body }, signal, timeoutMs);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  const entry = (list: unknown) => (Array.isArray(list) ? (list as unknown[]).map(obj).find((m) => m && (m.id === model || m.name === model || m.model === model)) : undefined);
  const probes: Record<LocalKind, () => Promise<{ loaded?: number | undefined; own?: number | undefined } | undefined>> = {
    ollama: async () => {
      const [show, ps] = await Promise.all([get('/api/show', { model }), get('/api/ps')]);
      if (failed(show) || show.status >= 400) return undefined;
      const info = obj(obj(show.json)?.model_info) ?? {};
      const own = num(Object.entries(info).find(([k]) => k.endsWith('.context_length'))?.[1]);
      const param = /(?:^|\n)\s*num_ctx\s+(\d+)/.exec(str(obj(show.json)?.parameters) ?? '')?.[1];
      const running = failed(ps) ? undefined : entry(obj(ps.json)?.models);
      // A loaded model reports its window in /api/ps; else the Modelfile's num_ctx; else Ollama's default.
      const loaded = num(running?.context_length) ?? num(running?.num_ctx) ?? (param ? Number(param) : 4096);
      return { loaded, own };
    },
    lmstudio: async () => {
      const r = await get('/api/v0/models');
      if (failed(r) || r.status >= 400) return undefined;
      const m = entry(obj(r.json)?.data);
      return m ? { loaded: num(m.loaded_context_length), own: num(m.max_context_length) } : undefined;
    },
    llamacpp: async () => {
      const r = await get('/props');
      if (failed(r) || r.status >= 400) return undefined;
      const props = obj(r.json);
      const loaded = num(obj(props?.default_generation_settings)?.n_ctx) ?? num(props?.n_ctx);
      const own = models ? num(obj(entry(obj(models.json)?.data)?.meta)?.n_ctx_train) : undefined;
      return loaded ? { loaded, own } : undefined;
    },
    vllm: async () => {
      const loaded = models ? num(entry(obj(models.json)?.data)?.max_model_len) : undefined;
      return loaded ? { loaded, own: undefined } : undefined;
    },
  };
  const kinds: LocalKind[] = known ? [known] : ['ollama', 'lmstudio', 'llamacpp', 'vllm'];
  const found = await Promise.all(kinds.map(async (kind) => ({ kind, window: await probes[kind]().catch(() => undefined) })));
  const hit = found.find((f) => f.window?.loaded !== undefined);
  if (!hit?.window?.loaded) return { id: 'context', status: 'skip', line: 'Context window: the server does not report it' };
  const { loaded, own } = hit.window;
  const name = providerInfo(hit.kind).label;
  const ownText = own ? ` of the model’s ${own.toLocaleString('en-US')}` : '';
  if (own && loaded < own && loaded < SMALL_WINDOW) {
    return {
      id: 'context',
      status: 'warn',
      line: `Context window: ${name} loaded ${loaded.toLocaleString('en-US')} tokens${ownText} — a longer prompt is cut from the front`,
      fix: CONTEXT_FIX[hit.kind],
    };
  }
  return { id: 'context', status: 'ok', line: `Context window: ${loaded.toLocaleString('en-US')} tokens loaded${ownText} (${name})` };
}

/** The diagnosis as terminal lines: a mark per verdict, the fix indented under a problem. */
export function formatDiagnosis(d: Diagnosis): string {
  const marks: Record<VerdictStatus, string> = { ok: '✓', warn: '!', fail: '✗', info: '·', skip: '-' };
  const lines = [`Diagnosis of ${providerInfo(d.provider).label} at ${d.baseUrl}${d.model ? `, model ${d.model}` : ''} (${d.api}, ${d.durationMs} ms)`];
  for (const v of d.verdicts) {
    lines.push(`${marks[v.status]} ${v.line}`);
    if (v.fix) lines.push(`    fix: ${v.fix}${v.action ? ` [${v.action.kind === 'command' ? v.action.command : `setting sidestream.${v.action.setting}`}]` : ''}`);
  }
  lines.push(d.problems ? `${d.problems} problem${d.problems > 1 ? 's' : ''} found.` : 'No problems found.');
  return lines.join('\n');
}
