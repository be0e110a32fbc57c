/**
 * Which Sidestream settings a workspace may set, where each provider's base URL lives, and how the
 * old shared `sidestream.baseUrl` is migrated. No `vscode` import: unit-tested in plain Node; the
 * extension's settings reader (src/platform/settings.ts) feeds it `inspect()` results.
 *
 * The rule: settings that decide **where requests and keys go** (the provider and every base URL)
 * come from the user's own settings only. A trusted workspace may set what is about the project
 * (model, system prompt, output limit, OpenAI API flavour, idle timeout). In Restricted Mode no
 * workspace value is read at all.
 */

import {
  OPENAI_WIRE_PROVIDERS,
  PROVIDER_CATALOG,
  PROVIDER_SETTINGS,
  URL_PROVIDERS,
  isProviderId,
  type OpenAIWireProvider,
  type ProviderSetting,
  type UrlProvider,
} from './providerCatalog';

export { OPENAI_WIRE_PROVIDERS, PROVIDER_SETTINGS, URL_PROVIDERS };
export type { OpenAIWireProvider, ProviderSetting, UrlProvider };

/** The setting under `sidestream.` named `key` in a provider's section (`openaiCompatible.baseUrl`). */
function sectionSettings<P extends UrlProvider>(providers: readonly P[], key: string): Record<P, string> {
  return Object.fromEntries(providers.map((p) => [p, `${PROVIDER_CATALOG[p].settingsSection!}.${key}`])) as Record<P, string>;
}

/** The setting (under `sidestream.`) holding each provider's base URL. */
export const BASE_URL_SETTING: Record<UrlProvider, string> = sectionSettings(URL_PROVIDERS, 'baseUrl');

/** The setting (under `sidestream.`) holding each OpenAI-format provider's wire API (`chat` | `responses`). */
export const API_SETTING: Record<OpenAIWireProvider, string> = sectionSettings(OPENAI_WIRE_PROVIDERS, 'api');

/** Anthropic extended thinking: the token budget (0 = off). */
export const THINKING_BUDGET_SETTING = 'anthropic.thinkingBudget';

/** The old shared base URL, read once to migrate it. */
export const LEGACY_BASE_URL_SETTING = 'baseUrl';

/** Decide where requests and keys go: user settings only, never a workspace. */
export const USER_ONLY_SETTINGS: readonly string[] = ['provider', ...URL_PROVIDERS.map((p) => BASE_URL_SETTING[p]), LEGACY_BASE_URL_SETTING];

/** About the project: a trusted workspace may set them (`restrictedConfigurations` in package.json). */
export const PROJECT_SETTINGS: readonly string[] = [
  'model',
  'systemPrompt',
  'maxOutputTokens',
  ...OPENAI_WIRE_PROVIDERS.map((p) => API_SETTING[p]),
  THINKING_BUDGET_SETTING,
  'idleTimeoutSeconds',
  'autoResume',
];

/** The parts of `WorkspaceConfiguration.inspect()` the policy looks at. */
export interface InspectedValue<T> {
  defaultValue?: T | undefined;
  globalValue?: T | undefined;
  workspaceValue?: T | undefined;
  workspaceFolderValue?: T | undefined;
}

export interface Chosen<T> {
  value: T | undefined;
  /** A workspace (or folder) value exists and was not used. */
  ignoredWorkspaceValue: boolean;
  /** Why it was ignored, for the log. */
  reason?: 'user-only' | 'restricted-mode' | undefined;
}

/** Picks the value Sidestream uses for `key` from its inspected values. */
export function chooseValue<T>(key: string, inspected: InspectedValue<T> | undefined, opts: { trusted: boolean }): Chosen<T> {
  const i = inspected ?? {};
  const hasWorkspace = i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined;
  const userOnly = USER_ONLY_SETTINGS.includes(key);
  if (userOnly || !opts.trusted) {
    return {
      value: i.globalValue !== undefined ? i.globalValue : i.defaultValue,
      ignoredWorkspaceValue: hasWorkspace,
      reason: hasWorkspace ? (userOnly ? 'user-only' : 'restricted-mode') : undefined,
    };
  }
  const value =
    i.workspaceFolderValue !== undefined
      ? i.workspaceFolderValue
      : i.workspaceValue !== undefined
        ? i.workspaceValue
        : i.globalValue !== undefined
          ? i.globalValue
          : i.defaultValue;
  return { value, ignoredWorkspaceValue: false };
}

/** The log line for an ignored workspace value (never the value itself: it may carry credentials). */
export function ignoredWorkspaceMessage(key: string, reason: 'user-only' | 'restricted-mode'): string {
  return reason === 'user-only'
    ? `ignoring the workspace's value of sidestream.${key}: it decides where requests and API keys go, so only your own (user or remote) settings count`
    : `ignoring the workspace's value of sidestream.${key}: the workspace is not trusted (Restricted Mode), so only your own settings count`;
}

/**
 * Where the old shared `sidestream.baseUrl` goes: the base URL of the provider the user chose, or
 * of the OpenAI-compatible server when the user's provider is `auto` (which then used it as one)
 * or one without a URL.
 */
export function legacyBaseUrlTarget(userProvider: string | undefined): UrlProvider {
  return (URL_PROVIDERS as readonly string[]).includes(userProvider ?? '') ? (userProvider as UrlProvider) : 'openai-compatible';
}

export function isProviderSetting(value: unknown): value is ProviderSetting {
  return value === 'auto' || isProviderId(value);
}

/** A numeric setting's bounds and default, as package.json declares them. */
export interface NumericSettingBounds {
  minimum: number;
  maximum: number;
  default: number;
  /** Whole numbers only (a fraction is rounded down). */
  integer: boolean;
}

/**
 * Every numeric setting's bounds (under `sidestream.`), the same as package.json's `minimum` and
 * `maximum` (a unit test keeps them equal). package.json only guides the Settings editor: a
 * settings.json can hold any value, so the reader clamps with {@link clampNumericSetting} too.
 * The idle timeout's maximum (a day) keeps it far below what a timer can hold (2^31−1 ms, about
 * 24.8 days; Node fires a longer timer at once, which failed every answer immediately).
 */
export const NUMERIC_SETTINGS = {
  maxOutputTokens: { minimum: 1, maximum: 1_000_000, default: 4096, integer: true },
  idleTimeoutSeconds: { minimum: 1, maximum: 86_400, default: 60, integer: false },
  [THINKING_BUDGET_SETTING]: { minimum: 0, maximum: 1_000_000, default: 0, integer: true },
} as const satisfies Record<string, NumericSettingBounds>;

export type NumericSetting = keyof typeof NUMERIC_SETTINGS;

/**
 * A numeric setting's value as the extension uses it: a number (or numeric string) clamped into
 * its bounds (infinity included); anything else is the default.
 */
export function clampNumericSetting(key: NumericSetting, raw: unknown): number {
  const bounds: NumericSettingBounds = NUMERIC_SETTINGS[key];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (Number.isNaN(value)) return bounds.default;
  const clamped = Math.min(bounds.maximum, Math.max(bounds.minimum, value));
  return bounds.integer ? Math.floor(clamped) : clamped;
}
