/**
 * The idle timeout for fragment sources that are not an HTTP body (VS Code's Language Model API):
 * a source that stops sending fails with IdleTimeoutError after the idle time, with what it sent
 * before kept by the caller; a huge idle time is clamped to what a timer holds (never fires at once).
 */
import * as assert from 'node:assert/strict';
import { IdleTimeoutError } from '../../src/core/errors';
import { nextWithin } from '../../src/core/idleTimeout';

/** Yields `items`, one every `everyMs`, then never again (a stalled model). */
async function* stalling(items: string[], everyMs: number): AsyncGenerator<string> {
  for (const item of items) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    yield item;
  }
  await new Promise(() => undefined);
}

describe('idle timeout for fragment sources', () => {
  it('a source that stops sending fails with IdleTimeoutError after the idle time; what came before was delivered', async () => {
    const iterator = stalling(['one ', 'two '], 5);
    const got: string[] = [];
    const started = performance.now();
    await assert.rejects(
      (async () => {
        for (;;) {
          const next = await nextWithin(iterator, 200);
          if (next.done) return;
          got.push(next.value);
        }
      })(),
      (error: unknown) => error instanceof IdleTimeoutError && error.idleMs === 200,
    );
    assert.deepEqual(got, ['one ', 'two ']);
    assert.ok(performance.now() - started >= 190, 'not before the idle time');
  });

  it('an idle time of 1e13 ms (a settings.json value of 1e10 s) does not fire at once', async () => {
    const iterator = stalling(['a', 'b', 'c'], 20);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await nextWithin(iterator, 1e13)).value as string);
    assert.deepEqual(got, ['a', 'b', 'c']);
  });

  it('a source that ends ends', async () => {
    async function* two(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    const iterator = two();
    assert.deepEqual(await nextWithin(iterator, 100), { value: 1, done: false });
    assert.deepEqual(await nextWithin(iterator, 100), { value: 2, done: false });
    assert.deepEqual(await nextWithin(iterator, 100), { value: undefined, done: true });
  });
});
