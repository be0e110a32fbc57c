/**
 * Sidestream: Diagnose Server — checks the configured server (core/diagnose.ts: reachable, models,
 * streams, usage, reasoning, tool calls, the Responses API, the loaded context window, speed) in a
 * few seconds and shows the verdicts as a card in the chat panel when it is open (through the
 * `showCard` the wiring passes; features never import one another), otherwise in a read-only
 * Markdown document — one line each, with each problem's fix; a notification offers the fixes Sidestream can apply itself (switch the `api`
 * setting, set the base URL, Select Model, Set API Key). Loaded from dist/features.js on first use.
 */
import * as vscode from 'vscode';
import { diagnoseServer, type DiagnoseConfig, type Diagnosis, type FixAction, type Verdict, type VerdictId, type VerdictStatus } from '../../core/diagnose';
import { providerInfo, URL_PROVIDERS, wireApiFor, type OpenAIWireProvider, type UrlProvider } from '../../core/providerCatalog';
import { redactUrl } from '../../core/redact';
import { rememberDiagnosis } from '../../platform/diagnosisMemo';
import type { DiagnosisCardView } from '../../shared/protocol';
import type { FeatureParts } from '../../platform/featureLoader';
import type { ProviderResolver } from '../../platform/ProviderResolver';
import type { HostServices } from '../../platform/services';
import { updateUserSetting, type SidestreamSettings } from '../../platform/settings';

export const DIAGNOSIS_SCHEME = 'sidestream-diagnosis';

export interface DiagnoseDeps {
  host: HostServices;
  resolver: ProviderResolver;
  /** Shows the card in the chat panel; false when the panel is not open (the Markdown document is shown instead). */
  showCard?: ((card: DiagnosisCardView) => boolean) | undefined;
}

/** What the command resolves (undefined when there was nothing to diagnose): the diagnosis, its Markdown document, where it was shown. */
export interface DiagnoseResult {
  diagnosis: Diagnosis;
  /** The read-only Markdown card (always written; shown when the panel was not open). */
  document: vscode.Uri;
  /** The card went to the chat panel. */
  inPanel: boolean;
}

export class DiagnoseFeature implements vscode.Disposable {
  private readonly documents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private last: Diagnosis | undefined;
  private runs = 0;
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: DiagnoseDeps) {
    const provider: vscode.TextDocumentContentProvider = {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.documents.get(uri.toString()) ?? '',
    };
    this.registration = vscode.workspace.registerTextDocumentContentProvider(DIAGNOSIS_SCHEME, provider);
  }

  /** The last diagnosis this window ran. */
  get lastDiagnosis(): Diagnosis | undefined {
    return this.last;
  }

  /** Diagnoses the server the settings choose, shows the card, offers the fixes; resolves once it is shown. */
  async run(): Promise<DiagnoseResult | undefined> {
    const { host } = this.deps;
    const config = await this.target(host.readSettings());
    if (!config) return undefined;
    const label = providerInfo(config.provider).label;
    const diagnosis = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Sidestream: diagnosing {0}…', label), cancellable: true },
      (_progress, token) => diagnoseServer(config, token),
    );
    this.last = diagnosis;
    host.log.info(`diagnose: ${label} at ${redactUrl(diagnosis.baseUrl)} (${diagnosis.api}): ${diagnosis.problems} problem(s) in ${diagnosis.durationMs} ms`);
    if (diagnosis.model) {
      const problems = diagnosis.verdicts.filter((v) => v.status === 'warn' || v.status === 'fail');
      await rememberDiagnosis(host.globalState, diagnosis.provider, diagnosis.baseUrl, diagnosis.model, {
        problems: problems.length,
        lines: problems.map((v) => v.line),
        at: Date.now(),
      });
    }
    const uri = vscode.Uri.from({ scheme: DIAGNOSIS_SCHEME, path: `/${label.replace(/[^\w.-]+/g, '-')}-diagnosis-${++this.runs}.md` });
    this.documents.set(uri.toString(), diagnosisMarkdown(diagnosis));
    this.changed.fire(uri);
    const inPanel = this.deps.showCard?.(diagnosisCard(diagnosis)) ?? false;
    if (!inPanel) {
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
      await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Active });
    }
    void this.offerFixes(diagnosis);
    return { diagnosis, document: uri, inPanel };
  }

  /** Applies the fix of verdict `id` of the last diagnosis (what its notification button does); false when it has none. */
  async applyFix(id: VerdictId): Promise<boolean> {
    const action = this.last?.verdicts.find((v) => v.id === id)?.action;
    if (!action) return false;
    await applyAction(action, this.deps.host.log);
    return true;
  }

  private async offerFixes(diagnosis: Diagnosis): Promise<void> {
    const fixable = diagnosis.verdicts.filter((v): v is Verdict & { action: FixAction } => v.action !== undefined && (v.status === 'warn' || v.status === 'fail'));
    if (!diagnosis.problems) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: no problems found ({0} ms).', diagnosis.durationMs));
      return;
    }
    // One button per distinct action, at most three, then the settings.
    const seen = new Set<string>();
    const actions = fixable
      .map((v) => v.action)
      .filter((a) => !seen.has(JSON.stringify(a)) && seen.add(JSON.stringify(a)).size > 0)
      .slice(0, 3);
    const openSettings = vscode.l10n.t('Open Settings');
    const picked = await vscode.window.showWarningMessage(
      vscode.l10n.t('Sidestream: the diagnosis found {0} problem(s); each has its fix in the card.', diagnosis.problems),
      ...actions.map((a) => a.title),
      openSettings,
    );
    if (picked === openSettings) await vscode.commands.executeCommand('workbench.action.openSettings', 'sidestream');
    const action = actions.find((a) => a.title === picked);
    if (action) await applyAction(action, this.deps.host.log);
  }

  /** Where the settings send questions, as a diagnosis target; a server that does not answer is still diagnosed (unreachable). */
  private async target(settings: SidestreamSettings): Promise<DiagnoseConfig | undefined> {
    const resolution = await this.deps.resolver.resolve(settings);
    if (resolution.ok && resolution.provider.kind === 'core') {
      const p = resolution.provider;
      return { provider: p.provider, api: p.api, baseUrl: p.baseUrl, apiKey: p.apiKey, model: p.model || undefined };
    }
    const provider = settings.provider;
    if ((URL_PROVIDERS as readonly string[]).includes(provider)) {
      const server = provider as UrlProvider;
      const api = wireApiFor(server, server === 'anthropic' ? 'chat' : settings.apis[server as OpenAIWireProvider]);
      return { provider: server, api, baseUrl: settings.baseUrls[server] || providerInfo(server).defaultBaseUrl || '', model: settings.model || undefined };
    }
    const reason = resolution.ok ? vscode.l10n.t('the model comes from VS Code ({0}), not from a server Sidestream talks to.', resolution.provider.label) : resolution.reason;
    void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: nothing to diagnose: {0}', reason));
    return undefined;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

async function applyAction(action: FixAction, log: vscode.LogOutputChannel): Promise<void> {
  if (action.kind === 'command') {
    await vscode.commands.executeCommand(action.command);
    return;
  }
  // No value to set (a base URL only the user knows): the settings open at it.
  if (action.value === undefined) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `sidestream.${action.setting}`);
    return;
  }
  await updateUserSetting(action.setting, action.value, log);
  log.info(`diagnose: set sidestream.${action.setting} to ${JSON.stringify(action.value)}`);
}

const MARKS: Record<VerdictStatus, string> = { ok: '✅', warn: '⚠️', fail: '❌', info: 'ℹ️', skip: '➖' };

/** The card: the server, then one line per verdict (a mark and a word for screen readers), each problem's fix under it. */
export function diagnosisMarkdown(d: Diagnosis): string {
  const words: Record<VerdictStatus, string> = {
    ok: vscode.l10n.t('OK'),
    warn: vscode.l10n.t('Warning'),
    fail: vscode.l10n.t('Problem'),
    info: vscode.l10n.t('Note'),
    skip: vscode.l10n.t('Not checked'),
  };
  const lines = [
    `# ${vscode.l10n.t('Diagnosis of {0}', providerInfo(d.provider).label)}`,
    '',
    `${redactUrl(d.baseUrl)}${d.model ? ` · ${d.model}` : ''} · ${d.api} · ${d.durationMs} ms`,
    '',
  ];
  for (const v of d.verdicts) {
    lines.push(`- ${MARKS[v.status]} **${words[v.status]}:** ${v.line}`);
    if (v.fix) lines.push(`  - ${vscode.l10n.t('Fix:')} ${v.fix}${v.action ? ` (${v.action.title})` : ''}`);
  }
  lines.push('', d.problems ? vscode.l10n.t('{0} problem(s) found.', d.problems) : vscode.l10n.t('No problems found.'), '');
  return lines.join('\n');
}

/** The card as the chat panel shows it. */
export function diagnosisCard(d: Diagnosis): DiagnosisCardView {
  return {
    title: vscode.l10n.t('Diagnosis of {0}', providerInfo(d.provider).label),
    subtitle: `${redactUrl(d.baseUrl)}${d.model ? ` · ${d.model}` : ''} · ${d.api} · ${d.durationMs} ms`,
    verdicts: d.verdicts.map((v) => ({ id: v.id, status: v.status, line: v.line, fix: v.fix, action: v.action?.title })),
    summary: d.problems ? vscode.l10n.t('{0} problem(s) found.', d.problems) : vscode.l10n.t('No problems found.'),
  };
}

/** The feature and its commands, for the lazy loader. */
export function diagnoseFeature(deps: DiagnoseDeps): FeatureParts<DiagnoseFeature> {
  const feature = new DiagnoseFeature(deps);
  return {
    value: feature,
    disposables: [feature],
    commands: {
      'sidestream.diagnoseServer': () => feature.run(),
      'sidestream.applyDiagnosisFix': (id: VerdictId) => feature.applyFix(id),
    },
  };
}
