/**
 * 1,000 requests through the adapter against the simulator: every token listener is removed, the
 * number of open sockets stays bounded while they run, and every socket is closed at the end.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { CancellationSource, liveCancellationListeners } from '../../src/core/cancellation';
import { Simulator } from '../../src/simulator/Simulator';
import { drain, simRequest, type Target } from './helpers/coreHarness';

describe('core: no leaks over 1,000 requests', function () {
  this.timeout(60_000);
  const sim = new Simulator({ defaultScript: { text: 'Short and fast answer.', tokensPerSecond: 0, ttftMs: 0 } });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('the core holds one token listener while a request streams, and none after', async () => {
    const source = new CancellationSource();
    let whileStreaming = -1;
    const s = await drain(stream(simRequest(sim, 'openai-chat'), source.token), (event) => {
      if (event.type === 'text-delta' && whileStreaming < 0) whileStreaming = liveCancellationListeners();
    });
    assert.equal(s.finish?.reason.unified, 'stop');
    assert.equal(whileStreaming, 1);
    assert.equal(source.listenerCount, 0);
    assert.equal(liveCancellationListeners(), 0);
  });

  it('listeners return to 0, open sockets stay bounded, all sockets close', async () => {
    const targets: Target[] = ['openai-chat', 'openai-responses', 'anthropic'];
    const sources: CancellationSource[] = [];
    let maxOpenSockets = 0;
    let cancelled = 0;
    for (let i = 0; i < 1000; i++) {
      const source = new CancellationSource();
      const cancelEarly = i % 10 === 9;
      const s = await drain(stream(simRequest(sim, targets[i % targets.length]!), source.token), cancelEarly ? (event) => event.type === 'start' && source.cancel() : undefined);
      if (cancelEarly) {
        assert.equal(s.finish?.reason.unified, 'cancelled');
        cancelled++;
      } else {
        assert.equal(s.finish?.reason.unified, 'stop', s.error?.error.message);
        assert.equal(s.text, 'Short and fast answer.');
      }
      assert.equal(source.listenerCount, 0, `listener left behind by request ${i}`);
      assert.equal(liveCancellationListeners(), 0, `the core still holds a token listener after request ${i}`);
      sources.push(source);
      if (i % 25 === 0) maxOpenSockets = Math.max(maxOpenSockets, sim.stats().openSockets);
    }
    assert.equal(cancelled, 100);
    assert.ok(sources.every((source) => source.listenerCount === 0));
    // Sequential requests reuse keep-alive connections: a handful at most, never one per request.
    assert.ok(maxOpenSockets <= 8, `open sockets peaked at ${maxOpenSockets}`);
    const stats = sim.stats();
    assert.equal(stats.requestsLog.filter((r) => r.closedAt === undefined).length, 0, 'every exchange ended');
    // Idle keep-alive sockets close when the server's keep-alive timeout (5 s) expires.
    await sim.waitForAllSocketsClosed(15_000);
    assert.equal(sim.stats().openSockets, 0);
  });
});
