/**
 * Cancel in every phase, through the real extension in the real extension host, on each wire
 * format: before the response headers, mid-stream, during a retry back-off, by asking a new
 * question while one streams; and closing the panel mid-stream, which must not stop the answer.
 * The simulator proves the client closed the socket (`closedBy: 'client'`), not the server.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import type { AssistantMessageView } from '../../src/shared/protocol';
import { Simulator } from '../../src/simulator/Simulator';
import { asAssistant, delay, forEachWire, generations, lastAssistant, simLog, suiteKeys, useHostSuite, waitFor, waitForStreamingText, withTimeout } from './helpers/hostKit';

/** About 300 tokens: at 40 tok/s it streams for ~7 s, so a cancel always lands mid-stream. */
const LONG = Array.from({ length: 60 }, (_, i) => `Part ${i + 1} of a long answer.`).join(' ');
const SHORT = 'The second question gets its own answer.';
/** ~60 tokens at 40 tok/s: long enough to close the panel while it streams, short enough to wait for. */
const MEDIUM = Array.from({ length: 12 }, (_, i) => `Line ${i + 1} keeps going.`).join(' ');
/** Cancel must end a request promptly; generous for a loaded 2-core machine. */
const CANCEL_BUDGET_MS = 2_000;

describe('Cancel in every phase', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('cancel'), freshEachTest: true });

  forEachWire(sim, (wire) => {
    it('before the response headers', async () => {
      sim.enqueue({ text: LONG, headersDelayMs: 20_000 });
      const pending = suite.api.ask('Cancel me before the headers.');
      await waitFor('the request to reach the server', 10_000, () => generations(sim, wire)[0]);
      await delay(100);
      const started = Date.now();
      await vscode.commands.executeCommand('sidestream.cancel');
      const answer = asAssistant(await withTimeout(pending, CANCEL_BUDGET_MS + 3_000, 'ask() after cancel'));
      const tookMs = Date.now() - started;
      assert.equal(answer.state, 'cancelled', JSON.stringify(answer));
      assert.equal(answer.text, '');
      assert.equal(answer.error, undefined);
      assert.ok(tookMs < CANCEL_BUDGET_MS, `cancel before headers took ${tookMs} ms`);
      const record = await sim.waitForClose(generations(sim, wire)[0]!.id, 5_000);
      assert.equal(record.closedBy, 'client');
      assert.equal(record.status, undefined, 'the server had sent headers: this was not before them');
      assert.equal(suite.api.snapshot().streaming, false);
    });

    it('mid-stream: keeps the partial text, the socket is closed by the client', async () => {
      sim.enqueue({ text: LONG, tokensPerSecond: 40 });
      const pending = suite.api.ask('Cancel me mid-stream.');
      const seen = await waitForStreamingText(suite.api, 20);
      const started = Date.now();
      await vscode.commands.executeCommand('sidestream.cancel');
      const answer = asAssistant(await withTimeout(pending, CANCEL_BUDGET_MS + 3_000, 'ask() after cancel'));
      assert.ok(Date.now() - started < CANCEL_BUDGET_MS, `cancel mid-stream took ${Date.now() - started} ms`);
      assert.equal(answer.state, 'cancelled');
      assert.equal(answer.error, undefined);
      assert.ok(answer.text.length >= seen.text.length, 'text seen while streaming was dropped');
      assert.ok(answer.text.length < LONG.length, 'the whole answer arrived: nothing was cancelled');
      assert.ok(LONG.startsWith(answer.text), 'the kept text is not a prefix of the streamed answer');
      assert.equal(answer.stats?.finishReason, 'cancelled');
      const record = await sim.waitForClose(generations(sim, wire)[0]!.id, 5_000);
      assert.equal(record.closedBy, 'client');
      assert.equal(record.completed, false);
      assert.ok(record.textSent.startsWith(answer.text), 'the user has text the server never sent');
    });

    it('during a retry back-off (429 with Retry-After)', async () => {
      sim.enqueue({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '30' } } });
      const pending = suite.api.ask('Cancel me while waiting to retry.');
      await waitFor('the retry notice', 10_000, () => lastAssistantOf(suite.api)?.notice);
      assert.match(lastAssistant(suite.api).notice ?? '', /retrying in 30 s — Cancel to stop/);
      const started = Date.now();
      await vscode.commands.executeCommand('sidestream.cancel');
      const answer = asAssistant(await withTimeout(pending, CANCEL_BUDGET_MS + 3_000, 'ask() after cancel'));
      assert.ok(Date.now() - started < CANCEL_BUDGET_MS, `cancel during the back-off took ${Date.now() - started} ms`);
      assert.equal(answer.state, 'cancelled');
      assert.equal(answer.notice, undefined, 'the retry notice stayed after the cancel');
      await delay(500);
      assert.equal(generations(sim, wire).length, 1, 'the SDK retried after the cancel');
    });

    it('a new question while one streams: the first ends cancelled, the second completes', async () => {
      sim.enqueue({ text: LONG, tokensPerSecond: 40 });
      const first = suite.api.ask('First question, interrupted.');
      const seen = await waitForStreamingText(suite.api, 20);
      sim.enqueue({ text: SHORT });
      const second = asAssistant(await withTimeout(suite.api.ask('Second question.'), 15_000, 'the second ask'));
      const interrupted = asAssistant(await withTimeout(first, 5_000, 'the first ask'));
      assert.equal(interrupted.state, 'cancelled');
      assert.ok(interrupted.text.length >= seen.text.length && LONG.startsWith(interrupted.text), 'the first answer lost its partial text');
      assert.equal(second.state, 'done', JSON.stringify(second));
      assert.equal(second.text, SHORT);
      const messages = suite.api.snapshot().messages;
      assert.deepEqual(
        messages.map((m) => m.role),
        ['user', 'assistant', 'user', 'assistant'],
      );
      assert.equal((messages[1] as AssistantMessageView).state, 'cancelled');
      const [a, b] = generations(sim, wire);
      assert.ok(a && b, 'expected two generation requests');
      const firstRecord = await sim.waitForClose(a.id, 5_000);
      assert.equal(firstRecord.closedBy, 'client', 'the first request was not closed by the client');
      assert.equal(firstRecord.completed, false);
      const secondRecord = await sim.waitForClose(b.id, 5_000);
      assert.equal(secondRecord.completed, true);
      // The first socket was gone before the second request was sent: one request at a time.
      assert.ok(firstRecord.closedAt! <= secondRecord.startedAt + 5, 'the second request started before the first one was closed');
      // The conversation sent with the second question carries the first partial answer.
      assert.ok(JSON.stringify(b.messages).includes(interrupted.text.slice(0, 20)), 'the second request does not carry the first partial answer');
    });

    it('closing the panel mid-stream does not stop the answer', async () => {
      await vscode.commands.executeCommand('sidestream.chatView.focus');
      sim.enqueue({ text: MEDIUM, tokensPerSecond: 40 });
      const pending = suite.api.ask('Keep streaming while the panel is closed.');
      await waitForStreamingText(suite.api, 5);
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await delay(200);
      await vscode.commands.executeCommand('workbench.view.explorer');
      const answer = asAssistant(await withTimeout(pending, 15_000, 'the answer with the panel closed'));
      assert.equal(answer.state, 'done', JSON.stringify(answer));
      assert.equal(answer.text, MEDIUM);
      assert.equal(lastAssistant(suite.api).text, MEDIUM, 'the snapshot does not have the full text');
      const record = await sim.waitForClose(generations(sim, wire)[0]!.id, 5_000);
      assert.equal(record.completed, true);
      // Reopen the panel: it still works (a new question streams into it).
      const postsBefore = suite.api.snapshot().postCount;
      await vscode.commands.executeCommand('sidestream.chatView.focus');
      sim.enqueue({ text: SHORT });
      const after = asAssistant(await withTimeout(suite.api.ask('And now with the panel open again?'), 15_000, 'the ask after reopening'));
      assert.equal(after.state, 'done');
      assert.equal(after.text, SHORT);
      // The reopened webview says `ready` and gets the whole conversation (or the appends) posted to it.
      await waitFor('a post to the reopened panel', 15_000, () => (suite.api.snapshot().postCount > postsBefore ? true : undefined));
    });
  });
});

function lastAssistantOf(api: SidestreamApi): AssistantMessageView | undefined {
  const last = api.snapshot().messages.at(-1);
  return last?.role === 'assistant' ? last : undefined;
}
