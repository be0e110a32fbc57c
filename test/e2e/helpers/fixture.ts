/**
 * The one end-to-end fixture every UI test file uses: a real VS Code (code-server) with Sidestream,
 * opened in Debian's Chromium, for the life of a `describe` block — started in its `before`, its
 * log saved and everything stopped in its `after`, a screenshot of the window taken when a test
 * fails — and the panel-side helpers the files share: the panel's selectors, asking from the
 * palette or the composer, waiting for a message's state, New Chat, and a window reload that comes
 * back ready with the panel shown.
 *
 *   let sim: SimulatorProcess;
 *   const vs = useVsCode({
 *     name: 'workflows',
 *     setUp: async () => void (sim = await SimulatorProcess.start()),
 *     tearDown: () => sim?.stop(),
 *     server: () => ({ settings: { 'sidestream.openaiCompatible.baseUrl': `${sim.origin}/v1` } }),
 *     openView: true,
 *   });
 *   it('…', async () => { await askFromPalette(vs.page, 'Why?'); … });
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Frame, Locator, Page } from 'playwright-core';
import { CodeServer, REPO_ROOT, type CodeServerOptions } from '../../harness/codeServer';
import { listFiles } from '../../harness/files';
import {
  answerInputBox,
  findWebviewFrame,
  launchChromium,
  normalise,
  openSidestreamView,
  openWorkbench,
  pollFor,
  runCommandByTitle,
  shownText,
  slug,
  waitForWorkbenchReady,
  type Workbench,
} from '../../harness/workbench';
import { OneShotRenderer } from './oneShot';
import { SimulatorProcess } from './simulatorControl';
import type { SimStats } from '../../../src/simulator/SimStats';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
export const EXTENSION_ID = 'sidestream.sidestream';
/** The chat panel's webview document. */
export const WEBVIEW = '[data-sidestream-webview]';
export const ASSISTANT = '[data-role="assistant"]';
export const USER = '[data-role="user"]';
/** The rendered answer inside an assistant message (without its author line and stats footer). */
export const BODY = '.markdown';
export const COMPOSER = 'textarea.input';

export interface VsCodeOptions {
  /** Names the artifacts: test-artifacts/e2e-<name>-server.log and e2e-<name>-failure-<test>.png. */
  name: string;
  /** The server's options, read in `before` after {@link setUp} (so they can name a simulator's origin). */
  server?: () => CodeServerOptions & { vsix?: string[] };
  /** Load this repository as the development extension (default); false: only what `vsix` installed. */
  development?: boolean;
  /** Open a window in `before` (default); false: only the server and a browser, for tests that open their own windows. */
  window?: boolean;
  /** Show the Sidestream view once the window is ready. */
  openView?: boolean;
  /** Let the page read and write the clipboard. */
  clipboard?: boolean;
  /** Open the webview's one-shot renderer ({@link VsCode.renderer}). */
  oneShot?: boolean;
  /** Runs first in `before` (e.g. starts a simulator); {@link tearDown} runs last in `after`. */
  setUp?: () => Promise<unknown>;
  tearDown?: () => Promise<unknown>;
}

export interface VsCode {
  readonly server: CodeServer;
  /** The window's page (with `window: false`, the last page opened by {@link openWindow}). */
  readonly page: Page;
  readonly browser: Browser;
  readonly renderer: OneShotRenderer;
  /** The server's output so far (its log includes the extension host's console). */
  readonly serverLog: readonly string[];
  /**
   * A new window in a new browser context (nothing remembered from another window) on `folder`,
   * with the development extension, ready. It is closed by {@link closeWindow} or after the test.
   */
  openWindow(folder: string): Promise<Page>;
  closeWindow(): Promise<void>;
}

/** Registers the `before`/`after`/`afterEach` hooks of one VS Code for the enclosing `describe`. */
export function useVsCode(options: VsCodeOptions): VsCode {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let browser: Browser | undefined;
  let renderer: OneShotRenderer | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const serverLog: string[] = [];
  const development = options.development ?? true;

  before(async function () {
    this.timeout(300_000);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await options.setUp?.();
    // The smoke-test driver honours the development payload and tells when the workbench is restored.
    server = await CodeServer.start({ ...options.server?.(), smokeTestDriver: true, onOutput: (line) => serverLog.push(line) });
    if (options.window === false) {
      browser = await launchChromium();
    } else {
      workbench = await openWorkbench(server, development ? { extensionDevelopmentPath: REPO_ROOT } : {});
      browser = workbench.browser;
      page = workbench.page;
      if (options.clipboard) await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    }
    if (options.oneShot) renderer = await OneShotRenderer.open(browser);
    if (page) {
      await waitForWorkbenchReady(page, { statusItemOf: EXTENSION_ID });
      if (options.openView) await openSidestreamView(page);
    }
  });

  after(async function () {
    this.timeout(60_000);
    fs.writeFileSync(path.join(ARTIFACTS, `e2e-${options.name}-server.log`), serverLog.join('\n'));
    await context?.close().catch(() => undefined);
    await renderer?.close();
    await (workbench ? workbench.close() : browser?.close().catch(() => undefined));
    await server?.stop();
    await options.tearDown?.();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(ARTIFACTS, `e2e-${options.name}-failure-${slug(this.currentTest.title)}.png`) }).catch(() => undefined);
    }
    if (context) await closeWindow();
  });

  async function closeWindow(): Promise<void> {
    await context?.close().catch(() => undefined);
    context = undefined;
    page = undefined;
  }

  const must = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the fixture has no ${what} (did its before hook fail?)`);
    return value;
  };

  return {
    get server() {
      return must(server, 'server');
    },
    get page() {
      return must(page, 'window');
    },
    get browser() {
      return must(browser, 'browser');
    },
    get renderer() {
      return must(renderer, 'one-shot renderer (oneShot: true)');
    },
    serverLog,
    async openWindow(folder: string): Promise<Page> {
      await closeWindow();
      const s = must(server, 'server');
      context = await must(browser, 'browser').newContext({ viewport: { width: 1400, height: 900 } });
      page = await context.newPage();
      await loadWorkbench(page, s.workbenchUrl([['extensionDevelopmentPath', s.remoteUri(REPO_ROOT)]], folder));
      return page;
    },
    closeWindow,
  };
}

/** Opens the workbench at `url` in `page` and waits until it is ready with Sidestream active. */
export async function loadWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await waitForWorkbenchReady(page, { statusItemOf: EXTENSION_ID });
}

/**
 * Reloads the window the way the browser does (F5), waits until it is ready again and shows the
 * Sidestream view; resolves with the panel's frame.
 */
export async function reloadWindow(page: Page): Promise<Frame> {
  await page.reload({ waitUntil: 'domcontentloaded', timeout: 120_000 });
  await waitForWorkbenchReady(page, { statusItemOf: EXTENSION_ID });
  return openSidestreamView(page);
}

/**
 * Runs "Developer: Reload Window" from the palette and waits until the new window is ready (the
 * main frame navigated, the workbench restored, Sidestream active).
 */
export async function reloadWindowByCommand(page: Page): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame(), timeout: 60_000 });
  await runCommandByTitle(page, 'Developer: Reload Window');
  await navigated;
  await waitForWorkbenchReady(page, { statusItemOf: EXTENSION_ID });
}

/** The chat panel's frame (the view must be open or opening). */
export function panelFrame(page: Page, timeoutMs = 30_000): Promise<Frame> {
  return findWebviewFrame(page, WEBVIEW, timeoutMs);
}

/** F1 → "Sidestream: Ask a Question" → type the question → Enter. */
export async function askFromPalette(page: Page, question: string): Promise<void> {
  await runCommandByTitle(page, 'Sidestream: Ask a Question');
  await answerInputBox(page, question);
}

/** Types a question in the panel's composer and sends it with Enter. */
export async function askInPanel(frame: Frame, question: string): Promise<void> {
  const composer = frame.locator(COMPOSER);
  await composer.click({ timeout: 10_000 });
  await composer.fill(question);
  await composer.press('Enter');
}

/** New Chat from the palette; resolves with the panel's frame once it shows an empty chat. */
export async function newChat(page: Page): Promise<Frame> {
  await runCommandByTitle(page, 'Sidestream: New Chat');
  const frame = await panelFrame(page);
  await pollFor('an empty chat', async () => ((await frame.locator(`${ASSISTANT}, ${USER}`).count()) === 0 ? true : undefined), 20_000, 100);
  return frame;
}

/** The next assistant message of the panel (the one the next question gets). */
export async function nextAnswer(frame: Frame): Promise<Locator> {
  return frame.locator(ASSISTANT).nth(await frame.locator(ASSISTANT).count());
}

/** Waits until a message (or a Compare column) shows `data-state="<state>"`; the error names the last state seen. */
export async function waitForState(message: Locator, state: string, timeoutMs: number): Promise<void> {
  let last: string | null = null;
  await pollFor(
    `data-state="${state}"`,
    async () => {
      last = await message.getAttribute('data-state', { timeout: 1_000 }).catch(() => null);
      return last === state ? true : undefined;
    },
    timeoutMs,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message} (it is ${last})`);
  });
}

/** The shown text of a message's rendered answer, as a user reads it. */
export async function answerShown(message: Locator): Promise<string> {
  return normalise(await shownText(message.locator(BODY)));
}

/** The latest streamed chat request (model-list requests are not part of the story). */
export function lastChat(stats: SimStats): SimStats['requestsLog'][number] | undefined {
  return chatRequests(stats).at(-1);
}

/** The chat requests of a simulator's log, oldest first. */
export function chatRequests(stats: SimStats): SimStats['requestsLog'] {
  return stats.requestsLog.filter((r) => r.api === 'openai-chat');
}

/** Whether a chat file the store saved under `userDataDir` (its `chats/` folder) holds `text`. */
export function savedChatsInclude(userDataDir: string, text: string): boolean {
  return listFiles(userDataDir, { skip: ['node_modules', 'CachedExtensionVSIXs', 'logs'] })
    .filter((f) => path.basename(path.dirname(f)) === 'chats' && f.endsWith('.json') && !f.endsWith('index.json'))
    .some((f) => {
      try {
        return fs.readFileSync(f, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

/** Settings that point Sidestream at a simulator (its OpenAI base URL, `…/v1`) as the OpenAI-compatible server. */
export function simulatorSettings(baseUrl: string, model = 'sim-model'): Record<string, unknown> {
  return { 'sidestream.provider': 'openai-compatible', 'sidestream.openaiCompatible.baseUrl': baseUrl, 'sidestream.model': model };
}

/** The look of the README screenshots: the dark theme, and the file and folder names in the title. */
export const SCREENSHOT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.colorTheme': 'Default Dark Modern',
  'window.title': '${activeEditorShort}${separator}${rootName}',
};

/**
 * A throw-away workspace folder named `demo-project` (a plain name: it shows in the window title of
 * the README screenshots) holding `files` (relative path → content). Remove it with {@link removeWorkspace}.
 */
export function demoWorkspace(files: Record<string, string>): string {
  const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-e2e-')), 'demo-project');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), content);
  }
  fs.mkdirSync(folder, { recursive: true });
  return folder;
}

export function removeWorkspace(folder: string | undefined): void {
  if (folder) fs.rmSync(path.dirname(folder), { recursive: true, force: true });
}

export interface DemoWorkbenchOptions extends Omit<VsCodeOptions, 'setUp' | 'tearDown' | 'server'> {
  /** The demo workspace's files (relative path → content). */
  files: Record<string, string>;
  /** Settings beside the simulator's and the screenshots' look. */
  settings?: Record<string, unknown>;
}

/** A VS Code on a demo workspace, answered by a simulator process: the set-up the workflow files share. */
export interface DemoWorkbench {
  readonly vs: VsCode;
  readonly page: Page;
  /** The simulator (reset before each test). */
  readonly sim: SimulatorProcess;
  readonly workspace: string;
}

/**
 * {@link useVsCode} on a {@link demoWorkspace} holding `files`, with a simulator process as the
 * OpenAI-compatible server and the look of the README screenshots; the simulator forgets its
 * queue and statistics before each test. Everything is removed after the block.
 */
export function useDemoWorkbench(options: DemoWorkbenchOptions): DemoWorkbench {
  const { files, settings, ...rest } = options;
  let sim: SimulatorProcess | undefined;
  let workspace: string | undefined;
  const vs = useVsCode({
    ...rest,
    setUp: async () => {
      workspace = demoWorkspace(files);
      sim = await SimulatorProcess.start();
    },
    tearDown: async () => {
      await sim?.stop();
      removeWorkspace(workspace);
    },
    server: () => ({ folder: workspace, settings: { ...simulatorSettings(`${started(sim).origin}/v1`), ...SCREENSHOT_SETTINGS, ...settings } }),
  });
  beforeEach(() => started(sim).reset());
  return {
    vs,
    get page() {
      return vs.page;
    },
    get sim() {
      return started(sim);
    },
    get workspace() {
      return started(workspace);
    },
  };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the demo workbench starts in its block's before hook: use it inside a test");
  return value;
}
