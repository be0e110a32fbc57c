/**
 * The CLI (compiled src/cli.ts) as a child process against the simulator: streams to stdout, prints
 * the summary line (or, with --json, one JSON line) to stderr, exits 1 with the one-line message on
 * failure, 130 on Ctrl+C with the socket closed; `bench` prints TTFT/TPS per model.
 * Also checks that loading the core does not load the SDKs or the tokenizer.
 */
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { BENCH_CSV_HEADER, cliApiKey, compareTarget, formatBenchTable, median, parseArgs } from '../../src/cli';
import { csvField } from '../../src/shared/csv';
import { stripControls, TerminalText } from '../../src/shared/terminalText';
import { Simulator } from '../../src/simulator/Simulator';
import { eventually } from './helpers/coreHarness';
import { runChild, runCli, SCRIPT, type Run } from './helpers/cliRun';

const OUT_SRC = join(__dirname, '..', '..', 'src');

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
    'seams',
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

/** The cells of a compare table row, by header. */
function compareRow(table: string, spec: string): Record<string, string> {
  const lines = table.split('\n');
  const cells = (l: string) =>
    l
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
  const header = cells(lines[0]!);
  const line = lines.find((l) => l.startsWith(`| ${spec} `));
  assert.ok(line, `a row for ${spec} in:\n${table}`);
  return Object.fromEntries(cells(line).map((c, i) => [header[i]!, c]));
}

/** A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        assert.ok(i < text.length, 'unterminated quoted field');
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else if (text[i] === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (text.startsWith('\r\n', i)) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      assert.ok(text[i] !== '"' && text[i] !== '\n' && text[i] !== '\r', `bare ${JSON.stringify(text[i])} at ${i}`);
      field += text[i++];
    }
  }
  assert.equal(field + row.join(''), '', 'the last record ends with CRLF');
  return rows;
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
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY', '--model', 'sim-model', 'Say hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Hello from the simulator.\n');
    assert.match(run.stderr, /\[finish stop · TTFT \d+ ms · .* · \d+ tokens( · setup \d+ ms)?\]/);
  });

  it('speaks Anthropic and the Responses API too', async () => {
    sim.enqueue({ text: 'Anthropic says hi.' }, { text: 'Responses says hi.' });
    const a = await runCli(['--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--api-key-env', 'ANTHROPIC_API_KEY', '--model', 'sim-model', 'hi'], {
      ANTHROPIC_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(a.stdout, 'Anthropic says hi.\n', a.stderr);
    const r = await runCli(['--provider', 'openai', '--api', 'responses', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY', '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(r.stdout, 'Responses says hi.\n', r.stderr);
  });

  it('exits 1 with the one-line failure message, never printing the key', async () => {
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY', '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-wrong-key-abcdefghij',
    });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /check your API key/);
    assert.ok(!run.stderr.includes('sk-wrong-key-abcdefghij'));
  });

  it('Ctrl+C cancels cleanly: finish cancelled, exit 130, socket closed by the client', async () => {
    sim.enqueue({ text: 'word '.repeat(200), tokensPerSecond: 20 });
    const run = await runCli(
      ['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY', '--model', 'sim-model', 'hi'],
      { OPENAI_API_KEY: 'sk-cli-test-key-123456' },
      { whileRunning: (child) => void sim.waitForTokens(1, 3, 10_000).then(() => child.kill('SIGINT')) },
    );
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /finish cancelled/);
    assert.ok(run.stdout.length > 0);
    await eventually(() => sim.stats().requestsLog[0]?.closedBy === 'client', 5000, 'client close');
  });

  const KEY_ENV = { OPENAI_API_KEY: 'sk-cli-test-key-123456' };
  const openai = () => ['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY'];

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
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--no-resume', '--json', 'hi'], KEY_ENV);
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
    const stalled = await runCli(['ask', ...openai(), '--model', 'sim-model', '--idle-timeout', '0.5', '--no-resume', '--json', 'hi'], KEY_ENV);
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
    const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--json', 'hi'], KEY_ENV, {
      whileRunning: (child) => {
        // Interrupt once three words are on screen (not merely sent: the print may lag the send).
        let printed = '';
        const onData = (chunk: Buffer) => {
          printed += chunk.toString('utf8');
          if (!printed.startsWith('word word word')) return;
          child.stdout!.off('data', onData);
          child.kill('SIGINT');
        };
        child.stdout!.on('data', onData);
      },
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

  it('bench: a table of TTFT and TPS per model, each TPS near the pace the simulator wrote at', async () => {
    const run = await runCli(['bench', ...openai(), '--model', 'sim-tps-100,sim-tps-400', '--runs', '2', '--json', 'Explain git bisect'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    const slow = benchRow(run.stdout, 'sim-tps-100');
    const fast = benchRow(run.stdout, 'sim-tps-400');
    for (const [row, model] of [
      [slow, 'sim-tps-100'],
      [fast, 'sim-tps-400'],
    ] as const) {
      assert.deepEqual([row.ok, row.runs], [2, 2]);
      const [median, min, max] = row.tps as [number, number, number];
      assert.ok(min <= median && median <= max);
      // Against what the simulator really wrote (a loaded machine writes slower than scripted).
      const wire = sim
        .stats()
        .requestsLog.filter((r) => r.model === model)
        .map((r) => wireFigures(r).tps);
      const wireMedian = (wire[0]! + wire[1]!) / 2;
      assert.ok(Math.abs(median - wireMedian) <= wireMedian * 0.25, `median ${median} tok/s; the simulator wrote at ${wire.map((t) => t.toFixed(1)).join(' and ')}`);
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

  it('compare: both models stream at once; each row near its scripted TTFT and pace; the fastest marked', async () => {
    const slow = { spec: 'sim-ttft-600-tps-50', ttft: 600, tps: 50 };
    const fast = { spec: 'sim-ttft-150-tps-200', ttft: 150, tps: 200 };
    const run = await runCli(['compare', ...openai(), '--model', `${slow.spec},${fast.spec}`, 'Explain git bisect'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    const log = sim.stats().requestsLog;
    assert.deepEqual(log.map((r) => r.model).sort(), [fast.spec, slow.spec].sort());
    // Concurrent: both requests arrived before either model's first token was written.
    const lastStart = Math.max(...log.map((r) => r.startedAt));
    const firstToken = Math.min(...log.map((r) => r.firstTokenAt!));
    assert.ok(lastStart < firstToken, `requests overlap: last start ${lastStart.toFixed(0)}, first token ${firstToken.toFixed(0)}`);
    for (const model of [slow, fast]) {
      const row = compareRow(run.stdout, model.spec);
      const ttft = Number(row['TTFT ms']!.replace(' *', ''));
      const tps = Number(row['tok/s']!.replace(' *', ''));
      const record = log.find((r) => r.model === model.spec)!;
      // The scripted TTFT is a floor; the rest is measured against what the simulator really did.
      const wire = wireFigures(record);
      assert.ok(ttft >= model.ttft && ttft <= wire.ttftMs + 1000, `${model.spec}: TTFT ${ttft} ms; scripted ${model.ttft}, written at ${wire.ttftMs.toFixed(0)}`);
      assert.ok(Math.abs(tps - wire.tps) <= wire.tps * 0.25, `${model.spec}: ${tps} tok/s; the simulator wrote at ${wire.tps.toFixed(1)} (scripted ${model.tps})`);
      assert.equal(row.finish, 'stop');
      assert.equal(row.tokens, String(record.tokensSent));
      assert.ok(run.stdout.includes(`\n## ${model.spec}\n\n${record.textSent.trimEnd()}\n`), `${model.spec}'s answer under its heading`);
    }
    assert.ok(compareRow(run.stdout, fast.spec)['TTFT ms']!.endsWith(' *'));
    assert.ok(compareRow(run.stdout, fast.spec)['tok/s']!.endsWith(' *'));
    assert.ok(!compareRow(run.stdout, slow.spec)['TTFT ms']!.includes('*'));
    assert.ok(!compareRow(run.stdout, slow.spec)['tok/s']!.includes('*'));
    // Progress on stderr, one line per model as it finishes (the fast one first).
    const done = run.stderr.split('\n').filter((l) => /^\[\d\/2 /.test(l));
    assert.deepEqual(
      done.map((l) => l.split(' ')[1]!.replace(':', '')),
      [fast.spec, slow.spec],
    );
  });

  it("compare: each model's TTFT is its own (the server's), not delayed by the other stream's processing", async () => {
    // The fast model streams while the slow one waits for its first token: work done for one stream
    // (e.g. a module loaded on its first live figure) must not show up in the other's TTFT.
    const run = await runCli(['compare', ...openai(), '--model', 'sim-ttft-30-tps-100,sim-ttft-250-tps-100', '--json', 'hi'], KEY_ENV);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { models: { spec: string; ttftMs: number }[] };
    for (const m of json.models) {
      const r = sim.stats().requestsLog.find((record) => record.model === m.spec)!;
      const serverTtft = r.firstTokenAt! - r.startedAt;
      assert.ok(m.ttftMs >= serverTtft && m.ttftMs <= serverTtft + 80, `${m.spec}: TTFT ${m.ttftMs.toFixed(1)} vs server ${serverTtft.toFixed(1)} ms`);
    }
  });

  it('compare: a failing model shows its one-line error in its row; the others finish; exit 1', async () => {
    const run = await runCli(['compare', ...openai(), '--model', 'sim-tps-200,sim-fault-midstream,sim-fault-401', '--no-resume', 'hi'], KEY_ENV);
    assert.equal(run.code, 1, run.stderr);
    const ok = compareRow(run.stdout, 'sim-tps-200');
    assert.equal(ok.finish, 'stop');
    assert.ok(ok['TTFT ms']!.endsWith(' *') && ok['tok/s']!.endsWith(' *'), 'the only answer is the fastest');
    assert.match(compareRow(run.stdout, 'sim-fault-midstream').finish!, /^error \(provider\): .*mid-stream/);
    assert.match(compareRow(run.stdout, 'sim-fault-401').finish!, /^error \(auth\): .*check your API key\.$/);
    const log = sim.stats().requestsLog;
    const full = log.find((r) => r.model === 'sim-tps-200')!;
    assert.equal(full.completed, true);
    assert.ok(run.stdout.includes(`## sim-tps-200\n\n${full.textSent.trimEnd()}\n`));
    // The partial answer of the mid-stream failure is kept; the 401 has none.
    const partial = log.find((r) => r.model === 'sim-fault-midstream')!;
    assert.ok(partial.textSent.length > 0);
    assert.ok(run.stdout.includes(`## sim-fault-midstream\n\n${partial.textSent.trimEnd()}\n`));
    assert.ok(run.stdout.includes('## sim-fault-401\n\n(no answer)\n'));
    assert.ok(!run.stdout.includes('sk-cli-test-key'));
  });

  it('compare + SIGINT mid-stream: exit 130, every socket closed by the client', async () => {
    const run = await runCli(['compare', ...openai(), '--model', 'sim-tps-20,sim-ttft-100-tps-30', 'hi'], KEY_ENV, {
      whileRunning: (child) => {
        void Promise.all([sim.waitForTokens(1, 3, 10_000), sim.waitForTokens(2, 3, 10_000)]).then(() => child.kill('SIGINT'));
      },
    });
    assert.equal(run.code, 130, run.stderr);
    await eventually(() => sim.stats().requestsLog.every((r) => r.closedAt !== undefined) && sim.stats().openSockets === 0, 5000, 'all sockets closed');
    const stats = sim.stats();
    assert.equal(stats.requestsLog.length, 2);
    for (const record of stats.requestsLog) {
      assert.equal(record.closedBy, 'client', `${record.model} closed by the client`);
      assert.equal(record.completed, false);
    }
    assert.equal(stats.socketsClosed, stats.socketsOpened);
    assert.equal(compareRow(run.stdout, 'sim-tps-20').finish, 'cancelled');
  });

  it("compare --json: one JSON object on stdout with each model's figures and answer", async () => {
    const run = await runCli(['compare', ...openai(), '--model', 'sim-ttft-200,sim-fast,sim-fault-401', '--json', 'hi'], KEY_ENV);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout.trim().split('\n').length, 1, 'one line');
    const json = JSON.parse(run.stdout) as {
      fastest: { ttft: string | null; tps: string | null };
      models: Record<string, unknown>[];
    };
    assert.deepEqual(Object.keys(json).sort(), ['fastest', 'models']);
    assert.deepEqual(
      json.models.map((m) => m.spec),
      ['sim-ttft-200', 'sim-fast', 'sim-fault-401'],
    );
    const keys = [
      'answer',
      'durationMs',
      'error',
      'finishReason',
      'firstAnswerTokenMs',
      'inputTokens',
      'model',
      'outputTokens',
      'provider',
      'rawFinishReason',
      'reasoningTokens',
      'seams',
      'setupMs',
      'spec',
      'tokensEstimated',
      'tps',
      'ttftMs',
    ];
    for (const m of json.models) assert.deepEqual(Object.keys(m).sort(), keys);
    const log = sim.stats().requestsLog;
    for (const m of json.models.slice(0, 2)) {
      const record = log.find((r) => r.model === m.spec)!;
      assert.equal(m.provider, 'openai');
      assert.equal(m.finishReason, 'stop');
      assert.equal(m.error, null);
      assert.equal(m.answer, record.textSent);
      assert.equal(m.outputTokens, record.tokensSent);
      assert.ok(typeof m.ttftMs === 'number' && typeof m.tps === 'number' && typeof m.durationMs === 'number');
    }
    assert.ok((json.models[0]!.ttftMs as number) >= 200);
    assert.equal(json.fastest.ttft, 'sim-fast');
    const failed = json.models[2]!;
    assert.deepEqual([failed.finishReason, (failed.error as { kind: string }).kind, failed.answer, failed.ttftMs], ['error', 'auth', '', null]);
  });

  it('bench --csv: a header and a row per model (RFC 4180) whose values match --json', async () => {
    const run = await runCli(['bench', ...openai(), '--model', 'sim-tps-300,sim-fault-401', '--runs', '2', '--csv', '--json', 'hi'], KEY_ENV);
    assert.equal(run.code, 1, run.stderr);
    const rows = parseCsv(run.stdout);
    assert.deepEqual(rows[0], [...BENCH_CSV_HEADER]);
    assert.equal(rows.length, 3);
    const summary = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as {
      models: { model: string; runs: number; ok: number; ttftMs: Record<string, number> | null; tps: Record<string, number> | null; failures: string[] }[];
    };
    summary.models.forEach((m, i) => {
      const cells = Object.fromEntries(rows[0]!.map((h, j) => [h, rows[i + 1]![j]!]));
      assert.equal(cells.model, m.model);
      assert.equal(Number(cells.runs), m.runs);
      assert.equal(Number(cells.ok), m.ok);
      for (const [figure, stat] of [
        ['ttft_ms', m.ttftMs],
        ['tps', m.tps],
      ] as const) {
        for (const k of ['median', 'min', 'max']) assert.equal(cells[`${figure}_${k}`], stat ? String(stat[k]) : '', `${m.model} ${figure}_${k}`);
      }
      assert.equal(cells.failures, m.failures.join('\n'));
    });
    assert.equal(summary.models[0]!.ok, 2);
    assert.ok(Number(rows[1]![rows[0]!.indexOf('tps_median')]) > 0);
    assert.equal(summary.models[1]!.failures.length, 2, 'two failures, joined by a line break inside one quoted field');
  });

  it('parses compare: provider:model targets, usage errors', () => {
    const c = parseArgs(['compare', '--provider', 'ollama', '--base-url', 'http://h/v1', '--model', 'llama3.2:3b,openai:gpt-4o-mini,anthropic:', 'p']);
    assert.deepEqual([c.command, c.models], ['compare', ['llama3.2:3b', 'openai:gpt-4o-mini', 'anthropic:']]);
    assert.deepEqual(compareTarget('llama3.2:3b', 'ollama', 'chat', 'http://h/v1'), {
      spec: 'llama3.2:3b',
      provider: 'ollama',
      api: 'openai-chat',
      model: 'llama3.2:3b',
      baseUrl: 'http://h/v1',
    });
    assert.deepEqual(compareTarget('ollama:qwen3', 'ollama', 'responses', 'http://h/v1'), {
      spec: 'ollama:qwen3',
      provider: 'ollama',
      api: 'openai-responses',
      model: 'qwen3',
      baseUrl: 'http://h/v1',
    });
    assert.deepEqual(compareTarget('openai:gpt-4o-mini', 'ollama', 'chat', 'http://h/v1'), {
      spec: 'openai:gpt-4o-mini',
      provider: 'openai',
      api: 'openai-chat',
      model: 'gpt-4o-mini',
      baseUrl: 'https://api.openai.com/v1',
    });
    const anthropic = compareTarget('anthropic:', 'ollama', 'responses', undefined);
    assert.deepEqual([anthropic.api, anthropic.model, anthropic.baseUrl], ['anthropic', 'claude-sonnet-4-5', 'https://api.anthropic.com']);
    assert.throws(() => parseArgs(['compare', 'p']), /compare needs --model/);
    assert.throws(() => parseArgs(['compare', '--provider', 'ollama', '--model', 'a,openai-compatible:b', 'p']), /has no default URL/);
    assert.throws(() => parseArgs(['compare', '--provider', 'ollama', '--model', 'a,vscode-lm:b', 'p']), /Unknown provider "vscode-lm"/);
    assert.throws(() => parseArgs(['compare', '--provider', 'ollama', '--model', 'a', '--runs', '2', 'p']), /--runs is a bench option/);
    assert.throws(() => parseArgs(['compare', '--provider', 'ollama', '--model', 'a', '--csv', 'p']), /--csv is a bench option/);
    assert.equal(parseArgs(['bench', '--model', 'a', '--csv', 'p']).csv, true);
    assert.equal(parseArgs(['compare', '--provider', 'openai', '--model', 'a,anthropic:b', '--thinking-budget', '2048', 'p']).thinkingBudget, 2048);
    assert.throws(() => parseArgs(['compare', '--provider', 'openai', '--model', 'a,b', '--thinking-budget', '2048', 'p']), /--thinking-budget is for --provider anthropic/);
    assert.deepEqual(
      [csvField('a,b'), csvField('say "hi"'), csvField('x\ny'), csvField(1.5), csvField(null), csvField('plain')],
      ['"a,b"', '"say ""hi"""', '"x\ny"', '1.5', '', 'plain'],
    );
  });

  it('compare: a usage error exits 2 before any request', async () => {
    const run = await runCli(['compare', ...openai(), '--model', 'sim-fast,openai-compatible:x', 'hi'], KEY_ENV);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /has no default URL/);
    assert.equal(sim.stats().requests, 0);
  });

  it('compare with provider:model uses that provider and its own key variable only', async () => {
    // anthropic:… names --provider itself here, so it goes to the simulator too (another provider's
    // default URL would leave the machine); the key comes from ANTHROPIC_API_KEY, never OPENAI_API_KEY.
    const run = await runCli(
      ['compare', '--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--api-key-env', 'ANTHROPIC_API_KEY', '--model', 'sim-fast,anthropic:sim-tps-300', '--json', 'hi'],
      {
        ANTHROPIC_API_KEY: 'sk-cli-test-key-123456',
        OPENAI_API_KEY: 'sk-not-this-one-000000',
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const log = sim.stats().requestsLog;
    assert.deepEqual(log.map((r) => [r.api, r.model]).sort(), [
      ['anthropic', 'sim-fast'],
      ['anthropic', 'sim-tps-300'],
    ]);
    assert.ok(log.every((r) => r.credential === 'sk-cli-test-key-123456'));
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
    const anthropic = ['--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--api-key-env', 'ANTHROPIC_API_KEY', '--model', 'sim-model', '--thinking-budget', '2048'];
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
      const run = await runCli(['ask', ...openai(), '--model', 'sim-model', '--no-resume', '--json', 'hi'], KEY_ENV);
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
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--api-key-env', 'OPENAI_API_KEY', '--list-models'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.split('\n').includes('sim-model'));
  });

  it('loading the core loads neither SDK nor the tokenizer', async () => {
    const script = `require(${JSON.stringify(join(OUT_SRC, 'core', 'index.js'))});
      const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](openai|@anthropic-ai|gpt-tokenizer)[\\\\/]/.test(k));
      process.stdout.write(String(heavy.length));`;
    const run = await runChild(process.execPath, ['-e', script], {});
    assert.equal(run.stdout, '0', run.stderr);
  });
});

describe('core: CLI keys only where meant, and terminal-safe output', function () {
  this.timeout(40_000);
  const KEY = 'sk-cli-keys-test-0123456789';
  /** Needs KEY: a request that carries it is answered, one without it gets a 401. */
  const keyed = new Simulator({ apiKey: KEY });
  /** Answers anything, so a key sent where it should not go is recorded, not refused. */
  const open = new Simulator();
  before(async () => {
    await Promise.all([keyed.start(), open.start()]);
  });
  after(async () => {
    await Promise.all([keyed.stop(), open.stop()]);
  });
  beforeEach(() => {
    keyed.reset();
    open.reset();
  });
  const credentials = (sim: Simulator) => sim.stats().requestsLog.map((r) => r.credential);

  it('OPENAI_API_KEY / ANTHROPIC_API_KEY never go to another --base-url: a clear usage error, and the server gets no request carrying them', async () => {
    const env = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY };
    for (const args of [
      ['ask', '--provider', 'openai', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', 'hi'],
      ['ask', '--provider', 'openai', '--base-url', open.openAIBaseUrl, '--list-models'],
      ['ask', '--provider', 'anthropic', '--base-url', open.anthropicBaseUrl, '--model', 'sim-model', 'hi'],
      ['bench', '--provider', 'openai', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', '--runs', '1', 'hi'],
      ['compare', '--provider', 'openai', '--base-url', open.openAIBaseUrl, '--model', 'sim-fast,sim-model', 'hi'],
    ]) {
      open.enqueue({ text: 'Should not be answered with the key.' }, { text: 'Nor this.' });
      const run = await runCli(args, env);
      assert.deepEqual(
        credentials(open).filter((c) => c === KEY),
        [],
        `${args.slice(0, 3).join(' ')}: the key went to ${open.origin}`,
      );
      assert.equal(run.code, 2, `${args.slice(0, 3).join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /is not sent to http:\/\/127\.0\.0\.1:\d+.*--api-key-env/, run.stderr);
      assert.ok(!run.stderr.includes(KEY));
      open.reset();
    }
    // A server that takes no key gets none either, whatever the environment holds.
    open.enqueue({ text: 'Keyless.' });
    const local = await runCli(['ask', '--provider', 'openai-compatible', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', 'hi'], env);
    assert.equal(local.stdout, 'Keyless.\n', local.stderr);
    assert.ok(!credentials(open).includes(KEY));
  });

  it('--api-key-env NAME sends the key in NAME to --base-url, trimmed (a trailing newline or space works); an unset NAME is a usage error', async () => {
    keyed.enqueue({ text: 'OpenAI-compatible proxy.' }, { text: 'Anthropic proxy.' }, { text: 'Own server.' });
    const openai = await runCli(['ask', '--provider', 'openai', '--base-url', keyed.openAIBaseUrl, '--api-key-env', 'PROXY_KEY', '--model', 'sim-model', 'hi'], {
      PROXY_KEY: `${KEY}\n`,
      OPENAI_API_KEY: 'sk-not-for-this-server-000000',
    });
    assert.equal(openai.code, 0, openai.stderr);
    assert.equal(openai.stdout, 'OpenAI-compatible proxy.\n');
    const anthropic = await runCli(['ask', '--provider', 'anthropic', '--base-url', keyed.anthropicBaseUrl, '--api-key-env', 'ANTHROPIC_API_KEY', '--model', 'sim-model', 'hi'], {
      ANTHROPIC_API_KEY: `  ${KEY} \r\n`,
    });
    assert.equal(anthropic.code, 0, anthropic.stderr);
    assert.equal(anthropic.stdout, 'Anthropic proxy.\n');
    // A server of your own that wants a key gets one only by name, too.
    const custom = await runCli(['ask', '--provider', 'openai-compatible', '--base-url', keyed.openAIBaseUrl, '--api-key-env', 'MY_SERVER_KEY', '--model', 'sim-model', 'hi'], {
      MY_SERVER_KEY: KEY,
    });
    assert.equal(custom.stdout, 'Own server.\n', custom.stderr);
    assert.deepEqual(credentials(keyed), [KEY, KEY, KEY]);
    const unset = await runCli(['ask', '--provider', 'openai', '--base-url', keyed.openAIBaseUrl, '--api-key-env', 'NOT_SET_ANYWHERE', '--model', 'sim-model', 'hi']);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /NOT_SET_ANYWHERE is not set/);
    assert.equal(keyed.stats().requests, 3);
  });

  it("a provider's own variable goes to its own origin only (any path there); --api-key-env takes a variable's name, never a key", () => {
    const env = { OPENAI_API_KEY: ' sk-own-openai-key\n', ANTHROPIC_API_KEY: 'sk-own-anthropic-key' };
    assert.deepEqual(cliApiKey('openai', undefined, undefined, env), { key: 'sk-own-openai-key' });
    assert.deepEqual(cliApiKey('openai', 'https://api.openai.com/v1/', undefined, env), { key: 'sk-own-openai-key' });
    assert.deepEqual(cliApiKey('anthropic', 'https://api.anthropic.com/v1', undefined, env), { key: 'sk-own-anthropic-key' });
    for (const elsewhere of ['http://api.openai.com/v1', 'https://api.openai.com:8443/v1', 'https://api.openai.com.evil.example/v1', 'https://proxy.example/v1']) {
      assert.match(cliApiKey('openai', elsewhere, undefined, env).error ?? '', /OPENAI_API_KEY is not sent to/, elsewhere);
    }
    assert.deepEqual(cliApiKey('ollama', 'http://127.0.0.1:11434/v1', undefined, env), { key: undefined });
    assert.deepEqual(cliApiKey('openai', 'https://proxy.example/v1', 'OPENAI_API_KEY', env), { key: 'sk-own-openai-key' });
    assert.throws(() => parseArgs(['--provider', 'openai', '--api-key-env', 'sk-live-abc123-def', 'hi']), /takes the name of an environment variable/);
    assert.equal(parseArgs(['--provider', 'openai', '--api-key-env', 'MY_KEY', 'hi']).apiKeyEnv, 'MY_KEY');
  });

  it('the terminal filter keeps its place in a sequence split across pieces; an unterminated title gives its text back', () => {
    const text = 'a\x1b[1;31mb\x1b]8;;http://x\x1b\\c\x1b]8;;\x07d\x1bce\r\n';
    const filter = new TerminalText();
    const pieces = [...text].map((c) => filter.push(c)).join('') + filter.end();
    assert.equal(pieces, 'abcde\n');
    assert.equal(stripControls(text), 'abcde\n');
    assert.equal(stripControls('before\x1b]0;never ends'), 'before0;never ends', 'nothing after an unterminated sequence is lost');
    assert.equal(stripControls(`x\x1b[${'9'.repeat(70)}y`), `x${'9'.repeat(6)}y`, 'a CSI longer than 64 is text again');
  });

  const HOSTILE = 'Red \x1b[31malert\x1b[0m, bell\x07, title\x1b]0;pwned\x07, clear\u009b2J, erase\x1b[2K\r\nnext\tline \x00\x7fend';
  const CLEAN = 'Red alert, bell, title, clear2J, erase\nnext\tline end\n';

  it('model text written to a terminal has its control characters stripped (escape sequences, C0 and C1; newlines and tabs kept)', async function () {
    if (!SCRIPT) this.skip();
    open.enqueue({ text: HOSTILE });
    const run = await runCli(['ask', '--provider', 'ollama', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', 'hi'], {}, { terminal: true });
    assert.equal(run.code, 0, run.stdout);
    const answer = run.stdout.slice(0, run.stdout.indexOf('[finish'));
    assert.equal(answer, CLEAN);
  });

  it('a pipe gets the same stripped text (it often ends at a terminal too: tee, less -R); compare --json keeps the exact answer', async () => {
    open.enqueue({ text: HOSTILE }, { text: HOSTILE });
    const piped = await runCli(['ask', '--provider', 'ollama', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', 'hi']);
    assert.equal(piped.stdout, CLEAN, piped.stderr);
    const json = await runCli(['compare', '--provider', 'ollama', '--base-url', open.openAIBaseUrl, '--model', 'sim-model', '--json', 'hi']);
    assert.equal((JSON.parse(json.stdout) as { models: { answer: string }[] }).models[0]!.answer, open.stats().requestsLog[1]!.textSent);
  });
});

/** What the simulator really did for one request: its first token after the request arrived, and the pace it wrote at. */
function wireFigures(record: { startedAt: number; firstTokenAt?: number | undefined; lastTokenAt?: number | undefined; tokensSent: number }): { ttftMs: number; tps: number } {
  assert.ok(record.firstTokenAt !== undefined && record.lastTokenAt !== undefined && record.lastTokenAt > record.firstTokenAt, 'the simulator wrote no paced tokens');
  return { ttftMs: record.firstTokenAt - record.startedAt, tps: (record.tokensSent / (record.lastTokenAt - record.firstTokenAt)) * 1000 };
}
