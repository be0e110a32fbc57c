/**
 * The Compare panel's webview entry (dist/compare.js): builds the columns view, says `ready`, then
 * applies the host's compare messages. Same strict CSP page as the chat panel (webviewHtml.ts).
 */
import type { CompareHostToWebview, CompareWebviewToHost } from '../../shared/protocol';
import { installTestHooks } from '../testHooks';
import { CompareView } from './CompareView';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function isHostMessage(data: unknown): data is CompareHostToWebview {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

function start(): void {
  // Test builds only: the constant is false in the production build, which then drops the hooks.
  const onRender = __SIDESTREAM_TEST__ ? installTestHooks() : undefined;
  const api = acquireVsCodeApi();
  const host = { post: (message: CompareWebviewToHost) => api.postMessage(message) };
  const root = document.getElementById('app') ?? document.body;
  const view = new CompareView(root, host, onRender);
  window.addEventListener('message', (event: MessageEvent) => {
    if (!isHostMessage(event.data)) return;
    try {
      view.handle(event.data);
    } catch (err) {
      console.error('[sidestream] failed to apply compare message', event.data.type, err);
    }
  });
  host.post({ type: 'ready' });
}

start();
