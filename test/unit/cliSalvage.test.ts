/**
 * The CLI resumes a cut answer and says so on stderr (`--no-resume` turns it off; `--json` puts the
 * seams in its one line), and `sidestream doctor` prints the diagnosis with each fix — the compiled
 * CLI in its own process against the simulator over loopback.
 */
import * as assert from 'node:assert/strict';
import { Simulator, type SimServerConfig } from '../../src/simulator/Simulator';
import { runCli } from './helpers/cliRun';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill, and nobody says a word.';

describe('CLI: automatic resume and doctor', function () {
  this.timeout(30_000);
  let sim: Simulator;
  const start = async (server?: SimServerConfig) => {
    sim = new Simulator({ server, models: ['llama3.2'] });
    await sim.start();
  };
  afterEach(async () => {
    await sim.stop();
  });
  const ask = (...extra: string[]) => ['ask', '--provider', 'openai-compatible', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', ...extra, 'question'];

  it('ask: a reset mid-answer is resumed; stdout is the whole answer once, stderr says it resumed', async () => {
    await start();
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 8 } }, { text: ANSWER, resumeOverlapWords: 2 });
    const run = await runCli(ask());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${ANSWER}\n`);
    assert.match(run.stderr, /\[The connection broke: resuming \(1 of 2\)\]/);
    assert.match(run.stderr, /\[resumed after \d+\.\d s; \d+ repeated characters left out\]/);
    assert.match(run.stderr, /finish stop/);
  });

  it('ask --json: the seam is in the one JSON line', async () => {
    await start();
    sim.enqueue({ text: ANSWER, fault: { kind: 'midstream-error', afterTokens: 6 } }, { text: ANSWER });
    const run = await runCli(ask('--json'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${ANSWER}\n`);
    const line = JSON.parse(run.stderr.trim()) as { seams: Array<{ offset: number; failure: string }> };
    assert.equal(line.seams.length, 1);
    assert.equal(line.seams[0]!.offset, sim.stats().requestsLog[0]!.textSent.length);
    assert.equal(line.seams[0]!.failure, 'provider');
  });

  it('ask --no-resume: the failure as before, the partial text kept', async () => {
    await start();
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 8 } }, { text: ANSWER });
    const run = await runCli(ask('--no-resume'));
    assert.equal(run.code, 1);
    assert.ok(ANSWER.startsWith(run.stdout.trimEnd()) && run.stdout.trim().length > 0);
    assert.match(run.stderr, /broke mid-answer/);
    assert.equal(sim.stats().requests, 1);
  });

  it('doctor: a healthy server exits 0; tool calls as text exit 1 with the fix and its command', async () => {
    await start({ kind: 'ollama', tools: 'native' });
    const ok = await runCli(['doctor', '--provider', 'ollama', '--base-url', sim.openAIBaseUrl, '--model', 'llama3.2']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^Diagnosis of Ollama at http:\/\/127\.0\.0\.1:\d+\/v1, model llama3\.2/);
    assert.match(ok.stdout, /✓ Tool calls: native/);
    assert.match(ok.stdout, /No problems found\./);
    await sim.stop();
    await start({ kind: 'ollama', tools: 'text', context: { loaded: 4096, model: 131_072 } });
    const bad = await runCli(['doctor', '--provider', 'ollama', '--base-url', sim.openAIBaseUrl, '--model', 'llama3.2']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /! Tool calls: written as text/);
    assert.match(bad.stdout, /fix: Choose a tool-capable model.*\[sidestream\.selectModel\]/);
    assert.match(bad.stdout, /fix: Raise num_ctx/);
    assert.match(bad.stdout, /2 problems found\./);
  });
});
