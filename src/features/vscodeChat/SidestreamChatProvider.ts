/**
 * Sidestream as a language model provider (vendor `sidestream`): every model Sidestream can reach —
 * each local server's listed models, the OpenAI-compatible server's, OpenAI's and Anthropic's when
 * a key is set — is offered to VS Code's chat and to any extension through `vscode.lm`. Requests
 * stream through the same core `stream()` the panel uses: text as it arrives, the caller's token
 * closes the socket, failures become `LanguageModelError`s with Sidestream's one-line message.
 *
 * Agent mode: a request's tools and tool mode go upstream in the model's wire format; each complete
 * call comes back as a `LanguageModelToolCallPart` (calls a local model wrote as text too), thinking
 * as VS Code's thinking part and the token usage as its `usage` data part, where the running VS Code
 * has those classes. Every model says it can call tools unless its server says it cannot; a local
 * server's loaded context window is the model's window.
 *
 * Keys never leave: a model's information holds only `provider/model` (no key, no URL), every
 * message is scrubbed of the key and URL credentials, and the key is looked up again per request.
 */
import * as vscode from 'vscode';
import type { KeyConsent } from './keyConsent';
import type { FailureKind, ProviderId, StreamFailure } from '../../core/events';
import { contextTooSmallMessage, discoverModelCapabilities, offersToolCalling, type ModelCapabilities } from '../../core/modelCapabilities';
import { describeLeftOut, toCoreRequestMessages, toCoreTools, VSCODE_USAGE_MIME, vsCodeUsageData, type VsCodePartKind } from '../../core/toolParts';
import { redactCredentials } from '../../core/redact';
import { MODEL_LIST_MAX_BYTES, readJsonCapped } from '../../core/boundedBody';
import { providerInfo } from '../../core/providerCatalog';
import type { ChatMessage, ChatRequest, ToolDefinition } from '../../core/request';
import type { AnswerRunner } from '../../platform/answerRunner';
import type { ApiKeyStore } from '../../platform/ApiKeyStore';
import { loadCore } from '../../platform/coreLoader';
import { SIMULATOR_OWNER } from '../../platform/ProviderResolver';
import { readSettings, type SidestreamSettings } from '../../platform/settings';
import { CLOUD_MODEL_LIMITS, describeRequester, modelInfoId, modelLimits, parseModelInfoId, reportedContext, type ListedModel } from '../../platform/modelLimits';

const LIST_TIMEOUT_MS = 800;
/** How long a listing waits for the local servers' capabilities (what arrives later is used from the next listing on). */
const CAPABILITIES_WAIT_MS = 700;
/** How long each capability endpoint may take. */
const CAPABILITIES_TIMEOUT_MS = 2000;
/** How long what a server said about a model is reused (a model reloaded with another window shows after this). */
const CAPABILITIES_TTL_MS = 60_000;
/** At most this many models of one server are asked about per listing. */
const CAPABILITIES_MAX_MODELS = 64;
const LOCAL_SERVERS = ['ollama', 'lmstudio', 'llamacpp', 'vllm'] as const;

/** Where one provider's requests go, with its key: never leaves this file except into a request. */
interface Endpoint {
  provider: ProviderId;
  baseUrl: string;
  apiKey: string | undefined;
  api: ChatRequest['api'];
}

export class SidestreamChatProvider implements vscode.LanguageModelChatProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** Server labels seen at the last listing ("Simulator" for Sidestream's own), by provider. */
  private readonly labels = new Map<ProviderId, string>();
  /** What each local server said about its models, by `provider|baseUrl|model`. */
  private readonly capabilities = new Map<string, { at: number; value: Promise<ModelCapabilities>; settled: ModelCapabilities | undefined }>();
  /** Models whose small loaded window was already pointed out (once each). */
  private readonly warnedWindows = new Set<string>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly runner: AnswerRunner,
    private readonly log?: Pick<vscode.LogOutputChannel, 'info' | 'warn'> | undefined,
    /** Asks before another extension spends a key (undefined: never asks, e.g. in a unit of the tests). */
    private readonly consent?: KeyConsent | undefined,
  ) {
    this.subscriptions = [
      keys.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('sidestream')) return;
        this.capabilities.clear();
        this.changed.fire();
      }),
    ];
  }

  async provideLanguageModelChatInformation(
    _options: vscode.PrepareLanguageModelChatModelOptions,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelChatInformation[]> {
    const settings = readSettings();
    const groups = await Promise.all([
      ...LOCAL_SERVERS.map((p) => this.listServer(p, settings, token)),
      this.listServer('openai-compatible', settings, token),
      this.listCloud('openai', settings),
      this.listCloud('anthropic', settings),
    ]);
    return groups.flat();
  }

  async provideLanguageModelChatResponse(
    model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const route = parseModelInfoId(model.id);
    if (!route) throw vscode.LanguageModelError.NotFound(vscode.l10n.t('Sidestream offers no model "{0}".', model.id));
    const settings = readSettings();
    const endpoint = await this.endpoint(route.provider, settings);
    if (!endpoint) throw vscode.LanguageModelError.NoPermissions(vscode.l10n.t('{0} is not set up in Sidestream (no API key or base URL).', providerInfo(route.provider).label));
    const initiator = requestInitiator(options);
    const caller = initiator && initiator !== 'core' ? vscode.extensions.getExtension(initiator) : undefined;
    const callerName = (caller?.packageJSON as { displayName?: string } | undefined)?.displayName;
    // The log in English; the status bar in the user's language.
    const requester = describeRequester(initiator, callerName);
    const label = this.labels.get(route.provider) ?? providerInfo(route.provider).label;
    // Another extension spending the user's key: the user says so first (VS Code's chat never asks).
    const keyLabel = providerInfo(route.provider).keyLabel ?? label;
    if (endpoint.apiKey && initiator && this.consent && !(await this.consent.allows(initiator, callerName, keyLabel))) {
      this.log?.info(`language model request${requester ? ` ${requester}` : ''}: not sent (the user did not allow it to use the ${keyLabel} key)`);
      throw vscode.LanguageModelError.NoPermissions(vscode.l10n.t('You did not allow this extension to use your {0} key through Sidestream.', keyLabel));
    }
    const logName = `language model request${requester ? ` ${requester}` : ''}`;
    const { systemPrompt, messages: conversation, leftOut } = toCoreRequestMessages(messages, { kindOf: partKind });
    const leftOutLine = describeLeftOut(leftOut);
    if (leftOutLine) this.log?.info(`${logName}: ${leftOutLine}`);
    const { tools, toolChoice } = toCoreTools(options.tools, options.toolMode);
    const maxOutputTokens = Math.min(model.maxOutputTokens, requestedMaxTokens(options) ?? model.maxOutputTokens);
    await this.checkLoadedWindow(route.provider, endpoint, route.model, { systemPrompt, messages: conversation, tools, maxOutputTokens, logName }, token);
    const parts = runtimeParts();
    // The one answer runner, as the panel's: every delta is reported as it arrives.
    const running = this.runner.run(
      {
        consumer: 'lm-provider',
        caller: initiator,
        target: { kind: 'core', provider: route.provider, api: endpoint.api, baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey, model: route.model, label },
        logName,
        settings,
        systemPrompt,
        messages: conversation,
        maxOutputTokens,
        tools,
        toolChoice,
        statusBar: { requester: describeRequester(initiator, callerName, vscode.l10n.t) },
        coalesceMs: 0,
        onAppend: (append) => {
          // Thinking where the running VS Code has its part (left out where it has not).
          if (append.reasoning && parts.ThinkingPart) progress.report(new parts.ThinkingPart(append.reasoning) as vscode.LanguageModelResponsePart);
          if (append.text) progress.report(new vscode.LanguageModelTextPart(append.text));
        },
        onToolCall: (call) => progress.report(new vscode.LanguageModelToolCallPart(call.id, call.name, call.input)),
      },
      token,
    );
    const result = await running.done;
    if (result.failure) throw toLanguageModelError(result.failure, endpoint.apiKey);
    // The tokens the answer took, as VS Code's chat reads them (its context indicator).
    const usage = vsCodeUsageData(result.usage);
    if (usage && parts.DataPart && result.state === 'done' && !token.isCancellationRequested) {
      progress.report(new parts.DataPart(new TextEncoder().encode(JSON.stringify(usage)), VSCODE_USAGE_MIME) as vscode.LanguageModelResponsePart);
    }
  }

  async provideTokenCount(_model: vscode.LanguageModelChatInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    const core = loadCore();
    const plain = typeof text === 'string' ? text : partsText(text.content);
    return core.countTokens(plain, core.encodingForModel(_model.id));
  }

  /** Each local server or the OpenAI-compatible server: its listed models, or none when it does not answer. */
  private async listServer(
    provider: (typeof LOCAL_SERVERS)[number] | 'openai-compatible',
    settings: SidestreamSettings,
    token: vscode.CancellationToken,
  ): Promise<vscode.LanguageModelChatInformation[]> {
    const endpoint = await this.endpoint(provider, settings);
    if (!endpoint) return [];
    const listed = await listModels(endpoint, token);
    if (!listed) return [];
    const simulator = listed.some((m) => m.owned_by === SIMULATOR_OWNER);
    const label = simulator ? 'Simulator' : providerInfo(provider).label;
    this.labels.set(provider, label);
    const known =
      provider === 'openai-compatible'
        ? new Map<string, ModelCapabilities>()
        : await this.listedCapabilities(
            provider,
            endpoint,
            listed.map((entry) => entry.id),
          );
    return listed.map((entry) => {
      const capabilities = known.get(entry.id);
      // The window the model is loaded with, where the server says; else what its listing reports.
      const limits = modelLimits(capabilities?.loadedContextTokens ?? reportedContext(entry), undefined, settings.maxOutputTokens);
      return {
        id: modelInfoId(provider, entry.id),
        name: entry.id,
        family: entry.id,
        version: entry.id,
        detail: `Sidestream · ${label}`,
        tooltip: limits.known
          ? vscode.l10n.t('{0} on {1}, through Sidestream.', entry.id, label)
          : vscode.l10n.t(
              '{0} on {1}, through Sidestream. The server reports no context length: {2} tokens assumed.',
              entry.id,
              label,
              limits.maxInputTokens + limits.maxOutputTokens,
            ),
        maxInputTokens: limits.maxInputTokens,
        maxOutputTokens: limits.maxOutputTokens,
        capabilities: { toolCalling: offersToolCalling(capabilities), imageInput: false },
      };
    });
  }

  /**
   * What a local server says about its listed models, as far as it answered within
   * {@link CAPABILITIES_WAIT_MS}: never holds the listing longer. Answers are reused for a minute;
   * one that arrives after the listing announces a change, so the next listing has it.
   */
  private async listedCapabilities(provider: (typeof LOCAL_SERVERS)[number], endpoint: Endpoint, models: string[]): Promise<Map<string, ModelCapabilities>> {
    const pending = models.slice(0, CAPABILITIES_MAX_MODELS).map((model) => [model, this.capabilitiesOf(provider, endpoint, model)] as const);
    let late = false;
    const all = Promise.all(pending.map(([, entry]) => entry.value)).then(() => {
      if (late) this.changed.fire();
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, CAPABILITIES_WAIT_MS)))]);
    clearTimeout(timer);
    const out = new Map<string, ModelCapabilities>();
    for (const [model, entry] of pending) {
      if (entry.settled) out.set(model, entry.settled);
      else late = true;
    }
    return out;
  }

  /** The cached (or a new) question to `provider` about `model`; never rejects. */
  private capabilitiesOf(provider: ProviderId, endpoint: Endpoint, model: string): { value: Promise<ModelCapabilities>; settled: ModelCapabilities | undefined } {
    const key = `${provider}|${endpoint.baseUrl}|${model}`;
    const cached = this.capabilities.get(key);
    if (cached && Date.now() - cached.at < CAPABILITIES_TTL_MS) return cached;
    const entry: { at: number; value: Promise<ModelCapabilities>; settled: ModelCapabilities | undefined } = {
      at: Date.now(),
      value: Promise.resolve(undefined as unknown as ModelCapabilities),
      settled: undefined,
    };
    entry.value = discoverModelCapabilities({ provider, baseUrl: endpoint.baseUrl, model, apiKey: endpoint.apiKey, timeoutMs: CAPABILITIES_TIMEOUT_MS }).then((value) => {
      entry.settled = value;
      return value;
    });
    this.capabilities.set(key, entry);
    return entry;
  }

  /**
   * A local model loaded with a smaller window than this request needs: the server would cut the
   * start of the prompt. Fails the request with what to do when the window is certain (the model is
   * loaded, or the server fixes it); says so once and goes on when it is only what the model will
   * probably be loaded with.
   */
  private async checkLoadedWindow(
    provider: ProviderId,
    endpoint: Endpoint,
    model: string,
    request: { systemPrompt: string | undefined; messages: ChatMessage[]; tools: ToolDefinition[] | undefined; maxOutputTokens: number; logName: string },
    token: vscode.CancellationToken,
  ): Promise<void> {
    if (!(LOCAL_SERVERS as readonly ProviderId[]).includes(provider)) return;
    const entry = this.capabilitiesOf(provider, endpoint, model);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const capabilities =
      entry.settled ??
      (await Promise.race([entry.value, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), CAPABILITIES_WAIT_MS)))]).finally(() =>
        clearTimeout(timer),
      ));
    if (!capabilities?.loadedContextTokens || token.isCancellationRequested) return;
    const needed = promptTokens(request, capabilities.loadedContextTokens - request.maxOutputTokens) + request.maxOutputTokens;
    const message = contextTooSmallMessage(provider, model, capabilities, needed);
    if (!message) return;
    if (capabilities.loaded !== false) {
      this.log?.warn(`${request.logName}: ${message}`);
      const cause = Object.assign(new Error(message), { name: 'SidestreamFailure', code: 'context-too-small' });
      const Ctor = vscode.LanguageModelError as unknown as new (message: string, code?: string, cause?: Error) => vscode.LanguageModelError;
      throw new Ctor(message, 'Unknown', cause);
    }
    const key = `${provider}|${model}|${capabilities.loadedContextTokens}`;
    if (this.warnedWindows.has(key)) return;
    this.warnedWindows.add(key);
    this.log?.warn(`${request.logName}: ${message}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: {0}', message));
  }

  /** OpenAI's or Anthropic's models with published limits (plus the configured one), when a key is set. */
  private async listCloud(provider: 'openai' | 'anthropic', settings: SidestreamSettings): Promise<vscode.LanguageModelChatInformation[]> {
    if (!(await this.endpoint(provider, settings))) return [];
    const table = CLOUD_MODEL_LIMITS[provider];
    const ids = new Set(Object.keys(table));
    const defaultModel = providerInfo(provider).defaultModel;
    if (defaultModel) ids.add(defaultModel);
    if (settings.provider === provider && settings.model) ids.add(settings.model);
    return [...ids].map((id) => {
      const known = table[id];
      const limits = modelLimits(known?.context, known?.maxOutput, settings.maxOutputTokens);
      return {
        id: modelInfoId(provider, id),
        name: id,
        family: id,
        version: id,
        detail: `Sidestream · ${providerInfo(provider).label}`,
        tooltip: limits.known
          ? vscode.l10n.t('{0} from {1}, with your key, through Sidestream.', id, providerInfo(provider).label)
          : vscode.l10n.t(
              '{0} from {1}, with your key, through Sidestream. Its context length is not known to Sidestream: {2} tokens assumed.',
              id,
              providerInfo(provider).label,
              limits.maxInputTokens + limits.maxOutputTokens,
            ),
        maxInputTokens: limits.maxInputTokens,
        maxOutputTokens: limits.maxOutputTokens,
        // Every current chat model of both calls tools.
        capabilities: { toolCalling: true, imageInput: false },
      };
    });
  }

  /**
   * Every model Sidestream can reach (the same enumeration VS Code's model picker gets), with the
   * provider's label: the Compare Models picker lists these. No key or URL leaves here.
   */
  async reachableModels(token: vscode.CancellationToken): Promise<Array<{ provider: ProviderId; model: string; label: string }>> {
    const infos = await this.provideLanguageModelChatInformation({ silent: true }, token);
    return infos.flatMap((info) => {
      const route = parseModelInfoId(info.id);
      return route ? [{ ...route, label: this.labels.get(route.provider) ?? providerInfo(route.provider).label }] : [];
    });
  }

  /**
   * Where a request to one of {@link reachableModels} goes, with that provider's own URL and key
   * (looked up now, so a key set or cleared since the listing counts); undefined when not set up.
   */
  async requestTargetFor(provider: ProviderId, model: string): Promise<Pick<ChatRequest, 'provider' | 'api' | 'model' | 'baseUrl' | 'apiKey'> | undefined> {
    const endpoint = await this.endpoint(provider, readSettings());
    return endpoint ? { provider, api: endpoint.api, model, baseUrl: endpoint.baseUrl, apiKey: endpoint.apiKey } : undefined;
  }

  /** The URL, key and wire API of a provider from the user's settings and keys, as the panel resolves them. */
  private async endpoint(provider: ProviderId, settings: SidestreamSettings): Promise<Endpoint | undefined> {
    const openAIApi = (p: keyof SidestreamSettings['apis']): ChatRequest['api'] => (settings.apis[p] === 'responses' ? 'openai-responses' : 'openai-chat');
    switch (provider) {
      case 'openai':
      case 'anthropic': {
        const key = await this.keys.get(provider);
        if (!key) return undefined;
        return {
          provider,
          baseUrl: settings.baseUrls[provider] || providerInfo(provider).defaultBaseUrl || '',
          apiKey: key.key,
          api: provider === 'anthropic' ? 'anthropic' : openAIApi('openai'),
        };
      }
      case 'openai-compatible': {
        const baseUrl = settings.baseUrls['openai-compatible'];
        if (!baseUrl) return undefined;
        return { provider, baseUrl, apiKey: (await this.keys.get('openai-compatible'))?.key, api: openAIApi('openai-compatible') };
      }
      case 'ollama':
      case 'lmstudio':
      case 'llamacpp':
      case 'vllm':
        return { provider, baseUrl: settings.baseUrls[provider] || providerInfo(provider).defaultBaseUrl || '', apiKey: undefined, api: openAIApi(provider) };
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}

/** A server's `GET /models`, or undefined when it does not answer in time. */
async function listModels(endpoint: Endpoint, token: vscode.CancellationToken): Promise<ListedModel[] | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), LIST_TIMEOUT_MS);
  const sub = token.onCancellationRequested(() => controller.abort());
  try {
    const res = await fetch(endpoint.baseUrl.replace(/\/+$/, '') + '/models', {
      signal: controller.signal,
      headers: endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {},
    });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    // Read with a cap (an endless body ends the listing as "no answer", the connection closed).
    const body = (await readJsonCapped(res, MODEL_LIST_MAX_BYTES, 'model list')) as { data?: unknown } | null;
    if (!Array.isArray(body?.data)) return undefined;
    return body.data.filter((m): m is ListedModel => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string');
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    sub.dispose();
  }
}

/** VS Code passes who asked (an extension id, or `core` for its own chat) beyond the typed options. */
export function requestInitiator(options: vscode.ProvideLanguageModelChatResponseOptions): string | undefined {
  const value = (options as { requestInitiator?: unknown }).requestInitiator;
  return typeof value === 'string' && value ? value : undefined;
}

/** `max_tokens` / `maxOutputTokens` / `max_output_tokens` a caller asked for in its model options. */
function requestedMaxTokens(options: vscode.ProvideLanguageModelChatResponseOptions): number | undefined {
  const o = options.modelOptions ?? {};
  for (const key of ['maxOutputTokens', 'max_tokens', 'max_output_tokens', 'max_completion_tokens']) {
    const value: unknown = o[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 1) return Math.floor(value);
  }
  return undefined;
}

/**
 * The prompt's tokens, counted with the project's tokenizer (the tools' schemas count too); an
 * upper bound instead when even that fits in `fits` tokens (an agent's long prompt is not
 * tokenized on every request when the window is large enough anyway).
 */
function promptTokens(request: { systemPrompt: string | undefined; messages: ChatMessage[]; tools: ToolDefinition[] | undefined }, fits: number): number {
  let text = request.systemPrompt ?? '';
  for (const m of request.messages) {
    text += `\n${m.content}`;
    for (const call of m.toolCalls ?? []) text += `\n${call.name} ${JSON.stringify(call.input)}`;
    for (const result of m.toolResults ?? []) text += `\n${result.content}`;
  }
  if (request.tools?.length) text += `\n${JSON.stringify(request.tools)}`;
  // A few tokens of framing per message, as every chat template adds.
  const framing = 4 * request.messages.length;
  // A token is at least one UTF-8 byte: a prompt of fewer bytes than the room left fits uncounted.
  const bytes = Buffer.byteLength(text) + framing;
  if (bytes <= fits) return bytes;
  const core = loadCore();
  return core.countTokens(text, core.encodingForModel('')) + framing;
}

type PartClass = abstract new (...args: never[]) => unknown;

/** The part classes of VS Code's chat API the running VS Code has (the typed API is 1.104's). */
interface RuntimeParts {
  ThinkingPart: (new (value: string) => unknown) | undefined;
  DataPart: (new (data: Uint8Array, mimeType: string) => unknown) | undefined;
  ToolResultPart2: PartClass | undefined;
}

let parts: RuntimeParts | undefined;

function runtimeParts(): RuntimeParts {
  if (parts) return parts;
  const api = vscode as unknown as Record<string, unknown>;
  const cls = <T>(name: string): T | undefined => (typeof api[name] === 'function' ? (api[name] as T) : undefined);
  parts = {
    ThinkingPart: cls('LanguageModelThinkingPart'),
    DataPart: cls('LanguageModelDataPart'),
    ToolResultPart2: cls('LanguageModelToolResultPart2'),
  };
  return parts;
}

/** A request part's kind by its class (a thinking part and a text part have the same shape); undefined: by its shape. */
function partKind(part: unknown): VsCodePartKind | undefined {
  const known = runtimeParts();
  if (part instanceof vscode.LanguageModelTextPart) return 'text';
  if (known.ThinkingPart && part instanceof known.ThinkingPart) return 'thinking';
  if (part instanceof vscode.LanguageModelToolCallPart) return 'tool-call';
  if (part instanceof vscode.LanguageModelToolResultPart || (known.ToolResultPart2 && part instanceof known.ToolResultPart2)) return 'tool-result';
  if (known.DataPart && part instanceof known.DataPart) return 'data';
  if (part instanceof vscode.LanguageModelPromptTsxPart) return 'prompt-tsx';
  return undefined;
}

/** The text of a message's parts: text parts, and the text inside tool results. */
function partsText(content: ReadonlyArray<unknown>): string {
  let text = '';
  for (const part of content) {
    if (part instanceof vscode.LanguageModelTextPart) text += part.value;
    else if (part instanceof vscode.LanguageModelToolResultPart) text += partsText(part.content);
    else if (typeof part === 'object' && part !== null && typeof (part as { value?: unknown }).value === 'string') text += (part as { value: string }).value;
  }
  return text;
}

/** VS Code's error codes for the failures that have one; the rest are `Unknown`, with Sidestream's kind as the cause's code. */
export function toLanguageModelError(failure: StreamFailure, apiKey: string | undefined): vscode.LanguageModelError {
  let message = redactCredentials(failure.message);
  if (apiKey && apiKey.length >= 4) message = message.split(apiKey).join('***');
  const byKind: Partial<Record<FailureKind, (m: string) => vscode.LanguageModelError>> = {
    auth: vscode.LanguageModelError.NoPermissions,
    'not-found': vscode.LanguageModelError.NotFound,
    'content-filter': vscode.LanguageModelError.Blocked,
  };
  const make = byKind[failure.kind];
  if (make) return make(message);
  // VS Code's runtime constructor is (message, code, cause); the typed one only takes the message.
  const cause = Object.assign(new Error(message), { name: 'SidestreamFailure', code: failure.kind });
  const Ctor = vscode.LanguageModelError as unknown as new (message: string, code?: string, cause?: Error) => vscode.LanguageModelError;
  return new Ctor(message, 'Unknown', cause);
}
