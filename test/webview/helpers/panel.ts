/**
 * The webview tests' handle on the chat panel page (served by test/harness/webviewPage.ts, the
 * page server the benchmarks share): post host messages, read what the webview posted back and
 * what it rendered, stream appends a few per animation frame.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { DiagnosisCardView, HostToWebview, MessageView, WebviewToHost } from '../../../src/shared/protocol';
import { mulberry32 } from '../../../src/simulator/answers';
import { REPO_ROOT } from '../../harness/codeServer';
import { launchChromium, openWebviewPage, startPageServer, type PageServer, type TimedRenderReport, type WebviewTheme } from '../../harness/webviewPage';

export { ALLOWED_PATHS, launchChromium, startPageServer, type PageServer } from '../../harness/webviewPage';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

/** The panel's `init` for a conversation of `messages`, not streaming, on OpenAI's gpt-4o-mini. */
export function initMessage(messages: MessageView[], extra: Partial<Extract<HostToWebview, { type: 'init' }>> = {}): HostToWebview {
  return { type: 'init', streaming: false, modelLabel: 'OpenAI · gpt-4o-mini', messages, ...extra };
}

/** Question `u1` with a cut file and a selection attached, the second of its two versions (the branch navigator shows). */
export function sampleQuestion(text: string): MessageView {
  return {
    id: 'u1',
    role: 'user',
    text,
    branch: { index: 2, count: 2 },
    contextFiles: [
      { kind: 'file', fileName: 'src/stream.ts', languageId: 'typescript', text: 'x', tokens: 8000, truncatedNote: 'cut to the first 8,000 of 23,412 tokens' },
      { kind: 'selection', fileName: 'src/app.ts', languageId: 'typescript', text: 'y', tokens: 42 },
    ],
  };
}

/** A Diagnose Server card with a verdict of every status, a fix and a fix button. */
export const SAMPLE_DIAGNOSIS: DiagnosisCardView = {
  title: 'Diagnosis of Ollama',
  subtitle: 'http://127.0.0.1:11434/v1 · llama3.2 · openai-responses · 812 ms',
  verdicts: [
    { id: 'reachable', status: 'ok', line: 'Reachable: http://127.0.0.1:11434/v1 answers (200)' },
    { id: 'usage', status: 'warn', line: 'Sends usage: no', fix: 'Nothing breaks: Sidestream estimates the counts.' },
    { id: 'responses', status: 'fail', line: 'Responses API: absent (404)', fix: 'Switch `api` to chat.', action: 'Set sidestream.ollama.api to chat' },
    { id: 'reasoning', status: 'info', line: 'Reasoning: none in a short answer' },
    { id: 'speed', status: 'skip', line: 'Speed: not measured' },
  ],
  summary: '2 problem(s) found.',
};

/** The context chips a composer shows in the screenshots and the accessibility check: a cut file, a selection, a suggested file. */
export const SAMPLE_CONTEXT: Extract<HostToWebview, { type: 'context' }> = {
  type: 'context',
  chips: [
    { id: 'c1', kind: 'file', label: 'stream.ts', description: 'src/stream.ts', tokens: 8000, truncatedNote: 'cut to the first 8,000 of 23,412 tokens' },
    { id: 'c2', kind: 'selection', label: 'app.ts:3-9', description: 'src/app.ts', tokens: 42 },
    { id: 'c3', kind: 'activeFile', label: 'main.ts', description: 'src/main.ts', tokens: 1234, suggested: true },
  ],
};

/** A describe block's Chromium, and the page servers its tests start. */
export interface ChromiumBlock {
  /** The block's browser (launched in its `before`). */
  readonly browser: Browser;
  /** Closes `closable` (a page server) when the block ends; returns it. */
  closeAfter<T extends { close(): Promise<void> }>(closable: T): T;
  /** A new chat panel page in `theme`, on a page server of its own (closed with the block). */
  openPanel(theme: WebviewTheme, viewport?: { width: number; height: number }): Promise<Panel>;
}

/** Mocha hooks: one Chromium for the describe block, closed with every server handed to `closeAfter` when it ends. */
export function useChromium(): ChromiumBlock {
  let browser: Browser | undefined;
  const closables: Array<{ close(): Promise<void> }> = [];
  before(async function () {
    this.timeout(60_000);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    for (const c of closables.splice(0)) await c.close();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error("Chromium is launched in the block's before hook: use it inside a test");
      return browser;
    },
    closeAfter(closable) {
      closables.push(closable);
      return closable;
    },
    async openPanel(theme, viewport) {
      const server = await startPageServer(theme);
      closables.push(server);
      return openPanel(this.browser, server, viewport);
    },
  };
}

export interface Panel {
  page: Page;
  /** Every URL the page requested (from Playwright's side). */
  pageRequests: string[];
  /** Dialogs (alert/confirm/prompt) the page tried to open. */
  dialogs: string[];
  post(...messages: HostToWebview[]): Promise<void>;
  posted(): Promise<WebviewToHost[]>;
  clearPosted(): Promise<void>;
  /** Every frame's render report (test build hook), in order. */
  renders(): Promise<TimedRenderReport[]>;
  /** Streams `text` into assistant message `id` as appends of the given sizes, a few per animation frame. */
  stream(id: string, chunks: string[], perFrame?: number, firstSeq?: number): Promise<void>;
  /** Waits until the webview reports having rendered `length` characters of message `id`. */
  waitRendered(id: string, length: number): Promise<void>;
}

/** Opens the webview page with the stub VS Code API and waits for its `ready`. */
export async function openPanel(browser: Browser, server: PageServer, viewport = { width: 420, height: 760 }): Promise<Panel> {
  const pageRequests: string[] = [];
  const dialogs: string[] = [];
  const page = await openWebviewPage(browser, server, {
    viewport,
    onPage: (p) => {
      p.on('request', (req) => pageRequests.push(req.url()));
      p.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
    },
  });
  return {
    page,
    pageRequests,
    dialogs,
    post: (...messages) => page.evaluate((msgs) => msgs.forEach((m) => window.postMessage(m, '*')), messages),
    posted: () => page.evaluate(() => window.__posted as WebviewToHost[]),
    clearPosted: () => page.evaluate(() => void ((window.__posted = []), (window.__renders = []))),
    renders: () => page.evaluate(() => window.__renders),
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
      await page.waitForFunction(({ id, length }) => window.__renders.some((r) => r.id === id && r.length >= length), { id, length }, { timeout: 20_000 });
    },
  };
}

/** Splits `text` into chunks of pseudo-random sizes in [min, max], deterministic for a seed. */
export function randomChunks(text: string, seed: number, min = 1, max = 40): string[] {
  const rand = mulberry32(seed);
  const chunks: string[] = [];
  for (let i = 0; i < text.length;) {
    const size = min + Math.floor(rand() * (max - min + 1));
    chunks.push(text.slice(i, i + size));
    i += size;
  }
  return chunks;
}

export function ensureArtifactsDir(): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/**
 * Mocha hooks for a describe block whose tests each get a fresh panel page: one page server and one
 * Chromium for the block, a new page before each test (handed to `set`), closed after it.
 */
export function usePanelPerTest(set: (panel: Panel) => void): void {
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  let panel: Panel | undefined;
  before(async function () {
    this.timeout(60_000);
    server = await startPageServer();
    browser = await launchChromium();
  });
  beforeEach(async () => {
    panel = await openPanel(browser!, server!);
    set(panel);
  });
  afterEach(async () => {
    await panel?.page.close();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}
