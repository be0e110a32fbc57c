/**
 * The Compare Models panel: one column per model, side by side when the panel is wide and stacked
 * when it is narrow. Each column streams its answer through the chat panel's own renderer
 * (IncrementalMarkdown, fed in `seq` order by an AppendQueue), so code blocks and markdown look
 * exactly as in the chat; the columns' pending text is applied in animation frames, all writes
 * before the scrolls, so a frame costs one layout however many columns it applies. Live figures
 * (TTFT, tok/s, tokens, elapsed — the clock ticking here between the host's figures) sit above each
 * answer; once every column has ended the fastest TTFT and tok/s are marked.
 */
import type { AnswerError, AnswerState, AnswerStats } from '../../shared/answerTypes';
import type { CompareColumnView, CompareHostToWebview, CompareLiveFigures, CompareRunView, CompareWebviewToHost } from '../../shared/protocol';
import { compareFastest } from '../../shared/compareTable';
import { AppendQueue } from '../AppendQueue';
import { button, h, icon } from '../dom';
import { describeFinishReason } from '../formatStats';
import { IncrementalMarkdown } from '../IncrementalMarkdown';
import type { RenderReport } from '../testHooks';

export interface CompareHost {
  post(message: CompareWebviewToHost): void;
}

/** Within this many px of the bottom, a column follows its streaming answer. */
const STICK_TO_BOTTOM_PX = 24;
/** How often the elapsed clock of a streaming column ticks. */
const ELAPSED_TICK_MS = 100;
/**
 * Script time a frame may spend applying columns' text; the columns not reached wait for the next
 * frame, where they come first (with everything that arrived for them meanwhile). At least one
 * column is applied per frame. Each applied column also costs layout, paint and compositing after
 * the callback: four fast columns applied in every frame left no room for them on a small machine
 * (B11: 4 × 5,000 tok/s dropped ~12 frames in 2.5 s; with this budget ~2). With cheap updates all
 * columns still fit in one frame.
 */
const FRAME_SCRIPT_BUDGET_MS = 2;

type Figure = 'ttft' | 'tps' | 'tokens' | 'elapsed';

class CompareColumn {
  readonly element: HTMLElement;
  readonly markdown: IncrementalMarkdown;
  private readonly body: HTMLElement;
  private readonly reasoning: HTMLDetailsElement;
  private readonly reasoningText: Text;
  private readonly errorLine: HTMLElement;
  private readonly finishLine: HTMLElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly figures = new Map<Figure, HTMLElement>();
  queue: AppendQueue;
  /** The last append seq applied to the DOM. */
  renderedSeq: number;
  state: AnswerState;
  stats: AnswerStats | undefined;
  /** performance.now() the elapsed clock counts from; undefined once the column ended. */
  private clockStart: number | undefined;
  private durationMs: number | undefined;

  constructor(readonly view: CompareColumnView) {
    this.state = view.state;
    this.stats = view.stats;
    this.durationMs = view.durationMs;
    this.queue = new AppendQueue(view.rev ?? 0);
    this.renderedSeq = view.rev ?? 0;
    this.stopButton = button({ label: 'Stop', icon: 'debug-stop', className: 'text-button column-stop', title: `Stop ${view.model}` });
    this.stopButton.dataset.action = 'stop-column';
    const figures = h('div', { class: 'column-figures', role: 'group', 'aria-label': 'Figures' });
    for (const [name, label] of [
      ['ttft', 'TTFT'],
      ['tps', 'tok/s'],
      ['tokens', 'tokens'],
      ['elapsed', 'elapsed'],
    ] as const) {
      const value = h('span', { class: 'figure-value' }, '—');
      const el = h('span', { class: 'figure', 'data-figure': name }, h('span', { class: 'figure-label' }, label), value);
      this.figures.set(name, el);
      figures.append(el);
    }
    this.reasoningText = document.createTextNode('');
    this.reasoning = h(
      'details',
      { class: 'reasoning', hidden: true },
      h('summary', {}, icon('lightbulb'), h('span', {}, 'Reasoning')),
      h('div', { class: 'reasoning-text' }, this.reasoningText),
    );
    // Not a live region: a screen reader would read every frame of four streaming answers. How each
    // column ended is announced once, by the view's status line.
    this.body = h('div', { class: 'markdown' });
    this.errorLine = h('div', { class: 'error-line', role: 'alert', hidden: true });
    this.finishLine = h('div', { class: 'column-finish', hidden: true });
    const scroller = h('div', { class: 'column-scroll' }, this.reasoning, this.body);
    this.element = h(
      'section',
      { class: 'compare-column', 'data-column': view.id, 'data-model': view.model, 'data-provider': view.provider, 'aria-label': `${view.providerLabel} · ${view.model}` },
      h(
        'header',
        { class: 'column-header' },
        h('span', { class: 'column-title' }, h('span', { class: 'column-model', title: view.model }, view.model), h('span', { class: 'column-provider' }, view.providerLabel)),
        this.stopButton,
      ),
      figures,
      this.errorLine,
      scroller,
      this.finishLine,
    );
    this.markdown = new IncrementalMarkdown(this.body);
    this.watchScroll();
    if (view.reasoning) this.appendReasoning(view.reasoning);
    if (view.text) this.markdown.append(view.text);
    if (view.state === 'streaming') {
      this.clockStart = performance.now() - (view.live?.elapsedMs ?? 0);
      if (view.live) this.setFigures(view.live);
    } else {
      this.markdown.finish();
    }
    this.apply(view.error);
  }

  get id(): string {
    return this.view.id;
  }

  get scroller(): HTMLElement {
    return this.body.parentElement!;
  }

  /** Whether the column keeps its newest text in view: the user scrolling up stops it, back to the end resumes. */
  following = true;

  private watchScroll(): void {
    const scroller = this.scroller;
    let lastTop = 0;
    scroller.addEventListener(
      'scroll',
      () => {
        const top = scroller.scrollTop;
        if (top < lastTop - 1) this.following = false;
        else if (scroller.scrollHeight - top - scroller.clientHeight <= STICK_TO_BOTTOM_PX) this.following = true;
        lastTop = top;
      },
      { passive: true },
    );
  }

  appendReasoning(text: string): void {
    this.reasoning.hidden = false;
    this.reasoningText.appendData(text);
  }

  setFigures(f: CompareLiveFigures): void {
    const approx = f.estimated ? '~' : '';
    this.setFigure('ttft', f.ttftMs !== undefined ? `${Math.round(f.ttftMs)} ms` : '—');
    this.setFigure('tps', f.tokensPerSecond !== undefined ? `${approx}${formatRate(f.tokensPerSecond)}` : '—');
    this.setFigure('tokens', f.outputTokens !== undefined ? `${approx}${f.outputTokens}` : '—');
    if (this.clockStart !== undefined) this.clockStart = performance.now() - f.elapsedMs;
    this.tick();
  }

  /** The elapsed clock, between the host's figures. */
  tick(): void {
    const ms = this.clockStart !== undefined ? performance.now() - this.clockStart : this.durationMs;
    this.setFigure('elapsed', ms !== undefined ? formatSeconds(ms) : '—');
  }

  finish(state: Exclude<AnswerState, 'streaming'>, stats: AnswerStats | undefined, error: AnswerError | undefined, durationMs: number | undefined): void {
    this.queue.releaseGaps();
    const pending = this.queue.take();
    if (pending) {
      this.renderedSeq = pending.seq;
      if (pending.reasoning) this.appendReasoning(pending.reasoning);
      if (pending.text) this.markdown.append(pending.text);
    }
    this.state = state;
    this.stats = stats ?? this.stats;
    this.durationMs = durationMs ?? (this.clockStart !== undefined ? performance.now() - this.clockStart : undefined);
    this.clockStart = undefined;
    this.markdown.finish();
    this.apply(error);
  }

  /** Marks (or unmarks) this column's figure as the fastest of the run. */
  markFastest(figure: 'ttft' | 'tps', on: boolean): void {
    const el = this.figures.get(figure)!;
    el.querySelector('.fastest-badge')?.remove();
    el.classList.toggle('is-fastest', on);
    if (on) el.append(h('span', { class: 'fastest-badge', 'data-fastest': figure, title: figure === 'ttft' ? 'Fastest first token' : 'Highest tok/s' }, icon('zap'), 'fastest'));
  }

  private apply(error: AnswerError | undefined): void {
    this.element.dataset.state = this.state;
    const streaming = this.state === 'streaming';
    this.element.setAttribute('aria-busy', String(streaming));
    this.stopButton.hidden = !streaming;
    this.errorLine.hidden = !error;
    this.errorLine.replaceChildren(...(error ? [icon('error'), h('span', { class: 'error-kind' }, error.kind), h('span', { class: 'error-message' }, error.message)] : []));
    if (!streaming) {
      const s = this.stats;
      if (s) {
        this.setFigures({ ttftMs: s.ttftMs, tokensPerSecond: s.tokensPerSecond, outputTokens: s.outputTokens, estimated: s.estimated, elapsedMs: this.durationMs ?? 0 });
      }
      this.tick();
      const reason = this.state === 'done' ? describeFinishReason(s?.finishReason ?? 'stop') : this.state === 'cancelled' ? 'stopped' : 'failed';
      this.finishLine.replaceChildren(icon(this.state === 'done' ? 'check' : this.state === 'cancelled' ? 'circle-slash' : 'error'), h('span', {}, reason));
      this.finishLine.hidden = false;
    } else {
      this.finishLine.hidden = true;
    }
  }

  private setFigure(name: Figure, text: string): void {
    const value = this.figures.get(name)!.querySelector('.figure-value')!;
    if (value.textContent !== text) value.textContent = text;
  }
}

export class CompareView {
  private readonly columnsEl: HTMLElement;
  private readonly questionEl: HTMLElement;
  private readonly stopAll: HTMLButtonElement;
  private readonly copyButton: HTMLButtonElement;
  private readonly empty: HTMLElement;
  /** A polite status line: how each column ended, read once (the answers themselves are not live). */
  private readonly status: HTMLElement;
  private columns = new Map<string, CompareColumn>();
  private frame: number | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    root: HTMLElement,
    private readonly host: CompareHost,
    private readonly onRender?: (report: RenderReport) => void,
  ) {
    this.questionEl = h('div', { class: 'compare-question' });
    this.stopAll = button({ label: 'Stop all', icon: 'debug-stop', className: 'text-button' });
    this.stopAll.dataset.action = 'stop-all';
    this.copyButton = button({ label: 'Copy as Markdown', icon: 'copy', className: 'text-button' });
    this.copyButton.dataset.action = 'copy-markdown';
    this.columnsEl = h('main', { class: 'compare-columns' });
    this.empty = h('div', { class: 'compare-empty' }, 'Run "Sidestream: Compare Models" to ask several models at once.');
    this.status = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    root.classList.add('compare-app');
    root.replaceChildren(
      h('header', { class: 'compare-header' }, this.questionEl, h('div', { class: 'compare-actions' }, this.stopAll, this.copyButton)),
      this.empty,
      this.columnsEl,
      this.status,
    );
    root.addEventListener('click', (e) => this.onClick(e));
    this.updateRunning();
  }

  handle(message: CompareHostToWebview): void {
    switch (message.type) {
      case 'compareInit':
        return this.init(message.run);
      case 'compareAppend': {
        const column = this.columns.get(message.column);
        if (column?.state === 'streaming' && column.queue.push(message.seq, message.text, message.reasoning ?? '')) this.schedule();
        return;
      }
      case 'compareFigures':
        this.columns.get(message.column)?.setFigures(message.figures);
        return;
      case 'compareFinished': {
        const column = this.columns.get(message.column);
        if (!column) return;
        column.finish(message.state, message.stats, message.error, message.durationMs);
        this.report(column);
        this.updateRunning();
        this.announce(column, message.error);
        return;
      }
    }
  }

  /** Says how a column ended, and when it was the last one, that every model has answered. */
  private announce(column: CompareColumn, error: AnswerError | undefined): void {
    const model = column.element.dataset.model ?? column.id;
    const how = column.state === 'done' ? 'done' : column.state === 'cancelled' ? 'stopped' : `failed: ${(error?.message ?? 'the answer failed').split('\n')[0]}`;
    const all = [...this.columns.values()].every((c) => c.state !== 'streaming') ? ' All models have finished.' : '';
    // The same words twice in a row must still be read: clear first, write in the next frame.
    this.status.textContent = '';
    const sentence = `${model}: ${how}`.replace(/\.?$/, '.');
    requestAnimationFrame(() => (this.status.textContent = `${sentence}${all}`));
  }

  private init(run: CompareRunView): void {
    this.columns = new Map(run.columns.map((c) => [c.id, new CompareColumn(c)]));
    this.questionEl.replaceChildren(h('span', { class: 'compare-question-text', title: run.question }, run.question));
    this.columnsEl.dataset.count = String(run.columns.length);
    this.columnsEl.replaceChildren(...[...this.columns.values()].map((c) => c.element));
    this.empty.hidden = true;
    for (const c of this.columns.values()) this.report(c);
    this.updateRunning();
  }

  /**
   * Applies the columns' pending text in the next frame, taking turns: columns are applied, from
   * the one after the last applied, until {@link FRAME_SCRIPT_BUDGET_MS} is spent; the others go on
   * in the following frame.
   */
  private schedule(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      const columns = [...this.columns.values()];
      const first = this.nextColumn;
      const start = performance.now();
      // All writes first, then the scrolls: one layout per frame for every column together (reading
      // a column's scroll height between writes would force a layout per column).
      const applied: CompareColumn[] = [];
      let deferred = false;
      for (let k = 0; k < columns.length; k++) {
        const index = (first + k) % columns.length;
        const column = columns[index]!;
        if (!column.queue.hasPending) continue;
        if (applied.length > 0 && performance.now() - start >= FRAME_SCRIPT_BUDGET_MS) {
          deferred = true;
          continue;
        }
        const chunk = column.queue.take();
        if (!chunk) continue;
        if (chunk.reasoning) column.appendReasoning(chunk.reasoning);
        if (chunk.text) column.markdown.append(chunk.text);
        column.renderedSeq = chunk.seq;
        applied.push(column);
        this.nextColumn = (index + 1) % columns.length;
      }
      for (const column of applied) {
        if (column.following) column.scroller.scrollTop = column.scroller.scrollHeight;
        this.report(column);
      }
      if (deferred) this.schedule();
    });
  }

  /** The column the next frame starts with, so that every streaming column gets its turn. */
  private nextColumn = 0;

  private report(column: CompareColumn): void {
    this.onRender?.({ id: column.id, seq: column.renderedSeq, length: column.markdown.length });
  }

  /** Stop all and the clock while a column streams; the fastest marks once none does. */
  private updateRunning(): void {
    const columns = [...this.columns.values()];
    const streaming = columns.some((c) => c.state === 'streaming');
    this.stopAll.hidden = !streaming;
    this.copyButton.hidden = columns.length === 0;
    document.body.classList.toggle('is-streaming', streaming);
    if (streaming && this.ticker === undefined) this.ticker = setInterval(() => this.tick(), ELAPSED_TICK_MS);
    if (!streaming && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    const fastest = streaming
      ? { ttft: undefined, tps: undefined }
      : compareFastest(columns.map((c) => ({ ttftMs: c.stats?.ttftMs, tokensPerSecond: c.stats?.tokensPerSecond, completed: c.state === 'done' })));
    // One model alone is not "fastest" of anything.
    const compete = columns.filter((c) => c.state === 'done').length >= 2;
    columns.forEach((c, i) => {
      c.markFastest('ttft', compete && fastest.ttft === i);
      c.markFastest('tps', compete && fastest.tps === i);
    });
  }

  private tick(): void {
    for (const c of this.columns.values()) if (c.state === 'streaming') c.tick();
  }

  private onClick(e: MouseEvent): void {
    const target = e.target as Element;
    const link = target.closest('a');
    if (link && this.columnsEl.contains(link)) {
      // As in the chat panel: links never navigate the webview, and the click must not reach VS Code's frame.
      e.preventDefault();
      e.stopPropagation();
      const href = link.getAttribute('href');
      if (href) this.host.post({ type: 'openLink', href });
      return;
    }
    const actionEl = target.closest<HTMLElement>('[data-action]');
    if (!actionEl) return;
    switch (actionEl.dataset.action) {
      case 'stop-column': {
        const id = actionEl.closest<HTMLElement>('[data-column]')?.dataset.column;
        if (id && this.columns.get(id)?.state === 'streaming') this.host.post({ type: 'stopColumn', column: id });
        return;
      }
      case 'stop-all':
        return this.host.post({ type: 'stopAll' });
      case 'copy-markdown':
        return this.host.post({ type: 'copyMarkdown' });
      case 'copy':
      case 'insert': {
        const code = actionEl.closest('.code-block')?.querySelector('pre > code');
        if (!code) return;
        const text = (code.textContent ?? '').replace(/\n$/, '');
        this.host.post(actionEl.dataset.action === 'copy' ? { type: 'copy', text } : { type: 'insert', text });
        return;
      }
    }
  }
}

function formatRate(tps: number): string {
  return tps >= 100 ? tps.toFixed(0) : tps.toFixed(1);
}

function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}
