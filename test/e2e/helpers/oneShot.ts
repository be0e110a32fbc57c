/**
 * The webview's own one-shot Markdown rendering, for end-to-end tests that check a streamed answer:
 * the panel's final HTML must equal what the renderer makes of the whole text at once. Loads the
 * webview's test build (with its `window.__sidestreamTest` hook) from the shared page server
 * (test/harness/webviewPage.ts) in a plain page of the test's own Chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { openWebviewPage, startPageServer, type PageServer } from '../../harness/webviewPage';

export class OneShotRenderer {
  private readonly cache = new Map<string, string>();

  private constructor(
    private readonly server: PageServer,
    private readonly page: Page,
  ) {}

  static async open(browser: Browser): Promise<OneShotRenderer> {
    const server = await startPageServer();
    try {
      return new OneShotRenderer(server, await openWebviewPage(browser, server));
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** The HTML a one-shot render of `text` gives (what `.markdown` holds once the answer is finished). */
  async render(text: string): Promise<string> {
    let html = this.cache.get(text);
    if (html === undefined) {
      html = await this.page.evaluate((t) => window.__sidestreamTest!.renderMarkdownOnce(t), text);
      this.cache.set(text, html);
    }
    return html;
  }

  async close(): Promise<void> {
    await this.page.close().catch(() => undefined);
    await this.server.close();
  }
}
