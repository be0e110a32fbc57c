/**
 * Test hooks of the webview, installed only in test builds (`__SIDESTREAM_TEST__`, see esbuild.js):
 * the renderers, for tests and benchmarks that drive them directly, and a report of each frame's
 * render. They stay in the page: nothing is posted to the extension host. The production bundle
 * does not contain this module.
 */
import { IncrementalMarkdown, renderMarkdownOnce } from './IncrementalMarkdown';
import { NaiveRenderer } from './naiveRenderer';

/** One frame's render of a message: its `append` seq so far and the markdown text length applied. */
export interface RenderReport {
  id: string;
  seq: number;
  length: number;
}

/** What a test build puts on `window.__sidestreamTest`. */
export interface SidestreamTestHooks {
  IncrementalMarkdown: typeof IncrementalMarkdown;
  NaiveRenderer: typeof NaiveRenderer;
  renderMarkdownOnce: typeof renderMarkdownOnce;
}

declare global {
  interface Window {
    __sidestreamTest?: SidestreamTestHooks;
    /** Set by the test page before the bundle loads; called after each frame's render of a message. */
    __sidestreamOnRender?: (report: RenderReport) => void;
  }
}

/** Exposes the renderers and returns the per-frame render reporter. */
export function installTestHooks(): (report: RenderReport) => void {
  window.__sidestreamTest = { IncrementalMarkdown, NaiveRenderer, renderMarkdownOnce };
  return (report) => window.__sidestreamOnRender?.(report);
}
