/**
 * Command-line front end to the streaming core, for trying a provider without VS Code:
 *
 *   node dist/cli.js --provider ollama --model llama3.2 "Why is the sky blue?"
 *
 * Streams the answer to stdout as it arrives and prints one summary line (TTFT, TPS, tokens,
 * finish) to stderr. Ctrl+C cancels the request (exit 130); a failure prints its one-line
 * message and exits 1. Keys come from OPENAI_API_KEY / ANTHROPIC_API_KEY only.
 */
import { CancellationSource } from './core/cancellation';
import type { ProviderId, StreamMetricsSnapshot, WireApi } from './core/events';
import { CancelledError, listModels, stream } from './core/adapter';
import { StreamFailureError } from './core/errors';
import type { ChatRequest } from './core/request';

const PROVIDERS: readonly ProviderId[] = ['openai', 'anthropic', 'ollama', 'lmstudio', 'llamacpp', 'vllm', 'openai-compatible'];

const DEFAULT_MODELS: Partial<Record<ProviderId, string>> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-5',
};

const USAGE = `Usage: sidestream --provider ${PROVIDERS.join('|')} [--api chat|responses] [--base-url URL]
                  [--model M] [--max-tokens N] [--system S] [--idle-timeout SECONDS] [--list-models] "question"
Keys are read from OPENAI_API_KEY (openai) and ANTHROPIC_API_KEY (anthropic).`;

/** Parsed command line. */
export interface CliOptions {
  provider: ProviderId;
  api: WireApi;
  baseUrl: string | undefined;
  model: string | undefined;
  maxTokens: number | undefined;
  system: string | undefined;
  idleTimeoutSeconds: number | undefined;
  listModels: boolean;
  question: string;
}

/** Parses argv (without `node` and the script); throws a usage message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--list-models' || arg === '--help' || arg === '-h') flags.add(arg);
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
      else {
        const value = argv[++i];
        if (value === undefined) throw new Error(`${arg} needs a value`);
        values.set(arg.slice(2), value);
      }
    } else positional.push(arg);
  }
  if (flags.has('--help') || flags.has('-h')) throw new Error(USAGE);
  const known = new Set(['provider', 'api', 'base-url', 'model', 'max-tokens', 'system', 'idle-timeout']);
  for (const name of values.keys()) if (!known.has(name)) throw new Error(`Unknown option --${name}\n${USAGE}`);
  const provider = (values.get('provider') ?? 'openai') as ProviderId;
  if (!PROVIDERS.includes(provider)) throw new Error(`Unknown provider "${provider}"\n${USAGE}`);
  const apiFlag = values.get('api') ?? 'chat';
  if (apiFlag !== 'chat' && apiFlag !== 'responses') throw new Error(`--api must be chat or responses\n${USAGE}`);
  if (apiFlag === 'responses' && provider !== 'openai') throw new Error('--api responses is only for --provider openai');
  const api: WireApi = provider === 'anthropic' ? 'anthropic' : apiFlag === 'responses' ? 'openai-responses' : 'openai-chat';
  return {
    provider,
    api,
    baseUrl: values.get('base-url'),
    model: values.get('model') ?? DEFAULT_MODELS[provider],
    maxTokens: optionalNumber(values.get('max-tokens'), '--max-tokens'),
    system: values.get('system'),
    idleTimeoutSeconds: optionalNumber(values.get('idle-timeout'), '--idle-timeout'),
    listModels: flags.has('--list-models'),
    question: positional.join(' '),
  };
}

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/** The key for a provider, from the environment; local servers need none. */
function apiKeyFor(provider: ProviderId): string | undefined {
  if (provider === 'openai') return process.env.OPENAI_API_KEY;
  if (provider === 'anthropic') return process.env.ANTHROPIC_API_KEY;
  return undefined;
}

/** The stderr summary line. */
export function formatSummary(finish: string, metrics: StreamMetricsSnapshot): string {
  const parts = [`finish ${finish}`];
  if (metrics.ttftMs !== undefined) parts.push(`TTFT ${Math.round(metrics.ttftMs)} ms`);
  if (metrics.tokensPerSecond !== undefined) parts.push(`${metrics.tokensPerSecond.toFixed(1)} tok/s`);
  if (metrics.outputTokens !== undefined) parts.push(`${metrics.outputTokens} tokens${metrics.estimated ? ' (estimated)' : ''}`);
  return `[${parts.join(' · ')}]`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Runs the CLI; resolves the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const source = new CancellationSource();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    source.cancel();
  };
  process.on('SIGINT', onSigint);
  // A closed pipe (`… | head`) is the reader going away: stop the request, exit quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') source.cancel();
  });
  try {
    const apiKey = apiKeyFor(options.provider);
    if (options.listModels) {
      const ids = await listModels({ provider: options.provider, api: options.api, baseUrl: options.baseUrl, apiKey }, source.token);
      process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      return 0;
    }
    const question = options.question || (await readStdin());
    if (!question) {
      process.stderr.write(`No question given.\n${USAGE}\n`);
      return 2;
    }
    if (!options.model) {
      // Like the extension: a local server's first listed model; the cloud providers need a name.
      const ids = await listModels({ provider: options.provider, api: options.api, baseUrl: options.baseUrl, apiKey }, source.token);
      if (!ids[0]) {
        process.stderr.write(`--model is required: ${options.provider} lists no models\n`);
        return 2;
      }
      options.model = ids[0];
      process.stderr.write(`[model ${options.model}]\n`);
    }
    const request: ChatRequest = {
      provider: options.provider,
      api: options.api,
      model: options.model,
      baseUrl: options.baseUrl,
      apiKey,
      systemPrompt: options.system,
      messages: [{ role: 'user', content: question }],
      maxOutputTokens: options.maxTokens,
      idleTimeoutSeconds: options.idleTimeoutSeconds,
      onRetry: ({ delayMs, status }) =>
        process.stderr.write(`[${status ?? 'connection error'} — retrying in ${(delayMs / 1000).toFixed(1)} s]\n`),
    };
    let endsWithNewline = true;
    for await (const event of stream(request, source.token)) {
      switch (event.type) {
        case 'text-delta':
          process.stdout.write(event.text);
          endsWithNewline = event.text.endsWith('\n');
          break;
        case 'reasoning-delta':
          process.stderr.write(event.text);
          break;
        case 'tool-call':
          process.stderr.write(`\n[tool call ${event.toolCall.name}(${event.toolCall.arguments})]\n`);
          break;
        case 'finish':
          if (!endsWithNewline) process.stdout.write('\n');
          process.stderr.write(`${formatSummary(event.reason.unified, event.metrics)}\n`);
          return event.reason.unified === 'cancelled' ? 130 : 0;
        case 'error':
          if (!endsWithNewline) process.stdout.write('\n');
          process.stderr.write(`${event.error.message}\n`);
          return 1;
        case 'start':
        case 'usage':
        case 'metrics':
          break;
      }
    }
    return 1;
  } catch (error) {
    if (error instanceof CancelledError) return 130;
    process.stderr.write(`${error instanceof StreamFailureError ? error.failure.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    // Let stdout drain before exiting: a pipe may still hold the tail of the answer.
    process.stdout.write('', () => process.exit(code));
  });
}
