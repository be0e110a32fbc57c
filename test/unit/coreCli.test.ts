/**
 * The CLI (compiled src/cli.ts) as a child process against the simulator: streams to stdout, prints
 * the summary line (or, with --json, one JSON line) to stderr, exits 1 with the one-line message on
 * failure, 130 on Ctrl+C with the socket closed; `bench` prints TTFT/TPS per model.
 * Also checks that loading the core does not load the SDKs or the tokenizer.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { formatBenchTable, median, parseArgs } from '../../src/cli';
import { Simulator } from '../../src/simulator/Simulator';
import { eventually } from './helpers/coreHarness';

const OUT_SRC = join(__dirname, '..', '..', 'src');
const CLI = join(OUT_SRC, 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}, whileRunning?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit; stderr: ${stderr}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    whileRunning?.(child);
  });
}

/** The one JSON line `--json` writes to stderr (which then holds nothing else). */
function jsonLine(run: Run): Record<string, unknown> {
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one stderr line, got: ${run.stderr}`);
  const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).sort(), [
    'error',
    'finishReason',
    'firstAnswerTokenMs',
    'inputTokens',
    'outputTokens',
    'rawFinishReason',
    'reasoningTokens',
    'setupMs',
    'tokensEstimated',
    'tps',
    'ttftMs',
  ]);
  return parsed;
}

/** The numbers of a bench table row: ok, runs, TTFT median/min/max, TPS median/min/max. */
function benchRow(table: string, model: string): { ok: number; runs: number; ttft: number[]; tps: number[] } {
  const line = table.split('\n').find((l) => l.startsWith(`| ${model} `));
  assert.ok(line, `a row for ${model} in:\n${table}`);
  const cells = line
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
  const [ok, runs] = cells[0]!.split('/').map(Number);
  return { ok: ok!, runs: runs!, ttft: cells.slice(1, 4).map(Number), tps: cells.slice(4, 7).map(Number) };
}

describe('core: CLI', function () {
  this.timeout(40_000);
  const sim = new Simulator({ apiKey: 'sk-cli-test-key-123456' });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  it('streams the answer to stdout and a summary line to stderr (OpenAI key from the environment)', async () => {
    sim.enqueue({ text: 'Hello from the simulator.' });
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'Say hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Hello from the simulator.\n');
    assert.match(run.stderr, /\[finish stop · TTFT \d+ ms · .* · \d+ tokens( · setup \d+ ms)?\]/);
  });

  it('speaks Anthropic and the Responses API too', async () => {
    sim.enqueue({ text: 'Anthropic says hi.' }, { text: 'Responses says hi.' });
    const a = await runCli(['--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--model', 'sim-model', 'hi'], {
      ANTHROPIC_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(a.stdout, 'Anthropic says hi.\n', a.stderr);
    const r = await runCli(['--provider', 'openai', '--api', 'responses', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(r.stdout, 'Responses says hi.\n', r.stderr);
  });

  it('exits 1 with the one-line failure message, never printing the key', async () => {
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-wrong-key-abcdefghij',
    });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /check your API key/);
    assert.ok(!run.stderr.includes('sk-wrong-key-abcdefghij'));
  });

  it('Ctrl+C cancels cleanly: finish cancelled, exit 130, socket closed by the client', async () => {
    sim.enqueue({ text: 'word '.repeat(200), tokensPerSecond: 20 });
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'], { OPENAI_API_KEY: 'sk-cli-test-key-123456' }, (child) => {
      void sim.waitForTokens(1, 3, 10_000).then(() => child.kill('SIGINT'));
    });
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /finish cancelled/);
    assert.ok(run.stdout.length > 0);
    await eventually(() => sim.stats().requestsLog[0]?.closedBy === 'client', 5000, 'client close');
  });

  const KEY_ENV = { OPENAI_API_KEY: 'sk-cli-test-key-123456' };
  const openai = () => ['--provider', 'openai', '--base-url', sim.openAIBaseUrl];

  it('ask --json: the answer on stdout, then exactly one JSON line with the figures on stderr', async () => {
    sim.enqueue({ text: 'Héllo — 日本語 😀, streamed.', reasoning: 'Think first.', ttftMs: 50, tokensPerSecond: 200 });
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'Say hi'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Héllo — 日本語 😀, streamed.\n');
    const json = jsonLine(run);
    const record = sim.stats().requestsLog[0]!;
    assert.equal(json.finishReason, 'stop');
    assert.equal(json.error, null);
    assert.equal(json.outputTokens, record.tokensSent);
    assert.equal(json.tokensEstimated, false);
    assert.ok(typeof json.ttftMs === 'number' && json.ttftMs >= 50, `ttftMs ${String(json.ttftMs)}`);
    assert.ok(typeof json.tps === 'number' && json.tps > 0);
  });

  it('ask --json on a mid-stream failure: exit 1, partial text printed, error kind provider', async () => {
    sim.enqueue({ text: 'one two three four five six seven eight', fault: { kind: 'midstream-error', afterTokens: 3 } });
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], KEY_ENV);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, 'one two three\n');
    const json = jsonLine(run);
    assert.equal(json.finishReason, 'error');
    const error = json.error as { kind: string; message: string };
    assert.equal(error.kind, 'provider');
    assert.match(error.message, /mid-stream/);
  });

  it('ask --json on an auth failure: error kind auth, the key never printed', async () => {
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], { OPENAI_API_KEY: 'sk-wrong-key-abcdefghij' });
    assert.equal(run.code, 1);
    const json = jsonLine(run);
    assert.equal((json.error as { kind: string }).kind, 'auth');
    assert.equal(json.outputTokens, null);
    assert.ok(!run.stderr.includes('sk-wrong-key-abcdefghij'));
  });

  it('--max-tokens cuts the answer (finish length) and --idle-timeout fails a stall with idle-timeout', async () => {
    sim.enqueue({ text: 'a b c d e f g h i j k l' }, { text: 'a b c d e f g h', fault: { kind: 'stall', afterTokens: 2 } });
    const cut = await runCli(['ask', ...openai(), '--model', 'sim-model', '--max-tokens', '4', '--json', 'hi'], KEY_ENV);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(cut.stdout, 'a b c d\n');
    assert.equal(jsonLine(cut).finishReason, 'length');
    const stalled = await runCli(['ask', ...openai(), '--model', 'sim-model', '--idle-timeout', '0.5', '--json', 'hi'], KEY_ENV);
    assert.equal(stalled.code, 1, stalled.stderr);
    assert.equal(stalled.stdout, 'a b\n');
    assert.equal((jsonLine(stalled).error as { kind: string }).kind, 'idle-timeout');
    await eventually(() => sim.stats().requestsLog[1]?.closedBy === 'client', 5000, 'the stalled socket closed by the client');
  });

  it('local OpenAI-compatible providers need no key', async () => {
    const keyless = new Simulator();
    await keyless.start();
    try {
      for (const provider of ['ollama', 'lmstudio', 'llamacpp', 'vllm', 'openai-compatible']) {
        keyless.enqueue({ text: `Hi from ${provider}.` });
        const run = await runCli(['ask', '--provider', provider, '--base-url', keyless.openAIBaseUrl, '--model', 'sim-model', 'hi']);
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, `Hi from ${provider}.\n`);
      }
    } finally {
      await keyless.stop();
    }
  });

  it('rejects --api-key with a clear message, before any request, without echoing the key', async () => {
    for (const args of [['--api-key', 'sk-flag-secret-999'], ['--api-key=sk-flag-secret-999']]) {
      const run = await runCli(['ask', ...openai(), '--model', 'sim-model', ...args, 'hi']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--api-key is not accepted.*OPENAI_API_KEY/);
      assert.ok(!run.stderr.includes('sk-flag-secret-999'));
    }
    assert.equal(sim.stats().requests, 0);
  });

  it('ask --json + SIGINT mid-stream: exit 130, finish cancelled, socket closed by the client', async () => {
    sim.enqueue({ text: 'word '.repeat(200), tokensPerSecond: 20 });
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], KEY_ENV, (child) => {
      // Interrupt once three words are on screen (not merely sent: the print may lag the send).
      let printed = '';
      const onData = (chunk: Buffer) => {
        printed += chunk.toString('utf8');
        if (!printed.startsWith('word word word')) return;
        child.stdout!.off('data', onData);
        child.kill('SIGINT');
      };
      child.stdout!.on('data', onData);
    });
    assert.equal(run.code, 130, run.stderr);
    const json = jsonLine(run);
    assert.equal(json.finishReason, 'cancelled');
    assert.equal(json.error, null);
    assert.ok(run.stdout.startsWith('word word word'));
    const record = await sim.waitForClose(1, 5000);
    assert.equal(record.closedBy, 'client');
    assert.equal(record.completed, false);
    assert.ok(record.tokensSent < 200);
  });

  it('bench: a table of TTFT and TPS per model, each TPS near its scripted pace', async () => {
    const run = await runCli(['bench', ...openai(), '--model', 'sim-tps-100,sim-tps-400', '--runs', '2', '--json', 'Explain git bisect'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    const slow = benchRow(run.stdout, 'sim-tps-100');
    const fast = benchRow(run.stdout, 'sim-tps-400');
    for (const [row, tps] of [
      [slow, 100],
      [fast, 400],
    ] as const) {
      assert.deepEqual([row.ok, row.runs], [2, 2]);
      const [median, min, max] = row.tps as [number, number, number];
      assert.ok(min <= median && median <= max);
      assert.ok(Math.abs(median - tps) <= tps * 0.25, `median ${median} tok/s for ${tps}`);
      assert.ok(
        row.ttft.every((t) => Number.isFinite(t) && t >= 0),
        `TTFT cells ${row.ttft.join(', ')}`,
      );
    }
    assert.equal(sim.stats().byPath['/v1/chat/completions'], 4);
    assert.deepEqual(
      sim.stats().requestsLog.map((r) => r.model),
      ['sim-tps-100', 'sim-tps-100', 'sim-tps-400', 'sim-tps-400'],
    );
    const summary = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { models: { model: string; tps: { median: number } }[] };
    assert.deepEqual(
      summary.models.map((m) => m.model),
      ['sim-tps-100', 'sim-tps-400'],
    );
    assert.equal(summary.models[0]!.tps.median.toFixed(1), slow.tps[0]!.toFixed(1));
  });

  it('bench: a failing model keeps its row (0/1) and makes the exit code 1', async () => {
    const run = await runCli(['bench', ...openai(), '--model', 'sim-fast,sim-fault-401', '--runs', '1', 'hi'], KEY_ENV);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual([benchRow(run.stdout, 'sim-fast').ok, benchRow(run.stdout, 'sim-fast').runs], [1, 1]);
    const failed = benchRow(run.stdout, 'sim-fault-401');
    assert.deepEqual([failed.ok, failed.runs], [0, 1]);
    assert.match(run.stderr, /sim-fault-401 run 1\/1: auth/);
  });

  it("a cold process: TTFT is the provider's (from the request on the network), the SDK load is reported apart as setup", async () => {
    sim.enqueue({ text: 'Cold start.', ttftMs: 300 });
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    const json = jsonLine(run);
    const r = sim.stats().requestsLog[0]!;
    const serverTtft = r.firstTokenAt! - r.startedAt;
    const ttft = json.ttftMs as number;
    // The request reaches the loopback server within a millisecond or two of being handed over, so
    // the client's TTFT is the server's plus the delivery of one chunk. Loading the SDK (tens of ms
    // in a cold process, more on a busy machine) is reported as setup and is not in the figure: had
    // it been, the client's TTFT would exceed the server's by at least the whole setup.
    const setupMs = json.setupMs as number;
    assert.ok(setupMs > 0, `setup ${String(json.setupMs)}`);
    assert.ok(ttft >= serverTtft, `TTFT ${ttft.toFixed(1)} vs server ${serverTtft.toFixed(1)} ms`);
    assert.ok(ttft - serverTtft < setupMs, `TTFT ${ttft.toFixed(1)} vs server ${serverTtft.toFixed(1)} ms: the setup (${setupMs.toFixed(1)} ms) is in the figure`);
  });

  it('reasoning goes to stderr by default; --show-reasoning prints it to stdout before the answer', async () => {
    const env = { ANTHROPIC_API_KEY: 'sk-cli-test-key-123456' };
    const anthropic = ['--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--model', 'sim-model', '--thinking-budget', '2048'];
    sim.enqueue({ reasoning: 'Weigh it.', text: 'The answer.' }, { reasoning: 'Weigh it.', text: 'The answer.' });
    const quiet = await runCli([...anthropic, 'q'], env);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, 'The answer.\n');
    assert.ok(quiet.stderr.startsWith('[reasoning]\nWeigh it.\n[/reasoning]\n'), quiet.stderr);
    assert.match(quiet.stderr, /first answer token \d+ ms/);
    const shown = await runCli([...anthropic, '--show-reasoning', 'q'], env);
    assert.equal(shown.stdout, '[reasoning]\nWeigh it.\n[/reasoning]\nThe answer.\n');
    assert.ok(!shown.stderr.includes('Weigh it.'));
  });

  it('--api responses against a server without /responses: one line that says to switch to chat', async () => {
    sim.enqueue({ fault: { kind: 'status', status: 404, body: '404 page not found' } });
    const run = await runCli([...openai(), '--api', 'responses', '--model', 'm', 'hi'], KEY_ENV);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /switch the wire API to chat \(setting sidestream\.openai\.api = "chat", CLI --api chat\)/);
  });

  it('ask --json on a failure reports the final count of what arrived, the same at 10 and 2,000 tok/s', async () => {
    const counts: unknown[] = [];
    for (const tokensPerSecond of [10, 2000]) {
      sim.enqueue({
        text: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen',
        tokensPerSecond,
        fault: { kind: 'midstream-error', afterTokens: 12 },
      });
      const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], KEY_ENV);
      assert.equal(run.code, 1);
      counts.push(jsonLine(run).outputTokens);
    }
    assert.equal(counts[0], 12);
    assert.deepEqual(counts, [12, 12]);
  });

  it('parses ask (also the default) and bench; rejects options of the other subcommand', () => {
    const plain = parseArgs(['--provider', 'ollama', '--model', 'm', 'why', 'blue?']);
    const ask = parseArgs(['ask', '--provider', 'ollama', '--model', 'm', 'why', 'blue?']);
    assert.deepEqual(plain, ask);
    assert.equal(ask.command, 'ask');
    assert.equal(ask.question, 'why blue?');
    assert.equal(ask.json, false);
    const bench = parseArgs(['bench', '--provider', 'openai', '--api', 'responses', '--model', 'a, b', '--runs', '4', '--json', 'p']);
    assert.deepEqual([bench.command, bench.models, bench.runs, bench.api, bench.json], ['bench', ['a', 'b'], 4, 'openai-responses', true]);
    assert.equal(parseArgs(['bench', '--model', 'a', 'p']).runs, 3);
    assert.throws(() => parseArgs(['bench', 'p']), /bench needs --model/);
    assert.throws(() => parseArgs(['ask', '--runs', '2', 'p']), /--runs is a bench option/);
    assert.throws(() => parseArgs(['bench', '--model', 'a', '--runs', '1.5', 'p']), /whole number/);
    assert.throws(() => parseArgs(['--provider', 'anthropic', '--api', 'responses', 'p']), /--api is for OpenAI-compatible providers/);
    // The Responses API is a choice for every OpenAI-compatible server, not only OpenAI.
    for (const provider of ['ollama', 'lmstudio', 'llamacpp', 'vllm', 'openai-compatible']) {
      assert.equal(parseArgs(['--provider', provider, '--api', 'responses', 'p']).api, 'openai-responses', provider);
    }
    assert.equal(parseArgs(['--provider', 'anthropic', '--thinking-budget', '2048', 'p']).thinkingBudget, 2048);
    assert.throws(() => parseArgs(['--provider', 'ollama', '--thinking-budget', '2048', 'p']), /for --provider anthropic/);
    assert.equal(parseArgs(['--provider', 'ollama', '--show-reasoning', 'p']).showReasoning, true);
  });

  it('formats the bench table with median, min and max, and dashes for a model without figures', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const table = formatBenchTable([
      { model: 'a', runs: 3, ok: 3, ttftMs: [100, 300, 200], tps: [50, 40, 60], failures: [] },
      { model: 'bb', runs: 1, ok: 0, ttftMs: [], tps: [], failures: ['boom'] },
    ]).split('\n');
    assert.equal(table.length, 4);
    assert.deepEqual(
      table[2]!.split('|').map((c) => c.trim()),
      ['', 'a', '3/3', '200', '100', '300', '50.0', '40.0', '60.0', ''],
    );
    assert.deepEqual(
      table[3]!.split('|').map((c) => c.trim()),
      ['', 'bb', '0/1', '—', '—', '—', '—', '—', '—', ''],
    );
    assert.equal(new Set(table.map((l) => l.length)).size, 1, 'columns line up');
  });

  it('lists models', async () => {
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--list-models'], { OPENAI_API_KEY: 'sk-cli-test-key-123456' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.split('\n').includes('sim-model'));
  });

  it('loading the core loads neither SDK nor the tokenizer', async () => {
    const script = `require(${JSON.stringify(join(OUT_SRC, 'core', 'index.js'))});
      const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](openai|@anthropic-ai|gpt-tokenizer)[\\\\/]/.test(k));
      process.stdout.write(String(heavy.length));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', () => resolve(text));
      child.on('error', reject);
    });
    assert.equal(out, '0');
  });
});
