/**
 * The metrics view (dist/metrics.js): every recorded answer's figures as charts of TTFT and tok/s
 * over time per model, their spread per model (median and p95), a filter, a sortable table and a
 * CSV export. The host sends the records (`init`, then one `record` per new answer); everything
 * else is computed here, with the same filter and quantiles the export uses (src/shared/answerMetrics.ts).
 *
 * Charts are uPlot: canvas, ~50 KB minified, no `eval`, no inline styles in markup (it sizes its
 * elements through the CSSOM, which the CSP allows), and its small stylesheet is bundled into
 * dist/metrics.css. Canvas needs resolved colours, so the theme's are read with getComputedStyle
 * and the charts are redrawn when VS Code changes the theme (it rewrites the body's class and style).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  filterRecords,
  seriesKey,
  spreadByModel,
  TIME_RANGES,
  type AnswerRecord,
  type MetricsFilter,
  type MetricsHostMessage,
  type MetricsViewMessage,
  type ModelSpread,
  type TimeRange,
} from '../../shared/answerMetrics';
import { h } from '../dom';

/** What the page keeps across being hidden and shown again (VS Code's webview state). */
interface SavedState {
  filter: MetricsFilter;
  sort: { key: SortKey; descending: boolean };
}

interface HostApi {
  postMessage(message: MetricsViewMessage): void;
  getState(): unknown;
  setState(state: SavedState): void;
}

declare function acquireVsCodeApi(): HostApi;

/** Rows the table shows at most (the rest are one export away). */
const MAX_ROWS = 500;
const RANGE_LABELS: Record<TimeRange, string> = { '24h': '24 h', '7d': '7 days', '30d': '30 days', all: 'All' };
/** VS Code's chart colours in series order, with Dark Modern's values for a theme that lacks one. */
const PALETTE: ReadonlyArray<[string, string]> = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];
/** In high contrast, series are told apart by dash pattern as well as colour. */
const DASHES: ReadonlyArray<number[] | undefined> = [undefined, [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 6]];

type SortKey = 'time' | 'provider' | 'model' | 'ttftMs' | 'firstAnswerTokenMs' | 'tokensPerSecond' | 'outputTokens' | 'durationMs' | 'finish' | 'source';
const COLUMNS: ReadonlyArray<{ key: SortKey; label: string; numeric: boolean }> = [
  { key: 'time', label: 'Time', numeric: false },
  { key: 'provider', label: 'Provider', numeric: false },
  { key: 'model', label: 'Model', numeric: false },
  { key: 'ttftMs', label: 'TTFT ms', numeric: true },
  { key: 'firstAnswerTokenMs', label: 'Answer token ms', numeric: true },
  { key: 'tokensPerSecond', label: 'tok/s', numeric: true },
  { key: 'outputTokens', label: 'Tokens', numeric: true },
  { key: 'durationMs', label: 'Duration ms', numeric: true },
  { key: 'finish', label: 'Finish', numeric: false },
  { key: 'source', label: 'Source', numeric: false },
];
const SOURCE_LABELS: Record<AnswerRecord['source'], string> = { panel: 'Panel', participant: '@sidestream', 'lm-provider': 'Language model', compare: 'Compare' };

interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  highContrast: boolean;
  colours: string[];
}

class MetricsView {
  private records: AnswerRecord[] = [];
  private bound = 0;
  private loaded = false;
  private filter: MetricsFilter = { range: 'all' };
  private sort: { key: SortKey; descending: boolean } = { key: 'time', descending: true };
  private readonly hidden = new Set<string>();
  private charts: uPlot[] = [];
  private theme = readTheme();
  private scheduled = false;

  private readonly summary = h('p', { class: 'summary', 'data-summary': true });
  private readonly exportButton = h('button', { type: 'button', class: 'export', 'data-action': 'export-csv' }, 'Export CSV…');
  private readonly providerSelect = h('select', { 'aria-label': 'Provider', 'data-filter': 'provider' });
  private readonly modelSelect = h('select', { 'aria-label': 'Model', 'data-filter': 'model' });
  private readonly rangeGroup = h('div', { class: 'range', role: 'radiogroup', 'aria-label': 'Time range' });
  private readonly empty = h('div', { class: 'empty', 'data-empty': true });
  private readonly content = h('div', { class: 'content' });
  private readonly legend = h('ul', { class: 'legend', 'aria-label': 'Models (click to hide or show a series)' });
  private readonly ttftChart = h('div', { class: 'chart', 'data-chart': 'ttft' });
  private readonly tpsChart = h('div', { class: 'chart', 'data-chart': 'tps' });
  private readonly spreadBody = h('tbody');
  private readonly tableHead = h('tr');
  private readonly tableBody = h('tbody');
  private readonly rowCount = h('p', { class: 'row-count', 'data-row-count': true });
  private readonly footer = h('p', { class: 'footer' });

  constructor(
    private readonly root: HTMLElement,
    private readonly host: HostApi,
  ) {
    // The panel is not kept alive while hidden: the filter and sort come back from the saved state.
    const saved = host.getState() as Partial<SavedState> | undefined;
    if (saved?.filter && TIME_RANGES.includes(saved.filter.range)) this.filter = saved.filter;
    if (saved?.sort && COLUMNS.some((c) => c.key === saved.sort?.key)) this.sort = saved.sort;
    this.build();
  }

  receive(message: MetricsHostMessage): void {
    if (message.type === 'init') {
      this.records = [...message.records].sort((a, b) => a.time - b.time);
      this.bound = message.bound;
      this.loaded = true;
    } else {
      this.records.push(message.record);
    }
    this.schedule();
  }

  /** Redraws once per frame however many records arrive. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private build(): void {
    this.exportButton.addEventListener('click', () => this.host.postMessage({ type: 'exportCsv', filter: { ...this.filter }, count: this.filtered().length }));
    this.providerSelect.addEventListener('change', () => {
      this.filter = { ...this.filter, provider: this.providerSelect.value || undefined, model: undefined };
      this.render();
    });
    this.modelSelect.addEventListener('change', () => {
      this.filter = { ...this.filter, model: this.modelSelect.value || undefined };
      this.render();
    });
    for (const range of TIME_RANGES) {
      const button = h('button', { type: 'button', role: 'radio', 'data-range': range }, RANGE_LABELS[range]);
      button.addEventListener('click', () => {
        this.filter = { ...this.filter, range };
        this.render();
      });
      this.rangeGroup.append(button);
    }
    for (const column of COLUMNS) {
      const sortButton = h('button', { type: 'button', 'data-sort': column.key }, column.label);
      sortButton.addEventListener('click', () => {
        this.sort =
          this.sort.key === column.key ? { key: column.key, descending: !this.sort.descending } : { key: column.key, descending: column.numeric || column.key === 'time' };
        this.host.setState({ filter: this.filter, sort: this.sort });
        this.renderTable(this.filtered());
      });
      this.tableHead.append(h('th', { scope: 'col', class: column.numeric ? 'num' : undefined, 'data-column': column.key }, sortButton));
    }
    const spreadTable = h(
      'table',
      { class: 'spread', 'data-spread': true },
      h('caption', {}, 'Spread per model: median, with the bar reaching to p95'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Model'),
          h('th', { scope: 'col', class: 'num' }, 'Answers'),
          h('th', { scope: 'col' }, 'TTFT ms (median · p95)'),
          h('th', { scope: 'col' }, 'tok/s (median · p95)'),
        ),
      ),
      this.spreadBody,
    );
    this.content.append(
      this.legend,
      h('div', { class: 'charts' }, card('Time to first token (ms)', this.ttftChart), card('Tokens per second', this.tpsChart)),
      h('section', { class: 'card' }, spreadTable),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Answers'),
        this.rowCount,
        h('div', { class: 'table-wrap' }, h('table', { class: 'records', 'data-records': true }, h('thead', {}, this.tableHead), this.tableBody)),
      ),
    );
    this.root.append(
      h('header', { class: 'top' }, h('div', {}, h('h1', {}, 'Sidestream Metrics'), this.summary), this.exportButton),
      h('div', { class: 'filters' }, labelled('Provider', this.providerSelect), labelled('Model', this.modelSelect), this.rangeGroup),
      this.empty,
      this.content,
      this.footer,
    );
    new ResizeObserver(() => this.resizeCharts()).observe(this.ttftChart);
    // VS Code swaps the body's theme class and rewrites the theme variables (on <html>'s style)
    // when the theme changes: re-read the colours and redraw the canvases (CSS follows on its own).
    const themeWatch = new MutationObserver(() => {
      const next = readTheme();
      if (JSON.stringify(next) === JSON.stringify(this.theme)) return;
      this.theme = next;
      this.schedule();
    });
    for (const el of [document.documentElement, document.body]) themeWatch.observe(el, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-id'] });
    this.render();
  }

  private filtered(): AnswerRecord[] {
    return filterRecords(this.records, this.filter, Date.now());
  }

  private render(): void {
    this.host.setState({ filter: this.filter, sort: this.sort });
    const records = this.filtered();
    const models = new Set(this.records.map(seriesKey));
    this.summary.textContent = this.loaded
      ? `${records.length} of ${this.records.length} answer${this.records.length === 1 ? '' : 's'} · ${new Set(records.map(seriesKey)).size} of ${models.size} model${models.size === 1 ? '' : 's'}`
      : 'Loading…';
    this.footer.textContent = this.bound ? `Kept in VS Code's global storage: the newest ${this.bound.toLocaleString('en-US')} answers, from every workspace.` : '';
    this.renderFilters();
    this.exportButton.disabled = records.length === 0;
    const nothing = this.loaded && this.records.length === 0;
    const noMatch = this.loaded && !nothing && records.length === 0;
    this.empty.hidden = !(nothing || noMatch);
    this.empty.textContent = nothing
      ? 'No answers recorded yet. Ask a question in the Sidestream panel, with @sidestream, or with a Sidestream model in VS Code chat: each answer’s figures appear here.'
      : 'No answers match the filter.';
    this.content.hidden = !this.loaded || records.length === 0;
    if (this.content.hidden) {
      this.destroyCharts();
      return;
    }
    const keys = this.seriesKeys(records);
    this.renderLegend(records, keys);
    this.renderCharts(records, keys);
    this.renderSpread(spreadByModel(records), keys);
    this.renderTable(records);
  }

  /** Each model's series, coloured by its place among every recorded model (stable as the filter changes). */
  private seriesKeys(records: AnswerRecord[]): Array<{ key: string; provider: string; providerLabel: string; model: string; colour: string; dash: number[] | undefined }> {
    const all = [...new Set(this.records.map(seriesKey))].sort();
    const seen = new Map<string, AnswerRecord>();
    for (const r of records) seen.set(seriesKey(r), r);
    return [...seen.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, r]) => {
        const index = all.indexOf(key);
        return {
          key,
          provider: r.provider,
          providerLabel: r.providerLabel,
          model: r.model,
          colour: this.theme.colours[index % this.theme.colours.length]!,
          dash: this.theme.highContrast ? DASHES[index % DASHES.length] : undefined,
        };
      });
  }

  private renderFilters(): void {
    const providers = new Map<string, string>();
    for (const r of this.records) providers.set(r.provider, r.providerLabel);
    fillSelect(
      this.providerSelect,
      'All providers',
      [...providers].map(([id, label]) => [id, label]),
      this.filter.provider,
    );
    const models = new Set(this.records.filter((r) => this.filter.provider === undefined || r.provider === this.filter.provider).map((r) => r.model));
    fillSelect(
      this.modelSelect,
      'All models',
      [...models].sort().map((m) => [m, m]),
      this.filter.model,
    );
    for (const button of this.rangeGroup.querySelectorAll<HTMLButtonElement>('button')) button.setAttribute('aria-checked', String(button.dataset.range === this.filter.range));
  }

  private renderLegend(records: AnswerRecord[], keys: ReturnType<MetricsView['seriesKeys']>): void {
    const counts = new Map<string, number>();
    for (const r of records) counts.set(seriesKey(r), (counts.get(seriesKey(r)) ?? 0) + 1);
    this.legend.replaceChildren(
      ...keys.map((s) => {
        const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = s.colour;
        if (s.dash) swatch.classList.add('dashed');
        const toggle = h(
          'button',
          { type: 'button', 'aria-pressed': String(!this.hidden.has(s.key)), title: `${s.model} (${s.providerLabel}): click to ${this.hidden.has(s.key) ? 'show' : 'hide'}` },
          swatch,
          h('span', { class: 'name' }, s.model),
          h('span', { class: 'provider' }, `${s.providerLabel} · ${counts.get(s.key) ?? 0}`),
        );
        toggle.addEventListener('click', () => {
          if (this.hidden.has(s.key)) this.hidden.delete(s.key);
          else this.hidden.add(s.key);
          this.render();
        });
        return h('li', { 'data-model': s.model, 'data-provider': s.provider, 'data-series': s.key, class: this.hidden.has(s.key) ? 'off' : undefined }, toggle);
      }),
    );
  }

  private renderCharts(records: AnswerRecord[], keys: ReturnType<MetricsView['seriesKeys']>): void {
    this.destroyCharts();
    // uPlot wants one shared x array: every answer's time in order, and per model its value at
    // its own answers and null elsewhere (spanGaps joins a model's points across the others').
    const sorted = [...records].sort((a, b) => a.time - b.time);
    const xs = sorted.map((r) => r.time / 1000);
    const column = (key: string, pick: (r: AnswerRecord) => number | undefined) => sorted.map((r) => (seriesKey(r) === key ? (pick(r) ?? null) : null));
    const make = (target: HTMLElement, label: string, pick: (r: AnswerRecord) => number | undefined) => {
      const data: uPlot.AlignedData = [xs, ...keys.map((s) => column(s.key, pick))];
      const opts: uPlot.Options = {
        width: Math.max(200, target.clientWidth),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis(this.theme), { ...axis(this.theme), label, labelSize: 18, size: 56 }],
        series: [
          {},
          ...keys.map((s) => ({
            label: s.model,
            stroke: s.colour,
            width: this.theme.highContrast ? 2.5 : 1.5,
            dash: s.dash,
            spanGaps: true,
            show: !this.hidden.has(s.key),
            points: { show: true, size: 6, stroke: s.colour, fill: s.colour },
          })),
        ],
      };
      this.charts.push(new uPlot(opts, data, target));
      target.setAttribute('aria-label', `${label} over time for ${keys.map((s) => s.model).join(', ')}`);
      target.setAttribute('role', 'img');
    };
    make(this.ttftChart, 'TTFT ms', (r) => r.ttftMs);
    make(this.tpsChart, 'tok/s', (r) => r.tokensPerSecond);
  }

  private renderSpread(spreads: ModelSpread[], keys: ReturnType<MetricsView['seriesKeys']>): void {
    const colourOf = new Map(keys.map((s) => [s.key, s.colour]));
    const maxTtft = Math.max(1, ...spreads.map((s) => s.ttft.p95 ?? 0));
    const maxTps = Math.max(1, ...spreads.map((s) => s.tps.p95 ?? 0));
    this.spreadBody.replaceChildren(
      ...spreads
        .sort((a, b) => a.model.localeCompare(b.model))
        .map((s) => {
          const colour = colourOf.get(seriesKey(s)) ?? this.theme.foreground;
          return h(
            'tr',
            { 'data-model': s.model, 'data-provider': s.provider },
            h('th', { scope: 'row' }, h('span', { class: 'name' }, s.model), h('span', { class: 'provider' }, s.providerLabel)),
            h('td', { class: 'num' }, String(s.answers)),
            spreadCell('ttft', s.ttft, maxTtft, colour, 0),
            spreadCell('tps', s.tps, maxTps, colour, 1),
          );
        }),
    );
  }

  private renderTable(records: AnswerRecord[]): void {
    const { key, descending } = this.sort;
    const sorted = [...records].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      // Answers without the figure go last whichever way the column is sorted.
      if (x === undefined || y === undefined) return x === y ? b.time - a.time : x === undefined ? 1 : -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (descending ? -order : order) || b.time - a.time;
    });
    const shown = sorted.slice(0, MAX_ROWS);
    for (const th of this.tableHead.querySelectorAll<HTMLElement>('th')) {
      th.setAttribute('aria-sort', th.dataset.column === key ? (descending ? 'descending' : 'ascending') : 'none');
    }
    this.rowCount.textContent = `Showing ${shown.length} of ${records.length}${records.length > shown.length ? ' (newest first by default; Export CSV has them all)' : ''}`;
    this.tableBody.replaceChildren(
      ...shown.map((r) =>
        h(
          'tr',
          { 'data-model': r.model, 'data-provider': r.provider, 'data-time': String(r.time) },
          h('td', {}, new Date(r.time).toLocaleString()),
          h('td', {}, r.providerLabel),
          h('td', {}, r.model),
          h('td', { class: 'num' }, fmt(r.ttftMs, 0)),
          h('td', { class: 'num' }, fmt(r.firstAnswerTokenMs, 0)),
          h('td', { class: 'num' }, fmt(r.tokensPerSecond, 1)),
          h('td', { class: 'num' }, r.outputTokens === undefined ? '—' : `${r.estimated ? '~' : ''}${r.outputTokens}`),
          h('td', { class: 'num' }, fmt(r.durationMs, 0)),
          h('td', { class: `finish finish-${r.finish}` }, r.finish),
          h('td', {}, SOURCE_LABELS[r.source]),
        ),
      ),
    );
  }

  private resizeCharts(): void {
    for (const chart of this.charts) chart.setSize({ width: Math.max(200, chart.root.parentElement?.clientWidth ?? 200), height: 220 });
  }

  private destroyCharts(): void {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }
}

function card(title: string, body: HTMLElement): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), body);
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, text), control);
}

function fillSelect(select: HTMLSelectElement, allLabel: string, options: Array<[string, string]>, value: string | undefined): void {
  select.replaceChildren(h('option', { value: '' }, allLabel), ...options.map(([v, label]) => h('option', { value: v }, label)));
  select.value = value ?? '';
}

/** A median · p95 cell: the figures, and a bar to p95 with the median marked (widths via the CSSOM, which the CSP allows). */
function spreadCell(name: 'ttft' | 'tps', spread: ModelSpread['ttft'], max: number, colour: string, digits: number): HTMLElement {
  const track = h('span', { class: 'track', 'aria-hidden': 'true' });
  if (spread.p95 !== undefined && spread.median !== undefined) {
    const range = h('span', { class: 'to-p95' });
    range.style.width = `${(spread.p95 / max) * 100}%`;
    range.style.backgroundColor = colour;
    const median = h('span', { class: 'median' });
    median.style.left = `${(spread.median / max) * 100}%`;
    median.style.backgroundColor = colour;
    track.append(range, median);
  }
  return h(
    'td',
    { class: 'spread-cell' },
    h(
      'span',
      { class: 'figures' },
      h('span', { 'data-stat': `${name}-median`, 'data-value': spread.median === undefined ? '' : String(spread.median) }, fmt(spread.median, digits)),
      ' · ',
      h('span', { 'data-stat': `${name}-p95`, 'data-value': spread.p95 === undefined ? '' : String(spread.p95) }, fmt(spread.p95, digits)),
    ),
    track,
  );
}

function fmt(n: number | undefined, digits: number): string {
  return n === undefined ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function axis(theme: Theme): uPlot.Axis {
  return {
    stroke: theme.muted,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    font: `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`,
    labelFont: `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`,
  };
}

/** The theme's colours, resolved (a canvas cannot use `var(--…)`). */
function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const foreground = v('--vscode-foreground', '#cccccc');
  return {
    foreground,
    muted: highContrast ? foreground : v('--vscode-descriptionForeground', foreground),
    grid: highContrast ? v('--vscode-contrastBorder', foreground) : v('--vscode-widget-border', v('--vscode-panel-border', 'rgba(128, 128, 128, 0.35)')),
    highContrast,
    colours: PALETTE.map(([name, fallback]) => v(name, fallback)),
  };
}

const api = acquireVsCodeApi();
const root = document.getElementById('app');
if (root) {
  const view = new MetricsView(root, api);
  window.addEventListener('message', (event: MessageEvent<MetricsHostMessage>) => {
    const message = event.data;
    if (message && (message.type === 'init' || message.type === 'record')) view.receive(message);
  });
  api.postMessage({ type: 'ready' });
}
