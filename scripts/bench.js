#!/usr/bin/env node
// The benchmark suite (`npm run bench`): builds, runs every bench group in its own process, prints
// a table and one verdict line per target, and writes bench/results.json and BENCHMARKS.md.
//
// Set-up comes first and is never timed: scripts/setup-vscode.sh (Chromium, code-server and its
// Node 24, installed once into ~/.cache/sidestream — minutes on a fresh machine), then the builds.
// Only then do the bench groups start, each under its own time limit, with the paths the set-up
// found. A bench that cannot run (its set-up failed, or its group crashed or timed out) is reported
// as `missed (not measured: <why>)` — never `met` — and makes the exit code 1.
//
//   npm run bench                  full run (~4 min on 2 cores)
//   npm run bench -- --smoke       short CI run: checks the benches run and render output is
//                                  correct; no timing thresholds; exit code = correctness only
//   npm run bench -- --only B1,B4  some targets (groups are still built/started as needed)
//   npm run bench -- --skip-build  reuse dist/ and out/
//
// Exit code: 0 when every bench ran and every correctness check passed (a missed timing target is
// reported, not an error); 1 otherwise; 2 on bad arguments.
'use strict';

const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const RUNNER = path.join(ROOT, 'out', 'bench', 'run.js');
const TARGET_IDS = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11', 'B12', 'B14', 'B16', 'B17'];

/**
 * Bench groups, each one process. `ids` decides whether `--only` needs the group; `results` are the
 * result ids it reports (a missing one is "not measured"); `needs` is what the set-up must provide.
 */
const GROUPS = [
  { name: 'host', ids: ['B3', 'B4', 'B5', 'B6', 'B8'], results: ['B3', 'B4-host', 'B5', 'B6', 'B8'], needs: [], nodeArgs: [], timeoutS: 240 },
  { name: 'memory', ids: ['B7'], results: ['B7-host'], needs: [], nodeArgs: ['--expose-gc'], timeoutS: 180 },
  { name: 'webview', ids: ['B1', 'B2', 'B7'], results: ['B1', 'B2', 'B7-webview'], needs: ['chromium'], nodeArgs: [], timeoutS: 400 },
  // B11 (Compare Models): the host half needs only the simulator, so it runs even without Chromium.
  { name: 'compare-host', ids: ['B11'], results: ['B11-host'], needs: [], nodeArgs: [], timeoutS: 180 },
  { name: 'compare-webview', ids: ['B11'], results: ['B11-webview'], needs: ['chromium'], nodeArgs: [], timeoutS: 300 },
  { name: 'startup', ids: ['B9'], results: ['B9'], needs: [], nodeArgs: [], timeoutS: 240 },
  { name: 'chats', ids: ['B10'], results: ['B10'], needs: ['chromium'], nodeArgs: [], timeoutS: 300 },
  // B14 (issue 27): a 400-message chat in Chromium — opening it, an answer streaming at its end, typing.
  { name: 'longchat', ids: ['B14'], results: ['B14'], needs: ['chromium'], nodeArgs: [], timeoutS: 300 },
  { name: 'vscode', ids: ['B4'], results: ['B4-paint'], needs: ['chromium', 'code-server'], nodeArgs: [], timeoutS: 300 },
  { name: 'lm', ids: ['B12'], results: ['B12'], needs: ['chromium', 'code-server'], nodeArgs: [], timeoutS: 420 },
  // B16 (issue 28): automatic salvage over the simulator's fault scripts; plain Node, loopback.
  { name: 'salvage', ids: ['B16'], results: ['B16'], needs: [], nodeArgs: [], timeoutS: 240 },
  // B17 (issue 25): the host's blocked time per save while an answer streams; plain Node, a real folder.
  { name: 'save', ids: ['B17'], results: ['B17'], needs: [], nodeArgs: [], timeoutS: 120 },
];

/** The longest the untimed set-up may take (a first code-server install builds native modules). */
const SETUP_TIMEOUT_S = 45 * 60;
const CHROMIUM_PATH = process.env.SIDESTREAM_CHROMIUM || '/usr/bin/chromium';

function parseArgs(argv) {
  const options = { smoke: false, only: undefined, skipBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--smoke') options.smoke = true;
    else if (arg === '--skip-build') options.skipBuild = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      options.only = (value || '')
        .split(',')
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const unknown = options.only.filter((id) => !TARGET_IDS.includes(id));
      if (!options.only.length || unknown.length) usage(`--only takes target ids (${TARGET_IDS.join(',')})`);
    } else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(message) {
  console.error(`bench: ${message}\nusage: npm run bench -- [--smoke] [--only B1,B4] [--skip-build]`);
  process.exit(2);
}

function build() {
  console.log('bench: building (node esbuild.js, tsc -p tsconfig.test.json)');
  const esb = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  if (esb.status !== 0) throw new Error('node esbuild.js failed');
  // tsc still emits when other files have type errors; only errors in bench/ stop the run.
  const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.test.json'], { cwd: ROOT, encoding: 'utf8' });
  const lines = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((l) => l.trim());
  const ours = lines.filter((l) => /^bench[\\/]/.test(l));
  if (lines.length) console.log(`bench: tsc reported ${lines.length} line(s)${ours.length ? '' : ' outside bench/ (ignored)'}`);
  if (ours.length) throw new Error(`type errors in bench/:\n${ours.join('\n')}`);
  if (!fs.existsSync(RUNNER)) throw new Error(`${RUNNER} missing after tsc`);
}

/**
 * Installs what the selected groups need, before anything is timed. Returns the environment for the
 * bench processes (with SIDESTREAM_CODE_SERVER / SIDESTREAM_NODE24, so no bench installs anything
 * inside its time limit) and, for each need that is not available, why.
 */
async function setUp(groups) {
  const env = { ...process.env };
  const missing = new Map();
  const needs = new Set(groups.flatMap((g) => g.needs));
  if (!needs.size) return { env, missing, seconds: 0 };
  const installed = (file) => Boolean(file) && fs.existsSync(file);
  if (installed(CHROMIUM_PATH) && (!needs.has('code-server') || (installed(env.SIDESTREAM_CODE_SERVER) && installed(env.SIDESTREAM_NODE24)))) {
    // `npm test` ran the set-up already and passed its paths down.
    return { env, missing, seconds: 0 };
  }
  const started = Date.now();
  console.log('bench: set-up (scripts/setup-vscode.sh: Chromium, code-server; not timed)');
  const setup = await runSetupScript();
  for (const line of setup.stdout.split('\n')) {
    const m = /^(SIDESTREAM_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  let why;
  if (setup.timedOut) why = `scripts/setup-vscode.sh took over ${SETUP_TIMEOUT_S / 60} min`;
  else if (setup.status !== 0) why = `scripts/setup-vscode.sh failed${setup.lastLine ? `: ${setup.lastLine}` : ` (exit ${setup.status})`}`;
  if (!fs.existsSync(CHROMIUM_PATH)) missing.set('chromium', why ?? `Chromium not found at ${CHROMIUM_PATH}`);
  const codeServer = env.SIDESTREAM_CODE_SERVER;
  const node24 = env.SIDESTREAM_NODE24;
  if (needs.has('code-server') && (!codeServer || !node24 || !fs.existsSync(codeServer) || !fs.existsSync(node24)))
    missing.set('code-server', why ?? 'code-server was not installed by scripts/setup-vscode.sh');
  console.log(
    `bench: set-up ${missing.size ? `incomplete (${[...missing].map(([need, reason]) => `${need}: ${reason}`).join('; ')})` : 'done'} in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  return { env, missing, seconds: Math.round((Date.now() - started) / 1000) };
}

/** Runs scripts/setup-vscode.sh, its progress shown live; resolves with its output and last stderr line. */
function runSetupScript() {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'scripts', 'setup-vscode.sh')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let lastLine = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, SETUP_TIMEOUT_S * 1000);
    child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (text) => {
      process.stderr.write(text);
      tail = (tail + text).slice(-4096);
    });
    child.on('error', (error) => {
      lastLine = error.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = tail
        .split('\n')
        .map((l) => l.replace(/^\[setup\]\s*/, '').trim())
        .filter(Boolean);
      if (lines.length) lastLine = lines[lines.length - 1];
      resolve({ stdout, lastLine, status: code, timedOut });
    });
  });
}

/** A result for a bench that did not run: never met. */
function notMeasured(id, why) {
  return { id, title: id, measured: `not measured: ${why}`, notMeasured: why, target: '—', met: false, checks: [], figures: {}, method: `Not measured in this run: ${why}.` };
}

function runGroup(group, options, env) {
  const out = path.join(os.tmpdir(), `sidestream-bench-${group.name}-${process.pid}.json`);
  const args = [...group.nodeArgs, RUNNER, group.name, '--out', out];
  if (options.smoke) args.push('--smoke');
  if (options.only) {
    const ids = options.only.filter((id) => group.ids.includes(id));
    args.push(`--only=${ids.join(',')}`);
  }
  console.log(`\nbench: ── ${group.name} ──`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, group.timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let payload = { results: [], errors: [] };
      if (timedOut) payload.errors.push(`${group.name}: stopped after its limit of ${group.timeoutS} s`);
      try {
        payload = JSON.parse(fs.readFileSync(out, 'utf8'));
        fs.rmSync(out, { force: true });
      } catch {
        payload.errors.push(`${group.name}: no results (exit ${code}${signal ? `, ${signal}` : ''})`);
      }
      if (code !== 0 && !payload.errors.length) payload.errors.push(`${group.name}: exited with ${code}${signal ? ` (${signal})` : ''}`);
      resolve(payload);
    });
  });
}

function oneLine(text) {
  const line = String(text).trim().split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function versionOf(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function machine() {
  const cpus = os.cpus();
  let chromium;
  try {
    chromium = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    chromium = 'unavailable';
  }
  let commit;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    commit = undefined;
  }
  return {
    cpuModel: cpus[0] ? cpus[0].model : 'unknown',
    cores: cpus.length,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium,
    playwrightCore: versionOf('playwright-core'),
    openai: versionOf('openai'),
    marked: versionOf('marked'),
    highlightJs: versionOf('highlight.js'),
    commit,
  };
}

/** One verdict per target; B4 and B7 have a host and a webview part and are met only when both are. */
function verdicts(results, smoke) {
  const lines = [];
  for (const id of TARGET_IDS) {
    const parts = results.filter((r) => r.id === id || r.id.startsWith(`${id}-`));
    if (!parts.length) continue;
    const measured = parts.map((r) => (parts.length > 1 ? `${r.id.slice(id.length + 1)}: ${r.measured}` : r.measured)).join('; ');
    const target = parts.map((r) => (parts.length > 1 ? `${r.id.slice(id.length + 1)}: ${r.target}` : r.target)).join('; ');
    const unmeasured = parts.filter((r) => r.notMeasured !== undefined);
    if (unmeasured.length) {
      const why = unmeasured.map((r) => (parts.length > 1 ? `${r.id.slice(id.length + 1)}: ${r.notMeasured}` : r.notMeasured)).join('; ');
      const rest = parts.filter((r) => r.notMeasured === undefined);
      const restText = rest.length
        ? ` ${rest.map((r) => `${r.id.slice(id.length + 1)}: ${r.measured}`).join('; ')} (target ${rest.map((r) => `${r.id.slice(id.length + 1)}: ${r.target}`).join('; ')})`
        : '';
      lines.push({ id, word: 'missed', text: `${id} missed (not measured: ${why})${restText}` });
      continue;
    }
    const word = smoke ? 'ran' : parts.every((r) => r.met === true) ? 'met' : 'missed';
    lines.push({ id, word, text: `${id} ${word} ${measured} (target ${target})` });
  }
  return lines;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.min(60, Math.max(...rows.map((r) => String(r[c]).length))));
  const cut = (s, w) => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  return rows.map((r, i) => r.map((cell, c) => cut(String(cell), widths[c])).join(' │ ') + (i === 0 ? `\n${widths.map((w) => '─'.repeat(w)).join('─┼─')}` : '')).join('\n');
}

/** A result's word for the tables: met, missed, missed (not measured: why), or n/a (smoke). */
function resultWord(r, strong = '') {
  if (r.notMeasured !== undefined) return `${strong}missed${strong} (not measured: ${r.notMeasured})`;
  if (r.met === undefined) return 'n/a';
  return r.met ? `${strong}met${strong}` : `${strong}missed${strong}`;
}

function markdownCell(s) {
  return String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

function writeMarkdown(report) {
  const m = report.machine;
  const out = [];
  out.push('# Benchmarks', '');
  out.push(
    'Generated by `npm run bench` (scripts/bench.js, benches in bench/). Every target is measured against a reference measured side by side in the same run. Re-run to refresh; `npm run bench -- --smoke` is the short CI variant (correctness only, no thresholds).',
    '',
  );
  out.push(
    'Set-up is never timed: `scripts/setup-vscode.sh` (Chromium, code-server — minutes on a fresh machine) and the builds run before the first bench starts. A bench that cannot run (its set-up failed, or it crashed or timed out) is listed as `missed (not measured: <why>)`, never `met`.',
    '',
  );
  out.push('## Machine', '');
  out.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGB} GB; ${m.os}`);
  out.push(`- Node ${m.node}; ${m.chromium}; playwright-core ${m.playwrightCore}; openai ${m.openai}; marked ${m.marked}; highlight.js ${m.highlightJs}`);
  out.push(
    `- Date: ${report.date}; commit ${m.commit ?? 'n/a'} (plus working-tree changes); command: \`${report.command}\`; run time ${report.durationSeconds} s (set-up, not timed: ${report.setupSeconds ?? 0} s)`,
  );
  out.push(
    `- Load average (1 min) at start / end: ${report.loadAverage.start} / ${report.loadAverage.end} — other work on the machine shows up in the timing benches (B2 above all).`,
    '',
  );
  out.push('## Results', '');
  out.push('| Target | What | Measured | Reference (same run) | Ratio | Target | Result |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of report.results) {
    out.push(
      `| ${r.id} | ${markdownCell(r.title)} | ${markdownCell(r.measured)} | ${markdownCell(r.reference ?? '—')} | ${markdownCell(r.ratio ?? '—')} | ${markdownCell(r.target)} | ${resultWord(r, '**')} |`,
    );
  }
  out.push('', '```');
  for (const v of report.verdicts) out.push(v.text);
  out.push('```', '');
  if (report.errors.length) {
    out.push('## Errors', '');
    for (const e of report.errors) out.push('```', e, '```');
    out.push('');
  }
  out.push('## How each figure is measured', '');
  for (const r of report.results) {
    out.push(`### ${r.id} — ${r.title}`, '');
    out.push(r.method, '');
    for (const n of r.notes ?? []) out.push(`- ${n}`);
    const failed = r.checks.filter((c) => !c.ok);
    out.push(`- Correctness checks: ${r.checks.length - failed.length}/${r.checks.length} passed${failed.length ? ` (failed: ${failed.map((c) => c.name).join('; ')})` : ''}.`, '');
  }
  const analysis = path.join(ROOT, 'bench', 'analysis.md');
  if (fs.existsSync(analysis)) out.push(fs.readFileSync(analysis, 'utf8').trim(), '');
  out.push('Raw figures: `bench/results.json`.', '');
  fs.writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), out.join('\n'));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const groups = GROUPS.filter((group) => !options.only || group.ids.some((id) => options.only.includes(id)));
  const wanted = (resultId) => !options.only || options.only.some((id) => resultId === id || resultId.startsWith(`${id}-`));
  // Everything that is not measured happens first: set-up, then the builds.
  const { env, missing, seconds: setupSeconds } = await setUp(groups);
  if (!options.skipBuild) build();
  const loadStart = os.loadavg()[0];
  const results = [];
  const errors = [];
  for (const group of groups) {
    const lacking = group.needs.filter((need) => missing.has(need));
    if (lacking.length) {
      const why = lacking
        .map((need) => missing.get(need))
        .filter((w, i, all) => all.indexOf(w) === i)
        .join('; ');
      console.log(`\nbench: ── ${group.name} ── not run: ${why}`);
      for (const id of group.results.filter(wanted)) results.push(notMeasured(id, why));
      errors.push(`${group.name}: not run: ${why}`);
      continue;
    }
    const payload = await runGroup(group, options, env);
    results.push(...payload.results);
    errors.push(...payload.errors);
    // A result the group did not deliver (it crashed, timed out or a step threw) is not measured.
    for (const id of group.results.filter(wanted)) {
      if (results.some((r) => r.id === id)) continue;
      const own = payload.errors.find((e) => e.startsWith(`${id}:`)) ?? payload.errors[0];
      results.push(notMeasured(id, own ? oneLine(own.startsWith(`${id}:`) ? own.slice(id.length + 1) : own) : 'no result'));
    }
  }
  const order = (id) => TARGET_IDS.indexOf(id.split('-')[0]) * 10 + (id.endsWith('-webview') ? 1 : 0);
  results.sort((a, b) => order(a.id) - order(b.id));
  const checks = results.flatMap((r) => r.checks);
  const failedChecks = checks.filter((c) => !c.ok);
  const report = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    smoke: options.smoke,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    setupSeconds,
    loadAverage: { start: loadStart.toFixed(2), end: os.loadavg()[0].toFixed(2) },
    machine: machine(),
    results,
    errors,
    verdicts: verdicts(results, options.smoke),
  };

  console.log(
    '\n' +
      table([
        ['Target', 'Measured', 'Reference', 'Ratio', 'Target', 'Result'],
        ...results.map((r) => [
          r.id,
          r.measured,
          r.reference ?? '—',
          r.ratio ?? '—',
          r.target,
          r.notMeasured !== undefined ? resultWord(r) : r.met === undefined ? 'n/a' : r.met ? 'met' : 'MISSED',
        ]),
      ]),
  );
  console.log(`\nCorrectness: ${checks.length - failedChecks.length}/${checks.length} checks passed`);
  for (const c of failedChecks) console.log(`  FAILED: ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
  for (const e of errors) console.log(`  ERROR: ${e.split('\n')[0]}`);

  if (options.smoke) {
    fs.mkdirSync(path.join(ROOT, 'out', 'bench'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'out', 'bench', 'results-smoke.json'), JSON.stringify(report, null, 2) + '\n');
  } else if (!options.only) {
    fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), JSON.stringify(report, null, 2) + '\n');
    writeMarkdown(report);
    console.log('\nbench: wrote bench/results.json and BENCHMARKS.md');
  } else {
    console.log('\nbench: partial run (--only): bench/results.json and BENCHMARKS.md left as they were');
  }
  console.log(`bench: ${report.durationSeconds} s\n`);
  for (const v of report.verdicts) console.log(v.text);
  process.exitCode = failedChecks.length || errors.length ? 1 : 0;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
