/**
 * The webview's own one-shot Markdown rendering, for end-to-end tests that check a streamed answer:
 * the panel's final HTML must equal what the renderer makes of the whole text at once. Loads the
 * built webview bundle (with its benchmark hooks) in a plain page of the test's own Chromium.
 */
import type { Browser } from 'playwright-core';
import type { SidestreamBench } from '../../src/webview/main';
import { openPanel, startServer, type Panel, type TestServer } from '../webview/webviewHarness';

export class OneShotRenderer {
  private readonly cache = new Map<string, string>();

  private constructor(private readonly server: TestServer, private readonly panel: Panel) {}

  static async open(browser: Browser): Promise<OneShotRenderer> {
    const server = await startServer();
    try {
      return new OneShotRenderer(server, await openPanel(browser, server));
    } catch (err) {
      await server.close();
      throw err;
    }
  }

  /** The HTML a one-shot render of `text` gives (what `.markdown` holds once the answer is finished). */
  async render(text: string): Promise<string> {
    let html = this.cache.get(text);
    if (html === undefined) {
      html = await this.panel.page.evaluate((t) => (window as unknown as { __sidestreamBench: SidestreamBench }).__sidestreamBench.renderMarkdownOnce(t), text);
      this.cache.set(text, html);
    }
    return html;
  }

  async close(): Promise<void> {
    await this.panel.page.close().catch(() => undefined);
    await this.server.close();
  }
}
