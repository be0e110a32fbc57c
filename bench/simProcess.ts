/**
 * Runs the wire simulator in its own process (dist/simulator.js), so its CPU and event loop stay
 * out of what the host-side benches measure. Steered through its control API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { SimulatorClient } from '../src/simulator/SimulatorClient';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface SimProcess {
  origin: string;
  client: SimulatorClient;
  stop(): Promise<void>;
}

export async function startSimProcess(): Promise<SimProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist', 'simulator.js'), '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('simulator did not start within 10 s')), 10_000);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { origin: string }).origin);
      }
    });
  });
  return {
    origin,
    client: new SimulatorClient(origin),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
