/**
 * An idle timeout for a source of fragments that is not an HTTP body (VS Code's Language Model API,
 * where the observed fetch cannot watch the bytes): a model that stops sending must end as an
 * `idle-timeout` failure, as the HTTP providers' streams do, not hang forever.
 */
import { IdleTimeoutError } from './errors';
import { timerMs } from './observedFetch';

/**
 * The next result of `iterator`, or a rejection with {@link IdleTimeoutError} when none comes within
 * `idleMs` (clamped to what a timer holds; 0 or less waits for ever). The caller stops the source
 * (cancels its request) when it times out.
 */
export async function nextWithin<T>(iterator: AsyncIterator<T>, idleMs: number): Promise<IteratorResult<T>> {
  const ms = timerMs(idleMs);
  if (ms === 0) return iterator.next();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IdleTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
