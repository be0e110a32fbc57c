/**
 * One bench group in its own process, started by scripts/bench.js:
 *   node [--expose-gc] out/bench/run.js <host|memory|webview|compare-host|compare-webview|startup|chats|longchat|vscode|lm|salvage|save> [--smoke] --out <file.json>
 * Writes `{ results: BenchResult[], errors: string[] }` to the file.
 */
import * as fs from 'node:fs';
import type { BenchOptions, BenchResult } from './common';
import { withTimeout } from './common';
import { benchCompareCpu, benchCompareSmoothness } from './compareBenches';
import { benchCancel, benchCpu, benchHostMemory, benchMessageLoad, benchMetricAccuracy, benchTtft } from './hostBenches';
import { startSimProcess } from './simProcess';
import { benchChats } from './chatBenches';
import { benchLongChat } from './longChatBench';
import { benchMidStreamSave } from './saveBenches';
import { benchSalvage } from './salvageBench';
import { benchStartup } from './startup';
import { benchLmTtft } from './lmTtft';
import { benchFirstPaint } from './vscodePaint';
import { benchRenderCost, benchSmoothRate, benchWebviewMemory } from './webviewBenches';
import { launchChromium, startPageServer } from './webviewPage';

type Step = [string, () => Promise<BenchResult>];

async function main(): Promise<void> {
  const group = process.argv[2];
  const smoke = process.argv.includes('--smoke');
  const outIndex = process.argv.indexOf('--out');
  const outFile = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const opts: BenchOptions = { smoke, log: (line) => console.log(`  ${line}`) };
  const results: BenchResult[] = [];
  const errors: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const steps: Step[] = [];
  const limit = group === 'lm' ? 400_000 : smoke ? 60_000 : 180_000;

  if (group === 'host' || group === 'memory') {
    const sim = await startSimProcess();
    cleanups.push(() => sim.stop());
    if (group === 'host') {
      steps.push(
        ['B3', () => benchMessageLoad(sim, opts)],
        ['B4-host', () => benchTtft(sim, opts)],
        ['B5', () => benchCpu(sim, opts)],
        ['B6', () => benchCancel(opts)],
        ['B8', () => benchMetricAccuracy(opts)],
      );
    } else {
      steps.push(['B7-host', () => benchHostMemory(sim, opts)]);
    }
  } else if (group === 'webview') {
    const server = await startPageServer();
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    steps.push(
      ['B1', () => benchRenderCost(browser, server, opts)],
      ['B2', () => benchSmoothRate(browser, server, opts)],
      ['B7-webview', () => benchWebviewMemory(browser, server, opts)],
    );
  } else if (group === 'chats') {
    const server = await startPageServer();
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    steps.push(['B10', () => benchChats(browser, server, opts)]);
  } else if (group === 'longchat') {
    const server = await startPageServer();
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    steps.push(['B14', () => benchLongChat(browser, server, opts)]);
  } else if (group === 'compare-host') {
    const sim = await startSimProcess();
    cleanups.push(() => sim.stop());
    steps.push(['B11-host', () => benchCompareCpu(sim, opts)]);
  } else if (group === 'compare-webview') {
    const server = await startPageServer('dark', 'compare');
    cleanups.push(() => server.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    steps.push(['B11-webview', () => benchCompareSmoothness(browser, server, opts)]);
  } else if (group === 'startup') {
    steps.push(['B9', () => benchStartup(opts)]);
  } else if (group === 'vscode') {
    steps.push(['B4-paint', () => benchFirstPaint(opts)]);
  } else if (group === 'lm') {
    steps.push(['B12', () => benchLmTtft(opts)]);
  } else if (group === 'salvage') {
    steps.push(['B16', () => benchSalvage(opts)]);
  } else if (group === 'save') {
    steps.push(['B17', () => benchMidStreamSave(opts)]);
  } else {
    throw new Error(`unknown group ${group}`);
  }

  try {
    for (const [id, step] of steps) {
      if (only && !only.some((o) => id === o || id.startsWith(o + '-'))) continue;
      const t0 = Date.now();
      try {
        results.push(await withTimeout(step(), limit, id));
      } catch (err) {
        errors.push(`${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        console.error(`  ${id} FAILED TO RUN: ${err instanceof Error ? err.message : String(err)}`);
      }
      console.log(`  (${id} took ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  const payload = JSON.stringify({ results, errors }, null, 2);
  if (outFile) fs.writeFileSync(outFile, payload);
  else console.log(payload);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
