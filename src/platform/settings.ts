import * as vscode from 'vscode';
import { redactUrl } from '../core/redact';
import {
  API_SETTING,
  BASE_URL_SETTING,
  OPENAI_WIRE_PROVIDERS,
  THINKING_BUDGET_SETTING,
  LEGACY_BASE_URL_SETTING,
  URL_PROVIDERS,
  chooseValue,
  clampNumericSetting,
  ignoredWorkspaceMessage,
  isProviderSetting,
  legacyBaseUrlTarget,
  type OpenAIWireProvider,
  type ProviderSetting,
  type UrlProvider,
} from '../core/settingsPolicy';

export type { ProviderSetting, UrlProvider } from '../core/settingsPolicy';

export interface SidestreamSettings {
  /** From the user's own settings only (it decides where the keys go). */
  provider: ProviderSetting;
  model: string;
  /** Each provider's own base URL, from the user's own (user or remote) settings only; '' = the provider's default. */
  baseUrls: Record<UrlProvider, string>;
  /** Each OpenAI-format provider's wire API: Chat Completions or the Responses API. */
  apis: Record<OpenAIWireProvider, 'chat' | 'responses'>;
  /** Anthropic extended thinking budget in tokens; 0 = off. */
  anthropicThinkingBudget: number;
  maxOutputTokens: number;
  idleTimeoutSeconds: number;
  systemPrompt: string;
  /** Resume an answer whose stream broke after text arrived (core/salvage.ts); on by default. */
  autoResume: boolean;
}

let logSink: vscode.LogOutputChannel | undefined;
const alreadyLogged = new Set<string>();

/** Where readSettings() reports ignored workspace values (once per setting and reason). */
export function setSettingsLog(log: vscode.LogOutputChannel): void {
  logSink = log;
}

/**
 * Reads Sidestream's settings under its trust rules (src/core/settingsPolicy.ts): provider and
 * base URLs from the user's settings only; model, system prompt, output limit, API flavour and idle
 * timeout also from a trusted workspace; in Restricted Mode nothing from the workspace.
 */
export function readSettings(): SidestreamSettings {
  const c = vscode.workspace.getConfiguration('sidestream');
  const trusted = vscode.workspace.isTrusted;
  const read = <T>(key: string, fallback: T): T => {
    const chosen = chooseValue<T>(key, c.inspect<T>(key), { trusted });
    if (chosen.ignoredWorkspaceValue && chosen.reason) {
      const id = `${key}:${chosen.reason}`;
      if (!alreadyLogged.has(id)) {
        alreadyLogged.add(id);
        logSink?.warn(ignoredWorkspaceMessage(key, chosen.reason));
      }
    }
    return chosen.value === undefined || chosen.value === null ? fallback : chosen.value;
  };
  const provider = read<string>('provider', 'auto');
  const baseUrls = {} as Record<UrlProvider, string>;
  for (const p of URL_PROVIDERS) baseUrls[p] = String(read<string>(BASE_URL_SETTING[p], '') ?? '').trim();
  const apis = {} as Record<OpenAIWireProvider, 'chat' | 'responses'>;
  for (const p of OPENAI_WIRE_PROVIDERS) apis[p] = read<string>(API_SETTING[p], 'chat') === 'responses' ? 'responses' : 'chat';
  // Clamped to the bounds package.json declares: a settings.json can hold any value (an idle
  // timeout of 1e10 s overflowed its timer and failed every answer at once).
  const budget = clampNumericSetting(THINKING_BUDGET_SETTING, read<unknown>(THINKING_BUDGET_SETTING, undefined));
  return {
    provider: isProviderSetting(provider) ? provider : 'auto',
    model: String(read<string>('model', '') ?? '').trim(),
    baseUrls,
    apis,
    // Anthropic needs at least 1,024 tokens of budget; anything less (or nonsense) is off.
    anthropicThinkingBudget: budget >= 1024 ? budget : 0,
    maxOutputTokens: clampNumericSetting('maxOutputTokens', read<unknown>('maxOutputTokens', undefined)),
    idleTimeoutSeconds: clampNumericSetting('idleTimeoutSeconds', read<unknown>('idleTimeoutSeconds', undefined)),
    systemPrompt: String(read<string>('systemPrompt', '') ?? ''),
    autoResume: read<unknown>('autoResume', true) !== false,
  };
}

/** True in a remote window (code-server, Remote-SSH, WSL, Dev Containers, Codespaces). */
export function isRemoteWindow(): boolean {
  return vscode.env.remoteName !== undefined && vscode.env.remoteName !== '';
}

/**
 * The settings file that counts for a base URL (a `machine`-scoped setting): in a remote window VS
 * Code reads those only from the remote's settings, never from the local user settings.
 */
export function baseUrlSettingsFile(): string {
  return isRemoteWindow() ? vscode.l10n.t('your Remote settings (Preferences: Open Remote Settings)') : vscode.l10n.t('your user settings (Preferences: Open User Settings)');
}

/** "sidestream.openaiCompatible.baseUrl in your Remote settings (…)": what a message tells the user to edit. */
export function baseUrlHint(provider: UrlProvider): string {
  return vscode.l10n.t('"{0}" in {1}', `sidestream.${BASE_URL_SETTING[provider]}`, baseUrlSettingsFile());
}

/**
 * Writes one of the user's own settings where VS Code reads it next: base URLs (`machine` scope)
 * in a remote window go to the remote settings, everything else to the user settings. Checks that
 * the value reads back and logs when it does not.
 */
export async function updateUserSetting(key: string, value: unknown, log?: vscode.LogOutputChannel): Promise<void> {
  const c = vscode.workspace.getConfiguration('sidestream');
  await c.update(key, value, vscode.ConfigurationTarget.Global);
  const after = vscode.workspace.getConfiguration('sidestream').inspect(key)?.globalValue;
  if (JSON.stringify(after) !== JSON.stringify(value)) {
    log?.warn(`sidestream.${key} was written to the user settings but reads back as ${JSON.stringify(typeof after === 'string' ? redactUrl(after) : after)}`);
  }
}

/**
 * Moves the old shared `sidestream.baseUrl` (user value) to the base URL of the provider it served,
 * once, and says so in the log. A newer per-provider value is never overwritten.
 */
export async function migrateLegacyBaseUrl(log: vscode.LogOutputChannel): Promise<void> {
  const c = vscode.workspace.getConfiguration('sidestream');
  const legacy = c.inspect<string>(LEGACY_BASE_URL_SETTING)?.globalValue;
  if (typeof legacy !== 'string') return;
  const url = legacy.trim();
  const userProvider = c.inspect<string>('provider')?.globalValue;
  const target = legacyBaseUrlTarget(userProvider);
  const key = BASE_URL_SETTING[target];
  try {
    if (url && !c.inspect<string>(key)?.globalValue) await c.update(key, url, vscode.ConfigurationTarget.Global);
    await c.update(LEGACY_BASE_URL_SETTING, undefined, vscode.ConfigurationTarget.Global);
    log.info(
      url
        ? `migrated sidestream.baseUrl (${redactUrl(url)}) to sidestream.${key}, the base URL of ${target} only; sidestream.baseUrl is no longer used`
        : 'removed the empty sidestream.baseUrl (no longer used)',
    );
  } catch (err) {
    log.warn(`could not migrate sidestream.baseUrl to sidestream.${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
