/**
 * Starts a real VS Code (code-server, VS Code 1.139 as a server with its web workbench) for the
 * extension-host and UI tests, without internet: `scripts/setup-vscode.sh` installs it once into a
 * cache folder outside the repository. Each instance gets throw-away user-data and extensions
 * folders, binds to loopback only, and runs in its own process group so `stop()` ends it and
 * every child (extension host, file watcher, pty host) by the group's id.
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root (this file compiles to out/test/harness/, the source is test/harness/). */
export const REPO_ROOT = findRepoRoot(__dirname);

/** Where code-server and the Node 24 it needs live. */
export interface CodeServerInstall {
  /** Absolute path of code-server's entry script (`.bin/code-server`). */
  codeServer: string;
  /** Absolute path of the Node 24 binary code-server must run under. */
  node24: string;
}

/** Settings every test instance gets: no welcome page, tips, update checks or AI side panels. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'window.commandCenter': false,
};

export interface CodeServerOptions {
  /** Passes `--vscode-option enable-smoke-test-driver`, which the development payload needs. */
  smokeTestDriver?: boolean;
  /** Extra environment for the server; the extension host inherits it. */
  env?: Record<string, string | undefined>;
  /** Merged over {@link QUIET_SETTINGS} into User/settings.json (and Machine/settings.json) before start. */
  settings?: Record<string, unknown>;
  /** Folder to open; a fresh empty temp folder when omitted. */
  folder?: string;
  /** Called with each line of the server's output (server log and extension host console). */
  onOutput?: (line: string) => void;
  /** How long to wait for the server to answer HTTP. */
  startTimeoutMs?: number;
  /**
   * Turns Workspace Trust on (it is off by default here): the folder opens in Restricted Mode
   * unless trusted, and no trust prompt is shown.
   */
  workspaceTrust?: boolean;
  /** Files written into the folder before start, e.g. `{ '.vscode/settings.json': '{…}' }`. */
  files?: Record<string, string>;
}

/** One running (or prepared) code-server. Create with {@link CodeServer.create}, then `start()`. */
export class CodeServer {
  /** Loopback port, known once started. */
  port = 0;
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];
  private readonly exitHook = (): void => this.killGroup('SIGKILL');
  private stopped = false;

  private constructor(
    readonly install: CodeServerInstall,
    readonly root: string,
    readonly userDataDir: string,
    readonly extensionsDir: string,
    readonly folder: string,
    private readonly options: CodeServerOptions,
  ) {}

  /** Makes the temp folders and settings; nothing runs yet so extensions can be installed first. */
  static create(options: CodeServerOptions = {}): CodeServer {
    const install = locateCodeServer();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-cs-'));
    const userDataDir = path.join(root, 'user-data');
    const extensionsDir = path.join(root, 'extensions');
    const folder = options.folder ?? path.join(root, 'workspace');
    fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.mkdirSync(folder, { recursive: true });
    // An explicit config file keeps code-server from writing ~/.config/code-server/config.yaml.
    fs.writeFileSync(path.join(root, 'config.yaml'), 'auth: none\n');
    const trust = options.workspaceTrust
      ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' }
      : {};
    const settings = { ...QUIET_SETTINGS, ...trust, ...(options.settings ?? {}) };
    for (const [rel, content] of Object.entries(options.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(folder, rel)), { recursive: true });
      fs.writeFileSync(path.join(folder, rel), content);
    }
    fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
    // The web workbench is a remote window: once it has loaded, `machine`-scoped settings (such
    // as sidestream.baseUrl) count only from the server's Machine settings, so write them there too.
    fs.mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
    fs.writeFileSync(path.join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(options.settings ?? {}, null, 2));
    return new CodeServer(install, root, userDataDir, extensionsDir, folder, options);
  }

  /** Shorthand: create, install the given .vsix files, start. */
  static async start(options: CodeServerOptions & { vsix?: string[] } = {}): Promise<CodeServer> {
    const server = CodeServer.create(options);
    try {
      for (const vsix of options.vsix ?? []) await server.installExtension(vsix);
      await server.start();
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** `http://127.0.0.1:PORT` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the server printed so far (handy in failure messages). */
  get log(): string {
    return this.output.join('\n');
  }

  /** Installs a .vsix into this instance's extensions folder with `code-server --install-extension`. */
  async installExtension(vsixPath: string): Promise<void> {
    const args = [
      this.install.codeServer,
      '--config',
      path.join(this.root, 'config.yaml'),
      '--user-data-dir',
      this.userDataDir,
      '--extensions-dir',
      this.extensionsDir,
      '--force',
      '--install-extension',
      path.resolve(vsixPath),
    ];
    const out = await new Promise<string>((resolve, reject) => {
      execFile(this.install.node24, args, { env: this.childEnv(), timeout: 120_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`code-server --install-extension failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(`${stdout}${stderr}`);
      });
    });
    if (!/successfully installed/i.test(out)) {
      throw new Error(`code-server --install-extension did not confirm the install:\n${out}`);
    }
  }

  /** Starts the server and resolves once it answers HTTP on its port. */
  async start(): Promise<void> {
    if (this.child) throw new Error('already started');
    this.port = await freePort();
    const args = [
      this.install.codeServer,
      '--config',
      path.join(this.root, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${this.port}`,
      '--user-data-dir',
      this.userDataDir,
      '--extensions-dir',
      this.extensionsDir,
      '--disable-telemetry',
      '--disable-update-check',
      ...(this.options.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    if (this.options.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
    args.push(this.folder);

    const child = spawn(this.install.node24, args, {
      cwd: this.root,
      env: this.childEnv(),
      detached: true, // own process group, ended as a whole by stop()
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    process.on('exit', this.exitHook);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) this.pushOutput(line);
      });
    }
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`code-server exited early (code ${code}, signal ${signal}):\n${this.log.slice(-4000)}`)));
    });
    exited.catch(() => undefined);
    await Promise.race([waitForHttp(`${this.origin}/healthz`, this.options.startTimeoutMs ?? 90_000), exited]);
  }

  /**
   * The workbench URL for this server's folder (or another `folder`). `payload` entries become VS Code's window
   * payload, e.g. extensionDevelopmentPath / extensionTestsPath as `vscode-remote://` URIs
   * (see {@link remoteUri}); VS Code honours them only with the smoke-test driver on.
   */
  workbenchUrl(payload?: Array<[string, string]>, folder = this.folder): string {
    const params = new URLSearchParams({ folder });
    if (payload?.length) params.set('payload', JSON.stringify(payload));
    return `${this.origin}/?${params.toString()}`;
  }

  /** A file path on the server as the `vscode-remote://` URI the web workbench expects. */
  remoteUri(absPath: string): string {
    return `vscode-remote://127.0.0.1:${this.port}${path.resolve(absPath)}`;
  }

  /** Pids of this server's extension host processes (Linux: its process group, `--type=extensionHost`). */
  extensionHostPids(): number[] {
    const group = this.child?.pid;
    if (!group) return [];
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        // pgrp is the 5th field, after "pid (comm) state ppid"
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) !== group) continue;
        if (/extensionHost/.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'))) pids.push(Number(entry));
      } catch {
        // the process ended meanwhile
      }
    }
    return pids;
  }

  /** Ends the whole process group (SIGTERM, then SIGKILL after a grace period) and removes temp dirs. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.killGroup('SIGTERM');
      const timedOut = await Promise.race([gone.then(() => false), delay(5_000).then(() => true)]);
      if (timedOut) this.killGroup('SIGKILL');
    }
    // Children of the group may outlive the leader briefly; a last SIGKILL to the group is harmless.
    this.killGroup('SIGKILL');
    process.removeListener('exit', this.exitHook);
    fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private pushOutput(line: string): void {
    this.output.push(line);
    if (this.output.length > 5000) this.output.splice(0, this.output.length - 5000);
    this.options.onOutput?.(line);
  }

  private childEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(this.options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    // code-server re-spawns itself with `node`: that must be Node 24, not the test runner's Node 20.
    env.PATH = `${path.dirname(this.install.node24)}${path.delimiter}${env.PATH ?? ''}`;
    // Keep the test runner's own mocha/ts settings out of the extension host.
    delete env.NODE_OPTIONS;
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.VSCODE_IPC_HOOK_CLI;
    return env;
  }
}

let cachedInstall: CodeServerInstall | undefined;

/**
 * Finds code-server and its Node 24: from SIDESTREAM_CODE_SERVER / SIDESTREAM_NODE24 when set,
 * else by running `scripts/setup-vscode.sh`, which installs what is missing and prints both.
 */
export function locateCodeServer(): CodeServerInstall {
  if (cachedInstall) return cachedInstall;
  let codeServer = process.env.SIDESTREAM_CODE_SERVER;
  let node24 = process.env.SIDESTREAM_NODE24;
  if (!codeServer || !node24) {
    const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'setup-vscode.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    codeServer = /^SIDESTREAM_CODE_SERVER=(.+)$/m.exec(out)?.[1]?.trim();
    node24 = /^SIDESTREAM_NODE24=(.+)$/m.exec(out)?.[1]?.trim();
  }
  if (!codeServer || !node24 || !fs.existsSync(codeServer) || !fs.existsSync(node24)) {
    throw new Error(`code-server is not installed (run: bash scripts/setup-vscode.sh); got ${codeServer}, ${node24}`);
  }
  cachedInstall = { codeServer, node24 };
  return cachedInstall;
}

/** A free TCP port on 127.0.0.1 (asks the OS, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const status = await new Promise<number | string>((resolve) => {
      const req = http.get(url, { timeout: 3_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve(err.message));
    });
    if (typeof status === 'number' && status >= 200 && status < 300) return;
    lastError = String(status);
    await delay(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (last: ${lastError})`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function findRepoRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'esbuild.js'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(start, '..', '..', '..');
}
