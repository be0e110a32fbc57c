/** Typed access to the VS Code webview API: the only way this page talks to the extension host. */
import type { WebviewToHost } from '../protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Sends messages to the extension host. */
export interface HostChannel {
  post(message: WebviewToHost): void;
}

/** The channel for this page; `acquireVsCodeApi` may be called only once per page load. */
export function connectToHost(): HostChannel {
  const api = acquireVsCodeApi();
  return { post: (message) => api.postMessage(message) };
}
