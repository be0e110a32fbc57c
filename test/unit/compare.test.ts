/**
 * Compare Models' pure parts in plain Node: the fastest marks and the Markdown export (shared by the
 * CLI and the panel), the saved-run store, and the Compare panel's message validator.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CompareRunStore, MAX_COMPARE_RUNS, summarize } from '../../src/features/compare/CompareRunStore';
import { validateCompareMessage } from '../../src/features/compare/compareMessages';
import type { CompareColumnView, CompareRunView } from '../../src/shared/protocol';
import { compareFastest, failureCell, formatCompareMarkdown, formatCompareTable, type CompareFigures } from '../../src/shared/compareTable';

const row = (label: string, over: Partial<CompareFigures & { answer: string }> = {}): CompareFigures & { answer: string } => ({
  label,
  ttftMs: 100,
  tokensPerSecond: 50,
  outputTokens: 200,
  estimated: false,
  durationMs: 4000,
  finish: 'stop',
  completed: true,
  answer: `Answer of ${label}.`,
  ...over,
});

function column(id: string, over: Partial<CompareColumnView> = {}): CompareColumnView {
  return { id, provider: 'openai-compatible', model: `sim-${id}`, providerLabel: 'Simulator', text: `text ${id}`, state: 'done', ...over };
}

function run(id: string, createdAt: number, columns = [column('c0'), column('c1')]): CompareRunView {
  return { id, question: `Question ${id}\nsecond line`, createdAt, columns };
}

describe('compare figures (shared by the CLI and the Compare panel)', () => {
  it('marks the lowest TTFT and the highest tok/s, each on its own model', () => {
    const rows = [row('a', { ttftMs: 300, tokensPerSecond: 90 }), row('b', { ttftMs: 40, tokensPerSecond: 20 }), row('c', { ttftMs: 120, tokensPerSecond: 60 })];
    assert.deepEqual(compareFastest(rows), { ttft: 1, tps: 0 });
  });

  it('a failed, cancelled or figure-less model never wins', () => {
    const rows = [
      row('failed', { ttftMs: 1, tokensPerSecond: 9999, completed: false }),
      row('ok', { ttftMs: 500, tokensPerSecond: 10 }),
      row('no figures', { ttftMs: undefined, tokensPerSecond: undefined }),
    ];
    assert.deepEqual(compareFastest(rows), { ttft: 1, tps: 1 });
    assert.deepEqual(compareFastest([row('x', { completed: false })]), { ttft: undefined, tps: undefined });
  });

  it('the table: one aligned row per model, fastest marked *, estimates ~, pipes escaped, a failure on one line', () => {
    const table = formatCompareTable([
      row('Simulator · fast', { ttftMs: 30, tokensPerSecond: 400.04, outputTokens: 812, estimated: true, durationMs: 2100 }),
      row('Simulator · slow|x', { ttftMs: 900, tokensPerSecond: 40 }),
      row('Broken', {
        ttftMs: undefined,
        tokensPerSecond: undefined,
        outputTokens: undefined,
        durationMs: undefined,
        completed: false,
        finish: failureCell('auth', 'Unauthorized:\n  check your API key.'),
      }),
    ]);
    const lines = table.split('\n');
    assert.equal(lines.length, 5);
    assert.ok(
      lines.every((l) => l.length === lines[0]!.length),
      'columns aligned',
    );
    assert.match(lines[0]!, /^\| model +\| TTFT ms \| first answer ms \| +tok\/s \| tokens \| duration ms \| finish +\|$/);
    assert.match(lines[2]!, /\| +30 \* \|.*\| +400\.0 \* \| +~812 \| +2100 \| stop/);
    assert.match(lines[3]!, /slow\\\|x/);
    assert.doesNotMatch(lines[3]!, /\*/);
    assert.match(lines[4]!, /\| +— \|.*error \(auth\): Unauthorized: check your API key\. +\|$/);
  });

  it('Markdown export: the question quoted, the table, each answer under its heading (empty ones say so)', () => {
    const md = formatCompareMarkdown([row('A'), row('B', { answer: '' })], 'Why?\nReally?');
    assert.ok(md.startsWith('> Why?\n> Really?\n\n| model'));
    assert.ok(md.includes('\n## A\n\nAnswer of A.\n'));
    assert.ok(md.endsWith('\n## B\n\n(no answer)\n'));
  });
});

describe('CompareRunStore', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-compare-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves one JSON file per run (version 1) and loads it back; lists newest first with title and models', () => {
    const store = new CompareRunStore(dir);
    assert.ok(store.save(run('r1', 1000)));
    assert.ok(store.save(run('r2', 2000, [column('c0', { provider: 'anthropic', model: 'claude' }), column('c1'), column('c2')])));
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'compare-runs', 'r1.json'), 'utf8')) as { version: number; run: CompareRunView };
    assert.equal(file.version, 1);
    assert.deepEqual(store.load('r1'), run('r1', 1000));
    assert.deepEqual(store.list(), [
      { id: 'r2', title: 'Question r2', createdAt: 2000, models: ['anthropic/claude', 'openai-compatible/sim-c1', 'openai-compatible/sim-c2'] },
      { id: 'r1', title: 'Question r1', createdAt: 1000, models: ['openai-compatible/sim-c0', 'openai-compatible/sim-c1'] },
    ]);
    // The write is atomic: no temp file is left behind.
    assert.deepEqual(fs.readdirSync(path.join(dir, 'compare-runs')).sort(), ['r1.json', 'r2.json']);
  });

  it('stores no live figures or revisions, redacts URL credentials in errors, and a streaming column as cancelled', () => {
    const store = new CompareRunStore(dir);
    store.save(
      run('r1', 1, [
        column('c0', { state: 'streaming', live: { ttftMs: 1, tokensPerSecond: 2, outputTokens: 3, estimated: false, elapsedMs: 4 }, rev: 7 }),
        column('c1', { state: 'error', error: { kind: 'connection', message: 'Nothing at https://bob:hunter2@gw.example.com/v1' } }),
      ]),
    );
    const raw = fs.readFileSync(path.join(dir, 'compare-runs', 'r1.json'), 'utf8');
    assert.doesNotMatch(raw, /hunter2|"live"|"rev"/);
    const loaded = store.load('r1')!;
    assert.equal(loaded.columns[0]!.state, 'cancelled');
    assert.equal(loaded.columns[1]!.error!.message, 'Nothing at https://***@gw.example.com/v1');
  });

  it('ignores unreadable, foreign and path-like ids; keeps the newest runs only', () => {
    const store = new CompareRunStore(dir);
    fs.mkdirSync(store.dir, { recursive: true });
    fs.writeFileSync(path.join(store.dir, 'broken.json'), '{not json');
    fs.writeFileSync(path.join(store.dir, 'other.json'), JSON.stringify({ version: 2, run: run('other', 1) }));
    assert.equal(store.load('../../etc/passwd'), undefined);
    assert.throws(() => store.save(run('../x', 1)));
    assert.deepEqual(store.list(), []);
    for (let i = 0; i < MAX_COMPARE_RUNS + 3; i++) store.save(run(`t${String(i).padStart(4, '0')}`, i));
    const ids = store.list().map((r) => r.id);
    assert.equal(ids.length, MAX_COMPARE_RUNS);
    assert.equal(ids[0], `t${String(MAX_COMPARE_RUNS + 2).padStart(4, '0')}`);
    assert.ok(!ids.includes('t0000'));
  });

  it('summaries shorten long questions', () => {
    const long = { ...run('r', 1), question: 'x'.repeat(200) };
    assert.equal(summarize(long).title.length, 80);
    assert.ok(summarize(long).title.endsWith('…'));
  });
});

describe('Compare panel message validation', () => {
  it('accepts exactly the protocol', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'stopAll' },
      { type: 'copyMarkdown' },
      { type: 'stopColumn', column: 'c1' },
      { type: 'copy', text: 'x' },
      { type: 'insert', text: '' },
      { type: 'openLink', href: 'https://x' },
    ]) {
      assert.deepEqual(validateCompareMessage(m), { ok: true, message: m }, JSON.stringify(m));
    }
  });

  it('rejects unknown types, missing or mistyped fields, extra fields, and the chat panel’s messages', () => {
    for (const m of [
      null,
      [],
      'ready',
      { type: 'ask', text: 'hi' },
      { type: 'stopColumn' },
      { type: 'stopColumn', column: '' },
      { type: 'stopColumn', column: 3 },
      { type: 'stopAll', column: 'c0' },
      { type: 'stopColumn', column: 'x'.repeat(41) },
    ]) {
      assert.equal(validateCompareMessage(m).ok, false, JSON.stringify(m));
    }
  });
});
