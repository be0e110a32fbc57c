/**
 * B12: TTFT of a request through Sidestream's registered language model provider (another
 * extension → vscode.lm → Sidestream) vs the same request through Sidestream's own panel path,
 * side by side in one real VS Code 1.139 (code-server). The measuring runs inside the extension
 * host (test/exthost/lmTtft.test.ts, with the test extensions installed as .vsix): this starts that
 * suite alone through the extension-host runner and reads the figures it writes.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { B12Figures } from '../test/exthost/lmTtft.test';
import { median, percentile, type BenchOptions, type BenchResult } from './common';

const ROOT = path.resolve(__dirname, '..', '..');

export async function benchLmTtft(opts: BenchOptions): Promise<BenchResult> {
  const runs = opts.smoke ? 4 : 40;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-b12-')), 'b12.json');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'out', 'test', 'runInCodeServer.js')], {
      cwd: ROOT,
      env: { ...process.env, SIDESTREAM_TEST_GREP: 'B12', SIDESTREAM_B12_RUNS: String(runs), SIDESTREAM_B12_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => opts.log(c.toString('utf8').trimEnd()));
    child.stderr.on('data', (c: Buffer) => opts.log(c.toString('utf8').trimEnd()));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const figures = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as B12Figures) : undefined;
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  if (figures) {
    const legs = (name: string, values: number[]) => `${name} p50 ${median(values).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms`;
    opts.log(legs('provider added', figures.providerAddedMs));
    opts.log(legs('panel added', figures.panelAddedMs));
    opts.log(legs('provider request leg', figures.providerRequestLegMs));
    opts.log(legs('panel request leg', figures.panelRequestLegMs));
    opts.log(legs('provider delivery leg', figures.providerDeliveryLegMs));
    opts.log(legs('panel delivery leg', figures.panelDeliveryLegMs));
    opts.log(legs('panel delivery leg to the host side only', figures.panelHostDeliveryLegMs));
  }
  const checks = [{ name: 'B12: both paths streamed the same answer in real VS Code', ok: code === 0 && figures !== undefined, detail: `runner exit ${code}` }];
  const provider = figures ? median(figures.providerAddedMs) : NaN;
  const panel = figures ? median(figures.panelAddedMs) : NaN;
  const diff = provider - panel;
  return {
    id: 'B12',
    title: 'TTFT through the registered language model provider vs the panel path (real VS Code 1.139)',
    measured: `${provider.toFixed(1)} ms p50 added by the provider path`,
    reference: `${panel.toFixed(1)} ms p50 added by the panel path`,
    ratio: `${diff >= 0 ? '+' : ''}${diff.toFixed(1)} ms`,
    target: '≤ +2 ms p50',
    met: opts.smoke || !figures ? undefined : diff <= 2,
    checks,
    figures: figures
      ? {
          runs: figures.runs,
          providerAddedP50: provider,
          providerAddedP95: percentile(figures.providerAddedMs, 95),
          panelAddedP50: panel,
          panelAddedP95: percentile(figures.panelAddedMs, 95),
          providerTtftP50: median(figures.providerTtftMs),
          panelTtftP50: median(figures.panelTtftMs),
          providerRequestLegP50: median(figures.providerRequestLegMs),
          panelRequestLegP50: median(figures.panelRequestLegMs),
          providerDeliveryLegP50: median(figures.providerDeliveryLegMs),
          panelDeliveryLegP50: median(figures.panelDeliveryLegMs),
          panelHostDeliveryLegP50: median(figures.panelHostDeliveryLegMs),
          raw: figures,
        }
      : {},
    method:
      `${runs} interleaved pairs (after 2 warm-up pairs) in one code-server window, simulator in the extension host (TTFT 20 ms, 60-char answer). ` +
      'Provider path: a test extension (test/extensions/lm-consumer) calls sendRequest on the vendor "sidestream" model → first fragment in its hands. ' +
      "Panel path: api.ask() (resolution, with its /models probe, included) → the panel's webview received the first append (its message event's time; test builds report it back). Each is the consumer's TTFT less the simulator's own (request received → first token written). Until 2026-12-01 the panel path stopped its clock when the host-side controller had the text, one workbench hop short of the provider path's; that figure is kept as the panel's host-side delivery leg.",
  };
}
