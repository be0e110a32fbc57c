/**
 * The one page server for the webview, shared by the webview tests (test/webview/), the benchmarks
 * (bench/webviewPage.ts) and the end-to-end tests' one-shot renderer (test/e2e/helpers/oneShot.ts).
 * It serves the webview's test build (esbuild.js's webview bundle, minified as in production, with
 * `__SIDESTREAM_TEST__` on so `window.__sidestreamTest` exists) in the page renderWebviewHtml makes,
 * with the test theme standing in for VS Code's. `pageStub` stands in for VS Code's side of the page:
 * `acquireVsCodeApi` records what the webview posts, and each frame's render report is timestamped.
 * The loopback server counts every request so tests can prove nothing is fetched after load.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { renderWebviewHtml } from '../../src/platform/webviewHtml';
import type { RenderReport } from '../../src/webview/testHooks';
import { REPO_ROOT } from './codeServer';

/** The same Debian Chromium, with the same offline flags, as every test. */
export { launchChromium } from './workbench';

let built: Promise<string> | undefined;

/** Builds the webview's test bundle (and copies codicons) into a private temp dir, once per process. */
export function buildWebview(): Promise<string> {
  built ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require(path.join(REPO_ROOT, 'node_modules', 'esbuild')) as typeof import('esbuild');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require(path.join(REPO_ROOT, 'esbuild.js')) as {
      buildOptions(mode: { production?: boolean; testHooks?: boolean; outdir?: string }): import('esbuild').BuildOptions[];
      copyCodicons(outdir: string): void;
    };
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-webview-'));
    const webview = config
      .buildOptions({ production: true, testHooks: true, outdir: path.join(out, 'dist') })
      .find((b) => JSON.stringify(b.entryPoints).includes('src/webview/main.ts'));
    if (!webview) throw new Error('esbuild.js has no webview bundle');
    await esbuild.build({ ...webview, logLevel: 'error' });
    config.copyCodicons(path.join(out, 'dist'));
    return out;
  })();
  return built;
}

export interface PageServer {
  origin: string;
  /** Every request path received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Files the page may legitimately load. */
export const ALLOWED_PATHS = ['/', '/dist/webview.js', '/media/main.css', '/codicons/codicon.css', '/codicons/codicon.ttf', '/theme.css'];

export type WebviewTheme = 'dark' | 'light' | 'high-contrast';

/** The body class VS Code gives a webview for each kind of theme. */
const THEME_BODY_CLASS: Record<WebviewTheme, string> = { dark: 'vscode-dark', light: 'vscode-light', 'high-contrast': 'vscode-high-contrast' };

/** Files the Compare Models page may load (its stylesheet imports the chat's). */
export const COMPARE_ALLOWED_PATHS = ['/', '/dist/compare.js', '/media/compare.css', '/media/main.css', '/codicons/codicon.css', '/codicons/codicon.ttf', '/theme.css'];

/**
 * Serves the page and its files on 127.0.0.1 (an ephemeral port): the chat panel's page, or with
 * `page: 'compare'` the Compare Models panel's (dist/compare.js, media/compare.css).
 */
export async function startPageServer(theme: WebviewTheme = 'dark', page: 'chat' | 'compare' = 'chat'): Promise<PageServer> {
  const out = await buildWebview();
  const requests: string[] = [];
  const files: Record<string, [string, string]> = {
    '/dist/webview.js': [path.join(out, 'dist', 'webview.js'), 'text/javascript'],
    '/media/main.css': [path.join(REPO_ROOT, 'media', 'main.css'), 'text/css'],
    '/dist/compare.js': [path.join(out, 'dist', 'compare.js'), 'text/javascript'],
    '/media/compare.css': [path.join(REPO_ROOT, 'media', 'compare.css'), 'text/css'],
    '/codicons/codicon.css': [path.join(out, 'dist', 'codicons', 'codicon.css'), 'text/css'],
    '/codicons/codicon.ttf': [path.join(out, 'dist', 'codicons', 'codicon.ttf'), 'font/ttf'],
    '/theme.css': [path.join(REPO_ROOT, 'test', 'fixtures', 'webview', `theme-${theme}.css`), 'text/css'],
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    if (pathname === '/') {
      const html = renderWebviewHtml({
        cspSource: origin,
        nonce: crypto.randomBytes(16).toString('base64'),
        scriptUri: page === 'compare' ? `${origin}/dist/compare.js` : `${origin}/dist/webview.js`,
        styleUris: [page === 'compare' ? `${origin}/media/compare.css` : `${origin}/media/main.css`],
        codiconsUri: `${origin}/codicons/codicon.css`,
        // VS Code injects its theme variables; the test theme stands in for them.
      })
        .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet"`)
        .replace('<body ', `<body class="${THEME_BODY_CLASS[theme]}" `);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    if (pathname === '/favicon.ico') {
      // Chromium asks on its own; answering keeps a 404 out of the page's console errors.
      res.writeHead(204);
      res.end();
      return;
    }
    const file = files[pathname];
    if (!file) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': file[1] });
    res.end(fs.readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A render report as the page recorded it, with its `performance.now()` time. */
export type TimedRenderReport = RenderReport & { at: number };

declare global {
  interface Window {
    /** Everything the webview posted to the (stub) host, in order. */
    __posted: unknown[];
    /** Every frame's render report, in order. */
    __renders: TimedRenderReport[];
    /** The latest rendered markdown length per message id. */
    __renderedLength: Record<string, number>;
  }
}

/** Runs in the page before the bundle (`page.addInitScript(pageStub)`): VS Code's side of the page. */
export function pageStub(): void {
  window.__posted = [];
  window.__renders = [];
  window.__renderedLength = {};
  let acquired = false;
  (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    // VS Code keeps a webview's state (a JSON copy) while the view exists and hands it to the page
    // it creates when the view is shown again; sessionStorage survives this page's reloads the same way.
    const STATE_KEY = '__sidestreamWebviewState';
    return {
      postMessage: (m: unknown) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => {
        const saved = sessionStorage.getItem(STATE_KEY);
        return saved === null ? undefined : (JSON.parse(saved) as unknown);
      },
      setState: (state: unknown) => {
        sessionStorage.setItem(STATE_KEY, JSON.stringify(state));
        return state;
      },
    };
  };
  window.__sidestreamOnRender = (report) => {
    window.__renders.push({ ...report, at: performance.now() });
    window.__renderedLength[report.id] = report.length;
  };
}

/**
 * Opens the page in `context` (or a new page of `browser`) with the stub and any further init
 * scripts, and waits for the webview's `ready`, its fonts and its test hooks.
 */
export async function openWebviewPage(
  target: Browser | BrowserContext,
  server: PageServer,
  options: { viewport?: { width: number; height: number }; initScripts?: Array<() => void>; onPage?: (page: Page) => void } = {},
): Promise<Page> {
  const page = 'newContext' in target ? await target.newPage(options.viewport ? { viewport: options.viewport } : {}) : await target.newPage();
  options.onPage?.(page);
  await page.addInitScript(pageStub);
  for (const script of options.initScripts ?? []) await page.addInitScript(script);
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'), undefined, { timeout: 15_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  if (!(await page.evaluate(() => window.__sidestreamTest !== undefined))) {
    throw new Error('window.__sidestreamTest missing: the page did not load the webview test build');
  }
  return page;
}
