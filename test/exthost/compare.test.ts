/**
 * Compare Models in the real extension host, against the project's simulator with each model
 * scripted by its name (`sim-ttft-N-tps-N`, `sim-fault-401`): the columns' requests run at the same
 * time, each column's final figures match what the simulator did (B8's tolerance), Stop on one
 * column closes that socket alone while the other streams to its end, Cancel Response stops every
 * column, a failing model shows its error while the other finishes, and a run is saved and reopens.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CompareColumnView, CompareRunView } from '../../src/shared/protocol';
import { Simulator, type SimRequestRecord } from '../../src/simulator/Simulator';
import { figuresOffBy, simulatorFigures } from '../harness/compareTolerance';
import { observeDialogs } from './helpers/dialogs';
import { allRequestsClosed, generations, setSetting, simLog, useHostSuite, waitFor, withTimeout } from './helpers/hostKit';

// How close each column's figures must be to the simulator's, and why that is looser than B8's:
// test/harness/compareTolerance.ts (shared with the UI test, test/e2e/compare.test.ts).

const FAST = 'sim-ttft-80-tps-300';
const SLOW = 'sim-ttft-350-tps-120';

describe('Compare Models (real extension host, simulator)', function () {
  this.timeout(120_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({
    sims: [sim],
    afterEachTest: async () => {
      if (suite.api.compare.streaming()) await vscode.commands.executeCommand('sidestream.cancel');
      await waitFor('no compare request left', 10_000, () => (suite.api.compare.liveRequests() === 0 ? true : undefined));
    },
    cleanUp: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await sim.waitForAllSocketsClosed(15_000);
    },
  });

  before(async () => {
    // Sidestream reaches the simulator as the OpenAI-compatible server: each model its own script.
    await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
    // One throw-away run first, as B8 measures warm streams: the first request of the process pays
    // for loading the SDK's HTTP stack and opening the first connection, which is not the model's time.
    await suite.api.compare.start('Warm up.', [
      { provider: 'openai-compatible', model: 'sim-fast' },
      { provider: 'openai-compatible', model: 'sim-fast-ttft-1' },
    ]);
  });

  beforeEach(() => sim.reset());

  const request = (model: string): SimRequestRecord => {
    const rec = generations(sim, 'openai-chat').find((r) => r.model === model);
    assert.ok(rec, `the simulator saw no request for ${model}`);
    return rec;
  };
  /** The shown run's column `id` once the run asking `question` is shown (an earlier run's does not count). */
  const shown = (question: string, id: string): CompareColumnView | undefined => {
    const run = suite.api.compare.snapshot();
    return run?.question === question ? run.columns.find((c) => c.id === id) : undefined;
  };
  const column = (run: CompareRunView | undefined, id: string): CompareColumnView => {
    const c = run?.columns.find((x) => x.id === id);
    assert.ok(c, `no column ${id}`);
    return c;
  };

  it('streams both models at once; each column’s figures are the simulator’s; the faster is marked; the run is saved and reopens', async () => {
    const run = await withTimeout(
      suite.api.compare.start('Explain git bisect.', [
        { provider: 'openai-compatible', model: FAST },
        { provider: 'openai-compatible', model: SLOW },
      ]),
      60_000,
      'the compare run',
    );
    const fast = request(FAST);
    const slow = request(SLOW);
    // Both requests were on the wire together: each started before the other ended.
    assert.ok(fast.startedAt < slow.closedAt! && slow.startedAt < fast.closedAt!, 'the requests overlapped');
    assert.ok(Math.abs(fast.startedAt - slow.startedAt) < 500, `started ${Math.abs(fast.startedAt - slow.startedAt).toFixed(0)} ms apart`);
    for (const [id, rec] of [
      ['c0', fast],
      ['c1', slow],
    ] as const) {
      const c = column(run, id);
      assert.equal(c.state, 'done', `${id}: ${JSON.stringify(c.error)}`);
      assert.equal(c.text, rec.textSent, `${id}: the column holds exactly what the simulator sent`);
      const s = c.stats!;
      const off = figuresOffBy({ ttftMs: s.ttftMs!, tokensPerSecond: s.tokensPerSecond! }, simulatorFigures(rec));
      assert.equal(off, undefined, `${id}: ${off}`);
      assert.equal(s.outputTokens, rec.tokensSent);
      assert.ok(c.durationMs! > 0);
    }
    assert.deepEqual(suite.api.compare.fastest(), { ttft: 'c0', tps: 'c0' });
    // Saved durably when the columns ended; listed for the history; reopens as it was.
    const saved = suite.api.compare.listRuns()[0]!;
    assert.deepEqual(
      { id: saved.id, title: saved.title, models: saved.models },
      { id: run.id, title: 'Explain git bisect.', models: [`openai-compatible/${FAST}`, `openai-compatible/${SLOW}`] },
    );
    const markdown = suite.api.compare.markdown()!;
    assert.match(markdown, /^> Explain git bisect\.\n\n\| model/);
    assert.ok(markdown.includes(`## Simulator · ${FAST}\n\n${fast.textSent.replace(/\n*$/, '')}\n`));
    assert.match(
      markdown.split('\n').find((l) => l.includes(FAST) && l.startsWith('|'))!,
      / \*/,
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.ok(await suite.api.compare.openRun(run.id));
    const reopened = suite.api.compare.snapshot()!;
    assert.equal(reopened.id, run.id);
    assert.deepEqual(
      reopened.columns.map((c) => [c.model, c.state, c.text, c.stats?.ttftMs]),
      run.columns.map((c) => [c.model, c.state, c.text, c.stats?.ttftMs]),
    );
    // The reopened panel is new: its webview loads, says ready, and gets the run.
    await waitFor('the reopened run posted to its panel', 15_000, () => (suite.api.compare.postCount() >= 1 ? true : undefined));
  });

  it('Stop on one column closes its socket; the other streams on to done; both answers are in the metrics store', async () => {
    const long = 'sim-tps-15';
    const since = Date.now();
    const pending = suite.api.compare.start('Stop one of us.', [
      { provider: 'openai-compatible', model: long },
      { provider: 'openai-compatible', model: 'sim-ttft-50-tps-60' },
    ]);
    await waitFor('text in the first column', 20_000, () => (shown('Stop one of us.', 'c0')?.text ? true : undefined));
    suite.api.compare.stopColumn('c0');
    await waitFor('the first column stopped', 5_000, () => (shown('Stop one of us.', 'c0')?.state === 'cancelled' ? true : undefined));
    assert.equal(shown('Stop one of us.', 'c1')?.state, 'streaming', 'the other column streams on');
    const run = await withTimeout(pending, 60_000, 'the compare run');
    assert.equal(column(run, 'c1').state, 'done');
    assert.equal(column(run, 'c0').stats?.finishReason, 'cancelled');
    await allRequestsClosed(sim);
    assert.equal(request(long).closedBy, 'client', 'the stopped column’s socket was closed by Sidestream');
    assert.equal(request(long).completed, false);
    assert.equal(request('sim-ttft-50-tps-60').completed, true);
    assert.deepEqual(suite.api.compare.fastest(), { ttft: undefined, tps: undefined }, 'one finished model is not "fastest"');
    // Every column's answer is recorded for Show Metrics, the stopped one too (its figures are real).
    assert.deepEqual(
      suite.api.metrics
        .records()
        .filter((r) => r.time >= since && r.source === 'compare')
        .map((r) => [r.model, r.provider, r.finish])
        .sort(),
      [
        [long, 'openai-compatible', 'cancelled'],
        ['sim-ttft-50-tps-60', 'openai-compatible', 'stop'],
      ],
    );
  });

  it('Cancel Response stops every column and closes every socket', async () => {
    const pending = suite.api.compare.start('Stop us all.', [
      { provider: 'openai-compatible', model: 'sim-tps-15' },
      { provider: 'openai-compatible', model: 'sim-tps-12' },
    ]);
    await waitFor('text in both columns', 20_000, () => (shown('Stop us all.', 'c0')?.text && shown('Stop us all.', 'c1')?.text ? true : undefined));
    await vscode.commands.executeCommand('sidestream.cancel');
    const run = await withTimeout(pending, 10_000, 'the cancelled run');
    assert.deepEqual(
      run.columns.map((c) => c.state),
      ['cancelled', 'cancelled'],
    );
    const log = await allRequestsClosed(sim);
    assert.deepEqual(
      log.filter((r) => r.api === 'openai-chat').map((r) => r.closedBy),
      ['client', 'client'],
    );
  });

  it('a failing model shows its one-line error; the other finishes', async () => {
    const run = await withTimeout(
      suite.api.compare.start('One of us fails.', [
        { provider: 'openai-compatible', model: 'sim-fault-401' },
        { provider: 'openai-compatible', model: 'sim-ttft-50-tps-200' },
      ]),
      60_000,
      'the compare run',
    );
    const failed = column(run, 'c0');
    assert.equal(failed.state, 'error');
    assert.equal(failed.error?.kind, 'auth');
    assert.doesNotMatch(failed.error!.message, /\n/);
    assert.equal(column(run, 'c1').state, 'done');
    assert.equal(column(run, 'c1').text, request('sim-ttft-50-tps-200').textSent);
    assert.deepEqual(suite.api.compare.fastest(), { ttft: undefined, tps: undefined });
    assert.match(suite.api.compare.markdown()!, /error \(auth\): /);
  });
  it('opens a link from a column only after the user confirms it, as the chat panel does', async () => {
    assert.ok(suite.api.compare.snapshot(), 'no Compare panel to send the link from');
    const href = 'https://example.com/docs?q=from-a-column';
    const dialogs = observeDialogs();
    try {
      // Dismissed (Escape, Cancel): asked once, naming the link; nothing opens.
      await suite.api.compare.webviewMessage({ type: 'openLink', href });
      assert.deepEqual(dialogs.opened, [], 'the link opened without the user confirming');
      const [question] = dialogs.modal();
      assert.ok(question, 'the link was not confirmed first');
      assert.ok(question.message.includes(href), question.message);
      // Confirmed: it opens.
      dialogs.answer = question.buttons[0];
      await suite.api.compare.webviewMessage({ type: 'openLink', href });
      assert.deepEqual(dialogs.opened, [href]);
      // Not a web or mail link: neither asked about nor opened.
      await suite.api.compare.webviewMessage({ type: 'openLink', href: 'command:workbench.action.quit' });
      assert.equal(dialogs.modal().length, 2);
      assert.deepEqual(dialogs.opened, [href]);
    } finally {
      dialogs.dispose();
    }
  });
});
