/** Typed access to the VS Code webview API: the only way this page talks to the extension host. */
import type { WebviewToHost } from '../shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the panel keeps across hiding and showing the view (VS Code recreates the page when shown). */
export interface PanelState {
  /** The composer's unsent text. */
  draft: string;
  /** The chat the scroll position belongs to (undefined: a chat without an id). */
  chatId?: string | undefined;
  /** Whether the list was keeping its end in sight; when it was, `anchor` is ignored. */
  following: boolean;
  /** The message at the top of the list and how far (px) into it the list was scrolled. */
  anchor?: { id: string; offset: number } | undefined;
}

/** Sends messages to the extension host and keeps the panel's state across reloads of the page. */
export interface HostChannel {
  post(message: WebviewToHost): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

function isPanelState(value: unknown): value is PanelState {
  return typeof value === 'object' && value !== null && typeof (value as PanelState).draft === 'string' && typeof (value as PanelState).following === 'boolean';
}

/** The channel for this page; `acquireVsCodeApi` may be called only once per page load. */
export function connectToHost(): HostChannel {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    // VS Code hands back whatever an earlier page of this view stored, possibly from an older version.
    getState: () => {
      const state = api.getState();
      return isPanelState(state) ? state : undefined;
    },
    setState: (state) => api.setState(state),
  };
}
