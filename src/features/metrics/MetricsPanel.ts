/**
 * **Sidestream: Show Metrics**: one editor-area webview (revealed when already open) with charts of
 * every recorded answer's figures, and **Export Metrics as CSV**. The page is its own bundle
 * (dist/metrics.js, src/webview/metrics/) under the chat panel's strict CSP; it is sent every
 * stored record when it says `ready`, then each new answer as it is recorded.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { webviewNonce } from '../../platform/webviewHtml';
import { renderMetricsHtml } from './metricsHtml';
import { filterRecords, metricsCsv, validateMetricsViewMessage, type MetricsFilter, type MetricsHostMessage } from '../../shared/answerMetrics';
import type { FeatureParts } from '../../platform/featureLoader';
import type { MetricsStore } from '../../platform/MetricsStore';
import { confirmOverwrite } from '../../platform/confirm';

export class MetricsPanel implements vscode.Disposable {
  static readonly viewType = 'sidestream.metrics';
  private panel: vscode.WebviewPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Panels created since activation (a second Show Metrics reveals the open one instead). */
  opened = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: MetricsStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const sub = store.onDidAppend((record) => this.post({ type: 'record', record }));
    this.disposables.push(new vscode.Disposable(() => sub.dispose()));
  }

  /** The open panel, when there is one (the test API reads it). */
  get webviewPanel(): vscode.WebviewPanel | undefined {
    return this.panel;
  }

  /** Opens the view, or reveals it when it is already open. */
  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(MetricsPanel.viewType, vscode.l10n.t('Sidestream Metrics'), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [dist, media],
      enableCommandUris: false,
      // The charts are cheap to redraw from the records, which the host resends on `ready`.
      retainContextWhenHidden: false,
    });
    panel.iconPath = vscode.Uri.joinPath(media, 'sidestream.svg');
    const asUri = (...segments: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments)).toString();
    panel.webview.html = renderMetricsHtml({
      cspSource: panel.webview.cspSource,
      nonce: webviewNonce(),
      scriptUri: asUri('dist', 'metrics.js'),
      styleUris: [asUri('dist', 'metrics.css'), asUri('media', 'metrics.css')],
      title: vscode.l10n.t('Sidestream Metrics'),
    });
    panel.webview.onDidReceiveMessage((raw: unknown) => {
      const checked = validateMetricsViewMessage(raw);
      if (!checked.ok) {
        this.log.warn(`metrics view: rejected a message (${checked.reason})`);
        return;
      }
      if (checked.message.type === 'ready') this.post({ type: 'init', records: this.store.read(), bound: this.store.bound });
      else void this.exportCsv(undefined, checked.message.filter);
    });
    panel.onDidDispose(() => (this.panel = undefined));
    this.panel = panel;
    this.opened++;
  }

  /**
   * Writes the records the filter keeps (all of them without one) as CSV to `target`, or where the
   * user picks in a save dialog. Returns the file written, or undefined when cancelled or failed.
   */
  async exportCsv(target: vscode.Uri | undefined, filter: MetricsFilter = { range: 'all' }): Promise<vscode.Uri | undefined> {
    // A target comes from whoever ran the command (maybe another extension): never overwrite unasked.
    if (target && !(await confirmOverwrite(target))) return undefined;
    const records = filterRecords(this.store.read(), filter, Date.now());
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: vscode.l10n.t('Export Sidestream Metrics'),
        defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()), 'sidestream-metrics.csv'),
        filters: { CSV: ['csv'] },
      }));
    if (!uri) return undefined;
    try {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(metricsCsv(records)));
      this.log.info(`metrics: exported ${records.length} answer(s) to ${uri.toString(true)}`);
      if (!target) void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: exported {0} answers to {1}.', records.length, uri.fsPath || uri.toString(true)));
      return uri;
    } catch (err) {
      const message = (err as Error).message;
      this.log.warn(`metrics: export to ${uri.toString(true)} failed: ${message}`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Sidestream: could not export the metrics: {0}', message));
      return undefined;
    }
  }

  private post(message: MetricsHostMessage): void {
    void this.panel?.webview.postMessage(message);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The metrics view and its two commands, created on first use (dist/features.js; the loader registers
 * the commands); the store is created at activation, where every answer is recorded.
 * `sidestream.exportMetrics` takes an optional Uri to skip the dialog.
 */
export function createMetricsView(extensionUri: vscode.Uri, store: MetricsStore, log: vscode.LogOutputChannel): FeatureParts<MetricsPanel> {
  const panel = new MetricsPanel(extensionUri, store, log);
  return {
    value: panel,
    commands: {
      'sidestream.showMetrics': () => panel.show(),
      'sidestream.exportMetrics': (target?: unknown) => panel.exportCsv(target instanceof vscode.Uri ? target : undefined),
    },
    disposables: [panel],
  };
}
