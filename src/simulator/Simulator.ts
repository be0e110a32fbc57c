import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { WireApi } from '../core/events';
import { assertNever } from '../shared/assertNever';
import { pickAnswer } from './answers';
import { errorBody, errorHeaders, type ErrorFamily } from './errorBody';
import { parseApiRequest, type ApiRequest } from './parseApiRequest';
import { preciseNow, ResponsePlayer, type PlannedToken } from './ResponsePlayer';
import { parseScripts, resolveScript, scriptForModel, type SimScript } from './script';
import type { SimRequestRecord, SimStats } from './SimStats';
import { tokenize } from './tokenize';
import { planTools } from './toolScript';
import type { SimToolCall } from './script';
import { AnthropicRenderer } from './wire/AnthropicRenderer';
import { OpenAIChatRenderer } from './wire/OpenAIChatRenderer';
import { OpenAIResponsesRenderer } from './wire/OpenAIResponsesRenderer';
import type { RenderContext, WireRenderer } from './wire/WireRenderer';

export type { SimRequestRecord, SimStats } from './SimStats';

export interface SimulatorOptions {
  /** When set, every API request must carry it (`Authorization: Bearer …` or `x-api-key`). */
  apiKey?: string | undefined;
  /** Models listed by `GET /v1/models`. */
  models?: string[] | undefined;
  /** Reject models that are neither listed nor `sim-…` names with a real-shaped 404. */
  strictModels?: boolean | undefined;
  /** The script for requests with nothing enqueued. Default: canned answer, as fast as possible. */
  defaultScript?: SimScript | undefined;
  /** Receives one line per request event; never given the API key. */
  log?: ((line: string) => void) | undefined;
  /** A server set up one way or another, for `sidestream doctor` (see {@link SimServerConfig}). */
  server?: SimServerConfig | undefined;
}

/**
 * How the simulated server is set up, as real local servers are (and misconfigured): its own
 * endpoints that report the loaded context window, what it does with tools, and which routes it
 * lacks. Usage and reasoning shapes are the default script's (`includeUsage`, `reasoningFormat`).
 */
export interface SimServerConfig {
  /** Which local server's own endpoints to serve: Ollama `/api/show` `/api/ps` `/api/version`, LM Studio `/api/v0/models`, llama.cpp `/props`, vLLM `max_model_len`. */
  kind?: 'ollama' | 'lmstudio' | 'llamacpp' | 'vllm' | undefined;
  /** The context window loaded, and the model's own, as the kind's endpoints report them. Default 32,768 both. */
  context?: { loaded: number; model: number } | undefined;
  /**
   * A request offering tools: `native` calls the first tool (finish `tool-calls`); `text` writes
   * the call into the answer as `<tool_call>{…}</tool_call>` (a chat template without tool
   * support); `ignore` answers as if there were none; `reject` answers 400 "does not support
   * tools" (Ollama). Unset: the script decides, as before.
   */
  tools?: 'native' | 'text' | 'ignore' | 'reject' | undefined;
  /** No `/v1/responses` route: 404, as servers without the Responses API answer. */
  noResponses?: boolean | undefined;
  /** Chat Completions answered with one JSON body even when a stream was asked for. */
  noStreaming?: boolean | undefined;
}

export const DEFAULT_SIM_MODELS = ['sim-model', 'sim-fast', 'sim-slow', 'sim-demo', 'sim-reasoning'];

/** Fixed creation dates, so model lists are stable across runs. */
const MODEL_CREATED = 1735689600;
const MODEL_CREATED_AT = '2025-01-01T00:00:00Z';
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const ROUTES: Record<string, WireApi> = {
  '/v1/chat/completions': 'openai-chat',
  '/v1/responses': 'openai-responses',
  '/v1/messages': 'anthropic',
};

interface QueuedScript {
  script: SimScript;
  remaining: number;
}

function emptyStats(): SimStats {
  return { requests: 0, byPath: {}, controlRequests: 0, openSockets: 0, socketsOpened: 0, socketsClosed: 0, requestsLog: [] };
}

/**
 * A loopback server that speaks OpenAI Chat Completions, OpenAI Responses and Anthropic Messages
 * streams the way the real services do, plays scripted timings and faults, and records every
 * request and socket so tests can prove what the client did (e.g. that Cancel closed the socket).
 */
export class Simulator {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private queue: QueuedScript[] = [];
  private data: SimStats = emptyStats();
  private readonly changes = new EventEmitter();
  private readonly serverClosing = new WeakSet<ServerResponse>();
  private readonly active = new Set<ServerResponse>();
  private originUrl = '';

  constructor(private readonly options: SimulatorOptions = {}) {
    this.changes.setMaxListeners(0);
  }

  /** Listens on 127.0.0.1 and resolves the origin, e.g. `http://127.0.0.1:41234`. */
  async start(port = 0): Promise<string> {
    if (this.server) return this.originUrl;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log(`handler error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.data.socketsOpened++;
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.data.socketsClosed++;
        this.changed();
      });
      this.changed();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.originUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.originUrl;
  }

  /** Closes the server and destroys every socket, including streams in progress. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.active) this.serverClosing.add(res);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get origin(): string {
    return this.originUrl;
  }

  /** Base URL for the OpenAI SDK (`baseURL`). */
  get openAIBaseUrl(): string {
    return `${this.originUrl}/v1`;
  }

  /** Base URL for the Anthropic SDK (`baseURL`); the SDK adds `/v1/messages` itself. */
  get anthropicBaseUrl(): string {
    return this.originUrl;
  }

  /** Scripts for the next requests, in order; each serves `times` requests (default 1). */
  enqueue(...scripts: SimScript[]): void {
    for (const script of scripts) this.queue.push({ script, remaining: Math.max(1, script.times ?? 1) });
  }

  /** A snapshot of the counters and the request log. */
  stats(): SimStats {
    return structuredClone({ ...this.data, openSockets: this.sockets.size });
  }

  /** Forgets queued scripts and statistics. Open sockets stay open and counted. */
  reset(): void {
    this.queue = [];
    this.data = { ...emptyStats(), socketsOpened: this.sockets.size };
    this.changed();
  }

  /** Resolves when no socket is open. */
  waitForAllSocketsClosed(timeoutMs: number): Promise<void> {
    return this.waitUntil(
      () => this.sockets.size === 0,
      timeoutMs,
      () => `all sockets closed (${this.sockets.size} open)`,
    );
  }

  /** Resolves when at least `n` API requests have arrived since the last reset. */
  waitForRequest(n: number, timeoutMs: number): Promise<void> {
    return this.waitUntil(
      () => this.data.requests >= n,
      timeoutMs,
      () => `${n} requests (have ${this.data.requests})`,
    );
  }

  /** Resolves when request `requestId` has sent `n` tokens; rejects early if it closes short of them. */
  waitForTokens(requestId: number, n: number, timeoutMs: number): Promise<void> {
    const record = () => this.data.requestsLog.find((r) => r.id === requestId);
    return this.waitUntil(
      () => {
        const r = record();
        if (r && r.tokensSent < n && r.closedAt !== undefined) throw new Error(`request ${requestId} closed after ${r.tokensSent} of ${n} tokens`);
        return (r?.tokensSent ?? 0) >= n;
      },
      timeoutMs,
      () => `${n} tokens on request ${requestId} (have ${record()?.tokensSent ?? 0})`,
    );
  }

  /** Resolves with the record once request `requestId` has closed (by either side). */
  async waitForClose(requestId: number, timeoutMs: number): Promise<SimRequestRecord> {
    const record = () => this.data.requestsLog.find((r) => r.id === requestId);
    await this.waitUntil(
      () => record()?.closedAt !== undefined,
      timeoutMs,
      () => `request ${requestId} to close`,
    );
    return structuredClone(record()!);
  }

  private waitUntil(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        let ok: boolean;
        try {
          ok = done();
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (ok) {
          finish();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Simulator: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.changes.off('change', check);
      };
      this.changes.on('change', check);
      check();
    });
  }

  private changed(): void {
    this.changes.emit('change');
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/__sim/')) {
      this.data.controlRequests++;
      return this.handleControl(req, res, method, path);
    }

    const route = ROUTES[path];
    const isInfo = INFO_ROUTES.has(`${method} ${path}`);
    const isModels = path === '/v1/models' || path.startsWith('/v1/models/') || isInfo;
    const record: SimRequestRecord = {
      id: this.data.requests + 1,
      method,
      path,
      api: route ?? (isModels ? 'models' : 'other'),
      credential: requestCredential(req),
      startedAt: preciseNow(),
      tokenTimes: [],
      tokensSent: 0,
      bodyWrites: 0,
      textSent: '',
      closedBy: undefined,
      completed: false,
    };
    this.data.requests++;
    this.data.byPath[path] = (this.data.byPath[path] ?? 0) + 1;
    this.data.requestsLog.push(record);
    this.active.add(res);
    res.once('close', () => {
      this.active.delete(res);
      record.closedAt = preciseNow();
      record.completed = res.writableFinished;
      record.closedBy = res.writableFinished || this.serverClosing.has(res) ? 'server' : 'client';
      const status = record.status === undefined ? 'no status' : String(record.status);
      this.log(`#${record.id} ${status}, ${record.tokensSent} tokens, closed by ${record.closedBy}${record.completed ? '' : ' before the end'}`);
      this.changed();
    });
    this.changed();
    this.log(`#${record.id} ${method} ${path}`);

    const family: ErrorFamily = route === 'anthropic' || req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
    const fail = (status: number, details: Parameters<typeof errorBody>[2] = {}) => {
      record.status = status;
      const body = errorBody(family, status, details);
      res.writeHead(status, { ...errorHeaders(family), 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };

    // A server kind the simulator plays (SimServerConfig.kind) answers its own endpoints first.
    if (!route && this.serveLocalEndpoint(req, res, record, method, path)) return;
    if (!route && !isInfo && !(isModels && method === 'GET')) return fail(404, { route: `${method} ${path}` });
    if (route === 'openai-responses' && this.options.server?.noResponses) return fail(404, { route: `${method} ${path}` });
    if (!this.authorized(req)) {
      const missing = req.headers.authorization === undefined && req.headers['x-api-key'] === undefined;
      const message = family === 'anthropic' ? (missing ? 'x-api-key header is required' : 'invalid x-api-key') : undefined;
      return fail(401, {
        message:
          missing && family === 'openai'
            ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            : message,
      });
    }
    if (isInfo) return this.sendModelInfo(req, res, record, path);
    if (!route) return this.sendModels(res, record, family, path);

    let body: Record<string, unknown>;
    try {
      const raw = await readBody(req);
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      if (res.destroyed) return;
      return fail(400, {
        message:
          family === 'anthropic'
            ? 'There was an issue with the request body: invalid JSON.'
            : "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
      });
    }
    const request = parseApiRequest(route, body);
    record.model = request.model;
    record.messages = request.messages;
    record.system = request.system;
    if (Array.isArray(body.tools) && body.tools.length > 0) record.tools = body.tools as unknown[];
    if (body.tool_choice !== undefined) record.toolChoice = body.tool_choice;
    if (request.toolResults.length > 0) record.toolResults = request.toolResults;
    if (body.thinking !== undefined || body.reasoning !== undefined) record.reasoningParams = { thinking: body.thinking, reasoning: body.reasoning };

    if (!this.modelAllowed(request.model)) return fail(404, { model: request.model });
    if (!request.stream) {
      return fail(400, { message: 'The Sidestream simulator only serves streaming requests: set "stream": true.' });
    }

    let script = resolveScript(this.takeScript(), scriptForModel(request.model), this.options.defaultScript ?? {});
    const toolMode = request.toolNames.length > 0 ? this.options.server?.tools : undefined;
    const tool = request.toolNames[0] ?? 'tool';
    if (toolMode === 'reject') return fail(400, { message: `registry.ollama.ai/library/${request.model ?? 'model'} does not support tools` });
    if (toolMode === 'native') script = { ...script, text: '', finishReason: 'tool-calls', toolCall: { name: tool, arguments: '{"timezone": "UTC"}' } };
    if (toolMode === 'text') script = { ...script, text: `<tool_call>\n{"name": "${tool}", "arguments": {"timezone": "UTC"}}\n</tool_call>` };
    if (route === 'openai-chat' && this.options.server?.noStreaming) return this.sendCompletion(res, record, request, script);
    record.fault = script.fault?.kind;
    const player = new ResponsePlayer(
      res,
      record,
      () => this.changed(),
      () => this.serverClosing.add(res),
    );
    await player.play(script, family, { model: request.model }, () => this.plan(route, request, script));
  }

  /** The tokens to stream and the renderer that frames them for this request. */
  private plan(api: WireApi, request: ApiRequest, script: SimScript): { renderer: WireRenderer; tokens: PlannedToken[] } {
    const fallbackCall = script.toolCall ?? { name: 'search_docs', arguments: JSON.stringify({ query: request.lastUserText.slice(0, 60) }) };
    const tools = planTools(script, request, fallbackCall);
    // Before native calls: the script's text, or none (the legacy `finishReason: "tool-calls"` keeps its canned answer).
    const legacyToolCalls = script.finishReason === 'tool-calls' && script.toolCalls === undefined && !script.useTools;
    let text = tools?.text ?? script.text ?? (tools?.finishToolCalls && !legacyToolCalls ? '' : pickAnswer(request.lastUserText));
    // A trailing assistant message is a prefill: the answer continues after it, as the real APIs do
    // (Anthropic's prefill has no trailing whitespace: the answer then starts with it again).
    if (request.prefill !== undefined && text.startsWith(request.prefill)) {
      text = text.slice(overlapStart(request.prefill, script.resumeOverlapWords ?? 0));
    }
    let finishReason = tools
      ? tools.finishToolCalls
        ? 'tool-calls'
        : script.finishReason === 'tool-calls'
          ? 'stop'
          : (script.finishReason ?? 'stop')
      : (script.finishReason ?? 'stop');
    const calls = (tools?.calls ?? []).map((call) => ({ ...call }));
    const afterText = tools?.finishToolCalls ? (script.textAfter ?? '') : '';
    let tokens: PlannedToken[] = [
      ...tokenize(script.reasoning ?? '').map((t) => ({ segment: 'reasoning' as const, text: t })),
      ...tokenize(script.commentary ?? '').map((t) => ({ segment: 'commentary' as const, text: t })),
      ...tokenize(text).map((t) => ({ segment: 'text' as const, text: t })),
      ...toolTokens(calls, api === 'openai-chat' && script.toolShape === 'interleaved'),
      ...tokenize(afterText).map((t) => ({ segment: 'text' as const, text: t })),
    ];
    if (request.maxTokens !== undefined && tokens.length > request.maxTokens) {
      tokens = tokens.slice(0, request.maxTokens);
      finishReason = 'length';
    }
    const ctx: RenderContext = {
      model: request.model ?? 'sim-model',
      inputTokens: request.inputTokens,
      finishReason,
      includeUsage: (script.includeUsage ?? true) && request.usageRequested,
      toolCall: calls[0] ?? fallbackCall,
      toolCalls: calls,
      toolShape: script.toolShape ?? 'openai',
      firstSegment: tokens[0]?.segment,
      shapes: {
        reasoningFormat: script.reasoningFormat ?? 'reasoning_content',
        redactedThinking: script.redactedThinking ?? false,
        incompleteReason: script.incompleteReason,
        unknownEvent: script.unknownEvent ?? false,
        commentaryUsed: (script.commentary ?? '') !== '',
      },
    };
    switch (api) {
      case 'openai-chat':
        return { renderer: new OpenAIChatRenderer(ctx), tokens };
      case 'openai-responses':
        return { renderer: new OpenAIResponsesRenderer(ctx), tokens };
      case 'anthropic':
        return { renderer: new AnthropicRenderer(ctx), tokens };
      default:
        return assertNever(api, 'wire api');
    }
  }

  /** A server that ignores `stream: true`: the whole answer as one `chat.completion` body. */
  private sendCompletion(res: ServerResponse, record: SimRequestRecord, request: ApiRequest, script: SimScript): void {
    const text = script.text ?? pickAnswer(request.lastUserText);
    const body = JSON.stringify({
      id: 'chatcmpl-sim',
      object: 'chat.completion',
      created: MODEL_CREATED,
      model: request.model ?? 'sim-model',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: request.inputTokens, completion_tokens: tokenize(text).length, total_tokens: request.inputTokens + tokenize(text).length },
    });
    record.status = 200;
    record.textSent = text;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  /** The local server's own endpoints (see {@link SimServerConfig.kind}); false when the path is not one. */
  private serveLocalEndpoint(req: IncomingMessage, res: ServerResponse, record: SimRequestRecord, method: string, path: string): boolean {
    const server = this.options.server;
    if (!server?.kind) return false;
    const context = server.context ?? { loaded: 32_768, model: 32_768 };
    const ids = this.models();
    const send = (payload: unknown) => {
      const body = JSON.stringify(payload);
      record.status = 200;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return true;
    };
    // The request body (Ollama's /api/show names the model) is not needed: every model reports the same.
    req.resume();
    switch (server.kind) {
      case 'ollama':
        if (method === 'GET' && path === '/api/version') return send({ version: '0.12.3' });
        if (method === 'POST' && path === '/api/show') {
          return send({
            parameters: context.loaded !== 4096 ? `num_ctx                        ${context.loaded}` : 'stop                           "<|eot_id|>"',
            details: { format: 'gguf', family: 'llama', parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
            model_info: { 'general.architecture': 'llama', 'llama.context_length': context.model },
            capabilities: server.tools === 'reject' ? ['completion'] : ['completion', 'tools'],
          });
        }
        if (method === 'GET' && path === '/api/ps') {
          return send({
            models: ids.map((id) => ({ name: id, model: id, size: 3_000_000_000, size_vram: 3_000_000_000, context_length: context.loaded, expires_at: '2026-12-31T00:00:00Z' })),
          });
        }
        return false;
      case 'lmstudio':
        if (method === 'GET' && path === '/api/v0/models') {
          return send({
            object: 'list',
            data: ids.map((id) => ({ id, object: 'model', type: 'llm', state: 'loaded', max_context_length: context.model, loaded_context_length: context.loaded })),
          });
        }
        return false;
      case 'llamacpp':
        if (method === 'GET' && path === '/props') {
          return send({ default_generation_settings: { n_ctx: context.loaded }, total_slots: 1, model_path: '/models/model.gguf', n_ctx: context.loaded });
        }
        return false;
      case 'vllm':
        if (method === 'GET' && path === '/version') return send({ version: '0.10.2' });
        return false;
      default:
        return assertNever(server.kind, 'server kind');
    }
  }

  private takeScript(): SimScript | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining--;
    if (head.remaining <= 0) this.queue.shift();
    return head.script;
  }

  private models(): string[] {
    return this.options.models ?? DEFAULT_SIM_MODELS;
  }

  private modelAllowed(model: string | undefined): boolean {
    if (!this.options.strictModels) return true;
    return model !== undefined && (this.models().includes(model) || model.startsWith('sim-'));
  }

  private authorized(req: IncomingMessage): boolean {
    const key = this.options.apiKey;
    if (key === undefined || key === '') return true;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return bearer === key || req.headers['x-api-key'] === key;
  }

  private sendModels(res: ServerResponse, record: SimRequestRecord, family: ErrorFamily, path: string): void {
    const one = path.startsWith('/v1/models/') ? decodeURIComponent(path.slice('/v1/models/'.length)) : undefined;
    const ids = this.models();
    const send = (status: number, payload: unknown) => {
      const body = JSON.stringify(payload);
      record.status = status;
      res.writeHead(status, { ...errorHeaders(family), 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    if (one !== undefined && !ids.includes(one) && !one.startsWith('sim-')) {
      record.status = 404;
      const body = errorBody(family, 404, { model: one });
      res.writeHead(404, { ...errorHeaders(family), 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    if (family === 'anthropic') {
      const model = (id: string) => ({ type: 'model', id, display_name: displayName(id), created_at: MODEL_CREATED_AT });
      if (one !== undefined) return send(200, model(one));
      return send(200, { data: ids.map(model), has_more: false, first_id: ids[0] ?? null, last_id: ids[ids.length - 1] ?? null });
    }
    const server = this.options.server;
    const context = server?.context ?? { loaded: 32_768, model: 32_768 };
    // llama.cpp lists the model's trained window; vLLM the window it serves. A `ctx-N` model reports
    // its own window as vLLM does (`max_model_len`).
    const extra = server?.kind === 'llamacpp' ? { meta: { n_ctx_train: context.model } } : server?.kind === 'vllm' ? { max_model_len: context.loaded } : {};
    const model = (id: string) => ({
      id,
      object: 'model',
      created: MODEL_CREATED,
      owned_by: 'sidestream-simulator',
      ...extra,
      ...(/(?:^|-)ctx-\d+/.test(id) ? { max_model_len: simModelInfo(id).loadedContext } : {}),
    });
    if (one !== undefined) return send(200, model(one));
    return send(200, { object: 'list', data: ids.map(model) });
  }

  /**
   * The local servers' own model endpoints, as each reports what a model can do and the context it
   * is loaded with: Ollama `POST /api/show` and `GET /api/ps`, LM Studio `GET /api/v0/models`,
   * llama.cpp `GET /props`. Per model name (see {@link simModelInfo}).
   */
  private async sendModelInfo(req: IncomingMessage, res: ServerResponse, record: SimRequestRecord, path: string): Promise<void> {
    const send = (status: number, payload: unknown) => {
      const body = JSON.stringify(payload);
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    const models = this.models();
    switch (path) {
      case '/api/show': {
        let model = '';
        try {
          const body = JSON.parse(await readBody(req)) as { model?: unknown; name?: unknown };
          model = typeof body.model === 'string' ? body.model : typeof body.name === 'string' ? body.name : '';
        } catch {
          // An unreadable body asks for no model.
        }
        if (!model) return send(400, { error: 'model is required' });
        const info = simModelInfo(model);
        return send(200, {
          modelfile: `FROM ${model}`,
          parameters: info.numCtxParameter
            ? `num_ctx                        ${info.numCtxParameter}\nstop                           "<|im_end|>"`
            : 'stop                           "<|im_end|>"',
          template: '{{ .Prompt }}',
          details: { format: 'gguf', family: 'qwen2', parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
          model_info: { 'general.architecture': 'qwen2', 'qwen2.context_length': info.trainedContext },
          capabilities: info.toolCalling ? ['completion', 'tools'] : ['completion'],
        });
      }
      case '/api/ps':
        return send(200, {
          models: models
            .filter((m) => simModelInfo(m).loaded)
            .map((m) => ({
              name: m,
              model: m,
              size: 6_000_000_000,
              digest: 'sim',
              details: {},
              expires_at: '2099-01-01T00:00:00Z',
              size_vram: 6_000_000_000,
              context_length: simModelInfo(m).loadedContext,
            })),
        });
      case '/api/v0/models':
        return send(200, {
          object: 'list',
          data: models.map((m) => {
            const info = simModelInfo(m);
            return {
              id: m,
              object: 'model',
              type: 'llm',
              publisher: 'sidestream-simulator',
              arch: 'qwen2',
              compatibility_type: 'gguf',
              quantization: 'Q4_K_M',
              state: info.loaded ? 'loaded' : 'not-loaded',
              max_context_length: info.trainedContext,
              ...(info.loaded ? { loaded_context_length: info.loadedContext } : {}),
              ...(info.toolCalling ? { capabilities: ['tool_use'] } : { capabilities: [] }),
            };
          }),
        });
      case '/props': {
        const info = simModelInfo(models[0] ?? 'sim-model');
        return send(200, {
          default_generation_settings: { n_ctx: info.loadedContext, params: {} },
          total_slots: 1,
          model_path: `/models/${models[0] ?? 'sim-model'}.gguf`,
          chat_template: info.toolCalling ? '{%- if tools %}{{ tools | tojson }}{%- endif %}{{ messages }}' : '{{ messages }}',
          chat_template_caps: { supports_tool_calls: info.toolCalling, supports_tools: info.toolCalling },
          build_info: 'sim',
        });
      }
      default:
        return send(404, { error: `unknown route ${path}` });
    }
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse, method: string, path: string): Promise<void> {
    const json = (status: number, payload: unknown) => {
      const body = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    };
    try {
      if (method === 'GET' && path === '/__sim/stats') return json(200, this.stats());
      if (method === 'POST' && path === '/__sim/reset') {
        this.reset();
        return json(200, { ok: true });
      }
      if (method === 'POST' && path === '/__sim/enqueue') {
        const scripts = parseScripts(JSON.parse(await readBody(req)));
        this.enqueue(...scripts);
        return json(200, { ok: true, queued: this.queue.length });
      }
      return json(404, { error: `unknown control call ${method} ${path}` });
    } catch (err) {
      return json(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** The argument tokens of each call, call after call (or alternating, for interleaved parallel calls). */
function toolTokens(calls: readonly SimToolCall[], interleave: boolean): PlannedToken[] {
  const perCall = calls.map((call, n) => {
    const pieces = tokenize(call.arguments).map((t) => ({ segment: 'tool' as const, text: t, call: n }));
    // A call without arguments still has its moment on the wire.
    return pieces.length > 0 ? pieces : [{ segment: 'tool' as const, text: '', call: n }];
  });
  if (!interleave) return perCall.flat();
  const out: PlannedToken[] = [];
  for (let i = 0; perCall.some((pieces) => i < pieces.length); i++) for (const pieces of perCall) if (i < pieces.length) out.push(pieces[i]!);
  return out;
}

const INFO_ROUTES = new Set(['POST /api/show', 'GET /api/ps', 'GET /api/v0/models', 'GET /props']);

/** What the simulator's servers report about a model. */
export interface SimModelInfo {
  toolCalling: boolean;
  /** The context window it is loaded with. */
  loadedContext: number;
  /** The context window it was trained for. */
  trainedContext: number;
  loaded: boolean;
  /** Ollama: the Modelfile's `num_ctx` parameter, when the name sets one. */
  numCtxParameter: number | undefined;
}

/**
 * A model's capabilities from its name: tools unless it has `notools`; loaded with `ctx-N` tokens
 * (default 32,768; the Modelfile's `num_ctx` too), trained for 131,072; loaded unless `unloaded`.
 */
export function simModelInfo(model: string): SimModelInfo {
  const ctx = /(?:^|-)ctx-(\d+)(?:-|$)/.exec(model)?.[1];
  return {
    toolCalling: !/(?:^|-)notools(?:-|$)/.test(model),
    loadedContext: ctx ? Number(ctx) : 32_768,
    trainedContext: 131_072,
    loaded: !/(?:^|-)unloaded(?:-|$)/.test(model),
    numCtxParameter: ctx ? Number(ctx) : undefined,
  };
}

/** Where a continuation starts in `partial`: its end, or the start of its `words`-th last word (with the space before it). */
export function overlapStart(partial: string, words: number): number {
  let cut = partial.length;
  for (let i = 0; i < words && cut > 0; i++) {
    // Back over trailing whitespace, then the word, then the whitespace before it.
    while (cut > 0 && /\s/.test(partial[cut - 1]!)) cut--;
    while (cut > 0 && !/\s/.test(partial[cut - 1]!)) cut--;
    while (cut > 0 && /\s/.test(partial[cut - 1]!)) cut--;
  }
  return cut;
}

function displayName(id: string): string {
  return id
    .split(/[-_]/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The key a request carried (Bearer token or x-api-key / api-key header), so tests can see where keys went. */
function requestCredential(req: IncomingMessage): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const header = (name: string): string | undefined => {
    const v = req.headers[name];
    return typeof v === 'string' && v ? v : undefined;
  };
  return bearer ?? header('x-api-key') ?? header('api-key') ?? header('authorization');
}
