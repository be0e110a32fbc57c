/**
 * CLI for the wire simulator (bundled to dist/simulator.js):
 *
 *   node dist/simulator.js [--port N] [--api-key K] [--demo] [--tps N] [--ttft N] [--chunk-bytes N] [--strict-models] [--models a,b]
 *
 * Prints one JSON line `{"origin":"http://127.0.0.1:PORT"}` on stdout once listening, logs
 * requests to stderr, and exits cleanly on SIGINT/SIGTERM. Other processes steer it through
 * `POST /__sim/enqueue`, `GET /__sim/stats` and `POST /__sim/reset`, or by model name (`sim-slow`,
 * `sim-fault-429`, …; see script.ts).
 */
import { demoScript, type SimScript } from './script';
import { Simulator } from './Simulator';

interface CliOptions {
  port: number;
  apiKey: string | undefined;
  demo: boolean;
  tps: number | undefined;
  ttft: number | undefined;
  chunkBytes: number | undefined;
  strictModels: boolean;
  /** What `GET /v1/models` lists instead of the default names (e.g. scripted `sim-ttft-N-tps-N` names a picker should offer). */
  models: string[] | undefined;
}

/** Parses the command line; throws on an unknown flag or a bad number. */
export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { port: 0, apiKey: undefined, demo: false, tps: undefined, ttft: undefined, chunkBytes: undefined, strictModels: false, models: undefined };
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a non-negative number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--port':
        options.port = number(arg, argv[++i]);
        break;
      case '--api-key':
        options.apiKey = argv[++i];
        if (!options.apiKey) throw new Error('--api-key needs a value');
        break;
      case '--demo':
        options.demo = true;
        break;
      case '--tps':
        options.tps = number(arg, argv[++i]);
        break;
      case '--ttft':
        options.ttft = number(arg, argv[++i]);
        break;
      case '--chunk-bytes':
        options.chunkBytes = number(arg, argv[++i]);
        break;
      case '--strict-models':
        options.strictModels = true;
        break;
      case '--models': {
        const list = (argv[++i] ?? '')
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        if (!list.length) throw new Error('--models needs a comma-separated list of model names');
        options.models = list;
        break;
      }
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(
      `simulator: ${(err as Error).message}\nusage: simulator [--port N] [--api-key K] [--demo] [--tps N] [--ttft N] [--chunk-bytes N] [--strict-models] [--models a,b]\n`,
    );
    process.exit(2);
  }
  const defaultScript: SimScript = options.demo ? demoScript() : {};
  if (options.tps !== undefined) defaultScript.tokensPerSecond = options.tps;
  if (options.ttft !== undefined) defaultScript.ttftMs = options.ttft;
  if (options.chunkBytes !== undefined) defaultScript.chunkBytes = options.chunkBytes;
  const simulator = new Simulator({
    apiKey: options.apiKey,
    strictModels: options.strictModels,
    models: options.models,
    defaultScript,
    log: (line) => process.stderr.write(`[sim] ${line}\n`),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[sim] ${signal}: stopping\n`);
    simulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Handlers first: a parent may signal as soon as it reads the origin line.
  const origin = await simulator.start(options.port);
  process.stdout.write(JSON.stringify({ origin }) + '\n');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`simulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
