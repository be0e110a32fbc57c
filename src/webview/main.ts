/**
 * Webview entry: builds the panel, says `ready` to the host, then applies host messages. Nothing from
 * the host is rendered before `ready` has been posted.
 */
import type { HostToWebview } from '../shared/protocol';
import { ChatView } from './ChatView';
import { connectToHost } from './hostApi';
import { installTestHooks } from './testHooks';

function isHostMessage(data: unknown): data is HostToWebview {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

function start(): void {
  // Test builds only: the constant is false in the production build, which then drops the hooks.
  const onRender = __SIDESTREAM_TEST__ ? installTestHooks() : undefined;
  const host = connectToHost();
  const root = document.getElementById('app') ?? document.body;
  const view = new ChatView(root, host, onRender);
  // Test builds only: when each answer's first text arrived (B12 times the panel path to here).
  const received = __SIDESTREAM_TEST__ ? new Set<string>() : undefined;
  window.addEventListener('message', (event: MessageEvent) => {
    if (!isHostMessage(event.data)) return;
    if (received && event.data.type === 'append' && event.data.text && !received.has(event.data.id)) {
      received.add(event.data.id);
      host.post({ type: 'received', id: event.data.id, at: performance.timeOrigin + event.timeStamp });
    }
    try {
      view.handle(event.data);
    } catch (err) {
      console.error('[sidestream] failed to apply host message', event.data.type, err);
    }
  });
  host.post({ type: 'ready' });
}

start();
