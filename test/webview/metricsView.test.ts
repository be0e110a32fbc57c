/**
 * The metrics view (dist/metrics.js, built by esbuild.js as shipped but with test hooks on) in real
 * Chromium, in the page the extension serves (src/features/metrics/metricsHtml.ts, strict CSP with a nonce)
 * with the test theme standing in for VS Code's: two models' answers give a legend entry each
 * (`data-model`), table rows, a filter that narrows the series, median/p95 equal to an independent
 * computation, an export message that carries what the table shows, an empty state, live records,
 * a redraw on theme change, no CSP violation — and dark and light screenshots in test-artifacts/.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderMetricsHtml } from '../../src/features/metrics/metricsHtml';
import { filterRecords, type AnswerRecord, type MetricsHostMessage, type MetricsViewMessage } from '../../src/shared/answerMetrics';
import { REPO_ROOT } from '../harness/codeServer';
import { pageStub } from '../harness/webviewPage';
import { ensureArtifactsDir, useChromium } from './helpers/panel';

const HOUR = 3_600_000;

/** Two models, a dozen answers each over ten days; a few failed or cancelled (no TTFT for the failure). */
function sampleRecords(now: number): AnswerRecord[] {
  const records: AnswerRecord[] = [];
  for (let i = 0; i < 12; i++) {
    records.push({
      time: now - (i * 20 + 1) * HOUR,
      source: i % 3 ? 'panel' : 'participant',
      provider: 'ollama',
      providerLabel: 'Ollama',
      model: 'llama3.2:3b',
      ttftMs: 180 + ((i * 37) % 90),
      tokensPerSecond: 38 + ((i * 7) % 11),
      outputTokens: 200 + i * 13,
      estimated: false,
      durationMs: 5200 + i * 100,
      finish: i === 4 ? 'cancelled' : 'stop',
    });
    records.push({
      time: now - (i * 20 + 3) * HOUR,
      source: 'lm-provider',
      provider: 'openai',
      providerLabel: 'OpenAI',
      model: 'gpt-4o-mini',
      ...(i === 7 ? {} : { ttftMs: 320 + ((i * 53) % 200) }),
      ...(i === 7 ? {} : { tokensPerSecond: 70 + ((i * 11) % 30) }),
      outputTokens: i === 7 ? 0 : 300 + i * 17,
      estimated: i % 2 === 0,
      durationMs: 4100 + i * 90,
      finish: i === 7 ? 'error' : 'stop',
    });
  }
  return records.sort((a, b) => a.time - b.time);
}

/** numpy's default percentile (linear), written independently of src/shared/answerMetrics.ts. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const below = s[Math.floor(rank)]!;
  const above = s[Math.ceil(rank)]!;
  return below + (above - below) * (rank % 1);
}

interface Served {
  origin: string;
  requests: string[];
  close(): Promise<void>;
}

let built: Promise<string> | undefined;

/** esbuild.js's webview build (both pages), minified as shipped, test hooks on, into a temp dir. */
function buildBundle(): Promise<string> {
  built ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require(path.join(REPO_ROOT, 'node_modules', 'esbuild')) as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(REPO_ROOT, 'esbuild.js')) as { buildOptions(mode: object): import('esbuild').BuildOptions[] };
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-metrics-view-'));
    const options = config.buildOptions({ production: true, testHooks: true, outdir: out }).find((b) => JSON.stringify(b.entryPoints).includes('src/webview/metrics/main.ts'));
    if (!options) throw new Error('esbuild.js has no metrics bundle');
    await esbuild.build({ ...options, logLevel: 'error' });
    return out;
  })();
  return built;
}

async function serve(theme: 'dark' | 'light'): Promise<Served> {
  const out = await buildBundle();
  const files: Record<string, [string, string]> = {
    '/dist/metrics.js': [path.join(out, 'metrics.js'), 'text/javascript'],
    '/dist/metrics.css': [path.join(out, 'metrics.css'), 'text/css'],
    '/media/metrics.css': [path.join(REPO_ROOT, 'media', 'metrics.css'), 'text/css'],
    '/theme.css': [path.join(REPO_ROOT, 'test', 'fixtures', 'webview', `theme-${theme}.css`), 'text/css'],
  };
  const requests: string[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    if (pathname === '/') {
      const html = renderMetricsHtml({
        cspSource: origin,
        nonce: crypto.randomBytes(16).toString('base64'),
        scriptUri: `${origin}/dist/metrics.js`,
        // VS Code injects its theme variables; the test theme stands in for them.
        styleUris: [`${origin}/theme.css`, `${origin}/dist/metrics.css`, `${origin}/media/metrics.css`],
        title: 'Sidestream Metrics',
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    const file = files[pathname];
    res.writeHead(file ? 200 : pathname === '/favicon.ico' ? 204 : 404, file ? { 'content-type': file[1] } : {});
    res.end(file ? fs.readFileSync(file[0]) : undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, requests, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

declare global {
  interface Window {
    __cspViolations: string[];
  }
}

async function openView(browser: Browser, server: Served, init: Extract<MetricsHostMessage, { type: 'init' }> | undefined, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(pageStub);
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'));
  if (init) {
    await send(page, init);
    await page.waitForSelector(init.records.length ? '.legend li' : '[data-empty]:not([hidden])');
  }
  return page;
}

function send(page: Page, message: MetricsHostMessage): Promise<void> {
  return page.evaluate((m) => window.postMessage(m, '*'), message);
}

/** What the page shows: legend entries, table rows (their times), the spread figures. */
function shown(page: Page) {
  return page.evaluate(() => ({
    legend: [...document.querySelectorAll<HTMLElement>('.legend li')].map((li) => ({
      model: li.dataset.model,
      provider: li.dataset.provider,
      colour: getComputedStyle(li.querySelector('.swatch')!).backgroundColor,
    })),
    rows: [...document.querySelectorAll<HTMLElement>('table.records tbody tr')].map((tr) => ({ model: tr.dataset.model, time: Number(tr.dataset.time) })),
    rowCount: document.querySelector('[data-row-count]')?.textContent,
    spread: Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('table.spread tbody tr')].map((tr) => [
        tr.dataset.model,
        Object.fromEntries([...tr.querySelectorAll<HTMLElement>('[data-stat]')].map((el) => [el.dataset.stat, el.dataset.value === '' ? undefined : Number(el.dataset.value)])),
      ]),
    ),
    canvases: document.querySelectorAll('.chart canvas').length,
    empty: !document.querySelector<HTMLElement>('[data-empty]')!.hidden,
  }));
}

async function nextFrame(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

describe('Metrics view (Chromium)', function () {
  this.timeout(90_000);
  const chromium = useChromium();
  const now = Date.now();
  const records = sampleRecords(now);

  it('shows both models (legend data-model, table, charts), narrows by filter, and computes median/p95 exactly', async () => {
    const server = await serve('dark');
    chromium.closeAfter(server);
    const errors: string[] = [];
    const page = await openView(chromium.browser, server, { type: 'init', records, bound: 20_000 }, errors);
    let view = await shown(page);
    assert.deepEqual(view.legend.map((l) => [l.model, l.provider]).sort(), [
      ['gpt-4o-mini', 'openai'],
      ['llama3.2:3b', 'ollama'],
    ]);
    assert.notEqual(view.legend[0]!.colour, view.legend[1]!.colour, 'each series has its own colour');
    assert.equal(view.rows.length, records.length);
    assert.equal(view.rowCount, `Showing ${records.length} of ${records.length}`);
    assert.deepEqual(
      view.rows.map((r) => r.time),
      records.map((r) => r.time).sort((a, b) => b - a),
      'newest first',
    );
    assert.equal(view.canvases, 2, 'a TTFT chart and a tok/s chart');

    // The spread, against percentiles computed here from the same records.
    for (const model of ['llama3.2:3b', 'gpt-4o-mini']) {
      const mine = records.filter((r) => r.model === model);
      const ttft = mine.flatMap((r) => (r.ttftMs === undefined ? [] : [r.ttftMs]));
      const tps = mine.flatMap((r) => (r.tokensPerSecond === undefined ? [] : [r.tokensPerSecond]));
      const expected = { 'ttft-median': percentile(ttft, 50), 'ttft-p95': percentile(ttft, 95), 'tps-median': percentile(tps, 50), 'tps-p95': percentile(tps, 95) };
      for (const [stat, value] of Object.entries(expected))
        assert.ok(Math.abs(view.spread[model]![stat]! - value) < 1e-9, `${model} ${stat}: ${view.spread[model]![stat]} vs ${value}`);
    }

    // Sort by TTFT ascending: the failed answer without a TTFT goes last.
    await page.click('th[data-column="ttftMs"] button');
    await page.click('th[data-column="ttftMs"] button');
    const byTtft = await page.evaluate(() => [...document.querySelectorAll('table.records tbody tr td:nth-child(4)')].map((td) => td.textContent));
    assert.equal(byTtft[byTtft.length - 1], '—');
    const numbers = byTtft.slice(0, -1).map((t) => Number(t!.replace(/,/g, '')));
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
    );
    assert.equal(await page.getAttribute('th[data-column="ttftMs"]', 'aria-sort'), 'ascending');

    // Filter by model: one series left, its rows only.
    await page.selectOption('select[data-filter="model"]', 'llama3.2:3b');
    view = await shown(page);
    assert.deepEqual(
      view.legend.map((l) => l.model),
      ['llama3.2:3b'],
    );
    assert.ok(view.rows.every((r) => r.model === 'llama3.2:3b') && view.rows.length === 12);
    // And by time: the last 24 hours hold this model's two newest answers.
    await page.click('button[data-range="24h"]');
    view = await shown(page);
    assert.equal(view.rows.length, records.filter((r) => r.model === 'llama3.2:3b' && now - r.time <= 24 * HOUR).length);
    assert.equal(await page.getAttribute('button[data-range="24h"]', 'aria-checked'), 'true');

    // The export message carries the filter that yields exactly the table's rows.
    await page.click('button[data-range="7d"]');
    await page.selectOption('select[data-filter="model"]', '');
    await page.selectOption('select[data-filter="provider"]', 'openai');
    view = await shown(page);
    await page.click('[data-action="export-csv"]');
    const posted = (await page.evaluate(() => window.__posted)) as MetricsViewMessage[];
    const exported = posted.find((m) => m.type === 'exportCsv');
    assert.ok(exported && exported.type === 'exportCsv');
    assert.deepEqual(exported.filter, { provider: 'openai', range: '7d' }, 'no model: all of them');
    assert.equal(exported.count, view.rows.length);
    assert.deepEqual(
      filterRecords(records, exported.filter, Date.now())
        .map((r) => r.time)
        .sort(),
      view.rows.map((r) => r.time).sort(),
      'the CSV holds what the table shows',
    );

    // A new answer appears live, a third model with its own legend entry.
    await page.selectOption('select[data-filter="provider"]', '');
    await send(page, {
      type: 'record',
      record: {
        time: Date.now(),
        source: 'panel',
        provider: 'anthropic',
        providerLabel: 'Anthropic',
        model: 'claude-haiku',
        ttftMs: 410,
        tokensPerSecond: 90,
        outputTokens: 50,
        estimated: false,
        durationMs: 900,
        finish: 'stop',
      },
    });
    await page.waitForSelector('.legend li[data-model="claude-haiku"][data-provider="anthropic"]');

    // A theme change redraws with the new colours.
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(1, 2, 3)'));
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('.legend .swatch')].some((s) => getComputedStyle(s).backgroundColor === 'rgb(1, 2, 3)'));

    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'no CSP violation');
    assert.deepEqual(errors, []);
    assert.deepEqual(
      [...new Set(server.requests.filter((p) => p !== '/favicon.ico'))].sort(),
      ['/', '/dist/metrics.css', '/dist/metrics.js', '/media/metrics.css', '/theme.css'].sort(),
      'nothing else is fetched',
    );
    await page.close();
  });

  it('shows an empty state when nothing is recorded yet, and leaves it with the first answer', async () => {
    const server = await serve('dark');
    chromium.closeAfter(server);
    const errors: string[] = [];
    const page = await openView(chromium.browser, server, { type: 'init', records: [], bound: 20_000 }, errors);
    let view = await shown(page);
    assert.equal(view.empty, true);
    assert.equal(view.canvases, 0);
    assert.match((await page.textContent('[data-empty]')) ?? '', /No answers recorded yet/);
    assert.equal(await page.isDisabled('[data-action="export-csv"]'), true);
    await send(page, { type: 'record', record: records[0]! });
    await page.waitForSelector('.legend li[data-model]');
    await nextFrame(page);
    view = await shown(page);
    assert.equal(view.empty, false);
    assert.equal(view.rows.length, 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`screenshot (${theme}) → test-artifacts/metrics-${theme}.png`, async () => {
      const server = await serve(theme);
      chromium.closeAfter(server);
      const errors: string[] = [];
      const page = await openView(chromium.browser, server, { type: 'init', records, bound: 20_000 }, errors);
      await nextFrame(page);
      // The theme's chart colours reach the canvas's legend swatches (and so the series).
      const colours = (await shown(page)).legend.map((l) => l.colour);
      const expected = theme === 'dark' ? ['rgb(55, 148, 255)', 'rgb(209, 134, 22)'] : ['rgb(26, 133, 255)', 'rgb(209, 134, 22)'];
      assert.deepEqual(colours, expected);
      const file = path.join(ensureArtifactsDir(), `metrics-${theme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10_000);
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  it('high contrast: contrast borders, series told apart by dash as well as colour (test-artifacts/metrics-hc.png)', async () => {
    const server = await serve('dark');
    chromium.closeAfter(server);
    const errors: string[] = [];
    const page = await openView(chromium.browser, server, { type: 'init', records, bound: 20_000 }, errors);
    // What VS Code does on a switch to a high-contrast theme: the body's class and variables change.
    await page.evaluate(() => {
      document.body.classList.add('vscode-high-contrast');
      document.documentElement.style.setProperty('--vscode-contrastBorder', 'rgb(111, 195, 223)');
      document.documentElement.style.setProperty('--vscode-editor-background', '#000000');
    });
    await page.waitForSelector('.legend li:nth-child(2) .swatch.dashed');
    await nextFrame(page);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.card')!).borderTopColor), 'rgb(111, 195, 223)');
    await page.screenshot({ path: path.join(ensureArtifactsDir(), 'metrics-hc.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
