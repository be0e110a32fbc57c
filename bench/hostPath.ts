/**
 * Sidestream's host-side streaming path without `vscode`: the shipped core bundle (dist/core.js,
 * what the extension loads on first use) streaming through the same StreamSession ChatController
 * uses, whose coalesced appends become the `append` messages the panel would get.
 */
import * as path from 'node:path';
import type * as Core from '../src/core';
import type { CancellationTokenLike, ChatRequest, StreamEvent, StreamMetricsSnapshot } from '../src/core';
import type { HostToWebview } from '../src/shared/protocol';
import { ROOT } from './simProcess';

let core: typeof Core | undefined;

/** The core as the extension loads it. */
export function loadShippedCore(): typeof Core {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  core ??= require(path.join(ROOT, 'dist', 'core.js')) as typeof Core;
  return core;
}

export interface PostRecord {
  at: number;
  message: Extract<HostToWebview, { type: 'append' }>;
}

export interface HostRunResult {
  text: string;
  posts: PostRecord[];
  /** performance.now() when `stream()` was called. */
  startedAt: number;
  /** performance.now() of the first post to the webview. */
  firstPostAt: number | undefined;
  /** performance.now() of each text-delta event. */
  deltaTimes: number[];
  terminal: StreamEvent | undefined;
  metrics: StreamMetricsSnapshot | undefined;
  /** Text-delta events seen after `cancelAt` (set by the caller through the hook). */
  deltasAfterCancel: number;
}

export function chatRequest(baseUrl: string, userText: string, model = 'sim-model'): ChatRequest {
  return { provider: 'openai-compatible', api: 'openai-chat', model, baseUrl, messages: [{ role: 'user', content: userText }], maxRetries: 0 };
}

/**
 * Streams one answer through stream() and a StreamSession. `hooks.onDelta` runs on each text delta
 * (lets B6 schedule a cancel); `hooks.cancelledAt` tells which deltas came after a cancel.
 */
export async function hostStream(
  request: ChatRequest,
  token?: CancellationTokenLike,
  hooks: { onDelta?: (count: number) => void; cancelledAt?: () => number | undefined } = {},
): Promise<HostRunResult> {
  const { stream, StreamSession } = loadShippedCore();
  const result: HostRunResult = {
    text: '',
    posts: [],
    startedAt: performance.now(),
    firstPostAt: undefined,
    deltaTimes: [],
    terminal: undefined,
    metrics: undefined,
    deltasAfterCancel: 0,
  };
  const session = new StreamSession(request, {
    source: stream,
    providerLabel: 'bench',
    onEvent: (event) => {
      if (event.type === 'text-delta') {
        if (hooks.cancelledAt?.() !== undefined) result.deltasAfterCancel++;
        result.deltaTimes.push(performance.now());
        hooks.onDelta?.(result.deltaTimes.length);
      } else if (event.type === 'finish' || event.type === 'error') {
        result.terminal = event;
      }
    },
    onAppend: ({ seq, text, reasoning }) => {
      const at = performance.now();
      result.firstPostAt ??= at;
      result.posts.push({ at, message: { type: 'append', id: 'a1', seq, text, reasoning: reasoning || undefined } });
    },
  });
  const outcome = await session.run(token);
  result.text = outcome.message.text;
  result.metrics = outcome.metrics;
  return result;
}
