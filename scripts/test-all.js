#!/usr/bin/env node
// What `npm test` runs: under a Node the dependencies accept (scripts/node-runtime.js re-runs it under
// the cached Node 24 when the machine's is older), installs what the real-VS-Code suites need (scripts/setup-vscode.sh),
// builds, type-checks each layer, lints (`npm run lint`: a lint failure fails the run), then runs
// every suite in order, streaming each one's output live, and ends with a summary whose last
// counting line is exactly `N passed, N failed`. Exits non-zero when anything failed or a suite
// could not run.
//
//   npm test                              all suites
//   npm test -- --only unit,webview       some suites (unit, webview, exthost, bench, e2e)
//   npm test -- --vsix                    also package the extension and run the UI suite on the .vsix
//   npm test -- --skip-setup              do not run scripts/setup-vscode.sh
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MOCHA = path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** The suites in the order they run. `needs` lists what must be installed first. */
const SUITES = [
  { name: 'unit', title: 'Unit', command: () => [process.execPath, MOCHA, '--config', '.mocharc.json'], config: '.mocharc.json', needs: [], timeoutMin: 15 },
  {
    name: 'webview',
    title: 'Webview (Chromium)',
    command: () => [process.execPath, MOCHA, '--config', '.mocharc.webview.json'],
    config: '.mocharc.webview.json',
    needs: ['chromium'],
    timeoutMin: 15,
  },
  { name: 'exthost', title: 'Extension host (code-server)', command: () => [process.execPath, 'out/test/runInCodeServer.js'], needs: ['chromium', 'code-server'], timeoutMin: 20 },
  // The benchmarks' CI smoke run: checks they run and the render output is correct; no timing thresholds.
  {
    name: 'bench',
    title: 'Benchmark smoke (npm run bench -- --smoke)',
    command: () => [process.execPath, 'scripts/bench.js', '--smoke', '--skip-build'],
    needs: ['chromium', 'code-server'],
    timeoutMin: 12,
    parse: parseBenchChecks,
  },
  {
    name: 'e2e',
    title: 'UI end to end (code-server + Chromium)',
    command: () => [process.execPath, MOCHA, '--config', '.mocharc.e2e.json'],
    config: '.mocharc.e2e.json',
    needs: ['chromium', 'code-server'],
    timeoutMin: 75,
  },
];
const ALIASES = { 'extension-host': 'exthost', ext: 'exthost', ui: 'e2e' };

function parseArgs(argv) {
  const options = { only: undefined, vsix: false, skipSetup: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) fail('--only needs a list, e.g. --only unit,webview');
      options.only = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => ALIASES[s] ?? s);
      const unknown = options.only.filter((n) => !SUITES.some((s) => s.name === n));
      if (unknown.length) fail(`unknown suite(s): ${unknown.join(', ')} (known: ${SUITES.map((s) => s.name).join(', ')})`);
    } else if (arg === '--vsix') options.vsix = true;
    else if (arg === '--skip-setup') options.skipSetup = true;
    else fail(`unknown argument: ${arg}`);
  }
  return options;
}

function fail(message) {
  console.error(`test-all: ${message}`);
  process.exit(2);
}

function banner(text) {
  console.log(`\n${'='.repeat(78)}\n${text}\n${'='.repeat(78)}`);
}

/** Runs a command with live output; resolves with its exit code and captured text. */
function run(argv, { env = process.env, timeoutMin = 30, capture = true } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own group, so a timeout ends the whole tree (browsers, servers)
    });
    let text = '';
    const onData = (stream) => (chunk) => {
      stream.write(chunk);
      if (capture) text += chunk.toString('utf8');
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\ntest-all: ${argv.slice(1).join(' ')} exceeded ${timeoutMin} min; stopping it`);
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref();
    }, timeoutMin * 60_000);
    const forward = () => killGroup(child.pid, 'SIGTERM');
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      text += `\n${err.message}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('SIGINT', forward);
      process.removeListener('SIGTERM', forward);
      resolve({ code: code ?? (signal ? 128 : 1), text, timedOut });
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Counts from the bench's `Correctness: N/M checks passed` line. */
function parseBenchChecks(text) {
  const m = /Correctness: (\d+)\/(\d+) checks passed/.exec(text);
  return m ? { passed: Number(m[1]), failed: Number(m[2]) - Number(m[1]), pending: 0 } : { passed: undefined, failed: undefined, pending: undefined };
}

/** Counts from mocha's spec summary (`N passing`, `N failing`, `N pending`), last occurrence. */
function parseCounts(text) {
  const last = (re) => {
    let value;
    for (const m of text.matchAll(re)) value = Number(m[1]);
    return value;
  };
  // A suite stopped at its time limit prints no summary: count the tests it reported so far.
  const ticks = (text.match(/^\s*(✔|✓) /gm) || []).length;
  return {
    passed: last(/^\s*(\d+) passing\b/gm) ?? (ticks || undefined),
    failed: last(/^\s*(\d+) failing\b/gm),
    pending: last(/^\s*(\d+) pending\b/gm),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const selected = SUITES.filter((s) => !options.only || options.only.includes(s.name));
  const needs = new Set(selected.flatMap((s) => s.needs));
  const env = { ...process.env };
  const problems = []; // steps that failed outside the suites' own counts
  const results = [];

  if (needs.size && !options.skipSetup) {
    banner('Setup: Chromium and code-server (scripts/setup-vscode.sh)');
    const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-vscode.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (setup.status !== 0) {
      problems.push('setup-vscode.sh failed');
    } else {
      for (const line of setup.stdout.split('\n')) {
        const m = /^(SIDESTREAM_[A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (m) env[m[1]] = m[2];
      }
      console.log(setup.stdout.trim());
    }
  }

  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'mocha'))) {
    banner('npm install');
    const install = await run(['npm', fs.existsSync(path.join(ROOT, 'package-lock.json')) ? 'ci' : 'install'], { env, timeoutMin: 20, capture: false });
    if (install.code !== 0) {
      problems.push('npm install failed');
      return finish(results, problems);
    }
  }

  banner('Build: node esbuild.js');
  const build = await run([process.execPath, 'esbuild.js'], { env, timeoutMin: 10, capture: false });
  if (build.code !== 0) problems.push('esbuild failed');

  banner('Build: tsc -p tsconfig.test.json');
  const tsc = await run([process.execPath, TSC, '-p', 'tsconfig.test.json'], { env, timeoutMin: 10, capture: false });
  // tsc still emits on type errors; the suites run, but a type error fails the whole run.
  if (tsc.code !== 0) problems.push('tsc reported type errors');

  banner('Typecheck: one config per layer (tsconfig.core.json, tsconfig.webview.json, tsconfig.host.json)');
  for (const layer of ['core', 'webview', 'host']) {
    const check = await run([process.execPath, TSC, '-p', `tsconfig.${layer}.json`], { env, timeoutMin: 10, capture: false });
    if (check.code !== 0) problems.push(`tsc -p tsconfig.${layer}.json reported type errors`);
  }

  banner('Lint: npm run lint (eslint + prettier --check)');
  const lint = await run(['npm', 'run', '--silent', 'lint'], { env, timeoutMin: 10, capture: false });
  if (lint.code !== 0) problems.push('npm run lint failed');

  if (options.vsix && selected.some((s) => s.name === 'e2e')) {
    banner('Package: sidestream.vsix');
    // Exactly what `npm run package` does: production build, then vsce.
    const pack = await run([process.execPath, path.join(ROOT, 'scripts', 'package.js')], { env, timeoutMin: 10, capture: false });
    if (pack.code !== 0) problems.push('packaging the .vsix failed');
    else env.SIDESTREAM_VSIX = path.join(ROOT, 'sidestream.vsix');
    // The development suites below use the normal (unminified, source-mapped) build again.
    await run([process.execPath, 'esbuild.js'], { env, timeoutMin: 10, capture: false });
  }

  for (const suite of selected) {
    banner(`Suite: ${suite.title}`);
    if (suite.config && !fs.existsSync(path.join(ROOT, suite.config))) {
      console.log(`missing ${suite.config}: the suite cannot run`);
      results.push({ suite, passed: 0, failed: 0, pending: 0, error: `missing ${suite.config}` });
      continue;
    }
    const started = Date.now();
    const outcome = await run(suite.command(), { env, timeoutMin: suite.timeoutMin });
    const counts = (suite.parse ?? parseCounts)(outcome.text);
    const result = {
      suite,
      passed: counts.passed ?? 0,
      failed: counts.failed ?? 0,
      pending: counts.pending ?? 0,
      seconds: Math.round((Date.now() - started) / 1000),
      error: undefined,
    };
    if (outcome.timedOut) result.error = `timed out after ${suite.timeoutMin} min`;
    else if (counts.passed === undefined && counts.failed === undefined) result.error = `no test summary (exit code ${outcome.code})`;
    else if (outcome.code !== 0 && result.failed === 0) result.error = `exit code ${outcome.code} with no failing test`;
    else if (result.passed + result.failed === 0) result.error = 'no tests ran';
    results.push(result);
  }
  return finish(results, problems);
}

function finish(results, problems) {
  banner('Summary');
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    passed += r.passed;
    // A suite that could not run counts as one failure, so the total can never look clean.
    failed += r.failed + (r.error ? 1 : 0);
    const time = r.seconds !== undefined ? ` in ${r.seconds}s` : '';
    const extra = [r.pending ? `${r.pending} pending` : '', r.error ? `ERROR: ${r.error}` : ''].filter(Boolean).join(', ');
    console.log(
      `  ${(r.error || r.failed ? 'FAIL' : 'ok').padEnd(5)}${r.suite.title.padEnd(42)}${String(r.passed).padStart(4)} passed, ${r.failed} failed${time}${extra ? ` (${extra})` : ''}`,
    );
  }
  for (const p of problems) {
    failed += 1;
    console.log(`  FAIL ${p}`);
  }
  console.log('');
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
}

// The dependencies need a newer Node than some machines have: run again under one that is new enough.
require('./node-runtime')
  .ensureNode({ script: __filename })
  .then(main)
  .catch((err) => {
    console.error(err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
