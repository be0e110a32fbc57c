/**
 * Every provider Sidestream can ask, and everything the code says about one: its name, where it
 * lives, which key it takes (and from which environment variable), its default model, the wire
 * APIs it speaks and the settings that configure it. The one source of truth: the extension's
 * resolver, commands and key store, the core's requests and error messages, the CLI and
 * `npm start` read it; unit tests check package.json and the README against it. No `vscode` import.
 */
import type { ProviderId, WireApi } from './events';

/** Where a provider runs, which decides its defaults and how its failures are worded. */
export type ProviderPlace =
  /** A cloud API that needs a key. */
  | 'cloud'
  /** A server on this machine, at a well-known port. */
  | 'local'
  /** A server the user names (no default URL). */
  | 'custom'
  /** VS Code's Language Model API (another extension's models): no HTTP, no key. */
  | 'vscode';

export interface ProviderInfo {
  id: ProviderId;
  /** Its name in the UI and in messages: "OpenAI", "LM Studio". */
  label: string;
  /** Its name as the subject of an error message ("The server …" for an unnamed one). */
  sentenceLabel: string;
  place: ProviderPlace;
  /** Where requests go when its base URL setting is empty; undefined: none (custom) or not HTTP. */
  defaultBaseUrl: string | undefined;
  /** The settings section under `sidestream.` holding its `baseUrl` and `api` (`openaiCompatible`). */
  settingsSection: string | undefined;
  /** The wire APIs it speaks, the default first: OpenAI's Chat Completions and Responses, or Anthropic's Messages. */
  wireApis: readonly WireApi[];
  /** Whether a request needs an API key. */
  needsKey: boolean;
  /** How the key is named where the user sets it (Set API Key); undefined: it takes no key. */
  keyLabel: string | undefined;
  /** The environment variable its key is read from when none is stored; undefined: none. */
  keyEnv: string | undefined;
  /** The model used when none is configured; undefined: the server's first listed model. */
  defaultModel: string | undefined;
  /** `sidestream.provider`'s enumDescription in package.json. */
  settingDescription: string;
  /** The entry in "Sidestream: Select Provider". */
  pick: { label: string; description: string };
}

const OPENAI_WIRES: readonly WireApi[] = ['openai-chat', 'openai-responses'];

function localServer(id: ProviderId & ('ollama' | 'lmstudio' | 'llamacpp' | 'vllm'), label: string, port: number, longLabel = label): ProviderInfo {
  const url = `http://127.0.0.1:${port}/v1`;
  return {
    id,
    label,
    sentenceLabel: label,
    place: 'local',
    defaultBaseUrl: url,
    settingsSection: id,
    wireApis: OPENAI_WIRES,
    needsKey: false,
    keyLabel: undefined,
    keyEnv: undefined,
    defaultModel: undefined,
    settingDescription: `${longLabel} on this machine (${url})`,
    pick: { label: longLabel === label ? label : longLabel, description: url },
  };
}

/** The catalog, in `sidestream.provider`'s order (after `auto`). */
export const PROVIDER_CATALOG: Readonly<Record<ProviderId, ProviderInfo>> = {
  openai: {
    id: 'openai',
    label: 'OpenAI',
    sentenceLabel: 'OpenAI',
    place: 'cloud',
    defaultBaseUrl: 'https://api.openai.com/v1',
    settingsSection: 'openai',
    wireApis: OPENAI_WIRES,
    needsKey: true,
    keyLabel: 'OpenAI',
    keyEnv: 'OPENAI_API_KEY',
    defaultModel: 'gpt-4.1-mini',
    settingDescription: 'OpenAI (API key)',
    pick: { label: 'OpenAI', description: 'API key' },
  },
  anthropic: {
    id: 'anthropic',
    label: 'Anthropic',
    sentenceLabel: 'Anthropic',
    place: 'cloud',
    defaultBaseUrl: 'https://api.anthropic.com',
    settingsSection: 'anthropic',
    wireApis: ['anthropic'],
    needsKey: true,
    keyLabel: 'Anthropic',
    keyEnv: 'ANTHROPIC_API_KEY',
    defaultModel: 'claude-sonnet-4-5',
    settingDescription: 'Anthropic (API key)',
    pick: { label: 'Anthropic', description: 'API key' },
  },
  ollama: localServer('ollama', 'Ollama', 11434),
  lmstudio: localServer('lmstudio', 'LM Studio', 1234),
  llamacpp: localServer('llamacpp', 'llama.cpp', 8080, 'llama.cpp server'),
  vllm: localServer('vllm', 'vLLM', 8000),
  'openai-compatible': {
    id: 'openai-compatible',
    label: 'OpenAI-compatible',
    sentenceLabel: 'The server',
    place: 'custom',
    defaultBaseUrl: undefined,
    settingsSection: 'openaiCompatible',
    wireApis: OPENAI_WIRES,
    needsKey: false,
    keyLabel: 'OpenAI-compatible server',
    keyEnv: undefined,
    defaultModel: undefined,
    settingDescription: 'Any OpenAI-compatible server at sidestream.openaiCompatible.baseUrl',
    pick: { label: 'Other OpenAI-compatible server…', description: 'Enter its base URL' },
  },
  'vscode-lm': {
    id: 'vscode-lm',
    label: 'VS Code Language Model',
    sentenceLabel: 'The VS Code language model',
    place: 'vscode',
    defaultBaseUrl: undefined,
    settingsSection: undefined,
    wireApis: [],
    needsKey: false,
    keyLabel: undefined,
    keyEnv: undefined,
    defaultModel: undefined,
    settingDescription: "A model offered by VS Code's Language Model API (e.g. GitHub Copilot)",
    pick: { label: 'VS Code language models', description: 'e.g. GitHub Copilot' },
  },
};

/** "Select Provider" lists the servers on this machine first, then the rest. */
export const SELECT_PROVIDER_ORDER: readonly ProviderId[] = ['ollama', 'lmstudio', 'llamacpp', 'vllm', 'openai-compatible', 'vscode-lm', 'openai', 'anthropic'];

/** Every provider id, in the catalog's order. */
export const PROVIDER_IDS = Object.keys(PROVIDER_CATALOG) as ProviderId[];

/** `sidestream.provider`'s values: `auto`, then every provider. */
export type ProviderSetting = 'auto' | ProviderId;
export const PROVIDER_SETTINGS: readonly ProviderSetting[] = ['auto', ...PROVIDER_IDS];

/** What `auto` means, as package.json's enumDescription says it. */
export const AUTO_SETTING_DESCRIPTION = 'First that works: VS Code language models (e.g. Copilot), a local Ollama or LM Studio, OpenAI or Anthropic with a key';

export function providerInfo(id: ProviderId): ProviderInfo {
  return PROVIDER_CATALOG[id];
}

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PROVIDER_CATALOG, value);
}

/** Providers reached over HTTP: each has its own base URL setting. */
export type UrlProvider = Exclude<ProviderId, 'vscode-lm'>;
export const URL_PROVIDERS = PROVIDER_IDS.filter((id): id is UrlProvider => PROVIDER_CATALOG[id].settingsSection !== undefined);

/** Providers that speak OpenAI's wire formats: each picks Chat Completions or the Responses API. */
export type OpenAIWireProvider = Exclude<UrlProvider, 'anthropic'>;
export const OPENAI_WIRE_PROVIDERS = PROVIDER_IDS.filter((id): id is OpenAIWireProvider => PROVIDER_CATALOG[id].wireApis.includes('openai-responses'));

/** Providers that keep a key in SecretStorage (Set API Key). */
export type KeyedProvider = 'openai' | 'anthropic' | 'openai-compatible';
export const KEYED_PROVIDERS = PROVIDER_IDS.filter((id): id is KeyedProvider => PROVIDER_CATALOG[id].keyLabel !== undefined);

/** True for servers the user runs on their own machine or network. */
export function isLocalProvider(id: ProviderId): boolean {
  const place = PROVIDER_CATALOG[id].place;
  return place === 'local' || place === 'custom';
}

/** The wire API a provider speaks when asked for `chat` or `responses` (Anthropic speaks only its own). */
export function wireApiFor(id: ProviderId, flavour: 'chat' | 'responses' = 'chat'): WireApi {
  const apis = PROVIDER_CATALOG[id].wireApis;
  if (flavour === 'responses' && apis.includes('openai-responses')) return 'openai-responses';
  return apis[0] ?? 'openai-chat';
}
