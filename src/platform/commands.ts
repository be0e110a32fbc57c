/**
 * The platform's commands: choosing the provider and model, keys, the log, and Cancel Response
 * (which runs every feature's cancel hook). Ids and titles match package.json `contributes.commands`.
 */
import * as vscode from 'vscode';
import { providerInfo, SELECT_PROVIDER_ORDER, type ProviderInfo } from '../core/providerCatalog';
import { BASE_URL_SETTING } from '../core/settingsPolicy';
import { KEYED_PROVIDERS, keyLabel, type ApiKeyStore, type KeyedProvider } from './ApiKeyStore';
import { confirmClearKey } from './confirm';
import type { CancelHooks } from './cancelHooks';
import { lastDiagnosis } from './diagnosisMemo';
import type { ProviderResolver, ResolvedProvider } from './ProviderResolver';
import { readSettings, updateUserSetting, type ProviderSetting } from './settings';

interface CommandDeps {
  keys: ApiKeyStore;
  resolver: ProviderResolver;
  log: vscode.LogOutputChannel;
  cancelHooks: CancelHooks;
  /** Where Diagnose Server remembers what it found (Select Model marks the models with a problem). */
  globalState?: vscode.Memento | undefined;
  /** Tells the features that the provider, model or keys changed. */
  refreshPanel(): void;
}

export function registerPlatformCommands(deps: CommandDeps): vscode.Disposable[] {
  const { keys, resolver, log } = deps;
  return [
    vscode.commands.registerCommand('sidestream.cancel', () => deps.cancelHooks.runAll()),
    vscode.commands.registerCommand('sidestream.selectModel', async () => {
      const resolution = await resolver.resolve(readSettings());
      if (!resolution.ok) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: {0}', resolution.reason));
        return;
      }
      const provider = resolution.provider;
      const models = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidestream: listing {0} models…', provider.label), cancellable: true },
        async (_progress, token) => {
          try {
            return await resolver.listModels(provider, token);
          } catch (err) {
            void vscode.window.showErrorMessage(vscode.l10n.t('Sidestream: could not list models: {0}', err instanceof Error ? err.message : String(err)));
            return undefined;
          }
        },
      );
      if (!models) return;
      const picked = await vscode.window.showQuickPick(
        models.map((id) => modelItem(id, provider, deps.globalState)),
        { title: vscode.l10n.t('Sidestream: Select Model ({0})', provider.label), placeHolder: vscode.l10n.t('Type to filter'), matchOnDescription: true },
      );
      if (!picked) return;
      // Write where it is read next: a trusted workspace that sets the model wins over the user
      // settings, so the pick goes to that workspace's settings; otherwise to the user's.
      const inspected = vscode.workspace.getConfiguration('sidestream').inspect<string>('model');
      const target = !vscode.workspace.isTrusted
        ? vscode.ConfigurationTarget.Global
        : inspected?.workspaceFolderValue !== undefined
          ? vscode.ConfigurationTarget.WorkspaceFolder
          : inspected?.workspaceValue !== undefined
            ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
      await vscode.workspace
        .getConfiguration('sidestream', target === vscode.ConfigurationTarget.WorkspaceFolder ? vscode.workspace.workspaceFolders?.[0]?.uri : undefined)
        .update('model', picked.label, target);
      log.info(`model set to ${picked.label}${target === vscode.ConfigurationTarget.Global ? '' : ' in the workspace settings (this workspace sets sidestream.model)'}`);
      deps.refreshPanel();
    }),
    vscode.commands.registerCommand('sidestream.setApiKey', async (provider?: unknown) => {
      if (provider !== undefined && !isKeyedProvider(provider)) return unknownKeyedProvider(provider, log);
      const which = provider ?? (await pickKeyedProvider(vscode.l10n.t('Sidestream: Set API Key')));
      if (!which) return;
      const key = await vscode.window.showInputBox({
        title: vscode.l10n.t('Sidestream: Set API Key — {0}', keyLabel(which)),
        prompt: vscode.l10n.t("Stored in VS Code's secret storage; never written to settings or logs."),
        password: true,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Paste a key')),
      });
      if (!key?.trim()) return;
      await keys.set(which, key);
      const settings = readSettings();
      // A cloud key under `auto` means: use that provider (a server's optional key does not).
      if (providerInfo(which).needsKey && settings.provider === 'auto') {
        await updateUserSetting('provider', which, log);
      }
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: {0} key saved.', keyLabel(which)));
      deps.refreshPanel();
    }),
    vscode.commands.registerCommand('sidestream.clearApiKey', async (provider?: unknown) => {
      if (provider !== undefined && !isKeyedProvider(provider)) return unknownKeyedProvider(provider, log);
      const which = provider ?? (await pickKeyedProvider(vscode.l10n.t('Sidestream: Clear API Key')));
      if (!which) return;
      // Picked in the quick pick, the user chose it; named in an argument (maybe by another
      // extension), the stored key goes only when the user confirms.
      if (provider !== undefined) {
        if (!(await keys.stored(which))) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: no {0} key is stored.', keyLabel(which)));
          return;
        }
        if (!(await confirmClearKey(keyLabel(which)))) return;
      }
      await keys.clear(which);
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: {0} key removed from secret storage.', keyLabel(which)));
      deps.refreshPanel();
    }),
    vscode.commands.registerCommand('sidestream.selectProvider', async (hint?: 'local' | 'vscode-lm') => {
      const items: Array<vscode.QuickPickItem & { id: ProviderSetting; place?: ProviderInfo['place'] }> = [
        { id: 'auto', label: vscode.l10n.t('Automatic'), description: vscode.l10n.t('First that works') },
        ...SELECT_PROVIDER_ORDER.map((id) => ({ id, place: providerInfo(id).place, ...providerInfo(id).pick })),
      ];
      // The setup card's "local server": every server the user runs (on this machine or the LAN).
      const shown = hint === 'local' ? items.filter((i) => i.place === 'local' || i.place === 'custom') : items;
      const picked =
        hint === 'vscode-lm' ? items.find((i) => i.id === 'vscode-lm') : await vscode.window.showQuickPick(shown, { title: vscode.l10n.t('Sidestream: Select Provider') });
      if (!picked) return;
      if (picked.id === 'openai-compatible') {
        const url = await vscode.window.showInputBox({
          title: vscode.l10n.t('Sidestream: base URL of the OpenAI-compatible server'),
          value: readSettings().baseUrls['openai-compatible'] || 'http://127.0.0.1:8000/v1',
          validateInput: (v) => (isHttpUrl(v) ? undefined : vscode.l10n.t('Enter an http(s) URL, e.g. {0}', 'http://127.0.0.1:8000/v1')),
          ignoreFocusOut: true,
        });
        if (!url) return;
        // Only this server's URL: the OpenAI and Anthropic URLs (and keys) are untouched.
        await updateUserSetting(BASE_URL_SETTING['openai-compatible'], url.trim(), log);
      }
      await updateUserSetting('provider', picked.id, log);
      await updateUserSetting('model', undefined, log);
      if (picked.id !== 'auto' && providerInfo(picked.id).needsKey && isKeyed(picked.id)) {
        if (!(await keys.get(picked.id))) await vscode.commands.executeCommand('sidestream.setApiKey', picked.id);
      }
      deps.refreshPanel();
    }),
    vscode.commands.registerCommand('sidestream.showLog', () => log.show()),
    vscode.commands.registerCommand('sidestream.openSettings', (setting?: unknown) => openSettings(setting)),
    vscode.commands.registerCommand('sidestream.showMenu', () => showMenu()),
  ];
}

/** The Settings editor on Sidestream's settings, or on one of them (`sidestream.model`, a base URL…). */
export async function openSettings(setting?: unknown): Promise<void> {
  // Only one of Sidestream's own settings can be named; anything else opens them all.
  const query = typeof setting === 'string' && /^sidestream\.[A-Za-z.]+$/.test(setting) ? setting : `@ext:${SIDESTREAM_EXTENSION_ID}`;
  await vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** The extension's id (publisher.name), as `@ext:` in the Settings editor wants it. */
export const SIDESTREAM_EXTENSION_ID = 'sidestream.sidestream';

/** What the status-bar item's menu offers, in order: each a Sidestream command. */
export function menuEntries(): Array<vscode.QuickPickItem & { command: string }> {
  return [
    { command: 'sidestream.chatView.focus', label: `$(comment-discussion) ${vscode.l10n.t('Open Chat')}` },
    { command: 'sidestream.selectModel', label: `$(symbol-class) ${vscode.l10n.t('Select Model')}` },
    { command: 'sidestream.selectProvider', label: `$(server) ${vscode.l10n.t('Select Provider')}` },
    { command: 'sidestream.compareModels', label: `$(split-horizontal) ${vscode.l10n.t('Compare Models')}` },
    { command: 'sidestream.showMetrics', label: `$(graph) ${vscode.l10n.t('Show Metrics')}` },
    { command: 'sidestream.setApiKey', label: `$(key) ${vscode.l10n.t('Set API Key')}` },
    { command: 'sidestream.showLog', label: `$(output) ${vscode.l10n.t('Show Log')}` },
    { command: 'sidestream.openSettings', label: `$(gear) ${vscode.l10n.t('Open Settings')}` },
  ];
}

/** The status-bar item's quick menu: the picked entry's command runs. */
async function showMenu(): Promise<void> {
  const picked = await vscode.window.showQuickPick(menuEntries(), { title: vscode.l10n.t('Sidestream'), placeHolder: vscode.l10n.t('Choose what to do') });
  if (picked) await vscode.commands.executeCommand(picked.command);
}

/** `title`: the quick pick's title, already translated (e.g. "Sidestream: Set API Key"). */
async function pickKeyedProvider(title: string): Promise<KeyedProvider | undefined> {
  const picked = await vscode.window.showQuickPick(
    KEYED_PROVIDERS.map((id) => ({ id, label: keyLabel(id) })),
    { title },
  );
  return picked?.id;
}

function isKeyed(id: string): id is KeyedProvider {
  return (KEYED_PROVIDERS as readonly string[]).includes(id);
}

function isKeyedProvider(value: unknown): value is KeyedProvider {
  return typeof value === 'string' && isKeyed(value);
}

/** A key command's argument that names no keyed provider: nothing is stored or cleared (the value is not echoed: it might be a key). */
function unknownKeyedProvider(value: unknown, log: vscode.LogOutputChannel): void {
  log.warn(`a key command was run with an argument (${typeof value}) that names no provider with a key; nothing changed`);
  void vscode.window.showErrorMessage(vscode.l10n.t('Sidestream: that argument is not a provider with an API key ({0}); nothing changed.', KEYED_PROVIDERS.join(', ')));
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value.trim());
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A model in Select Model: the current one says so; one whose last diagnosis found a problem is marked, with what it found. */
function modelItem(id: string, provider: ResolvedProvider, state: vscode.Memento | undefined): vscode.QuickPickItem {
  const memo = state && provider.kind === 'core' ? lastDiagnosis(state, provider.provider, provider.baseUrl, id) : undefined;
  const current = id === provider.model ? vscode.l10n.t('current') : undefined;
  if (!memo?.problems) return { label: id, description: current };
  const problems = vscode.l10n.t('last diagnosis: {0} problem(s)', memo.problems);
  return {
    label: id,
    iconPath: new vscode.ThemeIcon('warning'),
    description: current ? `${current} · ${problems}` : problems,
    detail: memo.lines.join(' · '),
  };
}
