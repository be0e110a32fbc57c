/**
 * The Compare Models commands: pick 2–4 models (remembering the last set), type one question, watch
 * the columns; reopen a saved run; copy the shown run as Markdown.
 */
import * as vscode from 'vscode';
import type { ProviderId } from '../../core/events';
import { SIDESTREAM_VENDOR } from '../../platform/modelLimits';
import type { FeatureParts } from '../../platform/featureLoader';
import type { HostServices } from '../../platform/services';
import { selectionContext } from '../../platform/editorSelection';
import { MAX_COMPARE_MODELS, MIN_COMPARE_MODELS, type CompareController, type CompareTarget } from './CompareController';

/** Where the last picked set is remembered (global state: the same models across workspaces). */
export const LAST_COMPARE_MODELS_KEY = 'sidestream.compare.lastModels';

export interface CompareCommandDeps {
  host: HostServices;
  compare: CompareController;
  models: { reachableModels(token: vscode.CancellationToken): Promise<Array<{ provider: ProviderId; model: string; label: string }>> };
}

type ModelItem = vscode.QuickPickItem & { target: CompareTarget; key: string };

/** The Compare Models feature: its controller, its commands (registered by the loader), its cancel hook. */
export function compareFeature(deps: CompareCommandDeps): FeatureParts<CompareController> {
  const { compare, host } = deps;
  return {
    value: compare,
    disposables: [compare, host.cancelHooks.register(() => compare.cancel())],
    commands: {
      'sidestream.compareModels': async (question?: string) => {
        const targets = await pickModels(deps);
        if (!targets) return;
        const context = selectionContext(host.loadCore);
        const text =
          typeof question === 'string'
            ? question
            : await vscode.window.showInputBox({
                title: vscode.l10n.t('Sidestream: Compare Models'),
                prompt: context
                  ? vscode.l10n.t('Asked of {0} models at once; the selection in {1} goes along as context.', targets.length, context.fileName)
                  : vscode.l10n.t('Asked of {0} models at once; the answers stream side by side.', targets.length),
                placeHolder: vscode.l10n.t('Ask anything…'),
                ignoreFocusOut: true,
              });
        if (text?.trim()) await compare.start(text, targets, context ? [context] : undefined);
      },
      'sidestream.showCompareRuns': async () => {
        const runs = compare.listRuns();
        if (!runs.length) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: no saved comparisons yet. Run "Sidestream: Compare Models" first.'));
          return;
        }
        const picked = await vscode.window.showQuickPick(
          runs.map((r) => ({ id: r.id, label: r.title || vscode.l10n.t('(no question)'), description: new Date(r.createdAt).toLocaleString(), detail: r.models.join(' · ') })),
          { title: vscode.l10n.t('Sidestream: Compare Runs'), placeHolder: vscode.l10n.t('Type to filter by question or model'), matchOnDetail: true },
        );
        if (picked) await compare.openRun(picked.id);
      },
      'sidestream.openCompareRun': async (id?: string) => {
        if (typeof id !== 'string') return vscode.commands.executeCommand('sidestream.showCompareRuns');
        if (!(await compare.openRun(id))) void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: that comparison is no longer saved.'));
        return undefined;
      },
      'sidestream.copyCompareMarkdown': async () => {
        if (!(await compare.copyMarkdown())) void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: no comparison to copy. Run "Sidestream: Compare Models" first.'));
      },
    },
  };
}

/**
 * A multi-select pick of every model Sidestream reaches, plus VS Code's language models; the last
 * set comes pre-selected. Asks again until 2–4 are picked; undefined when dismissed.
 */
async function pickModels(deps: CompareCommandDeps): Promise<CompareTarget[] | undefined> {
  const items = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidestream: listing models…'), cancellable: true },
    async (_progress, token) => modelItems(deps, token),
  );
  if (!items.length) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream found no model to compare: start a local server, or set an OpenAI or Anthropic key.'));
    return undefined;
  }
  const last = new Set(deps.host.globalState.get<string[]>(LAST_COMPARE_MODELS_KEY) ?? []);
  for (const item of items) item.picked = last.has(item.key);
  let title = vscode.l10n.t('Sidestream: Compare Models — pick {0} to {1}', MIN_COMPARE_MODELS, MAX_COMPARE_MODELS);
  for (;;) {
    const picked = await vscode.window.showQuickPick(items, {
      title,
      canPickMany: true,
      matchOnDescription: true,
      ignoreFocusOut: true,
      placeHolder: vscode.l10n.t('Type to filter'),
    });
    if (!picked) return undefined;
    if (picked.length >= MIN_COMPARE_MODELS && picked.length <= MAX_COMPARE_MODELS) {
      await deps.host.globalState.update(
        LAST_COMPARE_MODELS_KEY,
        picked.map((p) => p.key),
      );
      return picked.map((p) => p.target);
    }
    for (const item of items) item.picked = picked.includes(item);
    title = vscode.l10n.t('Sidestream: Compare Models — {0} picked: pick {1} to {2}', picked.length, MIN_COMPARE_MODELS, MAX_COMPARE_MODELS);
  }
}

async function modelItems(deps: CompareCommandDeps, token: vscode.CancellationToken): Promise<ModelItem[]> {
  const own = await deps.models.reachableModels(token);
  const items: ModelItem[] = own.map((m) => ({
    key: `${m.provider}/${m.model}`,
    label: m.model,
    description: m.label,
    target: { provider: m.provider, model: m.model, label: m.label },
  }));
  try {
    // VS Code's language models (Copilot…), never Sidestream's own (they are listed above by provider).
    const lm = vscode.lm?.selectChatModels ? (await vscode.lm.selectChatModels()).filter((m) => m.vendor !== SIDESTREAM_VENDOR) : [];
    for (const m of lm) {
      const label = m.vendor === 'copilot' ? 'Copilot' : m.vendor;
      items.push({ key: `vscode-lm/${m.id}`, label: m.name || m.id, description: label, target: { provider: 'vscode-lm', model: m.id, label, chatModel: m } });
    }
  } catch {
    // No language models available: the pick shows Sidestream's own.
  }
  return items;
}
