import * as vscode from 'vscode';
import type { ProviderId, WireApi } from '../core/events';
import { KEYED_PROVIDERS, providerInfo, wireApiFor, type KeyedProvider, type UrlProvider } from '../core/providerCatalog';
import type { ApiKeyStore } from './ApiKeyStore';
import { loadCore } from './coreLoader';
import { redactUrl } from '../core/redact';
import { BodyTooLargeError, MODEL_LIST_MAX_BYTES, readJsonCapped } from '../core/boundedBody';
import { SIDESTREAM_VENDOR } from './modelLimits';
import { baseUrlHint, type SidestreamSettings } from './settings';
import type { ChatRequest } from '../core/request';
import type { StreamSource } from '../core/session/StreamSession';
import { streamLanguageModel } from './LanguageModelStream';

/** A provider the next question can go to. */
export type ResolvedProvider =
  | {
      kind: 'core';
      provider: ProviderId;
      api: WireApi;
      baseUrl: string;
      apiKey: string | undefined;
      model: string;
      /** Shown to the user: "OpenAI", "Ollama", "Simulator"… */
      label: string;
    }
  | { kind: 'vscode-lm'; chatModel: vscode.LanguageModelChat; model: string; label: string };

export type Resolution = { ok: true; provider: ResolvedProvider } | { ok: false; reason: string };

/** Where a request to `provider` goes: the part of a `ChatRequest` the resolved provider decides. */
export function requestTarget(provider: ResolvedProvider): Pick<ChatRequest, 'provider' | 'api' | 'model' | 'baseUrl' | 'apiKey'> {
  return provider.kind === 'core'
    ? { provider: provider.provider, api: provider.api, model: provider.model, baseUrl: provider.baseUrl, apiKey: provider.apiKey }
    : { provider: 'vscode-lm', api: 'openai-chat', model: provider.model, baseUrl: undefined, apiKey: undefined };
}

/** The stream a session reads for `provider`: the core over HTTP, or VS Code's language model (cancelled by `token`). */
export function streamSourceFor(provider: ResolvedProvider, token: vscode.CancellationToken): StreamSource {
  return provider.kind === 'core' ? (r, c) => loadCore().stream(r, c) : (r) => streamLanguageModel(provider.chatModel, r, token);
}

const PROBE_TIMEOUT_MS = 800;

/** Server-side owner string of the project's own wire simulator (see src/simulator). */
export const SIMULATOR_OWNER = 'sidestream-simulator';

/**
 * Decides where a question goes, from the settings, SecretStorage and what answers on this machine.
 * `auto` picks the first that works: VS Code's Language Model API, a local Ollama or LM Studio,
 * OpenAI or Anthropic with a key.
 */
export class ProviderResolver {
  constructor(private readonly keys: ApiKeyStore) {}

  async resolve(settings: SidestreamSettings, token?: vscode.CancellationToken): Promise<Resolution> {
    switch (settings.provider) {
      case 'auto':
        return this.resolveAuto(settings, token);
      case 'vscode-lm': {
        const lm = await this.languageModel(settings.model);
        return lm ? { ok: true, provider: lm } : { ok: false, reason: 'No VS Code language model is available (is GitHub Copilot Chat installed and signed in?).' };
      }
      case 'openai':
      case 'anthropic':
        return this.resolveCloud(settings.provider, settings);
      case 'ollama':
      case 'lmstudio':
      case 'llamacpp':
      case 'vllm':
      case 'openai-compatible':
        return this.resolveOpenAICompatible(settings.provider, settings, token);
    }
  }

  private async resolveAuto(settings: SidestreamSettings, token?: vscode.CancellationToken): Promise<Resolution> {
    if (settings.baseUrls['openai-compatible']) return this.resolveOpenAICompatible('openai-compatible', settings, token);
    const lm = await this.languageModel(settings.model);
    if (lm) return { ok: true, provider: lm };
    for (const local of ['ollama', 'lmstudio'] as const) {
      const found = await this.resolveOpenAICompatible(local, settings, token, true);
      if (found.ok) return found;
    }
    for (const cloud of ['openai', 'anthropic'] as const) {
      const found = await this.resolveCloud(cloud, settings);
      if (found.ok) return found;
    }
    return {
      ok: false,
      reason: vscode.l10n.t('Sidestream found no model to talk to: no VS Code language model, no Ollama or LM Studio on this machine, and no OpenAI or Anthropic API key.'),
    };
  }

  private async resolveCloud(provider: 'openai' | 'anthropic', settings: SidestreamSettings): Promise<Resolution> {
    const info = providerInfo(provider);
    const key = await this.keys.get(provider);
    if (!key) {
      return { ok: false, reason: vscode.l10n.t('No {0} API key. Run "Sidestream: Set API Key" or set {1}.', info.label, info.keyEnv ?? '') };
    }
    const model = settings.model || info.defaultModel || '';
    return {
      ok: true,
      provider: {
        kind: 'core',
        provider,
        api: wireApiFor(provider, provider === 'anthropic' ? 'chat' : settings.apis[provider]),
        // The provider's own URL: another provider's (or a workspace's) URL never gets this key.
        baseUrl: settings.baseUrls[provider] || info.defaultBaseUrl || '',
        apiKey: key.key,
        model,
        label: info.label,
      },
    };
  }

  private async resolveOpenAICompatible(
    provider: 'ollama' | 'lmstudio' | 'llamacpp' | 'vllm' | 'openai-compatible',
    settings: SidestreamSettings,
    token?: vscode.CancellationToken,
    probeOnly = false,
  ): Promise<Resolution> {
    const baseUrl = settings.baseUrls[provider] || providerInfo(provider).defaultBaseUrl || '';
    if (!baseUrl)
      return {
        ok: false,
        reason: vscode.l10n.t(
          'Run "Sidestream: Select Provider" → "Other OpenAI-compatible server…", or set {0} to the server\'s URL, e.g. {1}.',
          baseUrlHint('openai-compatible'),
          'http://127.0.0.1:8000/v1',
        ),
      };
    const apiKey = provider === 'openai-compatible' ? (await this.keys.get('openai-compatible'))?.key : undefined;
    let model = settings.model;
    let label = providerInfo(provider).label;
    const listing = await this.probe(baseUrl, apiKey, token, provider);
    if (listing.ok) {
      if (listing.simulator) label = 'Simulator';
      if (!model) model = listing.models[0] ?? '';
    } else if (probeOnly) {
      return { ok: false, reason: listing.reason };
    }
    if (!model) {
      return { ok: false, reason: listing.ok ? vscode.l10n.t('{0} at {1} lists no models. Load or pull one first.', label, redactUrl(baseUrl)) : listing.reason };
    }
    const api = wireApiFor(provider, settings.apis[provider]);
    return { ok: true, provider: { kind: 'core', provider, api, baseUrl, apiKey, model, label } };
  }

  /** Lists models of a server with a short timeout; tells whether it is Sidestream's simulator. */
  private async probe(
    baseUrl: string,
    apiKey: string | undefined,
    token: vscode.CancellationToken | undefined,
    provider: Exclude<UrlProvider, 'openai' | 'anthropic'>,
  ): Promise<{ ok: true; models: string[]; simulator: boolean } | { ok: false; reason: string }> {
    let url: URL;
    try {
      url = new URL(baseUrl.replace(/\/+$/, '') + '/models');
    } catch {
      return { ok: false, reason: vscode.l10n.t('"{0}" is not a valid URL. Fix {1}.', redactUrl(baseUrl), baseUrlHint(provider)) };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    const sub = token?.onCancellationRequested(() => controller.abort());
    try {
      const res = await fetch(url, { signal: controller.signal, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
      if (!res.ok) {
        // The error body is not needed: cancelling it closes the connection instead of reading it.
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, reason: vscode.l10n.t('{0} answered {1} when listing models.', redactUrl(url.origin), res.status) };
      }
      let body: { data?: Array<{ id?: string; owned_by?: string }> } | null;
      try {
        // Read with a cap: a server that sends an endless body must not fill the extension host's memory.
        body = (await readJsonCapped(res, MODEL_LIST_MAX_BYTES, 'model list')) as typeof body;
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        return {
          ok: false,
          reason: vscode.l10n.t(
            '{0} sent a model list larger than {1} MiB; reading stopped. Check {2}.',
            redactUrl(url.origin),
            MODEL_LIST_MAX_BYTES / (1024 * 1024),
            baseUrlHint(provider),
          ),
        };
      }
      const data = Array.isArray(body?.data) ? body.data : [];
      return {
        ok: true,
        models: data.map((m) => m.id).filter((id): id is string => typeof id === 'string'),
        simulator: data.some((m) => m.owned_by === SIMULATOR_OWNER),
      };
    } catch {
      return { ok: false, reason: vscode.l10n.t('Nothing answered at {0}. Start the server or change {1}.', redactUrl(baseUrl), baseUrlHint(provider)) };
    } finally {
      clearTimeout(timer);
      sub?.dispose();
    }
  }

  private async languageModel(model: string): Promise<ResolvedProvider | undefined> {
    // vscode.lm exists from 1.90; guard anyway for hosts without it.
    if (!vscode.lm?.selectChatModels) return undefined;
    try {
      // Never Sidestream's own models (vendor `sidestream`, src/features/vscodeChat): a question would come back to itself.
      const models = (await vscode.lm.selectChatModels(model ? { id: model } : undefined)).filter((m) => m.vendor !== SIDESTREAM_VENDOR);
      const chatModel = models[0];
      if (!chatModel) return undefined;
      return { kind: 'vscode-lm', chatModel, model: chatModel.id, label: chatModel.vendor === 'copilot' ? 'Copilot' : chatModel.vendor };
    } catch {
      return undefined;
    }
  }

  /** Models the user can pick from, for "Sidestream: Select Model". */
  async listModels(resolved: ResolvedProvider, token?: vscode.CancellationToken): Promise<string[]> {
    if (resolved.kind === 'vscode-lm') {
      return (await vscode.lm.selectChatModels()).filter((m) => m.vendor !== SIDESTREAM_VENDOR).map((m) => m.id);
    }
    return loadCore().listModels({ provider: resolved.provider, api: resolved.api, baseUrl: resolved.baseUrl, apiKey: resolved.apiKey }, token);
  }
}

export function providerKeyFor(provider: ProviderId): KeyedProvider | undefined {
  return (KEYED_PROVIDERS as readonly ProviderId[]).includes(provider) ? (provider as KeyedProvider) : undefined;
}
