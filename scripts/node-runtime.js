// The Node that `npm start` and `npm test` run under. The dependencies need Node ≥ 22.12
// (`openai`, `eventsource-parser`: package.json `engines.node`); a fresh machine may have an older
// one (Debian 12 ships 20). Then the script runs itself again under the Node 24 that
// scripts/setup-vscode.sh installs for code-server — the npm package `node-<os>-<cpu>`, from the
// npm registry only, into ~/.cache/sidestream/node24 (outside the repository) — so one download
// serves both. `decide` is the pure decision; `ensureNode` acts on it.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
/** Set in the re-run process: it never re-runs itself a second time. */
const REEXEC_MARK = 'SIDESTREAM_NODE_REEXEC';

/** "v22.12.0" or "22.12" → [22, 12, 0]. */
function parseVersion(text) {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(String(text).trim());
  if (!m) throw new Error(`not a version: ${text}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** The lowest version a `>=X.Y.Z` range (package.json `engines.node`) accepts. */
function minimumOf(range) {
  const m = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range);
  if (!m) throw new Error(`engines.node must be a ">=X.Y.Z" range, not "${range}"`);
  return parseVersion(m[1]);
}

function atLeast(version, minimum) {
  for (let i = 0; i < 3; i++) if (version[i] !== minimum[i]) return version[i] > minimum[i];
  return true;
}

/** The npm package holding a Node binary for this machine, or undefined where there is none we run. */
function nodePackageFor(platform, arch) {
  const os = { linux: 'linux', darwin: 'darwin' }[platform];
  const cpu = { x64: 'x64', arm64: 'arm64' }[arch];
  return os && cpu ? `node-${os}-${cpu}` : undefined;
}

/**
 * What to do with the running Node: `run` (new enough), `reexec` (run again under the cached or
 * installed Node 24), or `fail` with a message saying what to install.
 */
function decide({ version, required, platform, arch, reexeced }) {
  const minimum = minimumOf(required);
  if (atLeast(parseVersion(version), minimum)) return { action: 'run' };
  const want = minimum.join('.');
  if (reexeced) return { action: 'fail', message: `still on Node ${version} after switching Node; Sidestream needs Node ${want} or newer` };
  const pkg = nodePackageFor(platform, arch);
  if (!pkg)
    return {
      action: 'fail',
      message: `Node ${version} is too old: Sidestream needs Node ${want} or newer (package.json engines.node). Install it from https://nodejs.org and run again.`,
    };
  return { action: 'reexec', package: pkg };
}

/** The Node version setup-vscode.sh pins for code-server: one number for both. */
function pinnedNodeVersion() {
  const m = /^NODE24_VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(ROOT, 'scripts', 'setup-vscode.sh'), 'utf8'));
  if (!m) throw new Error('scripts/setup-vscode.sh pins no NODE24_VERSION');
  return m[1];
}

/** The cached Node 24's binary, installing it from the npm registry first when missing. */
function cachedNode(pkg, log) {
  const cache = process.env.SIDESTREAM_CACHE || path.join(os.homedir(), '.cache', 'sidestream');
  const dir = path.join(cache, 'node24');
  const binary = path.join(dir, 'node_modules', pkg, 'bin', 'node');
  if (!fs.existsSync(binary)) {
    const version = pinnedNodeVersion();
    log(`installing Node ${version} (npm package ${pkg}) into ${dir}; once`);
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (r.status !== 0 || !fs.existsSync(binary)) throw new Error(`could not install ${pkg}@${version} with npm (exit ${r.status}); install Node 22.12 or newer and run again`);
  }
  return binary;
}

/**
 * Returns when the running Node meets package.json's `engines.node`; otherwise runs this script
 * again under a Node that does, with the same arguments, and exits with its exit code.
 * Resolves to true when the script should go on in this process.
 */
async function ensureNode({ script, args = process.argv.slice(2), log = (m) => console.error(`[sidestream] ${m}`), required } = {}) {
  const engines = required ?? JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
  const decision = decide({ version: process.version, required: engines, platform: process.platform, arch: process.arch, reexeced: process.env[REEXEC_MARK] === '1' });
  if (decision.action === 'run') return true;
  if (decision.action === 'fail') {
    log(decision.message);
    process.exit(1);
  }
  const node = cachedNode(decision.package, log);
  log(`Node ${process.version} is older than the ${engines} the dependencies need: running under ${node}`);
  const env = { ...process.env, [REEXEC_MARK]: '1', PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  const child = spawn(node, [script, ...args], { stdio: 'inherit', env });
  // Every signal is passed on: Ctrl+C in a terminal reaches both (same process group), a signal sent
  // to this process alone (kill, a supervisor) reaches only this one. The scripts stop once however
  // often they are asked; this process waits for the child to finish its own clean-up.
  const forward = (signal) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));
  const code = await new Promise((resolve) => {
    child.on('error', (err) => {
      log(`could not run ${node}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (status, signal) => resolve(status ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
  process.exit(code);
}

module.exports = { REEXEC_MARK, parseVersion, minimumOf, nodePackageFor, decide, pinnedNodeVersion, ensureNode };
