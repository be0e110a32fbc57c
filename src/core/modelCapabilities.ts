/**
 * What a local server says about one model: whether it can call tools, and the context window it
 * is LOADED with (not the one it was trained with: Ollama loads models at 4,096 tokens unless told
 * otherwise and silently cuts the front of a longer prompt). Read from each server's own endpoint:
 *
 * - Ollama: `POST /api/show` (`capabilities` has `tools`; `model_info["<arch>.context_length"]`
 *   trained; a `num_ctx` parameter set in the Modelfile) and `GET /api/ps` (the running model's
 *   `context_length`, as loaded)
 * - LM Studio: `GET /api/v0/models` (`capabilities` has `tool_use`; `loaded_context_length` when
 *   loaded, `max_context_length` trained)
 * - llama.cpp: `GET /props` (`default_generation_settings.n_ctx` per slot; `chat_template_caps`
 *   `supports_tool_calls`, else whether the chat template mentions tools)
 * - vLLM: `GET /v1/models` (`max_model_len`, which is what it serves)
 *
 * No `vscode` import; bounded reads with a timeout; a server that does not answer gives unknowns,
 * never a failure.
 */
import { MODEL_LIST_MAX_BYTES, readJsonCapped } from './boundedBody';
import type { ProviderId } from './events';

/** What is known about one model; `undefined` where the server did not say. */
export interface ModelCapabilities {
  /** Whether the model can call tools (the server's own word). */
  toolCalling: boolean | undefined;
  /** The context window the model is loaded (or will be loaded) with, in tokens. */
  loadedContextTokens: number | undefined;
  /** The context window the model was trained for, in tokens. */
  trainedContextTokens: number | undefined;
  /** Whether the model is loaded right now (Ollama, LM Studio). */
  loaded: boolean | undefined;
  /** Which endpoints answered, for the log. */
  sources: string[];
}

/** Ollama's context window when neither the request nor the Modelfile sets `num_ctx`. */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

export interface CapabilityQuery {
  provider: ProviderId;
  /** The OpenAI-compatible base URL Sidestream uses (`…/v1`); the native endpoints live at its root. */
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs?: number | undefined;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch | undefined;
  signal?: AbortSignal | undefined;
}

const UNKNOWN = (): ModelCapabilities => ({ toolCalling: undefined, loadedContextTokens: undefined, trainedContextTokens: undefined, loaded: undefined, sources: [] });

/** Asks the server what it knows about `model`. Never rejects. */
export async function discoverModelCapabilities(query: CapabilityQuery): Promise<ModelCapabilities> {
  const get = jsonGetter(query);
  try {
    switch (query.provider) {
      case 'ollama':
        return await ollama(query, get);
      case 'lmstudio':
        return await lmStudio(query, get);
      case 'llamacpp':
        return await llamaCpp(get);
      case 'vllm':
        return await vllm(query, get);
      case 'openai':
      case 'anthropic':
        // Every current chat model of both calls tools; their windows are published, not served.
        return { ...UNKNOWN(), toolCalling: true };
      case 'openai-compatible':
      case 'vscode-lm':
        return UNKNOWN();
    }
  } catch {
    return UNKNOWN();
  }
}

/**
 * Whether to offer a model as able to call tools: unless its server says it cannot. A server that
 * does not say (an OpenAI-compatible gateway, vLLM, one that did not answer in time) gets the
 * benefit of the doubt: its calls arrive natively, or as text Sidestream recognises.
 */
export function offersToolCalling(capabilities: Pick<ModelCapabilities, 'toolCalling'> | undefined): boolean {
  return capabilities?.toolCalling !== false;
}

/**
 * A sentence a user can act on when the loaded window is smaller than a request needs, else
 * undefined. `neededTokens` is the prompt plus the output the request leaves room for.
 */
export function contextTooSmallMessage(provider: ProviderId, model: string, capabilities: ModelCapabilities, neededTokens: number): string | undefined {
  const loaded = capabilities.loadedContextTokens;
  if (loaded === undefined || neededTokens <= loaded) return undefined;
  const trained = capabilities.trainedContextTokens;
  const room = trained && trained > loaded ? ` (the model supports ${trained.toLocaleString('en-US')})` : '';
  const fix: Partial<Record<ProviderId, string>> = {
    ollama: `set OLLAMA_CONTEXT_LENGTH=${suggested(neededTokens, trained)} for the Ollama server, or PARAMETER num_ctx in a Modelfile, and reload the model`,
    lmstudio: 'load the model in LM Studio with a larger context length',
    llamacpp: 'restart llama-server with a larger --ctx-size (-c), divided among --parallel slots',
    vllm: 'restart vLLM with a larger --max-model-len',
  };
  return `${model} is loaded with a ${loaded.toLocaleString('en-US')}-token context window${room}, but this request needs about ${neededTokens.toLocaleString('en-US')}: the server would cut the start of the prompt. To fix it, ${fix[provider] ?? 'load the model with a larger context window'}.`;
}

function suggested(needed: number, trained: number | undefined): number {
  let size = 8192;
  while (size < needed) size *= 2;
  return trained ? Math.min(size, trained) : size;
}

type Getter = (path: string, init?: { method: 'POST'; body: unknown }) => Promise<unknown>;

/** The server's root: the base URL without a trailing `/v1` (and `/api/v0` for LM Studio). */
export function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/(v1|api\/v0)$/, '');
}

function jsonGetter(query: CapabilityQuery): Getter {
  const root = serverRoot(query.baseUrl);
  const doFetch = query.fetch ?? fetch;
  const timeoutMs = query.timeoutMs ?? 1500;
  return async (path, init) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(query.signal ? [query.signal] : [])];
    const headers: Record<string, string> = { accept: 'application/json' };
    if (query.apiKey) headers.authorization = `Bearer ${query.apiKey}`;
    if (init) headers['content-type'] = 'application/json';
    const response = await doFetch(`${root}${path}`, {
      method: init?.method ?? 'GET',
      headers,
      ...(init ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.any(signals),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`${path}: ${response.status}`);
    }
    return readJsonCapped(response, MODEL_LIST_MAX_BYTES, path);
  };
}

async function settle<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch {
    return undefined;
  }
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The same model under Ollama's names: `llama3.2` is `llama3.2:latest`. */
function sameOllamaModel(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const norm = (name: string) => (name.includes(':') ? name : `${name}:latest`);
  return norm(a) === norm(b);
}

async function ollama(query: CapabilityQuery, get: Getter): Promise<ModelCapabilities> {
  const [show, ps] = await Promise.all([settle(get('/api/show', { method: 'POST', body: { model: query.model } })), settle(get('/api/ps'))]);
  const out = UNKNOWN();
  if (show !== undefined) {
    out.sources.push('/api/show');
    const s = record(show);
    if (Array.isArray(s.capabilities)) out.toolCalling = s.capabilities.includes('tools');
    const info = record(s.model_info);
    for (const [key, value] of Object.entries(info)) if (key.endsWith('.context_length')) out.trainedContextTokens = positive(value);
    const numCtx = typeof s.parameters === 'string' ? /^\s*num_ctx\s+(\d+)/m.exec(s.parameters)?.[1] : undefined;
    // Loaded with the Modelfile's num_ctx, else Ollama's default (the server's OLLAMA_CONTEXT_LENGTH, if set, shows in /api/ps once loaded).
    out.loadedContextTokens = numCtx ? Number(numCtx) : OLLAMA_DEFAULT_NUM_CTX;
  }
  if (ps !== undefined) {
    out.sources.push('/api/ps');
    const running = (Array.isArray(record(ps).models) ? (record(ps).models as unknown[]) : []).map(record).find((m) => sameOllamaModel(m.name ?? m.model, query.model));
    out.loaded = running !== undefined;
    const loaded = positive(running?.context_length);
    if (loaded) out.loadedContextTokens = loaded;
  }
  return out;
}

async function lmStudio(query: CapabilityQuery, get: Getter): Promise<ModelCapabilities> {
  const list = await get('/api/v0/models');
  const out = UNKNOWN();
  out.sources.push('/api/v0/models');
  const entry = (Array.isArray(record(list).data) ? (record(list).data as unknown[]) : []).map(record).find((m) => m.id === query.model);
  if (!entry) return out;
  if (Array.isArray(entry.capabilities)) out.toolCalling = entry.capabilities.includes('tool_use');
  out.loaded = entry.state === 'loaded';
  out.trainedContextTokens = positive(entry.max_context_length);
  // Not loaded: LM Studio loads it on first use with its own default; unknown until then.
  out.loadedContextTokens = positive(entry.loaded_context_length);
  return out;
}

async function llamaCpp(get: Getter): Promise<ModelCapabilities> {
  const props = record(await get('/props'));
  const out = UNKNOWN();
  out.sources.push('/props');
  // Each of the server's parallel slots gets n_ctx / n_parallel; the slot's n_ctx is what a request gets.
  out.loadedContextTokens = positive(record(props.default_generation_settings).n_ctx) ?? positive(props.n_ctx);
  out.loaded = true;
  const caps = record(props.chat_template_caps);
  if (typeof caps.supports_tool_calls === 'boolean') out.toolCalling = caps.supports_tool_calls;
  else if (typeof caps.supports_tools === 'boolean') out.toolCalling = caps.supports_tools;
  else if (typeof props.chat_template === 'string') out.toolCalling = /\btools?\b/.test(props.chat_template);
  return out;
}

async function vllm(query: CapabilityQuery, get: Getter): Promise<ModelCapabilities> {
  const list = await get('/v1/models');
  const out = UNKNOWN();
  out.sources.push('/v1/models');
  const entry = (Array.isArray(record(list).data) ? (record(list).data as unknown[]) : []).map(record).find((m) => m.id === query.model);
  out.loadedContextTokens = positive(entry?.max_model_len);
  out.loaded = entry !== undefined;
  return out;
}
