/**
 * B9: activation time and VSIX size, on the production build. To leave the working tree's dist/
 * alone, the package inputs are copied to a temporary staging directory (node_modules linked),
 * where `node esbuild.js --production` and `vsce package --no-dependencies` run exactly as
 * `npm run package` does.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fmt, median, type BenchOptions, type BenchResult } from './common';
import { ROOT } from './simProcess';

/** How long B9 watches a started window that nobody uses. */
const QUIET_WATCH_MS = 10_000;

const STAGE_ENTRIES = [
  'package.json',
  'package.nls.json',
  'package-lock.json',
  '.vscodeignore',
  'esbuild.js',
  'tsconfig.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'src',
  'media',
];

export interface ProbeResult {
  requireMs: number;
  activateMs: number;
  totalMs: number;
  subscriptions: number;
  coreLoaded: boolean;
  /** dist/features.js (Compare Models, the metrics view, chat history) loaded during activation. */
  featuresLoaded: boolean;
  openaiLoaded: boolean;
  anthropicLoaded: boolean;
  tokenizerLoaded: boolean;
  /** With a watch time: what the window did in that time after activation (connections, bundles or SDKs loaded). */
  quiet?: { watchMs: number; connections: string[]; loadedLater: string[] } | undefined;
  error?: string;
}

/** Copies the package inputs to a temporary folder (node_modules linked) and builds them as `npm run package` does. */
export function stageProductionBuild(): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-bench-pkg-'));
  for (const entry of STAGE_ENTRIES) {
    const from = path.join(ROOT, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: stage, stdio: 'pipe' });
  return stage;
}

/** Activates the staged production build in a fresh Node process (stub `vscode`), with `storage` as the workspace storage folder. */
export function probeActivation(stage: string, storage?: string, watchMs = 0): ProbeResult {
  const probe = path.join(__dirname, 'activateProbe.js');
  const args = [probe, path.join(stage, 'dist', 'extension.js'), '1', storage ?? '-', String(watchMs)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 + watchMs });
  const result = JSON.parse(out.trim().split('\n').pop()!) as ProbeResult;
  if (result.error) throw new Error(`activation failed: ${result.error}`);
  return result;
}

export async function benchStartup(opts: BenchOptions): Promise<BenchResult> {
  const stage = stageProductionBuild();
  const notes: string[] = [];
  try {
    const runs = opts.smoke ? 2 : 7;
    const probes: ProbeResult[] = [];
    for (let i = 0; i < runs; i++) probes.push(probeActivation(stage));
    const total = median(probes.map((p) => p.totalMs));
    const activate = median(probes.map((p) => p.activateMs));
    const requireMs = median(probes.map((p) => p.requireMs));
    const lazy = probes.every((p) => !p.coreLoaded && !p.featuresLoaded && !p.openaiLoaded && !p.anthropicLoaded && !p.tokenizerLoaded);
    // A window that never opens Sidestream: 10 s after start-up, no connection made, nothing loaded.
    const watched = probeActivation(stage, undefined, QUIET_WATCH_MS).quiet;
    const quiet = watched !== undefined && watched.connections.length === 0 && watched.loadedLater.length === 0;
    const quietText = watched ? (quiet ? 'none' : [...watched.connections, ...watched.loadedLater.map((m) => `loaded ${m}`)].join(', ')) : 'not measured';

    let vsixBytes: number | undefined;
    let vsixHow = '';
    const vsix = path.join(stage, 'sidestream.vsix');
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const packageWith = (extra: string[]) =>
      execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix, ...extra], {
        cwd: stage,
        input: 'y\n',
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 120_000,
        env: { ...process.env, CI: 'true' },
      });
    const errorText = (err: unknown) =>
      (err instanceof Error ? (err as { stderr?: Buffer }).stderr?.toString() || err.message : String(err))
        .trim()
        .split('\n')
        .filter((l) => l.trim())
        .slice(-2)
        .join(' ');
    try {
      try {
        packageWith([]);
        vsixHow = 'vsce package --no-dependencies (as npm run package)';
      } catch (err) {
        // Report why `npm run package` itself would fail, then measure with placeholder URLs.
        notes.push(
          `\`vsce package --no-dependencies\` as \`npm run package\` runs it FAILED: ${errorText(err)} — size measured with placeholder --baseContentUrl/--baseImagesUrl (no effect on size).`,
        );
        packageWith(['--baseContentUrl', 'https://example.invalid/', '--baseImagesUrl', 'https://example.invalid/']);
        vsixHow = 'vsce package --no-dependencies with placeholder base URLs';
      }
      vsixBytes = fs.statSync(vsix).size;
    } catch (err) {
      const message = err instanceof Error ? (err as { stderr?: Buffer }).stderr?.toString() || err.message : String(err);
      notes.push(`vsce package failed (${message.trim().split('\n').slice(-3).join(' ')}); size estimated by deflating the files .vscodeignore keeps.`);
      const kept = [
        'dist/extension.js',
        'dist/core.js',
        'dist/features.js',
        'dist/webview.js',
        'dist/codicons/codicon.css',
        'dist/codicons/codicon.ttf',
        'media/main.css',
        'media/icon.png',
        'media/sidestream.svg',
        'package.json',
        'package.nls.json',
        'CHANGELOG.md',
        'LICENSE',
        'README.md',
      ];
      vsixBytes = kept
        .map((f) => path.join(stage, f))
        .filter((f) => fs.existsSync(f))
        .reduce((a, f) => a + zlib.deflateRawSync(fs.readFileSync(f), { level: 9 }).length + 100, 0);
      vsixHow = 'deflated size of the kept files (zip estimate)';
    }
    const sizes: Record<string, number> = {};
    for (const f of ['extension.js', 'features.js', 'core.js', 'webview.js']) {
      const p = path.join(stage, 'dist', f);
      if (fs.existsSync(p)) sizes[f] = fs.statSync(p).size;
    }
    const mb = vsixBytes / 1048576;
    opts.log(
      `B9 activation median ${fmt(total, 2)} ms (require ${fmt(requireMs, 2)} + activate ${fmt(activate, 2)}) over ${runs} fresh processes; SDKs lazy: ${lazy}; VSIX ${fmt(mb, 2)} MB (${vsixHow}); dist sizes ${Object.entries(
        sizes,
      )
        .map(([k, v]) => `${k} ${fmt(v / 1024, 0)} KB`)
        .join(', ')}`,
    );
    return {
      id: 'B9',
      title: 'Start-up and size (production build)',
      measured: `activation ${fmt(total, 2)} ms; VSIX ${fmt(mb, 2)} MB`,
      reference: `require ${fmt(requireMs, 2)} ms + activate() ${fmt(activate, 2)} ms`,
      target: 'activation ≤ 20 ms, SDKs lazy, nothing in the 10 s after; VSIX ≤ 2 MB',
      met: opts.smoke ? undefined : total <= 20 && lazy && quiet && mb <= 2,
      checks: [
        { name: 'B9 activation loads neither dist/core.js, dist/features.js nor any SDK/tokenizer', ok: lazy },
        { name: `B9 in the ${QUIET_WATCH_MS / 1000} s after start-up: no connection, no bundle or SDK loaded (seen: ${quietText})`, ok: quiet },
      ],
      figures: {
        runs: probes,
        quietWindow: watched,
        medianTotalMs: total,
        medianRequireMs: requireMs,
        medianActivateMs: activate,
        sdksLazy: lazy,
        vsixBytes,
        vsixHow,
        distBytes: sizes,
      },
      method: `Production build in a staging copy; ${runs} fresh Node processes each require dist/extension.js with a stub \`vscode\` module (Module._load interception) and call activate(); activation = require + activate(), median. Lazy = no dist/core.js, dist/features.js, openai, @anthropic-ai/sdk or gpt-tokenizer module in require.cache afterwards. Quiet = one more process waits ${QUIET_WATCH_MS / 1000} s after activate() and records every TCP socket (diagnostics channel net.client.socket) and fetch, and every bundle or SDK loaded meanwhile: none allowed. VSIX: ${vsixHow}.`,
      notes: [...notes, "Activation here excludes VS Code's own extension-host overhead (loading the manifest, creating the real API objects); it is the extension's own share."],
    };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
