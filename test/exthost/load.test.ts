/**
 * Load, through the real extension in the real extension host: many ask/cancel cycles through
 * the `sidestream.ask` command leave no socket open and the host's heap bounded, and the panel
 * still answers afterwards; a 20,000-token answer arrives whole; a 200-message conversation is
 * kept. Figures go to test-artifacts/load.json (for BENCHMARKS.md).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import { Simulator } from '../../src/simulator/Simulator';
import {
  EXTENSION_ID,
  RejectionCounter,
  simLog,
  askByCommand,
  delay,
  freshChat,
  lastAssistant,
  resetSettings,
  setSetting,
  sidestream,
  useWire,
  waitFor,
  withTimeout,
} from './helpers/hostKit';

/** Ask/cancel cycles; SIDESTREAM_LOAD_CYCLES overrides (the loop also stops at LOOP_BUDGET_MS). */
const CYCLES = Number(process.env.SIDESTREAM_LOAD_CYCLES ?? 1000);
const WARM_UP = 50;
/** The conversation is cleared every this many cycles (a user would not keep 2,000 messages). */
const CLEAR_EVERY = 100;
const LOOP_BUDGET_MS = 150_000;
const HEAP_GROWTH_LIMIT_MB = 30;
const LONG = Array.from({ length: 200 }, (_, i) => `Word${i} flows by.`).join(' ');
const HUGE_TOKENS = 20_000;

interface LoadFigures {
  cycles: number;
  cyclesPerSecond: number;
  msPerCycleP50: number;
  msPerCycleP95: number;
  heapAfterWarmUpMb: number;
  heapAtEndMb: number;
  heapGrowthMb: number;
  gcAvailable: boolean;
  hugeAnswerTokens: number;
  hugeAnswerMs: number;
  conversationMessages: number;
  conversationMs: number;
}

describe('Load through the extension host', function () {
  this.timeout(240_000);
  const sim = new Simulator({ log: simLog, defaultScript: { text: LONG, tokensPerSecond: 400 } });
  const rejections = new RejectionCounter();
  let api: SidestreamApi;
  const figures: Partial<LoadFigures> = {};
  const savedKey = process.env.OPENAI_API_KEY;

  before(async () => {
    api = await sidestream();
    await sim.start();
    process.env.OPENAI_API_KEY = 'sk-load-suite-key';
    await useWire('openai-chat', sim.openAIBaseUrl);
    await freshChat(api);
    rejections.install();
  });

  after(async () => {
    rejections.dispose();
    await freshChat(api).catch(() => undefined);
    await resetSettings();
    if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = savedKey;
    await sim.stop();
    writeFigures(figures);
  });

  afterEach(() => rejections.assertNone());

  it(`${CYCLES} ask/cancel cycles: no socket left open, heap bounded, panel still answers`, async () => {
    const gc = exposeGc();
    const durations: number[] = [];
    let baseline = 0;
    const started = Date.now();
    let done = 0;
    let cancelled = 0;
    for (let i = 0; i < CYCLES; i++) {
      if (Date.now() - started > LOOP_BUDGET_MS) break;
      if (i === WARM_UP) baseline = await settledHeap(gc);
      if (i > 0 && i % CLEAR_EVERY === 0) {
        await vscode.commands.executeCommand('sidestream.newChat');
        sim.reset();
      }
      const t0 = performance.now();
      const asked = askByCommand(`Load cycle ${i}`, 10_000);
      // Half the cycles cancel as soon as the request is running, half after the first token.
      if (i % 2 === 0) await waitFor('the request to start', 5_000, () => (api.snapshot().streaming ? true : undefined));
      else
        await waitFor('the first token', 5_000, () => {
          const last = api.snapshot().messages.at(-1);
          return last?.role === 'assistant' && last.text.length > 0 ? true : undefined;
        });
      await vscode.commands.executeCommand('sidestream.cancel');
      await asked;
      // Listener counts stay constant: nothing from a finished cycle is still held.
      const live = api.snapshot().diagnostics;
      assert.ok(live.liveRequests === 0 && live.liveCancellationListeners === 0, `cycle ${i} left ${JSON.stringify(live)}`);
      const last = lastAssistant(api);
      assert.ok(last.state === 'cancelled' || last.state === 'done', `cycle ${i}: ${JSON.stringify({ state: last.state, error: last.error })}`);
      if (last.state === 'cancelled') cancelled++;
      durations.push(performance.now() - t0);
      done++;
    }
    const elapsed = Date.now() - started;
    assert.ok(done >= Math.min(CYCLES, 100), `only ${done} cycles fit in ${LOOP_BUDGET_MS} ms`);

    await sim.waitForAllSocketsClosed(20_000);
    assert.equal(sim.stats().openSockets, 0);
    const log = sim.stats().requestsLog;
    assert.ok(
      log.every((r) => r.closedAt !== undefined),
      'a request was left open',
    );
    // The answer takes ~1.5 s: every cycle must really have been cancelled, its socket closed by the client.
    assert.ok(cancelled >= done * 0.99, `only ${cancelled} of ${done} cycles ended cancelled`);
    const chats = log.filter((r) => r.api === 'openai-chat');
    assert.ok(chats.length > 0 && chats.every((r) => r.closedBy === 'client' && !r.completed), 'a cancelled request was not closed by the client');

    await vscode.commands.executeCommand('sidestream.newChat');
    await delay(500);
    // Listener counts are back where they were: every request disposed its token source and the
    // core disposed its token listener.
    const diagnostics = api.snapshot().diagnostics;
    assert.deepEqual(diagnostics, { liveRequests: 0, liveCancellationListeners: 0 });
    const end = await settledHeap(gc);
    const growthMb = (end - baseline) / 2 ** 20;

    // The panel still answers normally.
    sim.enqueue({ text: 'Still here after the load.' });
    await askByCommand('Still responsive?', 15_000);
    const final = lastAssistant(api);
    assert.equal(final.state, 'done', JSON.stringify(final));
    assert.equal(final.text, 'Still here after the load.');

    const sorted = [...durations].sort((a, b) => a - b);
    Object.assign(figures, {
      cycles: done,
      cyclesPerSecond: round(done / (elapsed / 1000)),
      msPerCycleP50: round(sorted[Math.floor(sorted.length * 0.5)] ?? 0),
      msPerCycleP95: round(sorted[Math.floor(sorted.length * 0.95)] ?? 0),
      heapAfterWarmUpMb: round(baseline / 2 ** 20),
      heapAtEndMb: round(end / 2 ** 20),
      heapGrowthMb: round(growthMb),
      gcAvailable: gc !== undefined,
    } satisfies Partial<LoadFigures>);
    console.log(`      load: ${JSON.stringify(figures)}`);
    assert.ok(growthMb < HEAP_GROWTH_LIMIT_MB, `extension-host heap grew ${growthMb.toFixed(1)} MB over ${done} cycles`);
  });

  it(`a ${HUGE_TOKENS.toLocaleString('en')}-token answer arrives whole`, async () => {
    await freshChat(api);
    await setSetting('maxOutputTokens', HUGE_TOKENS + 1000);
    // Simulator tokens are words of at most six characters with their leading space.
    const text = Array.from({ length: HUGE_TOKENS }, (_, i) => ` w${i % 10_000}`)
      .join('')
      .trimStart();
    sim.enqueue({ text });
    const t0 = Date.now();
    const answer = await withTimeout(api.ask('Write something very long.'), 60_000, 'the 20,000-token answer');
    figures.hugeAnswerMs = Date.now() - t0;
    figures.hugeAnswerTokens = HUGE_TOKENS;
    assert.ok(answer && answer.role === 'assistant');
    const last = lastAssistant(api);
    assert.equal(last.state, 'done', JSON.stringify({ state: last.state, error: last.error }));
    assert.equal(last.text.length, text.length);
    assert.equal(last.text, text);
    assert.equal(last.stats?.outputTokens, HUGE_TOKENS, 'the usage the server reported is not shown');
    await setSetting('maxOutputTokens', undefined);
  });

  it('a 200-message conversation is kept whole', async () => {
    await freshChat(api);
    sim.enqueue({ text: 'Short answer.', times: 100 });
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      const answer = await withTimeout(api.ask(`Question ${i + 1}`), 15_000, `ask ${i + 1}`);
      assert.equal(answer?.role === 'assistant' && answer.state, 'done', `answer ${i + 1}`);
    }
    figures.conversationMs = Date.now() - t0;
    const messages = api.snapshot().messages;
    figures.conversationMessages = messages.length;
    assert.equal(messages.length, 200);
    assert.deepEqual(
      messages.slice(0, 2).map((m) => m.text),
      ['Question 1', 'Short answer.'],
    );
    assert.deepEqual(
      messages.slice(-2).map((m) => m.text),
      ['Question 100', 'Short answer.'],
    );
    assert.ok(
      messages.every((m, i) => m.role === (i % 2 === 0 ? 'user' : 'assistant')),
      'the turns are out of order',
    );
    // The last request carried the whole conversation before its question.
    const lastRequest = sim
      .stats()
      .requestsLog.filter((r) => r.api === 'openai-chat')
      .at(-1);
    const sent = Array.isArray(lastRequest?.messages) ? (lastRequest.messages as Array<{ role: string }>).filter((m) => m.role !== 'system') : [];
    assert.equal(sent.length, 199, 'the last request did not carry the whole conversation');
  });
});

/** `global.gc` when the host exposes it, else one obtained by enabling the flag (best effort). */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** heapUsed after a pause (and full collections when gc is available). */
async function settledHeap(gc: (() => void) | undefined): Promise<number> {
  await delay(300);
  for (let i = 0; i < 3; i++) {
    gc?.();
    await delay(50);
  }
  return process.memoryUsage().heapUsed;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function writeFigures(figures: Partial<LoadFigures>): void {
  try {
    const root = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath;
    if (!root) return;
    const dir = path.join(root, 'test-artifacts');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'load.json'), JSON.stringify({ measuredAt: new Date().toISOString(), vscode: vscode.version, ...figures }, null, 2));
  } catch (err) {
    console.log(`      could not write load.json: ${String(err)}`);
  }
}
