import * as vscode from 'vscode';
import type { StreamMetricsSnapshot } from '../core/events';
import { formatFigures, formatTooltip } from './statusText';

/**
 * The status-bar item: the current model when idle, live `TTFT n ms · x tok/s` while streaming,
 * and the last request's figures after it. A click opens Sidestream's menu (Open Chat, Select Model…).
 */
export class MetricsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('sidestream.metrics', vscode.StatusBarAlignment.Right, 100);
  private model = '';
  private providerLabel = '';
  private last: StreamMetricsSnapshot | undefined;
  private lastFinish: string | undefined;
  /** Who asked, when not the panel: "for <extension>" / "via VS Code chat" (language-model requests). */
  private requester: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.item.name = vscode.l10n.t('Sidestream Metrics');
    this.item.command = 'sidestream.showMenu';
    this.showIdle();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  setModel(model: string, providerLabel: string): void {
    const changedModel = model !== this.model || providerLabel !== this.providerLabel;
    this.model = model;
    this.providerLabel = providerLabel;
    if (changedModel && !this.last) this.showIdle();
  }

  /** A new request started: forget the last figures. `requester` tags a request another extension (or VS Code's chat) made. */
  started(model: string, providerLabel: string, requester?: string): void {
    this.model = model;
    this.providerLabel = providerLabel;
    this.requester = requester;
    this.last = undefined;
    this.lastFinish = undefined;
    this.set(`$(loading~spin) ${vscode.l10n.t('{0} waiting for first token…', this.label())}${this.requesterSuffix()}`, this.tooltipFor(undefined, undefined));
  }

  live(metrics: StreamMetricsSnapshot): void {
    this.last = metrics;
    const figures = formatFigures(metrics, true);
    this.set(`$(loading~spin) ${this.simulatorPrefix()}${figures || vscode.l10n.t('waiting for first token…')}${this.requesterSuffix()}`, this.tooltipFor(metrics, undefined));
  }

  finished(metrics: StreamMetricsSnapshot | undefined, finish: string): void {
    this.last = metrics;
    this.lastFinish = finish;
    const figures = metrics ? formatFigures(metrics, false) : '';
    const icon = finish === 'error' ? '$(warning)' : finish === 'cancelled' ? '$(debug-stop)' : '$(pulse)';
    this.set(`${icon} ${figures ? this.simulatorPrefix() + figures : this.label()}${this.requesterSuffix()}`, this.tooltipFor(metrics, this.lastFinish));
  }

  showIdle(): void {
    if (!this.model) {
      this.set('$(comment-discussion) Sidestream', vscode.l10n.t('Sidestream — click to open the panel'));
    } else {
      this.set(`$(comment-discussion) ${this.label()}`, formatTooltip(this.model, this.providerLabel, this.last, this.lastFinish, vscode.l10n.t));
    }
  }

  private requesterSuffix(): string {
    return this.requester ? ` · ${this.requester}` : '';
  }

  private tooltipFor(metrics: StreamMetricsSnapshot | undefined, finish: string | undefined): string {
    const tooltip = formatTooltip(this.model, this.providerLabel, metrics, finish, vscode.l10n.t);
    return this.requester ? `${tooltip}\n${vscode.l10n.t('Requested {0}', this.requester)}` : tooltip;
  }

  /** The simulator is never mistaken for a real model: its figures say so. */
  private simulatorPrefix(): string {
    return this.providerLabel === 'Simulator' ? `${vscode.l10n.t('Simulator')} · ` : '';
  }

  private label(): string {
    return this.providerLabel === 'Simulator' ? vscode.l10n.t('{0} (simulator)', this.model) : this.model;
  }

  private set(text: string, tooltip: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.changed.fire();
  }

  dispose(): void {
    this.item.dispose();
    this.changed.dispose();
  }
}
