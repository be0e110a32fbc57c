/**
 * The compiled CLI (out/src/cli.js) as a child process, for the CLI's tests: what it printed and how
 * it exited, with only PATH and the given variables in its environment.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', '..', 'src', 'cli.js');

/** util-linux `script`, which runs a command on a pseudo-terminal (stdout is a TTY); undefined where there is none. */
export const SCRIPT = (() => {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && /util-linux/.test(probe.stdout) ? 'script' : undefined;
})();

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Called with the child once it is spawned (e.g. to signal it mid-run). */
  whileRunning?: (child: ReturnType<typeof spawn>) => void;
  /** Run with stdout on a terminal (a pseudo-terminal through util-linux `script`): what the terminal got, line ends as written. */
  terminal?: boolean;
}

/** Runs `node CLI …args` (or `command`, with `argv`) with only PATH and `env` in its environment; resolves when it exits. */
export function runChild(command: string, argv: string[], env: Record<string, string>, options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} did not exit; stdout: ${stdout}; stderr: ${stderr}`));
    }, 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // A terminal turns each \n into \r\n (onlcr); stderr shares the terminal too.
      resolve({ code, stdout: options.terminal ? stdout.replace(/\r\n/g, '\n') : stdout, stderr });
    });
    options.whileRunning?.(child);
  });
}

/** Runs the CLI with `args`; with `terminal`, its stdout on a terminal (through `script`). */
export function runCli(args: string[], env: Record<string, string> = {}, options: RunOptions = {}): Promise<Run> {
  if (!options.terminal) return runChild(process.execPath, [CLI, ...args], env, options);
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return runChild(SCRIPT!, ['-qec', command, '/dev/null'], { TERM: 'xterm', ...env }, options);
}
