/**
 * Serves the built webview bundle in real Chromium, in a page made by renderWebviewHtml, with a
 * stub `acquireVsCodeApi` that records what the webview posts. The loopback server counts every
 * request so tests can prove nothing is fetched after load.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostToWebview, WebviewToHost } from '../../src/protocol';
import { renderWebviewHtml } from '../../src/panel/webviewHtml';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let built: Promise<string> | undefined;

/** Builds src/webview/main.ts (and copies codicons) into a private temp dir, once per process. */
export function buildWebview(): Promise<string> {
  built ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require(path.join(ROOT, 'node_modules', 'esbuild')) as typeof import('esbuild');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-webview-'));
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { webview: 'src/webview/main.ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      outdir: path.join(out, 'dist'),
      logLevel: 'error',
      minify: true,
    });
    fs.mkdirSync(path.join(out, 'codicons'));
    for (const file of ['codicon.css', 'codicon.ttf']) {
      fs.copyFileSync(path.join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', file), path.join(out, 'codicons', file));
    }
    return out;
  })();
  return built;
}

export interface TestServer {
  origin: string;
  /** Every request path received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Files the page may legitimately load. */
export const ALLOWED_PATHS = ['/', '/dist/webview.js', '/media/main.css', '/codicons/codicon.css', '/codicons/codicon.ttf', '/theme.css'];

export async function startServer(theme: 'dark' | 'light' = 'dark'): Promise<TestServer> {
  const out = await buildWebview();
  const requests: string[] = [];
  const files: Record<string, [string, string]> = {
    '/dist/webview.js': [path.join(out, 'dist', 'webview.js'), 'text/javascript'],
    '/media/main.css': [path.join(ROOT, 'media', 'main.css'), 'text/css'],
    '/codicons/codicon.css': [path.join(out, 'codicons', 'codicon.css'), 'text/css'],
    '/codicons/codicon.ttf': [path.join(out, 'codicons', 'codicon.ttf'), 'font/ttf'],
    '/theme.css': [path.join(ROOT, 'test', 'fixtures', 'webview', `theme-${theme}.css`), 'text/css'],
  };
  let origin = '';
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    if (pathname === '/') {
      const html = renderWebviewHtml({
        cspSource: origin,
        nonce: crypto.randomBytes(16).toString('base64'),
        scriptUri: `${origin}/dist/webview.js`,
        styleUri: `${origin}/media/main.css`,
        codiconsUri: `${origin}/codicons/codicon.css`,
        bench: true,
      }).replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet"`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
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
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The same Debian Chromium, with the same offline flags, as every test. */
export { launchChromium } from '../harness/workbench';

export interface Panel {
  page: Page;
  /** Every URL the page requested (from Playwright's side). */
  pageRequests: string[];
  /** Dialogs (alert/confirm/prompt) the page tried to open. */
  dialogs: string[];
  post(...messages: HostToWebview[]): Promise<void>;
  posted(): Promise<WebviewToHost[]>;
  clearPosted(): Promise<void>;
  /** Streams `text` into assistant message `id` as appends of the given sizes, a few per animation frame. */
  stream(id: string, chunks: string[], perFrame?: number, firstSeq?: number): Promise<void>;
  /** Waits until the webview reports having rendered `length` characters of message `id`. */
  waitRendered(id: string, length: number): Promise<void>;
}

declare global {
  interface Window {
    __posted: unknown[];
  }
}

/** Opens the webview page with the stub VS Code API and waits for its `ready`. */
export async function openPanel(browser: Browser, server: TestServer, viewport = { width: 420, height: 760 }): Promise<Panel> {
  const page = await browser.newPage({ viewport });
  const pageRequests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (req) => pageRequests.push(req.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.addInitScript(() => {
    window.__posted = [];
    let acquired = false;
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m: unknown) => window.__posted.push(JSON.parse(JSON.stringify(m))),
        getState: () => undefined,
        setState: () => undefined,
      };
    };
  });
  await page.goto(`${server.origin}/`);
  await page.waitForFunction(() => window.__posted.some((m) => (m as { type: string }).type === 'ready'), undefined, { timeout: 10_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));

  const panel: Panel = {
    page,
    pageRequests,
    dialogs,
    post: (...messages) => page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), messages),
    posted: () => page.evaluate(() => window.__posted as WebviewToHost[]),
    clearPosted: () => page.evaluate(() => void (window.__posted = [])),
    stream: (id, chunks, perFrame = 3, firstSeq = 0) =>
      page.evaluate(
        async ({ id, chunks, perFrame, firstSeq }) => {
          let seq = firstSeq;
          for (let i = 0; i < chunks.length; i += perFrame) {
            for (const text of chunks.slice(i, i + perFrame)) window.postMessage({ type: 'append', id, seq: seq++, text }, '*');
            await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
          }
        },
        { id, chunks, perFrame, firstSeq },
      ),
    waitRendered: async (id, length) => {
      await page.waitForFunction(
        ({ id, length }) => window.__posted.some((m) => {
          const r = m as { type: string; id: string; length: number };
          return r.type === 'rendered' && r.id === id && r.length >= length;
        }),
        { id, length },
        { timeout: 20_000 },
      );
    },
  };
  return panel;
}

/** Splits `text` into chunks of pseudo-random sizes in [min, max], deterministic for a seed. */
export function randomChunks(text: string, seed: number, min = 1, max = 40): string[] {
  const rand = mulberry32(seed);
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const size = min + Math.floor(rand() * (max - min + 1));
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}

/** A small seeded PRNG so failures reproduce. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ensureArtifactsDir(): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
