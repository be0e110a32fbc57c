/**
 * The chat's one notion of "streaming" (src/features/chat/requestState.ts), in the real extension
 * host: a request is streaming while it resolves and streams, and stops being so the moment its
 * answer ended — before its clean-up ran — so the panel's `init`, the guards, the context key and
 * the test API can never disagree for a moment after an answer ends.
 */
import * as assert from 'node:assert/strict';
import type { RunningAnswer } from '../../src/platform/answerRunner';
import { ChatRequests } from '../../src/features/chat/requestState';

/** What `streaming()` is handed: only its session's flush is ever used by ChatRequests. */
function runningAnswer(onFlush: () => void): RunningAnswer {
  return { session: { flush: onFlush }, done: new Promise(() => undefined) } as unknown as RunningAnswer;
}

describe('the chat request phase (real extension host)', () => {
  it('resolving and streaming count as streaming; ended does at once, before the clean-up', async () => {
    const requests = new ChatRequests();
    const seen: boolean[] = [];
    const changes = requests.onDidChange(() => seen.push(requests.streaming));
    let flushed = 0;
    let finishCleanUp: () => void = () => undefined;
    try {
      assert.equal(requests.streaming, false);
      const done = requests.start('a1', async (token, request) => {
        assert.equal(requests.streaming, true, 'not streaming while resolving');
        assert.equal(requests.streamingId, 'a1');
        request.streaming(runningAnswer(() => flushed++));
        requests.flush();
        assert.equal(flushed, 1, 'flush did not reach the running answer');
        request.ended();
        // The answer ended; the request's clean-up has not run yet.
        assert.equal(requests.streaming, false, 'still streaming after the answer ended');
        assert.equal(requests.streamingId, undefined);
        requests.flush();
        assert.equal(flushed, 1, 'an ended answer was flushed again');
        assert.equal(requests.liveRequests, 1, 'the token source was disposed before the clean-up');
        assert.equal(token.isCancellationRequested, false);
        await new Promise<void>((resolve) => (finishCleanUp = resolve));
      });
      assert.equal(requests.streaming, false);
      finishCleanUp();
      await done;
      assert.equal(requests.liveRequests, 0);
      assert.deepEqual(seen, [true, true, false, false], 'onDidChange did not follow the phases');
    } finally {
      changes.dispose();
      requests.dispose();
    }
  });

  it('cancel reaches the running request; cancelAndWait resolves once it was cleaned up', async () => {
    const requests = new ChatRequests();
    try {
      let cancelled = false;
      void requests.start('a2', async (token, request) => {
        await new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
        cancelled = true;
        request.ended();
      });
      assert.equal(requests.streaming, true);
      await requests.cancelAndWait();
      assert.ok(cancelled, 'the token was not cancelled');
      assert.equal(requests.streaming, false);
      assert.equal(requests.liveRequests, 0, 'cancelAndWait resolved before the clean-up');
      // A new request after one ended: the phase is the new one's.
      let release: () => void = () => undefined;
      const next = requests.start('a3', (_token, request) => new Promise<void>((resolve) => (release = () => (request.ended(), resolve()))));
      assert.equal(requests.streamingId, 'a3');
      release();
      await next;
      assert.equal(requests.streaming, false);
    } finally {
      requests.dispose();
    }
  });
});
