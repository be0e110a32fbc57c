/**
 * B12 (BENCHMARKS.md): TTFT of a request made through Sidestream's registered language model
 * provider (another extension → vscode.lm → VS Code → Sidestream → core stream()) against the same
 * request through Sidestream's own panel path (api.ask → ChatController → core stream()), in
 * interleaved pairs in one real VS Code. Each TTFT is the caller's (call → first text in the
 * consumer's hands) less the simulator's own time for that request (request received → first token
 * written), so only what the path adds is compared. The consumer is where the answer is read: the
 * calling extension for the provider path, the panel (the webview received the first `append`)
 * for the panel path — both one hop from the extension host through the workbench. The panel's
 * host-side time (its controller has the text) is kept too, for reference. In the extension-host suite it runs a few pairs
 * and checks both paths answer; `npm run bench` (B12) runs more and writes the figures to
 * SIDESTREAM_B12_OUT.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import { Simulator } from '../../src/simulator/Simulator';
import type { ConsumerAskResult } from '../extensions/lm-consumer/src/extension';
import { asAssistant, freshChat, generations, resetSettings, sidestream, simLog, waitFor, withTimeout, useSimulatorModel } from './helpers/hostKit';

/** The chat view's id (package.json; ChatViewProvider.viewType). */
const CHAT_VIEW_TYPE = 'sidestream.chatView';

const ANSWER = 'A short answer, streamed at once for the TTFT comparison.';

export interface B12Figures {
  runs: number;
  /** Path-added TTFT per request, ms: caller's TTFT less the simulator's own. */
  providerAddedMs: number[];
  panelAddedMs: number[];
  /** The callers' whole TTFT, ms. */
  providerTtftMs: number[];
  panelTtftMs: number[];
  /** Call → the simulator has the request, ms (the request leg). */
  providerRequestLegMs: number[];
  panelRequestLegMs: number[];
  /** The simulator wrote the first token → the caller has it, ms (the delivery leg). */
  providerDeliveryLegMs: number[];
  panelDeliveryLegMs: number[];
  /** The simulator wrote the first token → the panel's controller (host side) has it, ms. */
  panelHostDeliveryLegMs: number[];
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

describe('B12: TTFT through the registered provider vs the panel path', function () {
  this.timeout(600_000);
  const sim = new Simulator({ log: simLog });
  let api: SidestreamApi;

  before(async () => {
    api = await sidestream();
    await sim.start();
    await useSimulatorModel(sim);
    await vscode.extensions.getExtension('sidestream-test.lm-consumer')?.activate();
    // The panel path is timed to the webview: it must be open and loaded before the first pair.
    await vscode.commands.executeCommand(`${CHAT_VIEW_TYPE}.focus`);
    await waitFor('the chat panel to load', 60_000, () => api.snapshot().panelReady || undefined);
  });

  after(async () => {
    await freshChat(api).catch(() => undefined);
    await resetSettings();
    await sim.stop();
  });

  it('both paths stream the same answer; the figures are recorded', async () => {
    const runs = Number(process.env.SIDESTREAM_B12_RUNS ?? 4);
    const warmup = 2;
    const figures: B12Figures = {
      runs,
      providerAddedMs: [],
      panelAddedMs: [],
      providerTtftMs: [],
      panelTtftMs: [],
      providerRequestLegMs: [],
      panelRequestLegMs: [],
      providerDeliveryLegMs: [],
      panelDeliveryLegMs: [],
      panelHostDeliveryLegMs: [],
    };
    for (let i = 0; i < warmup + runs; i++) {
      const record = i >= warmup;
      // Alternate which path goes first, so neither always runs on a warmer process.
      const order = i % 2 === 0 ? (['provider', 'panel'] as const) : (['panel', 'provider'] as const);
      for (const path of order) {
        sim.reset();
        sim.enqueue({ text: ANSWER, ttftMs: 20, tokensPerSecond: 2000 });
        const { startedAt, firstTextAt, text, hostFirstTextAt } = path === 'provider' ? await viaProvider() : await viaPanel(api);
        assert.equal(text, ANSWER, `${path} path answered differently`);
        const [req] = generations(sim, 'openai-chat');
        assert.ok(req?.firstTokenAt !== undefined, `${path}: the simulator sent no token`);
        const serverMs = req.firstTokenAt - req.startedAt;
        const ttft = firstTextAt - startedAt;
        if (!record) continue;
        (path === 'provider' ? figures.providerTtftMs : figures.panelTtftMs).push(ttft);
        (path === 'provider' ? figures.providerAddedMs : figures.panelAddedMs).push(ttft - serverMs);
        (path === 'provider' ? figures.providerRequestLegMs : figures.panelRequestLegMs).push(req.startedAt - startedAt);
        (path === 'provider' ? figures.providerDeliveryLegMs : figures.panelDeliveryLegMs).push(firstTextAt - req.firstTokenAt);
        if (hostFirstTextAt !== undefined) figures.panelHostDeliveryLegMs.push(hostFirstTextAt - req.firstTokenAt);
      }
    }
    for (const v of [...figures.providerAddedMs, ...figures.panelAddedMs]) assert.ok(Number.isFinite(v) && v > 0, `a path added ${v} ms`);
    const out = process.env.SIDESTREAM_B12_OUT;
    if (out) fs.writeFileSync(out, JSON.stringify(figures));
  });
});

interface PathTiming {
  startedAt: number;
  /** When the consumer had the first text (ms since the epoch). */
  firstTextAt: number;
  text: string;
  /** Panel path: when the host-side controller had it. */
  hostFirstTextAt?: number;
}

async function viaProvider(): Promise<PathTiming> {
  const result = await withTimeout(
    Promise.resolve(vscode.commands.executeCommand<ConsumerAskResult>('sidestreamConsumer.ask', { modelId: 'openai-compatible/sim-model', prompt: 'B12 question' })),
    30_000,
    'the provider path',
  );
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.ok(result.firstFragmentAt !== undefined);
  return { startedAt: result.startedAt, firstTextAt: result.firstFragmentAt, text: result.text };
}

async function viaPanel(api: SidestreamApi): Promise<PathTiming> {
  await freshChat(api);
  let hostFirstTextAt: number | undefined;
  const sub = api.onDidChange(() => {
    if (hostFirstTextAt !== undefined) return;
    const last = api.snapshot().messages.at(-1);
    if (last?.role === 'assistant' && last.text) hostFirstTextAt = epochNow();
  });
  const received = new Map<string, number>();
  const sub2 = api.onPanelReceivedFirstText(({ id, at }) => received.set(id, at));
  try {
    const startedAt = epochNow();
    const answer = asAssistant(await withTimeout(api.ask('B12 question'), 30_000, 'the panel path'));
    assert.ok(hostFirstTextAt !== undefined, 'no text seen while streaming');
    // The webview's report travels back through the workbench: wait for it (it says when the text arrived).
    const deadline = Date.now() + 10_000;
    while (!received.has(answer.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const firstTextAt = received.get(answer.id);
    assert.ok(firstTextAt !== undefined, 'the panel never reported receiving the answer (is the view open?)');
    return { startedAt, firstTextAt, text: answer.text, hostFirstTextAt };
  } finally {
    sub.dispose();
    sub2.dispose();
  }
}
