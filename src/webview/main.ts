/**
 * Webview entry: builds the panel, says `ready` to the host, then applies host messages. Nothing from
 * the host is rendered before `ready` has been posted.
 */
import type { HostToWebview } from '../protocol';
import { ChatView } from './ChatView';
import { IncrementalMarkdown, renderMarkdownOnce } from './IncrementalMarkdown';
import { NaiveRenderer } from './naiveRenderer';
import { connectToHost } from './hostApi';

/** Renderers exposed to benchmarks when the page is built with `data-bench`. */
export interface SidestreamBench {
  IncrementalMarkdown: typeof IncrementalMarkdown;
  NaiveRenderer: typeof NaiveRenderer;
  renderMarkdownOnce: typeof renderMarkdownOnce;
}

declare global {
  interface Window {
    __sidestreamBench?: SidestreamBench;
  }
}

function isHostMessage(data: unknown): data is HostToWebview {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

function start(): void {
  if (document.body.dataset.bench !== undefined) {
    window.__sidestreamBench = { IncrementalMarkdown, NaiveRenderer, renderMarkdownOnce };
  }
  const host = connectToHost();
  const root = document.getElementById('app') ?? document.body;
  const view = new ChatView(root, host);
  window.addEventListener('message', (event: MessageEvent) => {
    if (!isHostMessage(event.data)) return;
    try {
      view.handle(event.data);
    } catch (err) {
      console.error('[sidestream] failed to apply host message', event.data.type, err);
    }
  });
  host.post({ type: 'ready' });
}

start();
