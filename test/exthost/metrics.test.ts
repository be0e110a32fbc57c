/**
 * Answer metrics through the real extension in the real extension host against the simulator: a
 * question in the panel to one simulated model and one to `@sidestream` on another are both
 * recorded in the global store with the figures the simulator's script and the answers' own stats
 * give (TTFT, tokens, duration, finish); Show Metrics opens one editor panel (revealed, not
 * duplicated, the second time); Export Metrics as CSV with a Uri writes both models' rows.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { METRICS_CSV_HEADER } from '../../src/shared/answerMetrics';
import { Simulator } from '../../src/simulator/Simulator';
import { tokenize } from '../../src/simulator/tokenize';
import { chatRequest, generations, lastAssistant, recordingStream, setSetting, simLog, suiteKeys, useHostSuite, useWire, waitFor } from './helpers/hostKit';

const ANSWER_A = 'Model A answers first, with a measured time to first token.';
const ANSWER_B = 'Model B answers through @sidestream, a little slower to start.';

describe('Answer metrics (store, Show Metrics, CSV export)', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const csvFile = path.join(os.tmpdir(), `sidestream-metrics-${process.pid}-${Date.now()}.csv`);
  const suite = useHostSuite({
    sims: [sim],
    keys: suiteKeys('metrics'),
    freshEachTest: true,
    cleanUp: async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    },
  });

  after(() => fs.rmSync(csvFile, { force: true }));

  it('records both models’ answers (panel and @sidestream) with the scripted figures; Show Metrics opens one panel; the CSV export holds both', async () => {
    const since = Date.now();
    // Model A in the panel (OpenAI wire), 150 ms to the first token.
    await useWire('openai-chat', sim.openAIBaseUrl, { model: 'sim-metrics-a' });
    sim.enqueue({ text: ANSWER_A, ttftMs: 150, tokensPerSecond: 200 });
    await suite.api.ask('Question for model A');
    const a = lastAssistant(suite.api);
    assert.equal(a.state, 'done', JSON.stringify(a));
    const [requestA] = generations(sim, 'openai-chat');

    // Model B through the @sidestream participant (OpenAI-compatible server), 300 ms.
    sim.reset();
    await setSetting('provider', 'openai-compatible');
    await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
    await setSetting('model', 'sim-metrics-b');
    sim.enqueue({ text: ANSWER_B, ttftMs: 300, tokensPerSecond: 100 });
    const result = (await suite.api.chatParticipantHandler(
      chatRequest('Question for model B'),
      { history: [] },
      recordingStream().stream,
      new vscode.CancellationTokenSource().token,
    )) as vscode.ChatResult;
    assert.equal(result.errorDetails, undefined, JSON.stringify(result));
    const [requestB] = generations(sim, 'openai-chat');

    const mine = suite.api.metrics.records().filter((r) => r.time >= since && r.model.startsWith('sim-metrics-'));
    assert.deepEqual(
      mine.map((r) => [r.model, r.source, r.provider, r.providerLabel, r.finish, r.estimated]),
      [
        ['sim-metrics-a', 'panel', 'openai', a.stats?.providerLabel, 'stop', false],
        ['sim-metrics-b', 'participant', 'openai-compatible', 'Simulator', 'stop', false],
      ],
    );
    const [recA, recB] = mine as [(typeof mine)[0], (typeof mine)[0]];
    // The figures are the answer's own (rounded to 0.1 ms), and the simulator's script bears them out.
    assert.equal(recA.ttftMs, Math.round(a.stats!.ttftMs! * 10) / 10);
    assert.equal(recA.outputTokens, tokenize(ANSWER_A).length, 'the provider-reported token count');
    assert.equal(recB.outputTokens, tokenize(ANSWER_B).length);
    for (const [rec, scripted, req] of [
      [recA, 150, requestA],
      [recB, 300, requestB],
    ] as const) {
      assert.ok(req?.firstTokenAt !== undefined, 'the simulator sent a token');
      const serverMs = req.firstTokenAt - req.startedAt;
      assert.ok(serverMs >= scripted - 2, `the simulator held the first token ${serverMs} ms`);
      // The client's TTFT spans the server's wait plus the loopback and parsing: never less (a few ms of clock skew allowed), not much more.
      assert.ok(rec.ttftMs !== undefined && rec.ttftMs >= serverMs - 5 && rec.ttftMs <= serverMs + 250, `${rec.model}: TTFT ${rec.ttftMs} ms, server ${serverMs} ms`);
      assert.ok(rec.tokensPerSecond !== undefined && rec.tokensPerSecond > 0);
      assert.ok(rec.durationMs !== undefined && rec.durationMs >= rec.ttftMs, `${rec.model}: duration ${rec.durationMs} ms`);
    }
    assert.ok(!fs.readFileSync(suite.api.metrics.file, 'utf8').includes(ANSWER_A), 'the store never holds the answer text');
    assert.ok(suite.api.metrics.file.includes('globalStorage') || !suite.api.metrics.file.includes('workspaceStorage'), `the store is global: ${suite.api.metrics.file}`);

    // Show Metrics: one editor panel, revealed (not duplicated) when shown again.
    const openedBefore = suite.api.metrics.view()?.opened ?? 0;
    await vscode.commands.executeCommand('sidestream.showMetrics');
    const view = await waitFor('the metrics panel', 10_000, () => suite.api.metrics.view());
    assert.equal(view.title, 'Sidestream Metrics');
    assert.equal(view.opened, openedBefore + 1);
    await vscode.commands.executeCommand('sidestream.showMetrics');
    await waitFor('the metrics panel to be active', 10_000, () => (suite.api.metrics.view()?.active ? true : undefined));
    assert.equal(suite.api.metrics.view()?.opened, view.opened, 'the second Show Metrics revealed the open panel instead of making another');
    assert.equal(view.visible, true);

    // Export with a Uri (no dialog): RFC 4180 CSV with both models' rows.
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('sidestream.exportMetrics', vscode.Uri.file(csvFile));
    assert.equal(written?.fsPath, vscode.Uri.file(csvFile).fsPath);
    const lines = fs.readFileSync(csvFile, 'utf8').split('\r\n');
    assert.equal(lines[0], METRICS_CSV_HEADER.join(','));
    for (const rec of [recA, recB]) {
      const row = lines.find((l) => l.startsWith(new Date(rec.time).toISOString()) && l.includes(`,${rec.model},`));
      assert.ok(row, `no CSV row for ${rec.model}`);
      assert.equal(row.split(',')[5], String(rec.ttftMs), `${rec.model}'s TTFT in the CSV`);
    }
  });
});
