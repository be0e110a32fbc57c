/**
 * Drives the real VS Code web workbench served by code-server with Debian's Chromium through
 * playwright-core (never a downloaded browser). Each gesture is done once, after waiting for the
 * state that makes it safe (the workbench restored, the palette focused, the row listed).
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { delay } from './codeServer';

/** Debian's Chromium; override with SIDESTREAM_CHROMIUM. */
export const CHROMIUM_PATH = process.env.SIDESTREAM_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that work on a headless machine without internet (see docs: real-vscode-offline). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Workbench {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Launches Chromium headless. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH} (run: bash scripts/setup-vscode.sh)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

export interface OpenWorkbenchOptions {
  /** Absolute path of an extension to load in development mode (needs the smoke-test driver). */
  extensionDevelopmentPath?: string;
  /** Absolute path of a tests module exporting `run()` (needs extensionDevelopmentPath too). */
  extensionTestsPath?: string;
  /** How long to wait for `.monaco-workbench`. */
  timeoutMs?: number;
  /** Forward the page's console lines (e.g. to print them on failure). */
  onConsole?: (line: string) => void;
}

/** Opens the workbench of `server` in a new Chromium and waits until it is rendered. */
export async function openWorkbench(server: CodeServer, options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  const payload: Array<[string, string]> = [];
  if (options.extensionDevelopmentPath) {
    payload.push(['extensionDevelopmentPath', server.remoteUri(options.extensionDevelopmentPath)]);
  }
  if (options.extensionTestsPath) {
    payload.push(['extensionTestsPath', server.remoteUri(options.extensionTestsPath)]);
  }
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    if (options.onConsole) {
      const onConsole = options.onConsole;
      page.on('console', (msg) => onConsole(`[${msg.type()}] ${msg.text()}`));
      page.on('pageerror', (err) => onConsole(`[pageerror] ${err.message}`));
    }
    const timeout = options.timeoutMs ?? 120_000;
    await page.goto(server.workbenchUrl(payload), { waitUntil: 'domcontentloaded', timeout });
    await page.waitForSelector('.monaco-workbench', { timeout });
    return { browser, page, close: () => browser.close().catch(() => undefined) };
  } catch (err) {
    await browser.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Waits until the window is ready for a user's gestures: the workbench says it has restored (the
 * smoke-test driver's `whenWorkbenchRestored`: the Restored lifecycle phase reached and every
 * workbench contribution created, the keybinding service among them, so a key pressed now is
 * dispatched, not lost), the status bar is drawn and no "Activating Extensions" item shows. With
 * `statusItemOf`, also waits for a status-bar item of that extension (VS Code gives its element the
 * id `<extension id>.<item id>`), which shows the extension has activated and registered its
 * commands. Every window the tests open runs with the smoke-test driver (`--vscode-option
 * enable-smoke-test-driver`), which puts `window.driver` on the page.
 */
export async function waitForWorkbenchReady(page: Page, options: { statusItemOf?: string; timeoutMs?: number } = {}): Promise<void> {
  const timeout = options.timeoutMs ?? 120_000;
  await page.waitForSelector('.monaco-workbench', { timeout });
  await page.waitForFunction(() => typeof (window as unknown as WithDriver).driver?.whenWorkbenchRestored === 'function', undefined, { timeout });
  await page.evaluate(() => (window as unknown as WithDriver).driver!.whenWorkbenchRestored());
  await page.waitForSelector('.statusbar-item', { timeout });
  if (options.statusItemOf) {
    await page.waitForSelector(`.statusbar-item[id^="${options.statusItemOf}."]`, { timeout });
  }
  await page.locator('.statusbar-item', { hasText: 'Activating Extensions' }).first().waitFor({ state: 'detached', timeout });
}

/** The part of the smoke-test driver (VS Code's `IWindowDriver`) the tests use. */
interface WithDriver {
  driver?: { whenWorkbenchRestored(): Promise<void> };
}

/** The quick input's text box (the command palette's, a quick pick's or an input box's). */
export function quickInputBox(page: Page): Locator {
  return page.locator('.quick-input-widget .quick-input-box input');
}

/** Waits until the open quick input's title matches `title` (e.g. a pick's second step). */
export async function waitForQuickInputTitle(page: Page, title: RegExp, timeoutMs = 30_000): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** A row of the open quick input whose label is exactly `label`. */
export function quickInputRow(page: Page, label: string): Locator {
  return (
    page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row')
      // Exact label: "Ask a Question" must not pick "Ask a Question about the Selection".
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) })
      .first()
  );
}

/**
 * Presses F1 and waits until the command palette's box has the keyboard focus (what the palette
 * does once it is open and ready for typing), then types `text` into it. The window must be ready
 * ({@link waitForWorkbenchReady}); the key goes to whatever has the focus, so the caller decides
 * that (the workbench, or an editor whose selection a command needs).
 */
export async function openQuickInputWith(page: Page, text: string): Promise<Locator> {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  const input = quickInputBox(page);
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await pollFor('the command palette to take the keyboard focus', async () => ((await input.evaluate((el) => el === document.activeElement)) ? true : undefined), 10_000, 50);
  await input.fill(text);
  return input;
}

/**
 * Runs a command by its palette title, once: with the keyboard focus on the workbench (not in a
 * webview), F1, type the title, click the row whose label matches exactly, then wait until the
 * palette has closed or turned into the command's own quick input.
 */
export async function runCommandByTitle(page: Page, title: string): Promise<void> {
  await focusWorkbench(page);
  await openQuickInputWith(page, `>${title}`);
  await quickInputRow(page, title).click({ timeout: 10_000 });
  await pollFor(
    `the command palette to run "${title}"`,
    // One read in the page, never a locator wait: a command that reloads the window (Developer:
    // Reload Window) replaces the document under a waiting locator, which then waits out its own
    // timeout. A read in a document being replaced throws and is read again in the new one.
    async () =>
      (await page.evaluate((typed) => {
        const widget = document.querySelector<HTMLElement>('.quick-input-widget');
        if (!widget || widget.getClientRects().length === 0 || getComputedStyle(widget).visibility === 'hidden') return true;
        return widget.querySelector<HTMLInputElement>('.quick-input-box input')?.value !== typed;
      }, `>${title}`))
        ? true
        : undefined,
    10_000,
    50,
  );
}

/** Waits for a quick-input box (e.g. `showInputBox`), types `text` and presses Enter. */
export async function answerInputBox(page: Page, text: string, timeoutMs = 20_000): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await input.fill(text);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** The labels of an open multi-select quick pick's rows, each with whether it is checked (only rows in view). */
export async function quickPickRows(page: Page): Promise<Array<{ label: string; checked: boolean }>> {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => ({
      label: (row.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      checked: row.getAttribute('aria-checked') === 'true',
    })),
  );
}

/**
 * In an open multi-select quick pick (`canPickMany`), checks exactly the rows labelled `labels` (by
 * clicking their check boxes, unchecking any other), then presses OK. Resolves with the rows that
 * were checked when it opened (a pick that remembers the last set pre-checks it). Waits for every
 * label to be listed first: the items may still be loading.
 */
export async function pickManyInQuickPick(page: Page, labels: readonly string[], timeoutMs = 30_000): Promise<string[]> {
  const widget = page.locator('.quick-input-widget');
  const initial = await pollFor(
    `the quick pick to list ${labels.join(', ')}`,
    async () => {
      const rows = await quickPickRows(page);
      return labels.every((l) => rows.some((r) => r.label === l)) ? rows : undefined;
    },
    timeoutMs,
    100,
  );
  for (const { label, checked } of initial) {
    const want = labels.includes(label);
    if (want === checked) continue;
    const row = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
    await row.locator('.monaco-checkbox').first().click({ timeout: 5_000 });
    await pollFor(`"${label}" ${want ? 'checked' : 'unchecked'}`, async () => ((await row.getAttribute('aria-checked')) === String(want) ? true : undefined), 5_000, 50);
  }
  const now = await quickPickRows(page);
  const picked = now.filter((r) => r.checked).map((r) => r.label);
  if (picked.length !== labels.length || !labels.every((l) => picked.includes(l))) {
    throw new Error(`the quick pick has ${picked.join(', ') || 'nothing'} checked, not ${labels.join(', ')}`);
  }
  await widget.locator('.quick-input-action .monaco-button', { hasText: /^\s*OK\s*$/ }).click({ timeout: 5_000 });
  return initial.filter((r) => r.checked).map((r) => r.label);
}

/** Closes an open quick input, if any. */
export async function closeQuickInput(page: Page): Promise<void> {
  if (
    await page
      .locator('.quick-input-widget')
      .isVisible()
      .catch(() => false)
  ) {
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }
}

/**
 * Puts the keyboard focus on the workbench's own document: a key pressed while a webview's frame
 * has the focus goes to the webview first, which forwards it only once its own document is ready.
 * Blurring the focused element (an iframe's, too) leaves the focus on the workbench's body, where
 * VS Code's keybinding service listens.
 */
async function focusWorkbench(page: Page): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await pollFor('the keyboard focus on the workbench', async () => ((await page.evaluate(() => document.activeElement?.tagName)) === 'IFRAME' ? undefined : true), 5_000, 50);
}

/**
 * The frame holding our webview's document (webviews sit in nested iframes), found by a
 * selector our webview sets on its root. Polls until it appears.
 */
export async function findWebviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    await delay(250);
  }
  throw new Error(`no frame with ${selector} after ${timeoutMs} ms (${page.frames().length} frames)`);
}

/** The texts of all status-bar items, in order. */
export async function statusBarTexts(page: Page): Promise<string[]> {
  return page.locator('.statusbar-item').evaluateAll((items) => items.map((item) => (item.textContent ?? '').replace(/\s+/g, ' ').trim()).filter((t) => t.length > 0));
}

/**
 * The text a user sees in `locator`, read after the webview's next two frames. `innerText` leaves out
 * content that has not been through a rendering update yet: the panel's blocks use
 * `content-visibility: auto`, so a block inserted in the current task reads as '' until the browser
 * has decided it is on screen (the frame after it was inserted). Waiting two animation frames reads
 * what the next paint shows; a hidden webview (no frames) is read after a second instead.
 */
export async function shownText(locator: Locator, timeoutMs = 10_000): Promise<string> {
  return locator.evaluate(
    (el) =>
      new Promise<string>((resolve) => {
        const read = () => resolve((el as HTMLElement).innerText);
        const fallback = setTimeout(read, 1_000);
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            clearTimeout(fallback);
            read();
          }),
        );
      }),
    undefined,
    { timeout: timeoutMs },
  );
}

/** Whether the Sidestream view container is the one shown in the side bar. */
export async function isSidestreamViewOpen(page: Page): Promise<boolean> {
  const item = page.locator('.activitybar .action-item', { has: page.locator('a.action-label[aria-label^="Sidestream"]') }).first();
  const checked = ((await item.getAttribute('class').catch(() => null)) ?? '').split(/\s+/).includes('checked');
  return (
    checked &&
    (await page
      .locator('.part.sidebar')
      .isVisible()
      .catch(() => false))
  );
}

/** Shows the Sidestream view: clicks its activity-bar icon unless it is already the open one. */
export async function openSidestreamView(page: Page, webviewSelector = '[data-sidestream-webview]'): Promise<Frame> {
  const icon = page.locator('.activitybar a.action-label[aria-label^="Sidestream"]');
  await icon.waitFor({ state: 'visible', timeout: 60_000 });
  // Clicking the icon of the open container would close the side bar.
  if (!(await isSidestreamViewOpen(page))) await icon.click({ timeout: 30_000 });
  return findWebviewFrame(page, webviewSelector, 60_000);
}

/** Polls until `predicate` returns a non-undefined value, or throws with `what` after `timeoutMs`. */
export async function pollFor<T>(what: string, predicate: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await predicate();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await delay(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Text as a user reads it: runs of whitespace as one space, trimmed. */
export function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A file-name-safe form of a test title (failure screenshots). */
export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 60);
}
