/**
 * The minimal cancellation-token shape the core needs. VS Code's `CancellationToken` satisfies it,
 * so the core never imports `vscode`.
 */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/**
 * What a consumer cancels a request with: VS Code's `CancellationToken` (or any token-like), or an
 * `AbortSignal` it already has (a Node or web caller).
 */
export type Cancellation = CancellationTokenLike | AbortSignal;

/** True once the request was cancelled. */
export function isCancelled(cancellation: Cancellation | undefined): boolean {
  if (!cancellation) return false;
  return isAbortSignal(cancellation) ? cancellation.aborted : cancellation.isCancellationRequested;
}

function isAbortSignal(value: Cancellation): value is AbortSignal {
  return typeof (value as Partial<AbortSignal>).aborted === 'boolean' && typeof (value as Partial<AbortSignal>).addEventListener === 'function';
}

/**
 * The one place a cancellation token becomes an `AbortSignal`. The returned `dispose` must be
 * called in `finally`: it removes the token listener so nothing leaks across requests. An
 * `AbortSignal` is used as it is.
 */
export function toAbortSignal(token: Cancellation | undefined): { signal: AbortSignal; dispose(): void } {
  if (token && isAbortSignal(token)) return { signal: token, dispose() {} };
  const controller = new AbortController();
  if (!token) return { signal: controller.signal, dispose() {} };
  if (token.isCancellationRequested) {
    controller.abort();
    return { signal: controller.signal, dispose() {} };
  }
  const subscription = token.onCancellationRequested(() => controller.abort());
  liveListeners++;
  let disposed = false;
  return {
    signal: controller.signal,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      liveListeners--;
      subscription.dispose();
    },
  };
}

let liveListeners = 0;

/** Token listeners made by {@link toAbortSignal} and not yet disposed: 0 whenever nothing streams. */
export function liveCancellationListeners(): number {
  return liveListeners;
}

/** A plain token source for Node code and tests (VS Code's CancellationTokenSource, without vscode). */
export class CancellationSource {
  private readonly listeners = new Set<() => void>();
  private cancelled = false;
  readonly token: CancellationTokenLike;

  constructor() {
    const listeners = this.listeners;
    const isCancelled = () => this.cancelled;
    this.token = {
      get isCancellationRequested() {
        return isCancelled();
      },
      onCancellationRequested(listener: () => void) {
        if (isCancelled()) {
          queueMicrotask(listener);
          return { dispose() {} };
        }
        listeners.add(listener);
        return { dispose: () => void listeners.delete(listener) };
      },
    };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }

  /** Number of live listeners: lets tests prove nothing leaks. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
