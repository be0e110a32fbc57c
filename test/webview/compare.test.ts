/**
 * The Compare Models panel in Chromium, with its real bundle (dist/compare.js) behind the strict CSP
 * page: columns render from compareInit, each append goes to its own column (in seq order, through
 * the chat's renderer), live figures show, the fastest TTFT and tok/s are marked once every column
 * ended, Stop posts the right column, a failed column shows its error while another streams on.
 * Screenshots in dark and light (test-artifacts/compare-*.png) for a human to look at.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AnswerStats } from '../../src/core/session/StreamSession';
import type { CompareHostToWebview, CompareRunView, CompareWebviewToHost } from '../../src/shared/protocol';
import { COMPARE_ALLOWED_PATHS, openWebviewPage } from '../harness/webviewPage';
import { ARTIFACTS, ensureArtifactsDir, startPageServer, useChromium, type PageServer } from './helpers/panel';

const ANSWER_A = `Use **binary search** over the commits:

\`\`\`sh
git bisect start
git bisect bad HEAD
git bisect good v1.2.0
\`\`\`

Then mark each checkout \`good\` or \`bad\` until Git names the first bad commit.
`;
const ANSWER_B = `\`git bisect\` halves the range each step, so 1,000 commits take about **10** tests.

1. Start with a known good and a known bad commit.
2. Let \`git bisect run ./test.sh\` do the rest.
`;

const stats = (over: Partial<AnswerStats>): AnswerStats => ({
  provider: 'openai-compatible',
  model: 'sim-a',
  providerLabel: 'Simulator',
  ttftMs: 100,
  tokensPerSecond: 50,
  outputTokens: 120,
  estimated: false,
  finishReason: 'stop',
  ...over,
});

function run(models = ['sim-fast', 'sim-slow', 'sim-broken']): CompareRunView {
  return {
    id: 'run1',
    question: 'How does git bisect find a regression?',
    createdAt: Date.now(),
    columns: models.map((model, i) => ({ id: `c${i}`, provider: 'openai-compatible', model, providerLabel: 'Simulator', text: '', state: 'streaming', rev: 0 })),
  };
}

interface ComparePage {
  page: Page;
  requests: string[];
  post(...messages: CompareHostToWebview[]): Promise<void>;
  posted(): Promise<CompareWebviewToHost[]>;
  /** Appends `text` to `column` in chunks of `size`, a few per frame, seq from `firstSeq`. */
  stream(column: string, text: string, firstSeq?: number, size?: number): Promise<number>;
  waitRendered(column: string, length: number): Promise<void>;
  attr(selector: string, name: string): Promise<string | null>;
  text(selector: string): Promise<string>;
}

async function openCompare(browser: Browser, server: PageServer, viewport = { width: 1280, height: 720 }): Promise<ComparePage> {
  const requests: string[] = [];
  const errors: string[] = [];
  const page = await openWebviewPage(browser, server, {
    viewport,
    onPage: (p) => {
      p.on('request', (r) => requests.push(new URL(r.url()).pathname));
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
    },
  });
  page.on('close', () => assert.deepEqual(errors, [], 'no page errors'));
  return {
    page,
    requests,
    post: (...messages) => page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), messages),
    posted: () => page.evaluate(() => window.__posted as CompareWebviewToHost[]),
    stream: async (column, text, firstSeq = 1, size = 17) => {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      await page.evaluate(
        async ({ column, chunks, firstSeq }) => {
          let seq = firstSeq;
          for (let i = 0; i < chunks.length; i += 3) {
            for (const text of chunks.slice(i, i + 3)) window.postMessage({ type: 'compareAppend', column, seq: seq++, text }, '*');
            await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
          }
        },
        { column, chunks, firstSeq },
      );
      return firstSeq + chunks.length;
    },
    waitRendered: async (column, length) => {
      await page.waitForFunction(({ column, length }) => window.__renders.some((r) => r.id === column && r.length >= length), { column, length }, { timeout: 20_000 });
    },
    attr: (selector, name) => page.evaluate(({ selector, name }) => document.querySelector(selector)?.getAttribute(name) ?? null, { selector, name }),
    text: (selector) => page.evaluate((selector) => document.querySelector(selector)?.textContent ?? '', selector),
  };
}

describe('Compare Models panel (Chromium, real compare bundle)', function () {
  this.timeout(90_000);
  const chromium = useChromium();

  async function server(theme: 'dark' | 'light' = 'dark'): Promise<PageServer> {
    const s = await startPageServer(theme, 'compare');
    chromium.closeAfter(s);
    return s;
  }

  it('renders a column per model; appends go to their own column in seq order; figures show live', async () => {
    const p = await openCompare(chromium.browser, await server());
    await p.post({ type: 'compareInit', run: run() });
    const columns = await p.page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-column]')].map((c) => [c.dataset.column, c.dataset.model, c.dataset.state]));
    assert.deepEqual(columns, [
      ['c0', 'sim-fast', 'streaming'],
      ['c1', 'sim-slow', 'streaming'],
      ['c2', 'sim-broken', 'streaming'],
    ]);
    // Out of order and duplicated: the column's queue waits for seq 1 and drops the repeat.
    await p.post(
      { type: 'compareAppend', column: 'c1', seq: 2, text: ' world' },
      { type: 'compareAppend', column: 'c1', seq: 1, text: 'Hello' },
      { type: 'compareAppend', column: 'c1', seq: 1, text: 'Hello' },
    );
    await p.stream('c0', ANSWER_A);
    await p.waitRendered('c0', ANSWER_A.length);
    await p.waitRendered('c1', 'Hello world'.length);
    assert.equal((await p.text('[data-column="c1"] .markdown')).trim(), 'Hello world');
    assert.ok((await p.text('[data-column="c0"] .markdown')).includes('git bisect good v1.2.0'));
    assert.ok(!(await p.text('[data-column="c2"] .markdown')));
    // The answer is rendered by the chat's renderer: identical to its one-shot render once finished.
    await p.post({ type: 'compareFigures', column: 'c0', figures: { ttftMs: 42.4, tokensPerSecond: 312.2, outputTokens: 77, estimated: true, elapsedMs: 1500 } });
    assert.equal(await p.text('[data-column="c0"] [data-figure="ttft"] .figure-value'), '42 ms');
    assert.equal(await p.text('[data-column="c0"] [data-figure="tps"] .figure-value'), '~312');
    assert.equal(await p.text('[data-column="c0"] [data-figure="tokens"] .figure-value'), '~77');
    assert.match(await p.text('[data-column="c0"] [data-figure="elapsed"] .figure-value'), /^1\.[5-9] s$/);
    // The clock ticks between the host's figures.
    await p.page.waitForFunction(
      () => /^(1\.[89]|[2-9]\.\d) s$/.test(document.querySelector('[data-column="c0"] [data-figure="elapsed"] .figure-value')?.textContent ?? ''),
      undefined,
      { timeout: 3000 },
    );
    await p.post({ type: 'compareFinished', column: 'c0', state: 'done', stats: stats({ model: 'sim-fast' }), error: undefined, durationMs: 2000 });
    const same = await p.page.evaluate((t) => document.querySelector('[data-column="c0"] .markdown')!.innerHTML === window.__sidestreamTest!.renderMarkdownOnce(t), ANSWER_A);
    assert.ok(same, 'the column renders markdown exactly as the chat does');
    assert.deepEqual(
      p.requests.filter((r) => !COMPARE_ALLOWED_PATHS.includes(r)),
      [],
    );
    await p.page.close();
  });

  it('Stop posts that column; Stop all and Copy as Markdown post theirs; a finished column has no Stop', async () => {
    const p = await openCompare(chromium.browser, await server());
    await p.post({ type: 'compareInit', run: run(['sim-a', 'sim-b']) });
    await p.page.click('[data-column="c1"] [data-action="stop-column"]');
    await p.page.click('[data-action="stop-all"]');
    await p.page.click('[data-action="copy-markdown"]');
    const posted = (await p.posted()).filter((m) => m.type !== 'ready');
    assert.deepEqual(posted, [{ type: 'stopColumn', column: 'c1' }, { type: 'stopAll' }, { type: 'copyMarkdown' }]);
    await p.post({ type: 'compareFinished', column: 'c1', state: 'cancelled', stats: stats({ finishReason: 'cancelled' }), error: undefined, durationMs: 300 });
    assert.equal(await p.attr('[data-column="c1"]', 'data-state'), 'cancelled');
    assert.ok(await p.page.isHidden('[data-column="c1"] [data-action="stop-column"]'));
    assert.ok(await p.page.isVisible('[data-column="c0"] [data-action="stop-column"]'));
    await p.page.close();
  });

  it('a failed column shows its one-line error while another keeps streaming; fastest marked when all ended', async () => {
    const p = await openCompare(chromium.browser, await server());
    await p.post({ type: 'compareInit', run: run() });
    const half = Math.floor(ANSWER_B.length / 2);
    let seq = await p.stream('c1', ANSWER_B.slice(0, half));
    await p.post({
      type: 'compareFinished',
      column: 'c2',
      state: 'error',
      stats: undefined,
      error: { kind: 'auth', message: 'Unauthorized (401): check your API key.' },
      durationMs: 40,
    });
    assert.equal(await p.attr('[data-column="c2"]', 'data-state'), 'error');
    assert.equal(await p.text('[data-column="c2"] .error-line'), 'authUnauthorized (401): check your API key.');
    // Said once, politely; the streaming answers themselves are not live regions (a screen reader
    // would read every frame of every column).
    const model2 = await p.attr('[data-column="c2"]', 'data-model');
    await waitForStatus(p.page, `${model2}: failed: Unauthorized (401): check your API key.`);
    assert.equal(await p.page.locator('.compare-column [aria-live]:not([aria-live="off"])').count(), 0, 'a column is a live region');
    // No fastest mark while others stream.
    assert.equal(await p.page.locator('[data-fastest]').count(), 0);
    seq = await p.stream('c1', ANSWER_B.slice(half), seq);
    await p.waitRendered('c1', ANSWER_B.length);
    assert.equal(await p.attr('[data-column="c1"]', 'data-state'), 'streaming');
    await p.stream('c0', ANSWER_A);
    await p.post(
      {
        type: 'compareFinished',
        column: 'c0',
        state: 'done',
        stats: stats({ model: 'sim-fast', ttftMs: 35, tokensPerSecond: 180.4, outputTokens: 64 }),
        error: undefined,
        durationMs: 420,
      },
      {
        type: 'compareFinished',
        column: 'c1',
        state: 'done',
        stats: stats({ model: 'sim-slow', ttftMs: 260, tokensPerSecond: 420.9, outputTokens: 58 }),
        error: undefined,
        durationMs: 400,
      },
    );
    assert.equal(await p.page.locator('[data-column="c0"] [data-figure="ttft"] [data-fastest="ttft"]').count(), 1);
    assert.equal(await p.page.locator('[data-column="c1"] [data-figure="tps"] [data-fastest="tps"]').count(), 1);
    assert.equal(await p.page.locator('[data-fastest]').count(), 2, 'the failed column is never fastest');
    assert.equal(await p.text('[data-column="c1"] [data-figure="tps"] .figure-value'), '421');
    assert.equal(await p.text('[data-column="c0"] [data-figure="elapsed"] .figure-value'), '0.4 s');
    assert.ok(await p.page.isHidden('[data-action="stop-all"]'));
    await waitForStatus(p.page, `${await p.attr('[data-column="c1"]', 'data-model')}: done. All models have finished.`);
    assert.equal(seq > 1, true);
    await p.page.close();
  });

  it('columns take turns when one frame cannot apply them all, and none waits for a later post', async () => {
    const p = await openCompare(chromium.browser, await server(), { width: 1600, height: 900 });
    await p.post({ type: 'compareInit', run: run(['sim-a', 'sim-b', 'sim-c', 'sim-d']) });
    // One large post per column at once: applying all four costs more than a frame's script budget,
    // so some columns are applied in later frames without anything further arriving for them.
    const texts = [0, 1, 2, 3].map((i) => (i % 2 ? ANSWER_B : ANSWER_A).repeat(30 + i));
    await p.post(...texts.map((text, i): CompareHostToWebview => ({ type: 'compareAppend', column: `c${i}`, seq: 1, text })));
    for (const [i, text] of texts.entries()) await p.waitRendered(`c${i}`, text.length);
    const rendered = await p.page.evaluate(() => window.__renders.filter((r) => r.length > 0).map((r) => r.id));
    assert.deepEqual([...rendered].sort(), ['c0', 'c1', 'c2', 'c3'], 'each column applied once, in one piece');
    for (const [i, text] of texts.entries()) {
      await p.post({ type: 'compareFinished', column: `c${i}`, state: 'done', stats: undefined, error: undefined, durationMs: 100 });
      const same = await p.page.evaluate(({ c, t }) => document.querySelector(`[data-column="${c}"] .markdown`)!.innerHTML === window.__sidestreamTest!.renderMarkdownOnce(t), {
        c: `c${i}`,
        t: text,
      });
      assert.ok(same, `column c${i} renders its answer exactly`);
    }
    await p.page.close();
  });

  it('stacks the columns when narrow, side by side when wide', async () => {
    const s = await server();
    for (const [width, sideBySide] of [
      [1280, true],
      [560, false],
    ] as const) {
      const p = await openCompare(chromium.browser, s, { width, height: 700 });
      await p.post({ type: 'compareInit', run: run() });
      const tops = await p.page.evaluate(() => [...document.querySelectorAll('[data-column]')].map((c) => Math.round(c.getBoundingClientRect().top)));
      assert.equal(new Set(tops).size === 1, sideBySide, `width ${width}: tops ${tops.join(', ')}`);
      await p.page.close();
    }
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`screenshot (${theme}): mid-stream, one failed, then finished with the fastest marked`, async () => {
      const p = await openCompare(chromium.browser, await server(theme), { width: 1280, height: 640 });
      const r = run(['gpt-4.1-mini', 'claude-sonnet-4-5', 'llama3.2:3b']);
      r.columns[0]!.providerLabel = 'OpenAI';
      r.columns[0]!.provider = 'openai';
      r.columns[1]!.providerLabel = 'Anthropic';
      r.columns[1]!.provider = 'anthropic';
      r.columns[2]!.providerLabel = 'Ollama';
      r.columns[2]!.provider = 'ollama';
      await p.post({ type: 'compareInit', run: r });
      await p.stream('c0', ANSWER_A);
      await p.stream('c1', ANSWER_B.slice(0, 90));
      await p.post(
        { type: 'compareFigures', column: 'c1', figures: { ttftMs: 612, tokensPerSecond: 48.3, outputTokens: 22, estimated: false, elapsedMs: 1100 } },
        {
          type: 'compareFinished',
          column: 'c2',
          state: 'error',
          stats: undefined,
          error: { kind: 'connection', message: 'Nothing answered at http://127.0.0.1:11434/v1. Start the server or change sidestream.baseUrl.ollama.' },
          durationMs: 12,
        },
        {
          type: 'compareFinished',
          column: 'c0',
          state: 'done',
          stats: stats({ model: 'gpt-4.1-mini', ttftMs: 284, tokensPerSecond: 96.2, outputTokens: 71 }),
          error: undefined,
          durationMs: 1020,
        },
      );
      await p.waitRendered('c1', 90);
      await ensureArtifactsDir();
      const midPath = path.join(ARTIFACTS, `compare-${theme}-streaming.png`);
      await p.page.screenshot({ path: midPath });
      await p.stream('c1', ANSWER_B.slice(90), 100);
      await p.post({
        type: 'compareFinished',
        column: 'c1',
        state: 'done',
        stats: stats({ model: 'claude-sonnet-4-5', ttftMs: 612, tokensPerSecond: 131.5, outputTokens: 58 }),
        error: undefined,
        durationMs: 1900,
      });
      await p.waitRendered('c1', ANSWER_B.length);
      const donePath = path.join(ARTIFACTS, `compare-${theme}-finished.png`);
      await p.page.screenshot({ path: donePath });
      assert.equal(await p.page.locator('[data-column="c0"] [data-fastest="ttft"]').count(), 1);
      assert.equal(await p.page.locator('[data-column="c1"] [data-fastest="tps"]').count(), 1);
      // Theme variables in use: the column background is the theme's editor background.
      const bg = await p.page.evaluate(() => getComputedStyle(document.querySelector('.compare-column')!).backgroundColor);
      assert.notEqual(bg, 'rgba(0, 0, 0, 0)');
      await p.page.close();
    });
  }
});

/** Waits for the panel's status line to say `text`; on a timeout, says what it said instead. */
async function waitForStatus(page: Page, text: string): Promise<void> {
  const said = () => page.evaluate(() => document.querySelector('[role="status"]')?.textContent ?? null);
  await page
    .waitForFunction((t) => document.querySelector('[role="status"]')?.textContent === t, text, { timeout: 5_000 })
    .catch(async () => {
      assert.fail(`the status line says ${JSON.stringify(await said())}, not ${JSON.stringify(text)}`);
    });
}
