/**
 * Compare Models: one question to 2–4 models at once, each streamed through its own StreamSession
 * into its own column of an editor-area webview panel. Every column has its own
 * CancellationTokenSource (its Stop button cancels that request alone and closes its socket;
 * Stop all and `sidestream.cancel` cancel every one). A failure ends only its own column. Each
 * column's end saves the run durably (CompareRunStore) before the panel is told, as the chat does.
 */
import * as vscode from 'vscode';
import type { ProviderId } from '../../core/events';
import type { ChatRequest } from '../../core/request';
import { questionWithContext } from '../../core/contextPrompt';
import type { SessionResult, StreamSession } from '../../core/session/StreamSession';
import type { CompareColumnView, CompareHostToWebview, CompareLiveFigures, CompareRunView, CompareWebviewToHost, ContextFile } from '../../shared/protocol';
import { compareFastest, failureCell, formatCompareMarkdown, type CompareFigures } from '../../shared/compareTable';
import { assertNever } from '../../shared/assertNever';
import type { CompareRunStore, CompareRunSummary } from './CompareRunStore';
import { validateCompareMessage } from './compareMessages';
import type { ResolvedProvider } from '../../platform/ProviderResolver';
import type { HostServices } from '../../platform/services';
import type { SidestreamSettings } from '../../platform/settings';
import { renderWebviewHtml, webviewNonce } from '../../platform/webviewHtml';
import { openLinkAfterConfirm } from '../../platform/openLink';

/** One model a compare asks: Sidestream's own providers by id, VS Code's language models by their chat model. */
export type CompareTarget = { provider: ProviderId; model: string; label: string; chatModel?: vscode.LanguageModelChat | undefined };

/** Where the models and their request targets come from (SidestreamChatProvider's enumeration). */
export interface CompareModelSource {
  requestTargetFor(provider: ProviderId, model: string): Promise<Pick<ChatRequest, 'provider' | 'api' | 'model' | 'baseUrl' | 'apiKey'> | undefined>;
}

export const MIN_COMPARE_MODELS = 2;
export const MAX_COMPARE_MODELS = 4;

interface RunningColumn {
  view: CompareColumnView;
  cts: vscode.CancellationTokenSource;
  session: StreamSession | undefined;
  /** Date.now() when the request started: elapsed time is counted from it. */
  startedAt: number;
  seq: number;
}

export class CompareController implements vscode.Disposable {
  static readonly viewType = 'sidestream.compare';
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private run: CompareRunView | undefined;
  private readonly running = new Map<string, RunningColumn>();
  private runDone: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Posts to the panel since it opened (tests and benchmarks read it). */
  postCount = 0;
  /** Token sources not yet disposed (a leak check: 0 whenever nothing streams). */
  liveRequests = 0;

  private readonly extensionUri: vscode.Uri;
  private readonly log: vscode.LogOutputChannel;

  constructor(
    private readonly host: HostServices,
    private readonly store: CompareRunStore,
    private readonly models: CompareModelSource,
  ) {
    this.extensionUri = host.extensionUri;
    this.log = host.log;
  }

  get streaming(): boolean {
    return this.running.size > 0;
  }

  /** The run shown (or last shown), with live figures; undefined before the first. */
  snapshot(): CompareRunView | undefined {
    if (!this.run) return undefined;
    for (const column of this.running.values()) column.session?.flush();
    return { ...this.run, columns: this.run.columns.map((c) => ({ ...c, rev: this.running.get(c.id)?.seq ?? c.rev })) };
  }

  /** Saved runs, newest first: Show Compare Runs lists them (and the chat history can merge them in). */
  listRuns(): CompareRunSummary[] {
    return this.store.list();
  }

  /**
   * Asks `question` of every target at once and shows the columns; resolves when every column has
   * ended and the run is saved. A run still streaming is stopped first (its columns end cancelled).
   */
  async start(question: string, targets: readonly CompareTarget[], contextFiles?: readonly ContextFile[]): Promise<CompareRunView> {
    if (targets.length < MIN_COMPARE_MODELS || targets.length > MAX_COMPARE_MODELS) {
      throw new Error(`Compare needs ${MIN_COMPARE_MODELS}–${MAX_COMPARE_MODELS} models, not ${targets.length}.`);
    }
    await this.cancelAndWait();
    const createdAt = Date.now();
    const run: CompareRunView = {
      // Starts with the time, so file names sort by age (CompareRunStore prunes the oldest by name).
      id: `${createdAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      question: question.trim(),
      contextFiles: contextFiles?.length ? [...contextFiles] : undefined,
      createdAt,
      columns: targets.map((t, i) => ({ id: `c${i}`, provider: t.provider, model: t.model, providerLabel: t.label, text: '', state: 'streaming' })),
    };
    this.run = run;
    this.show();
    this.post({ type: 'compareInit', run: this.snapshot()! });
    const settings = this.host.readSettings();
    // Parse each SDK and the tokenizer before any clock starts, so no column's TTFT includes the
    // other columns' module loading (the CLI's compare does the same).
    const core = this.host.loadCore();
    for (const t of targets) {
      if (t.provider === 'vscode-lm') continue;
      const target = await this.models.requestTargetFor(t.provider, t.model);
      if (target) core.warmUp(target.api);
      core.countTokens('warm up', core.encodingForModel(t.model));
    }
    this.setContext(true);
    const columns = run.columns.map((view, i) => this.startColumn(run, view, targets[i]!, settings));
    this.runDone = Promise.all(columns).then(() => undefined);
    await this.runDone;
    this.setContext(this.streaming);
    return this.snapshot()!;
  }

  /** Stops one column (its Stop button); the others stream on. */
  stopColumn(columnId: string): void {
    this.running.get(columnId)?.cts.cancel();
  }

  /** Stops every running column (Stop all, and `sidestream.cancel`). */
  cancel(): void {
    for (const column of this.running.values()) column.cts.cancel();
  }

  async cancelAndWait(): Promise<void> {
    this.cancel();
    await this.runDone;
  }

  /** Reopens a saved run in the panel; false when it is gone. A run still streaming is stopped first. */
  async openRun(id: string): Promise<boolean> {
    const run = this.store.load(id);
    if (!run) return false;
    await this.cancelAndWait();
    this.run = run;
    this.show();
    this.post({ type: 'compareInit', run });
    this.changed.fire();
    return true;
  }

  /** The shown run as Markdown: the question, the figures table (fastest marked), each answer under a heading. */
  markdown(): string | undefined {
    const run = this.snapshot();
    if (!run) return undefined;
    return formatCompareMarkdown(run.columns.map(columnFigures), run.question);
  }

  async copyMarkdown(): Promise<boolean> {
    const text = this.markdown();
    if (text === undefined) return false;
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Sidestream: comparison copied as Markdown'), 3000);
    return true;
  }

  private async startColumn(run: CompareRunView, view: CompareColumnView, target: CompareTarget, settings: SidestreamSettings): Promise<void> {
    const cts = new vscode.CancellationTokenSource();
    this.liveRequests++;
    const column: RunningColumn = { view, cts, session: undefined, startedAt: Date.now(), seq: 0 };
    this.running.set(view.id, column);
    try {
      const resolved = await this.resolve(target);
      if (cts.token.isCancellationRequested || !resolved) {
        const error = resolved ? undefined : { kind: 'connection' as const, message: vscode.l10n.t('{0} is not set up in Sidestream (no API key or base URL).', target.label) };
        this.host.runner.endWithoutRequest(
          { consumer: 'compare', logName: `compare ${run.id} ${view.id}`, onFinish: (result) => this.columnEnded(run, column, result) },
          view,
          resolved ? 'cancelled' : 'error',
          error,
        );
        return;
      }
      column.startedAt = Date.now();
      const answer = this.host.runner.run(
        {
          consumer: 'compare',
          target: resolved,
          logName: `compare ${run.id} ${view.id}`,
          settings,
          messages: [{ role: 'user', content: questionWithContext(run.question, run.contextFiles ?? []) }],
          message: view,
          onAppend: ({ seq, text, reasoning }) => {
            column.seq = seq;
            if (this.run === run) this.post({ type: 'compareAppend', column: view.id, seq, text, reasoning: reasoning || undefined });
          },
          onMetrics: (m) => {
            view.live = {
              ttftMs: m.ttftMs,
              tokensPerSecond: m.liveTokensPerSecond ?? m.tokensPerSecond,
              outputTokens: m.outputTokens,
              estimated: m.estimated,
              elapsedMs: Date.now() - column.startedAt,
            };
            if (this.run === run) this.post({ type: 'compareFigures', column: view.id, figures: view.live });
            this.changed.fire();
          },
          onFinish: (result) => {
            view.durationMs = result.metrics?.lastTokenMs ?? Date.now() - column.startedAt;
            this.columnEnded(run, column, result);
          },
        },
        cts.token,
      );
      column.session = answer.session;
      await answer.done;
    } finally {
      this.running.delete(view.id);
      cts.dispose();
      this.liveRequests--;
      this.changed.fire();
    }
  }

  /** The column ended: the run is saved durably first, then the panel is told. Its figures go to the metrics store, as every answer's do. */
  private columnEnded(run: CompareRunView, column: RunningColumn, result: SessionResult): void {
    const view = column.view;
    view.live = undefined;
    view.rev = column.seq;
    this.store.save(run);
    if (this.run === run) {
      this.post({ type: 'compareFinished', column: view.id, state: result.state, stats: view.stats, error: result.error, durationMs: view.durationMs });
    }
    this.changed.fire();
  }

  private async resolve(target: CompareTarget): Promise<ResolvedProvider | undefined> {
    if (target.chatModel) return { kind: 'vscode-lm', chatModel: target.chatModel, model: target.model, label: target.label };
    const t = await this.models.requestTargetFor(target.provider, target.model);
    return t && t.baseUrl !== undefined ? { kind: 'core', provider: t.provider, api: t.api, baseUrl: t.baseUrl, apiKey: t.apiKey, model: t.model, label: target.label } : undefined;
  }

  private show(): void {
    const title = vscode.l10n.t('Compare: {0}', this.run ? this.run.question.split('\n', 1)[0]!.slice(0, 40) : '');
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(undefined, true);
      return;
    }
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel(
      CompareController.viewType,
      title,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
      {
        enableScripts: true,
        enableCommandUris: false,
        localResourceRoots: [dist, media],
      },
    );
    this.panel = panel;
    this.ready = false;
    this.postCount = 0;
    panel.iconPath = vscode.Uri.joinPath(media, 'sidestream.svg');
    const asUri = (...segments: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments)).toString();
    panel.webview.html = renderWebviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: webviewNonce(),
      scriptUri: asUri('dist', 'compare.js'),
      styleUris: [asUri('media', 'compare.css')],
      codiconsUri: asUri('dist', 'codicons', 'codicon.css'),
      title: vscode.l10n.t('Sidestream: Compare Models'),
    });
    const subs = [
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        void this.receive(raw);
      }),
      panel.onDidDispose(() => {
        // Closing the panel stops its requests: nothing would show them.
        this.cancel();
        this.panel = undefined;
        this.ready = false;
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private post(message: CompareHostToWebview): void {
    if (!this.panel || !this.ready) return; // `ready` gets the whole run through compareInit
    this.postCount++;
    void this.panel.webview.postMessage(message);
  }

  /** A message from the panel's webview (tests pass one as the webview would); resolves once handled. */
  async receive(raw: unknown): Promise<void> {
    const checked = validateCompareMessage(raw);
    if (checked.ok) await this.onMessage(checked.message);
    else this.log.warn(`rejected a malformed message from the Compare panel: ${checked.reason}`);
  }

  private async onMessage(message: CompareWebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        const run = this.snapshot();
        if (run) this.post({ type: 'compareInit', run: withElapsed(run, this.running) });
        return;
      }
      case 'stopColumn':
        return this.stopColumn(message.column);
      case 'stopAll':
        return this.cancel();
      case 'copyMarkdown':
        await this.copyMarkdown();
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        return;
      case 'insert': {
        const editor = vscode.window.visibleTextEditors[0];
        if (editor) await editor.edit((edit) => edit.replace(editor.selection, message.text));
        else void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: open an editor to insert the code into.'));
        return;
      }
      case 'openLink':
        await openLinkAfterConfirm(message.href);
        return;
      default:
        assertNever(message, 'compare message');
    }
  }

  private setContext(comparing: boolean): void {
    void vscode.commands.executeCommand('setContext', 'sidestream.comparing', comparing);
  }

  dispose(): void {
    this.cancel();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

/** A column's row in the shared figures table (src/shared/compareTable.ts). */
export function columnFigures(c: CompareColumnView): CompareFigures & { answer: string } {
  const s = c.stats;
  return {
    label: `${c.providerLabel} · ${c.model}`,
    ttftMs: s?.ttftMs,
    firstAnswerTokenMs: s?.firstAnswerTokenMs,
    tokensPerSecond: s?.tokensPerSecond,
    outputTokens: s?.outputTokens,
    estimated: s?.estimated ?? false,
    durationMs: c.durationMs,
    finish: c.error ? failureCell(c.error.kind, c.error.message) : c.state === 'streaming' ? 'streaming' : (s?.finishReason ?? c.state),
    completed: c.state === 'done',
    answer: c.text,
  };
}

/** Which column is fastest (TTFT, tok/s) once every column has ended; ids, or undefined. */
export function fastestColumns(run: CompareRunView): { ttft: string | undefined; tps: string | undefined } {
  // Only a race with at least two finishers has a winner (as the panel shows it).
  if (run.columns.some((c) => c.state === 'streaming') || run.columns.filter((c) => c.state === 'done').length < 2) return { ttft: undefined, tps: undefined };
  const fastest = compareFastest(run.columns.map(columnFigures));
  return { ttft: fastest.ttft !== undefined ? run.columns[fastest.ttft]!.id : undefined, tps: fastest.tps !== undefined ? run.columns[fastest.tps]!.id : undefined };
}

/** A snapshot for the panel: each streaming column's elapsed time as of now, so the clock goes on from it. */
function withElapsed(run: CompareRunView, running: ReadonlyMap<string, RunningColumn>): CompareRunView {
  return {
    ...run,
    columns: run.columns.map((c) => {
      const r = running.get(c.id);
      if (!r) return c;
      const live: CompareLiveFigures = {
        ...(c.live ?? { ttftMs: undefined, tokensPerSecond: undefined, outputTokens: undefined, estimated: false }),
        elapsedMs: Date.now() - r.startedAt,
      };
      return { ...c, live };
    }),
  };
}
