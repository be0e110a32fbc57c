#!/usr/bin/env node
/*
 * `npm start`: from a fresh clone to tokens streaming in a real VS Code.
 *
 * 0. Runs under a Node the dependencies accept (scripts/node-runtime.js: Node 24 from the npm registry
 *    into ~/.cache/sidestream when the machine's is older than package.json's engines.node).
 * 1. Installs what it needs (npm packages; code-server + Chromium when no desktop `code` exists).
 * 2. Builds the extension.
 * 3. Picks a provider: OPENAI_API_KEY / ANTHROPIC_API_KEY, or a local Ollama / LM Studio that answers;
 *    otherwise starts the project's wire simulator as an embedded OpenAI-compatible endpoint.
 * 4. Opens a sandbox VS Code with Sidestream loaded: desktop `code --extensionDevelopmentPath` when
 *    `code` is on the PATH, else code-server on loopback (prints the URL, opens a browser if it can).
 * Ctrl+C stops everything it started (each child in its own process group, ended by id).
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..');
const groups = []; // child processes started detached: ended by process-group id
const stopHooks = []; // async stops (code-server ends its own process group)
const log = (msg) => console.log(`\x1b[36m[sidestream]\x1b[0m ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function startGroup(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  groups.push(child);
  return child;
}

function stopAll() {
  for (const child of groups.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 3000;
  for (const child of groups) {
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
      try {
        process.kill(-child.pid, 0);
      } catch {
        break;
      }
      spawnSync('sleep', ['0.1']);
    }
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function probe(url, headers = {}) {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(800) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Decides where questions go; starts the simulator when nothing else is there. */
async function chooseProvider() {
  // The provider catalog (src/core/providerCatalog.ts), from the bundle just built.
  const { providerInfo, BASE_URL_SETTING } = require(path.join(ROOT, 'dist', 'core.js'));
  for (const id of ['openai', 'anthropic']) {
    const { label, keyEnv } = providerInfo(id);
    if (process.env[keyEnv]) return { label: `${label} (${keyEnv})`, settings: { 'sidestream.provider': id } };
  }
  for (const id of ['ollama', 'lmstudio']) {
    const { label, defaultBaseUrl } = providerInfo(id);
    if (await probe(`${defaultBaseUrl}/models`)) return { label: `${label} on ${new URL(defaultBaseUrl).host}`, settings: { 'sidestream.provider': id } };
  }
  const sim = startGroup(process.execPath, [path.join(ROOT, 'dist', 'simulator.js'), '--demo', '--port', process.env.SIDESTREAM_SIM_PORT || '0']);
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the simulator did not start within 15 s')), 15000);
    readline.createInterface({ input: sim.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.origin) {
          clearTimeout(timer);
          resolve(msg.origin);
        }
      } catch {
        // not a JSON line: the simulator's own log
      }
    });
    sim.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  });
  sim.stderr.resume();
  return {
    label: `Sidestream's wire simulator at ${origin}/v1 (no key found: set OPENAI_API_KEY or ANTHROPIC_API_KEY, or start Ollama / LM Studio, to use a real model)`,
    settings: { 'sidestream.provider': 'openai-compatible', [`sidestream.${BASE_URL_SETTING['openai-compatible']}`]: `${origin}/v1` },
  };
}

function welcomeFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-sandbox-'));
  fs.writeFileSync(
    path.join(dir, 'example.ts'),
    [
      '// Select some code and run "Sidestream: Ask About Selection" (Ctrl+K A; ⌘K A on macOS),',
      '// or press F1 and run "Sidestream: Ask a Question".',
      'export function debounce<T extends (...args: unknown[]) => void>(fn: T, ms: number): T {',
      '  let timer: ReturnType<typeof setTimeout> | undefined;',
      '  return ((...args: unknown[]) => {',
      '    clearTimeout(timer);',
      '    timer = setTimeout(() => fn(...args), ms);',
      '  }) as T;',
      '}',
      '',
    ].join('\n'),
  );
  return dir;
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'esbuild'))) {
    log('installing npm packages (first run)…');
    run('npm', [fs.existsSync(path.join(ROOT, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund']);
  }
  log('building…');
  run(process.execPath, ['esbuild.js']);

  const provider = await chooseProvider();
  log(`provider: ${provider.label}`);
  const folder = welcomeFolder();
  const settings = { ...provider.settings, 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false };

  if (onPath('code') && !process.env.SIDESTREAM_FORCE_CODE_SERVER) {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-user-'));
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    log('opening desktop VS Code with Sidestream loaded (a throw-away profile)…');
    const code = startGroup(
      'code',
      ['--wait', '--new-window', `--extensionDevelopmentPath=${ROOT}`, `--user-data-dir=${userData}`, `--extensions-dir=${path.join(userData, 'extensions')}`, folder],
      { stdio: 'inherit' },
    );
    log('close the VS Code window or press Ctrl+C to stop.');
    await new Promise((resolve) => code.once('exit', resolve));
    return;
  }

  log('no desktop `code` command: using code-server (VS Code 1.139 in the browser)…');
  run('bash', [path.join(ROOT, 'scripts', 'setup-vscode.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const harness = path.join(ROOT, 'out', 'start', 'codeServer.js');
  require('esbuild').buildSync({
    entryPoints: [path.join(ROOT, 'test', 'harness', 'codeServer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: harness,
    logLevel: 'error',
  });
  const { CodeServer } = require(harness);
  const server = CodeServer.create({ smokeTestDriver: true, settings, folder });
  stopHooks.push(() => server.stop());
  await server.start();
  const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(ROOT)]]);
  console.log(`\n  Sidestream is running in VS Code ${'1.139'} (code-server). Open:\n\n    ${url}\n\n  Then press F1 → "Sidestream: Ask a Question". Ctrl+C stops everything.\n`);
  if (process.env.DISPLAY && !process.env.CI) {
    for (const browser of ['xdg-open', 'chromium', 'google-chrome']) {
      if (onPath(browser)) {
        startGroup(browser, [url], { stdio: 'ignore' });
        break;
      }
    }
  }
  if (process.env.SIDESTREAM_START_SMOKE) {
    // Used by the test suite: prove the command brings everything up, then stop.
    fs.writeFileSync(process.env.SIDESTREAM_START_SMOKE, JSON.stringify({ url, provider: provider.label }));
  }
  await new Promise(() => {});
}

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping everything Sidestream started…');
  for (const stop of stopHooks) await stop().catch(() => {});
  stopAll();
  process.exit(code);
}
// The dependencies need a newer Node than some machines have: run again under one that is new enough.
void require('./node-runtime')
  .ensureNode({ script: __filename, log })
  .then(() => {
    process.on('SIGINT', () => void shutdown(130));
    process.on('SIGTERM', () => void shutdown(143));
    return main();
  })
  .catch(async (err) => {
    console.error(`\x1b[31m[sidestream]\x1b[0m ${err.message}`);
    await shutdown(1);
  });
