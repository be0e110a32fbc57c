/**
 * Talks to a running wire simulator over its control API (`/__sim/*`), and starts one as a
 * separate process from the built CLI (`node dist/simulator.js --port N`) for the UI tests,
 * where the extension under test runs in another process and reaches it over loopback HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { SimScript } from '../../../src/simulator/script';
import type { SimStats } from '../../../src/simulator/SimStats';
import { REPO_ROOT, delay } from '../../harness/codeServer';

/** The control API of a simulator at `origin`. */
export class SimulatorControl {
  constructor(readonly origin: string) {}

  /** Queues scripts served in order by the next requests. */
  async enqueue(scripts: SimScript[]): Promise<void> {
    await request(this.origin, 'POST', '/__sim/enqueue', JSON.stringify(scripts));
  }

  async stats(): Promise<SimStats> {
    return JSON.parse(await request(this.origin, 'GET', '/__sim/stats')) as SimStats;
  }

  async reset(): Promise<void> {
    await request(this.origin, 'POST', '/__sim/reset', '{}');
  }

  /** Polls the stats until `predicate` holds, bounded in time. */
  async waitForStats(what: string, predicate: (s: SimStats) => boolean, timeoutMs = 15_000): Promise<SimStats> {
    const deadline = Date.now() + timeoutMs;
    let last: SimStats | undefined;
    while (Date.now() < deadline) {
      last = await this.stats();
      if (predicate(last)) return last;
      await delay(100);
    }
    throw new Error(`simulator never showed ${what}; last stats: ${JSON.stringify(last)}`);
  }
}

/** A simulator running as a child process. */
export class SimulatorProcess extends SimulatorControl {
  private constructor(
    origin: string,
    private readonly child: ChildProcess,
  ) {
    super(origin);
  }

  /**
   * Starts `node dist/simulator.js --port 0` (the OS picks a port) and waits for its `{"origin": …}`
   * line. `models` replaces what `GET /v1/models` lists (`--models`), so a model picker offers
   * scripted names such as `sim-ttft-100-tps-50`.
   */
  static async start(options: { models?: readonly string[]; timeoutMs?: number } = {}): Promise<SimulatorProcess> {
    const timeoutMs = options.timeoutMs ?? 20_000;
    const cli = path.join(REPO_ROOT, 'dist', 'simulator.js');
    if (!fs.existsSync(cli)) throw new Error(`missing ${cli}: run \`node esbuild.js\` first`);
    const args = [cli, '--port', '0', ...(options.models?.length ? ['--models', options.models.join(',')] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const origin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulator did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        const match = /\{[^\n]*"origin"[^\n]*\}/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve((JSON.parse(match[0]) as { origin: string }).origin);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited (code ${code}) before starting:\n${output}`));
      });
    });
    return new SimulatorProcess(origin, child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timedOut = await Promise.race([gone.then(() => false), delay(3_000).then(() => true)]);
    if (timedOut) this.child.kill('SIGKILL');
  }
}

function request(origin: string, method: 'GET' | 'POST', pathname: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}${pathname}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${pathname} → ${res.statusCode}: ${text}`));
        else resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
