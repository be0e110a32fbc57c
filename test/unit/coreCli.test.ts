/**
 * The CLI (compiled src/cli.ts) as a child process against the simulator: streams to stdout, prints
 * the summary line to stderr, exits 1 with the one-line message on failure, 130 on Ctrl+C.
 * Also checks that loading the core does not load the SDKs or the tokenizer.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Simulator } from '../../src/simulator/Simulator';
import { eventually } from './helpers/coreHarness';

const OUT_SRC = join(__dirname, '..', '..', 'src');
const CLI = join(OUT_SRC, 'cli.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string> = {}, whileRunning?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit; stderr: ${stderr}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    whileRunning?.(child);
  });
}

describe('core: CLI', function () {
  this.timeout(20_000);
  const sim = new Simulator({ apiKey: 'sk-cli-test-key-123456' });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  it('streams the answer to stdout and a summary line to stderr (OpenAI key from the environment)', async () => {
    sim.enqueue({ text: 'Hello from the simulator.' });
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'Say hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Hello from the simulator.\n');
    assert.match(run.stderr, /\[finish stop · TTFT \d+ ms · .* · \d+ tokens\]/);
  });

  it('speaks Anthropic and the Responses API too', async () => {
    sim.enqueue({ text: 'Anthropic says hi.' }, { text: 'Responses says hi.' });
    const a = await runCli(['--provider', 'anthropic', '--base-url', sim.anthropicBaseUrl, '--model', 'sim-model', 'hi'], {
      ANTHROPIC_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(a.stdout, 'Anthropic says hi.\n', a.stderr);
    const r = await runCli(['--provider', 'openai', '--api', 'responses', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-cli-test-key-123456',
    });
    assert.equal(r.stdout, 'Responses says hi.\n', r.stderr);
  });

  it('exits 1 with the one-line failure message, never printing the key', async () => {
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'], {
      OPENAI_API_KEY: 'sk-wrong-key-abcdefghij',
    });
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /check your API key/);
    assert.ok(!run.stderr.includes('sk-wrong-key-abcdefghij'));
  });

  it('Ctrl+C cancels cleanly: finish cancelled, exit 130, socket closed by the client', async () => {
    sim.enqueue({ text: 'word '.repeat(200), tokensPerSecond: 20 });
    const run = await runCli(
      ['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--model', 'sim-model', 'hi'],
      { OPENAI_API_KEY: 'sk-cli-test-key-123456' },
      (child) => {
        void sim.waitForTokens(1, 3, 10_000).then(() => child.kill('SIGINT'));
      },
    );
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /finish cancelled/);
    assert.ok(run.stdout.length > 0);
    await eventually(() => sim.stats().requestsLog[0]?.closedBy === 'client', 5000, 'client close');
  });

  it('lists models', async () => {
    const run = await runCli(['--provider', 'openai', '--base-url', sim.openAIBaseUrl, '--list-models'], { OPENAI_API_KEY: 'sk-cli-test-key-123456' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.split('\n').includes('sim-model'));
  });

  it('loading the core loads neither SDK nor the tokenizer', async () => {
    const script = `require(${JSON.stringify(join(OUT_SRC, 'core', 'index.js'))});
      const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](openai|@anthropic-ai|gpt-tokenizer)[\\\\/]/.test(k));
      process.stdout.write(String(heavy.length));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('exit', () => resolve(text));
      child.on('error', reject);
    });
    assert.equal(out, '0');
  });
});
