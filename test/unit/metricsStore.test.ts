/**
 * The metrics store (src/platform/MetricsStore.ts) on a real folder in plain Node: durable JSON Lines
 * appends read back whole, the bound and its atomic compaction (newest kept), a torn last line
 * after a crash, the recorder hook, and the CSV export's RFC 4180 quoting read back by an
 * independent parser.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AnswerRecorder, answerRecord } from '../../src/platform/answerRecorder';
import { METRICS_BOUND, METRICS_FILE, METRICS_SLACK, MetricsStore } from '../../src/platform/MetricsStore';
import { csvField } from '../../src/shared/csv';
import {
  asAnswerRecord,
  filterRecords,
  metricsCsv,
  METRICS_CSV_HEADER,
  quantile,
  spreadByModel,
  validateMetricsViewMessage,
  type AnswerRecord,
} from '../../src/shared/answerMetrics';
import { rec } from './helpers/answerRecords';

/** RFC 4180 read independently of the writer: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the text ends with CRLF');
  return rows;
}

describe('MetricsStore (answer figures in global storage)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-metrics-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per answer and reads them back, oldest first, in a fresh store', () => {
    const store = new MetricsStore(path.join(dir, 'nested'));
    const seen: AnswerRecord[] = [];
    store.onDidAppend((r) => seen.push(r));
    store.append(rec(1));
    store.append(rec(2, { model: 'other', ttftMs: undefined, finish: 'error' }));
    const text = fs.readFileSync(path.join(dir, 'nested', METRICS_FILE), 'utf8');
    assert.equal(text.split('\n').length, 3, 'two lines, each ended');
    assert.deepEqual(
      new MetricsStore(path.join(dir, 'nested')).read(),
      [rec(1), rec(2, { model: 'other', ttftMs: undefined, finish: 'error' })].map((r) => JSON.parse(JSON.stringify(r))),
    );
    assert.equal(seen.length, 2, 'listeners hear each append');
    assert.equal((fs.statSync(store.file).mode & 0o777).toString(8), '600');
  });

  it(`keeps the newest ${METRICS_BOUND} by default; past bound + slack an atomic rewrite drops the oldest`, () => {
    assert.equal(METRICS_BOUND, 20_000);
    const bound = 20;
    const store = new MetricsStore(dir, bound);
    const limit = Math.floor(bound * (1 + METRICS_SLACK));
    for (let i = 0; i < limit; i++) store.append(rec(i));
    assert.equal(fs.readFileSync(store.file, 'utf8').trim().split('\n').length, limit, 'no rewrite up to bound + slack');
    assert.deepEqual(
      store.read().map((r) => r.ttftMs),
      Array.from({ length: bound }, (_, k) => 100 + limit - bound + k),
      'reads give the newest bound',
    );
    store.append(rec(limit));
    const lines = fs.readFileSync(store.file, 'utf8').trim().split('\n');
    assert.equal(lines.length, bound, 'compacted to the bound');
    assert.equal(asAnswerRecord(JSON.parse(lines[0]!))?.ttftMs, 100 + limit + 1 - bound, 'the oldest were dropped');
    assert.equal(asAnswerRecord(JSON.parse(lines[bound - 1]!))?.ttftMs, 100 + limit, 'the newest kept');
    assert.deepEqual(fs.readdirSync(dir), [METRICS_FILE], 'no temp file left behind');
    // A second store on the same file (another window) counts what is there and goes on.
    const again = new MetricsStore(dir, bound);
    for (let i = 0; i < limit - bound + 1; i++) again.append(rec(1000 + i));
    assert.equal(fs.readFileSync(store.file, 'utf8').trim().split('\n').length, bound);
  });

  it('skips a torn last line after a crash, and the next record starts on a line of its own', () => {
    const store = new MetricsStore(dir);
    store.append(rec(1));
    const whole = JSON.stringify(rec(2));
    fs.appendFileSync(store.file, whole.slice(0, whole.length / 2)); // the crash: half a line, no newline
    const logs: string[] = [];
    const after = new MetricsStore(dir, METRICS_BOUND, (l) => logs.push(l));
    assert.deepEqual(after.read(), [rec(1)]);
    assert.ok(
      logs.some((l) => l.includes('skipped 1')),
      logs.join('\n'),
    );
    after.append(rec(3));
    assert.deepEqual(after.read(), [rec(1), rec(3)], 'the new record is whole, not merged into the torn bytes');
  });

  it('rejects lines that are not records (a foreign or damaged line) and never throws on append', () => {
    fs.writeFileSync(path.join(dir, METRICS_FILE), `${JSON.stringify(rec(1))}\n{"time":"x"}\n[]\nnot json\n${JSON.stringify({ ...rec(2), ttftMs: -1 })}\n`);
    assert.deepEqual(new MetricsStore(dir).read(), [rec(1)]);
    const logs: string[] = [];
    const blocked = new MetricsStore(path.join(dir, METRICS_FILE, 'below-a-file'), 10, (l) => logs.push(l));
    blocked.append(rec(1));
    assert.ok(
      logs.some((l) => l.includes('could not record')),
      'a failing disk is logged, not thrown',
    );
  });

  it("an agent's step through the language model provider is recorded with its caller, prompt and cached tokens and finish tool-calls", () => {
    const store = new MetricsStore(dir);
    const recorder = new AnswerRecorder(store);
    const stats = {
      provider: 'ollama' as const,
      model: 'qwen3',
      providerLabel: 'Ollama',
      ttftMs: 80,
      tokensPerSecond: 30,
      outputTokens: 12,
      estimated: false,
      finishReason: 'tool-calls' as const,
    };
    recorder.record('lm-provider', { stats, finishReason: 'tool-calls', usage: { inputTokens: 1500, outputTokens: 12, cachedInputTokens: 1024 } }, 'core');
    recorder.record(
      'lm-provider',
      { stats: { ...stats, finishReason: 'stop' }, finishReason: 'stop', usage: { inputTokens: 1600, outputTokens: 40 } },
      'sidestream-test.lm-consumer',
    );
    const [step, answer] = new MetricsStore(dir).read();
    assert.equal(step?.caller, 'core');
    assert.equal(step?.finish, 'tool-calls');
    assert.equal(step?.promptTokens, 1500);
    assert.equal(step?.cachedPromptTokens, 1024);
    assert.equal(answer?.caller, 'sidestream-test.lm-consumer');
    assert.equal(answer?.cachedPromptTokens, undefined);
    assert.equal(answer?.promptTokens, 1600);
  });

  it('the answer recorder records every ending with stats (cancelled and failed too), never the text', () => {
    const store = new MetricsStore(dir);
    const recorder = new AnswerRecorder(store);
    {
      const stats = {
        provider: 'ollama' as const,
        model: 'llama3',
        providerLabel: 'Ollama',
        ttftMs: 123.456,
        tokensPerSecond: 40.04,
        outputTokens: 7,
        estimated: true,
        finishReason: 'cancelled' as const,
        durationMs: 999.94,
      };
      recorder.record('participant', { stats, finishReason: 'cancelled' });
      recorder.record('panel', { stats: undefined, finishReason: 'error' });
      recorder.record('lm-provider', { stats: { ...stats, finishReason: 'error', ttftMs: undefined }, finishReason: 'error' });
    }
    const records = store.read();
    assert.deepEqual(records, [
      {
        time: records[0]!.time,
        source: 'participant',
        provider: 'ollama',
        providerLabel: 'Ollama',
        model: 'llama3',
        ttftMs: 123.5,
        tokensPerSecond: 40,
        outputTokens: 7,
        estimated: true,
        durationMs: 999.9,
        finish: 'cancelled',
      },
      {
        time: records[1]!.time,
        source: 'lm-provider',
        provider: 'ollama',
        providerLabel: 'Ollama',
        model: 'llama3',
        tokensPerSecond: 40,
        outputTokens: 7,
        estimated: true,
        durationMs: 999.9,
        finish: 'error',
      },
    ]);
    assert.ok(Math.abs(records[0]!.time - Date.now()) < 5000);
    assert.deepEqual(
      Object.keys(
        answerRecord(
          'panel',
          { model: 'x', providerLabel: 'X', ttftMs: undefined, tokensPerSecond: undefined, outputTokens: undefined, estimated: false, finishReason: undefined },
          'stop',
          1,
        ),
      ).sort(),
      ['estimated', 'finish', 'model', 'provider', 'providerLabel', 'source', 'time'],
    );
  });
});

describe('answer metrics: CSV, filter, spread, messages', () => {
  it('writes RFC 4180 CSV that an independent parser reads back field for field', () => {
    const tricky = [rec(1, { model: 'a,b "quoted"', providerLabel: 'Line\nbreak' }), rec(2, { ttftMs: undefined, firstAnswerTokenMs: 250, estimated: true, finish: 'cancelled' })];
    const csv = metricsCsv(tricky);
    assert.ok(csv.endsWith('\r\n') && csv.includes('"a,b ""quoted"""'));
    const rows = parseCsv(csv);
    assert.deepEqual(rows[0], [...METRICS_CSV_HEADER]);
    assert.deepEqual(rows[1], [new Date(tricky[0]!.time).toISOString(), 'panel', 'openai', 'Line\nbreak', 'a,b "quoted"', '101', '', '50', '10', 'false', '400', 'stop']);
    assert.deepEqual(rows[2], [new Date(tricky[1]!.time).toISOString(), 'panel', 'openai', 'OpenAI', 'm', '', '250', '50', '10', 'true', '400', 'cancelled']);
    assert.equal(rows.length, 3);
  });

  it('neutralises spreadsheet formulas in text fields (OWASP CSV injection), leaving numbers and numeric text as numbers', () => {
    // A model name or label is text from a server: starting with = + - @, a tab or a CR, a
    // spreadsheet would run it as a formula. Such a field gets a leading ' (quoted when it must be).
    const hostile = ['=HYPERLINK(A1)', '+1+cmd|calc', '-2+3', '@SUM(A1)', '\tindent', '\rcr', '=a,b'];
    assert.deepEqual(hostile.map(csvField), ["'=HYPERLINK(A1)", "'+1+cmd|calc", "'-2+3", "'@SUM(A1)", "'\tindent", '"\'\rcr"', '"\'=a,b"']);
    // Numbers, and text that is only a number, stay numbers (a spreadsheet reads -1.5 as minus one and a half).
    assert.deepEqual(
      [csvField(-1.5), csvField(-3), csvField('-1.5'), csvField('+2'), csvField('-1e-3'), csvField(''), csvField('a=b')],
      ['-1.5', '-3', '-1.5', '+2', '-1e-3', '', 'a=b'],
    );
    const rows = parseCsv(metricsCsv([rec(1, { model: '=cmd|"/c calc"!A1', providerLabel: '@label', ttftMs: -5 })]));
    assert.deepEqual([rows[1]![3], rows[1]![4], rows[1]![5]], ["'@label", '\'=cmd|"/c calc"!A1', '-5']);
  });

  it('filters by provider, model and time range; median and p95 per model by linear interpolation', () => {
    const now = 1_800_000_000_000;
    const records = [rec(0, { time: now - 2 * 86_400_000 }), rec(1, { time: now - 1000, provider: 'ollama', model: 'q' }), rec(2, { time: now - 5000 })];
    assert.deepEqual(filterRecords(records, { range: '24h' }, now), [records[1], records[2]]);
    assert.deepEqual(filterRecords(records, { range: 'all', provider: 'openai' }, now), [records[0], records[2]]);
    assert.deepEqual(filterRecords(records, { range: '7d', model: 'q' }, now), [records[1]]);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(
      quantile(
        Array.from({ length: 21 }, (_, i) => i),
        0.95,
      ),
      19,
    );
    assert.equal(quantile([], 0.5), undefined);
    const spread = spreadByModel([rec(1, { ttftMs: 10 }), rec(2, { ttftMs: 30 }), rec(3, { ttftMs: undefined }), rec(4, { model: 'z', ttftMs: 5 })]);
    assert.deepEqual(
      spread.map((s) => [s.model, s.answers, s.ttft.count, s.ttft.median, s.ttft.p95]),
      [
        ['m', 3, 2, 20, 29],
        ['z', 1, 1, 5, 5],
      ],
    );
  });

  it("validates the view's messages like the panel's: known type, exact fields, typed values", () => {
    assert.deepEqual(validateMetricsViewMessage({ type: 'ready' }), { ok: true, message: { type: 'ready' } });
    assert.equal(validateMetricsViewMessage({ type: 'exportCsv', filter: { range: '7d', model: 'm' }, count: 2 }).ok, true);
    for (const bad of [
      null,
      [],
      { type: 'nope' },
      { type: 'ready', x: 1 },
      { type: 'exportCsv', filter: { range: '1y' }, count: 1 },
      { type: 'exportCsv', filter: { range: 'all', model: 5 }, count: 1 },
      { type: 'exportCsv', filter: { range: 'all' }, count: -1 },
      { type: 'exportCsv', filter: { range: 'all', path: '/etc' }, count: 1 },
    ]) {
      assert.equal(validateMetricsViewMessage(bad).ok, false, JSON.stringify(bad));
    }
  });
});
