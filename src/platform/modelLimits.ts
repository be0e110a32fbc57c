/**
 * What Sidestream tells VS Code about each model it offers through the Language Model API: a
 * model id that routes back to one provider, and honest token limits. No `vscode` import, so the
 * rules are unit tested in plain Node. Nothing here ever holds a key or a URL: a model's
 * information is visible to every extension.
 */
import type { ProviderId } from '../core/events';
import { URL_PROVIDERS } from '../core/providerCatalog';
import { english, type Translate } from '../shared/l10n';

/** The vendor Sidestream registers under (`contributes.languageModelChatProviders`). */
export const SIDESTREAM_VENDOR = 'sidestream';

/** Context window assumed for a local model whose server does not report one. */
export const ASSUMED_CONTEXT_TOKENS = 8192;

/** Published limits of the cloud models Sidestream offers when their key is set. */
export const CLOUD_MODEL_LIMITS: Record<'openai' | 'anthropic', Record<string, { context: number; maxOutput: number }>> = {
  openai: {
    'gpt-4.1': { context: 1_047_576, maxOutput: 32_768 },
    'gpt-4.1-mini': { context: 1_047_576, maxOutput: 32_768 },
    'gpt-4.1-nano': { context: 1_047_576, maxOutput: 32_768 },
    'gpt-4o': { context: 128_000, maxOutput: 16_384 },
    'gpt-4o-mini': { context: 128_000, maxOutput: 16_384 },
  },
  anthropic: {
    'claude-sonnet-4-5': { context: 200_000, maxOutput: 64_000 },
    'claude-haiku-4-5': { context: 200_000, maxOutput: 64_000 },
  },
};

/** A model as one entry of a server's `GET /models` listing (the fields some servers add included). */
export interface ListedModel {
  id: string;
  owned_by?: unknown;
  /** vLLM */
  max_model_len?: unknown;
  /** OpenRouter and some gateways */
  context_length?: unknown;
  /** llama.cpp server */
  meta?: { n_ctx_train?: unknown; n_ctx?: unknown } | unknown;
}

/** The context window a listing entry reports, when it reports one. */
export function reportedContext(entry: ListedModel): number | undefined {
  const meta = typeof entry.meta === 'object' && entry.meta !== null ? (entry.meta as { n_ctx?: unknown; n_ctx_train?: unknown }) : {};
  for (const value of [entry.max_model_len, entry.context_length, meta.n_ctx, meta.n_ctx_train]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  }
  return undefined;
}

/** Token limits for one model: what the caller may send, and what Sidestream will let it produce. */
export interface ModelLimits {
  maxInputTokens: number;
  maxOutputTokens: number;
  /** False when the server reported no context window and {@link ASSUMED_CONTEXT_TOKENS} was used. */
  known: boolean;
}

/**
 * `maxOutputTokens` is the smaller of the model's own output limit and `sidestream.maxOutputTokens`
 * (what Sidestream sends as the request's limit); `maxInputTokens` is the context window less that.
 */
export function modelLimits(context: number | undefined, modelMaxOutput: number | undefined, settingMaxOutput: number): ModelLimits {
  const window = context ?? ASSUMED_CONTEXT_TOKENS;
  const maxOutputTokens = Math.max(1, Math.min(settingMaxOutput, modelMaxOutput ?? settingMaxOutput, Math.floor(window / 2)));
  return { maxInputTokens: Math.max(1, window - maxOutputTokens), maxOutputTokens, known: context !== undefined };
}

/** `provider/model`: unique across Sidestream's providers, and routes a request back to its provider. */
export function modelInfoId(provider: ProviderId, model: string): string {
  return `${provider}/${model}`;
}

/** The inverse of {@link modelInfoId}, or undefined for an id Sidestream never made. */
export function parseModelInfoId(id: string): { provider: ProviderId; model: string } | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0) return undefined;
  const provider = id.slice(0, slash);
  const model = id.slice(slash + 1);
  // Every provider with a URL (the catalog's); never `vscode-lm`, whose models are not Sidestream's to offer.
  return (URL_PROVIDERS as readonly string[]).includes(provider) && model ? { provider: provider as ProviderId, model } : undefined;
}

/**
 * Whether a request comes from VS Code's own chat, where the user picked the model: `core`, or
 * the chat extension VS Code 1.139 ships built in (`GitHub.copilot-chat`), which sends the
 * requests of its Ask and Agent modes under its own id.
 */
export function isVsCodeChat(initiator: string): boolean {
  const id = initiator.toLowerCase();
  return id === 'core' || id === 'github.copilot-chat';
}

/**
 * What the status bar and the log say about who asked: an extension's name, or VS Code's chat.
 * `t` translates (the status bar passes `vscode.l10n.t`; the log keeps English).
 */
export function describeRequester(initiator: string | undefined, displayName: string | undefined, t: Translate = english): string | undefined {
  if (!initiator) return undefined;
  if (isVsCodeChat(initiator)) return t('via VS Code chat');
  return t('for {0}', displayName || initiator);
}
