import type { SimFaultKind } from './script';

/**
 * One HTTP request the simulator received. Times are epoch milliseconds with sub-millisecond
 * precision (`performance.timeOrigin + performance.now()`), so they compare across processes.
 */
export interface SimRequestRecord {
  /** 1-based, in arrival order; restarts at 1 after `reset()`. */
  id: number;
  method: string;
  path: string;
  /** Which API the path served: a wire format, `models`, or `other` for anything else. */
  api: 'openai-chat' | 'openai-responses' | 'anthropic' | 'models' | 'other';
  model?: string | undefined;
  /** The API key the request carried (`Authorization: Bearer …`, `x-api-key` or `api-key`), if any. */
  credential?: string | undefined;
  messages?: unknown;
  system?: unknown;
  /** The reasoning parameters the request carried: Anthropic `thinking`, Responses `reasoning`. */
  reasoningParams?: { thinking?: unknown; reasoning?: unknown } | undefined;
  /** The tools the request offered (their whole declarations, as sent), and its tool choice. */
  tools?: unknown[] | undefined;
  toolChoice?: unknown;
  /** The tool results the request ended with (call id, the called tool's name when the history shows it, content). */
  toolResults?: Array<{ callId: string; name: string | undefined; content: string }> | undefined;
  /** The status sent with the headers. */
  status?: number | undefined;
  /** The fault the script asked for, if any. */
  fault?: SimFaultKind | undefined;
  startedAt: number;
  headersSentAt?: number | undefined;
  firstTokenAt?: number | undefined;
  lastTokenAt?: number | undefined;
  /** When each token was written (tokens written together share a time). */
  tokenTimes: number[];
  tokensSent: number;
  /** Socket writes of streamed body data (with `chunkBytes` 1, one per byte). */
  bodyWrites: number;
  /** Bytes of the `endless-line` fault's line the socket took before the client left. */
  endlessLineBytes?: number | undefined;
  /** Body bytes of the `endless` fault's events the socket took (its text is not kept in `textSent`). */
  endlessBytes?: number | undefined;
  /** The answer text that was streamed, as far as it got (reasoning excluded). */
  textSent: string;
  closedAt?: number | undefined;
  /** Who ended the exchange: the server (normal end, fault, stop()) or the client (abort, disconnect). */
  closedBy: 'server' | 'client' | undefined;
  /** True when the server wrote and ended the whole response body it meant to send. */
  completed: boolean;
}

export interface SimStats {
  /** Every HTTP request on any path, except the simulator's own `/__sim/` control calls. */
  requests: number;
  byPath: Record<string, number>;
  /** Calls to `/__sim/…`, counted apart so they do not disturb `requests`. */
  controlRequests: number;
  openSockets: number;
  socketsOpened: number;
  socketsClosed: number;
  requestsLog: SimRequestRecord[];
}
