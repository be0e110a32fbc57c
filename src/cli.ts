/**
 * Command-line front end to the streaming core, for trying a provider without VS Code and for
 * scripts and benchmarks:
 *
 *   node dist/cli.js ask --provider ollama --model llama3.2 [--json] "Why is the sky blue?"
 *   node dist/cli.js bench --provider openai --base-url URL --model a,b --runs 5 [--json|--csv] "PROMPT"
 *   node dist/cli.js compare --provider openai --model gpt-4.1-mini,anthropic:claude-sonnet-4-5 "PROMPT"
 *
 * `ask` is the default subcommand (`node dist/cli.js --provider … "question"` works too). It
 * streams the answer to stdout as it arrives and prints one summary line to stderr — or, with
 * `--json`, one JSON line (figures, unified finish reason, typed error) and nothing else on stderr.
 * Ctrl+C cancels the request and closes the socket (exit 130); a failure exits 1 after the partial
 * text. Keys come from the environment, never from a flag: OPENAI_API_KEY / ANTHROPIC_API_KEY go
 * only to their own service (the catalog's default URL); another `--base-url` gets a key only from
 * the variable `--api-key-env NAME` names. Keys are trimmed. Model and server text is printed with
 * escape sequences and control characters removed (src/shared/terminalText.ts), on a terminal and
 * in a pipe alike (a pipe often ends at one: `| tee`, `| less -R`); `compare --json` keeps it exact.
 *
 * An answer whose stream breaks after text arrived (a reset, a stall, a 5xx, an overloaded service)
 * is resumed automatically, at most twice (src/core/salvage.ts), and stderr says so; `--no-resume`
 * turns that off. With `--json` the seams are in the JSON line instead.
 *
 * `doctor` (Diagnose Server, src/core/diagnose.ts) checks a server in a few seconds and prints a
 * verdict per line with the fix for each problem; exit 1 when it found one.
 *
 * `compare` streams one answer from each model at once (all requests started together), notes each
 * model on stderr as it finishes, then prints a table of the figures (fastest TTFT and tok/s marked
 * `*`) and each model's answer under a heading — or, with `--json`, one JSON object on stdout.
 */
import { CancellationSource, type CancellationTokenLike } from './core/cancellation';
import { assertNever, type FailureKind, type ProviderId, type StreamFailure, type StreamMetricsSnapshot, type UnifiedFinishReason, type Usage, type WireApi } from './core/events';
import { CancelledError, listModels, stream } from './core/adapter';
import { StreamSession } from './core/session/StreamSession';
import { diagnoseServer, formatDiagnosis } from './core/diagnose';
import type { AnswerSeam } from './core/salvage';
import { StreamFailureError } from './core/errors';
import { warmUp } from './core/index';
import { countTokens, encodingForModel } from './core/metrics';
import { PROVIDER_CATALOG, URL_PROVIDERS, isProviderId, providerInfo, wireApiFor } from './core/providerCatalog';
import type { ChatRequest } from './core/request';
import { csvText } from './shared/csv';
import { stripControls, TerminalText } from './shared/terminalText';
import { formatTps, formatTtft } from './shared/figures';
import { compareFastest as sharedFastest, failureCell, formatCompareAnswers, formatCompareTable as sharedTable, type CompareFigures } from './shared/compareTable';

/** The providers reachable from a terminal: every one spoken to over HTTP (not VS Code's Language Model API). */
const PROVIDERS: readonly ProviderId[] = URL_PROVIDERS;

/** "OPENAI_API_KEY (openai) and ANTHROPIC_API_KEY (anthropic)", from the catalog. */
const KEY_VARIABLES = PROVIDERS.filter((p) => PROVIDER_CATALOG[p].keyEnv)
  .map((p) => `${PROVIDER_CATALOG[p].keyEnv} (${p})`)
  .join(' and ');

const DEFAULT_RUNS = 3;

/** The lines around reasoning in the terminal. */
export const REASONING_START = '[reasoning]';
export const REASONING_END = '[/reasoning]';

/** Exit codes: 130 is the shell's convention for "ended by SIGINT". */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

const USAGE = `Usage: sidestream [ask] --provider ${PROVIDERS.join('|')} [--api chat|responses] [--base-url URL] [--api-key-env NAME]
                  [--model M] [--max-tokens N] [--system S] [--idle-timeout SECONDS] [--json] [--list-models]
                  [--thinking-budget N] [--reasoning-summaries] [--show-reasoning] "question"
       sidestream bench --provider … [--base-url URL] --model a,b [--runs N] [--max-tokens N] [--json|--csv] "prompt"
       sidestream compare --provider … [--base-url URL] --model a,b,provider:c [--max-tokens N] [--json] "prompt"
       sidestream doctor --provider … [--api chat|responses] [--base-url URL] [--model M] [--json]
An answer cut mid-stream is resumed automatically (at most twice; stderr says so); --no-resume turns it off.
doctor checks a server (reachable, models, streaming, usage, reasoning, tool calls, Responses API,
context window, speed) and prints each problem with its fix.
--api picks the wire API of any OpenAI-compatible provider (default chat). Reasoning goes to stderr;
--show-reasoning prints it to stdout before the answer. --thinking-budget turns on Anthropic extended
thinking with that many tokens; --reasoning-summaries asks a Responses server for reasoning summaries.
compare streams every model at once; a model written provider:model (e.g. anthropic:claude-sonnet-4-5)
goes to that provider's default URL (--base-url is for --provider's models). bench --csv prints CSV on stdout.
Keys are read from the environment, never from a flag: ${KEY_VARIABLES}, each sent only to its own
service (its default URL). Another --base-url gets a key only from the variable --api-key-env NAME names
(e.g. --api-key-env OPENAI_API_KEY to send that key to a proxy you trust). Keys are trimmed.
Model text is printed without escape sequences or control characters (newlines and tabs kept).`;

export type CliCommand = 'ask' | 'bench' | 'compare' | 'doctor';
const COMMANDS: readonly string[] = ['ask', 'bench', 'compare', 'doctor'];

/** Parsed command line. */
export interface CliOptions {
  command: CliCommand;
  provider: ProviderId;
  api: WireApi;
  baseUrl: string | undefined;
  /** The environment variable holding the key for `--provider`'s requests (`--api-key-env`). */
  apiKeyEnv: string | undefined;
  /** `ask`: the model (undefined → the server's first listed model). */
  model: string | undefined;
  /** `bench`, `compare`: the models to compare, from the comma-separated `--model`. */
  models: string[];
  runs: number;
  maxTokens: number | undefined;
  system: string | undefined;
  idleTimeoutSeconds: number | undefined;
  json: boolean;
  /** `bench`: CSV instead of the Markdown table on stdout. */
  csv: boolean;
  listModels: boolean;
  /** Print reasoning to stdout before the answer (default: stderr). */
  showReasoning: boolean;
  /** Anthropic extended thinking budget in tokens (undefined: off). */
  thinkingBudget: number | undefined;
  /** Ask a Responses server for reasoning summaries (undefined: the provider's default). */
  reasoningSummaries: boolean | undefined;
  /** Resume an answer cut mid-stream (`ask`, `compare`); `--no-resume` turns it off. */
  autoResume: boolean;
  question: string;
}

const BOOLEAN_FLAGS = new Set(['--list-models', '--json', '--csv', '--show-reasoning', '--reasoning-summaries', '--no-resume', '--help', '-h']);
const VALUE_OPTIONS = new Set(['provider', 'api', 'base-url', 'api-key-env', 'model', 'max-tokens', 'system', 'idle-timeout', 'runs', 'thinking-budget']);

/** Parses argv (without `node` and the script); throws a usage message on bad input. */
export function parseArgs(argv: readonly string[]): CliOptions {
  let args = argv;
  let command: CliCommand = 'ask';
  if (args[0] !== undefined && COMMANDS.includes(args[0])) {
    command = args[0] as CliCommand;
    args = args.slice(1);
  }
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--api-key' || arg.startsWith('--api-key=')) {
      // A key on the command line ends up in shell history and in every `ps` listing.
      throw new Error(
        `--api-key is not accepted: set ${KEY_VARIABLES.replace(' and ', ' or ')} in the environment instead (for another --base-url, name the variable holding its key with --api-key-env NAME).`,
      );
    }
    if (BOOLEAN_FLAGS.has(arg)) flags.add(arg);
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) values.set(arg.slice(2, eq), arg.slice(eq + 1));
      else {
        const value = args[++i];
        if (value === undefined) throw new Error(`${arg} needs a value`);
        values.set(arg.slice(2), value);
      }
    } else positional.push(arg);
  }
  if (flags.has('--help') || flags.has('-h')) throw new Error(USAGE);
  for (const name of values.keys()) if (!VALUE_OPTIONS.has(name)) throw new Error(`Unknown option --${name}\n${USAGE}`);
  const provider = (values.get('provider') ?? 'openai') as ProviderId;
  if (!PROVIDERS.includes(provider)) throw new Error(`Unknown provider "${provider}"\n${USAGE}`);
  const apiFlag = values.get('api') ?? 'chat';
  if (apiFlag !== 'chat' && apiFlag !== 'responses') throw new Error(`--api must be chat or responses\n${USAGE}`);
  if (values.has('api') && !providerInfo(provider).wireApis.includes('openai-responses'))
    throw new Error(`--api is for OpenAI-compatible providers; ${provider} speaks its own Messages API`);
  const api: WireApi = wireApiFor(provider, apiFlag);
  const modelFlag = values.get('model');
  const models = (modelFlag ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if ((command === 'bench' || command === 'compare') && models.length === 0) throw new Error(`${command} needs --model a,b,…\n${USAGE}`);
  if (command === 'doctor' && models.length > 1) throw new Error('doctor checks one model: --model M');
  if (command !== 'ask' && flags.has('--list-models')) throw new Error(`--list-models is not a ${command} option`);
  if (flags.has('--csv') && command !== 'bench') throw new Error('--csv is a bench option');
  const targets = command === 'compare' ? models.map((spec) => compareTarget(spec, provider, apiFlag, values.get('base-url'))) : [];
  // In a compare it applies to the Anthropic models among them.
  if (values.has('thinking-budget') && provider !== 'anthropic' && !targets.some((t) => t.provider === 'anthropic'))
    throw new Error('--thinking-budget is for --provider anthropic (or anthropic:model in a compare)');
  if (values.has('runs') && command !== 'bench') throw new Error('--runs is a bench option');
  const apiKeyEnv = values.get('api-key-env');
  if (apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv))
    throw new Error('--api-key-env takes the name of an environment variable (e.g. --api-key-env OPENAI_API_KEY), not a key');
  const runs = optionalNumber(values.get('runs'), '--runs') ?? DEFAULT_RUNS;
  if (!Number.isInteger(runs)) throw new Error('--runs must be a whole number');
  return {
    command,
    provider,
    api,
    baseUrl: values.get('base-url'),
    apiKeyEnv,
    model: command === 'ask' ? (modelFlag ?? providerInfo(provider).defaultModel) : command === 'doctor' ? (modelFlag ?? providerInfo(provider).defaultModel) : undefined,
    models,
    runs,
    maxTokens: optionalNumber(values.get('max-tokens'), '--max-tokens'),
    system: values.get('system'),
    idleTimeoutSeconds: optionalNumber(values.get('idle-timeout'), '--idle-timeout'),
    json: flags.has('--json'),
    csv: flags.has('--csv'),
    listModels: flags.has('--list-models'),
    showReasoning: flags.has('--show-reasoning'),
    thinkingBudget: optionalNumber(values.get('thinking-budget'), '--thinking-budget'),
    reasoningSummaries: flags.has('--reasoning-summaries') ? true : undefined,
    autoResume: !flags.has('--no-resume'),
    question: positional.join(' '),
  };
}

/** One model of a `compare`: where it goes and how it is named in the table. */
export interface CompareTarget {
  /** As written on the command line (`sim-fast`, `anthropic:claude-sonnet-4-5`). */
  spec: string;
  provider: ProviderId;
  api: WireApi;
  model: string;
  baseUrl: string | undefined;
}

/**
 * A `compare` model: `model` goes to `--provider` (at `--base-url`), `provider:model` to that
 * provider at its default URL. A prefix that names no provider is part of the model
 * (`llama3.2:3b`). Throws a usage message for a provider without a default URL or a bad model.
 */
export function compareTarget(spec: string, provider: ProviderId, apiFlag: 'chat' | 'responses', baseUrl: string | undefined): CompareTarget {
  const colon = spec.indexOf(':');
  const prefix = colon > 0 ? spec.slice(0, colon) : '';
  if (!isProviderId(prefix) || prefix === provider) {
    const model = prefix === provider ? spec.slice(colon + 1) : spec;
    if (!model) throw new Error(`No model in "${spec}"`);
    return { spec, provider, api: wireApiFor(provider, apiFlag), model, baseUrl };
  }
  if (!PROVIDERS.includes(prefix)) throw new Error(`Unknown provider "${prefix}" in "${spec}"\n${USAGE}`);
  const info = providerInfo(prefix);
  const model = spec.slice(colon + 1) || info.defaultModel;
  if (!model) throw new Error(`No model in "${spec}": ${info.label} has no default model`);
  if (!info.defaultBaseUrl) throw new Error(`"${spec}": ${info.label} has no default URL — use --provider ${prefix} --base-url URL for it`);
  return { spec, provider: prefix, api: wireApiFor(prefix, apiFlag), model, baseUrl: info.defaultBaseUrl };
}

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/**
 * The key for `provider`'s requests to `baseUrl` (undefined: its default URL), from the
 * environment, trimmed (`export KEY=$(cat file)` leaves a newline). `named` is the variable
 * `--api-key-env` names: its key goes wherever the requests go. Otherwise a provider's own
 * variable (OPENAI_API_KEY, ANTHROPIC_API_KEY) is sent only to its own service — the origin of
 * its default URL — and another base URL that needs a key is a usage error saying how to name one.
 */
export function cliApiKey(
  provider: ProviderId,
  baseUrl: string | undefined,
  named: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { key: string | undefined; error?: undefined } | { error: string } {
  if (named !== undefined) {
    const key = env[named]?.trim();
    return key ? { key } : { error: `--api-key-env ${named}: ${named} is not set (or is empty) in the environment.` };
  }
  const info = providerInfo(provider);
  if (!info.keyEnv) return { key: undefined };
  const own = originOf(info.defaultBaseUrl);
  const target = baseUrl === undefined || baseUrl.trim() === '' ? own : originOf(baseUrl.trim());
  // An invalid --base-url fails later with its own message; a key never goes with it.
  if (target === undefined) return { key: undefined };
  if (target === own) return { key: env[info.keyEnv]?.trim() || undefined };
  if (!info.needsKey) return { key: undefined };
  return {
    error:
      `${info.keyEnv} is not sent to ${target}: it goes only to ${info.label} (${own ?? 'its own URL'}). ` +
      `If you trust that server with a key, name the variable that holds it: --api-key-env NAME (--api-key-env ${info.keyEnv} sends the same key).`,
  };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Every (provider, base URL) the command will send requests to, and whether `--api-key-env` names its key. */
function keyTargets(options: CliOptions): { provider: ProviderId; baseUrl: string | undefined; named: string | undefined }[] {
  if (options.command !== 'compare') return [{ provider: options.provider, baseUrl: options.baseUrl, named: options.apiKeyEnv }];
  const apiFlag = options.api === 'openai-responses' ? 'responses' : 'chat';
  // `provider:model` of another provider goes to that provider's own URL, with its own variable.
  return options.models
    .map((spec) => compareTarget(spec, options.provider, apiFlag, options.baseUrl))
    .map((t) => ({ provider: t.provider, baseUrl: t.baseUrl, named: t.provider === options.provider ? options.apiKeyEnv : undefined }));
}

/** The key for a target already checked by {@link keyTargets} in `main`. */
function apiKeyFor(options: CliOptions, provider: ProviderId, baseUrl: string | undefined): string | undefined {
  const found = cliApiKey(provider, baseUrl, provider === options.provider ? options.apiKeyEnv : undefined);
  return found.error === undefined ? found.key : undefined;
}

/** The stderr summary line. */
export function formatSummary(finish: string, metrics: StreamMetricsSnapshot): string {
  const parts = [`finish ${finish}`];
  if (metrics.ttftMs !== undefined) parts.push(formatTtft(metrics.ttftMs));
  if (metrics.firstAnswerTokenMs !== undefined) parts.push(`first answer token ${Math.round(metrics.firstAnswerTokenMs)} ms`);
  const tps = formatTps(metrics.tokensPerSecond, false);
  if (tps) parts.push(tps);
  if (metrics.outputTokens !== undefined) parts.push(`${metrics.outputTokens} tokens${metrics.estimated ? ' (estimated)' : ''}`);
  if (metrics.reasoningTokens !== undefined && metrics.reasoningTokens > 0) parts.push(`${metrics.reasoningTokens} reasoning`);
  if (metrics.setupMs !== undefined && metrics.setupMs >= 1) parts.push(`setup ${Math.round(metrics.setupMs)} ms`);
  return `[${parts.join(' · ')}]`;
}

/** How one streamed answer ended. */
export interface AnswerOutcome {
  finishReason: UnifiedFinishReason;
  /** The provider's own finish word, when it sent one. */
  rawFinishReason?: string | undefined;
  /** The final figures, however the stream ended (undefined only when it never started). */
  metrics: StreamMetricsSnapshot | undefined;
  usage?: Usage | undefined;
  failure: StreamFailure | undefined;
  /** Where the answer was resumed automatically. */
  seams?: AnswerSeam[] | undefined;
}

/** The `--json` line: one object, `null` for what is unknown. */
export interface AnswerJson {
  ttftMs: number | null;
  /** When the answer's first text token came, if reasoning came before it. */
  firstAnswerTokenMs: number | null;
  /** Local time before the request was handed to the network (SDK load on a cold start). */
  setupMs: number | null;
  tps: number | null;
  outputTokens: number | null;
  tokensEstimated: boolean;
  inputTokens: number | null;
  reasoningTokens: number | null;
  finishReason: UnifiedFinishReason;
  rawFinishReason: string | null;
  error: { kind: FailureKind; message: string } | null;
  /** Where the answer was resumed after a failure: offset in the text, what failed, ms to the resumed text. */
  seams: { offset: number; failure: FailureKind; resumeMs: number; repeatedChars: number }[];
}

/** The `--json` object for an outcome. */
export function answerJson(outcome: AnswerOutcome): AnswerJson {
  const m = outcome.metrics;
  return {
    ttftMs: m?.ttftMs ?? null,
    firstAnswerTokenMs: m?.firstAnswerTokenMs ?? null,
    setupMs: m?.setupMs ?? null,
    tps: m?.tokensPerSecond ?? null,
    outputTokens: m?.outputTokens ?? null,
    tokensEstimated: m?.estimated ?? false,
    inputTokens: outcome.usage?.inputTokens ?? null,
    reasoningTokens: m?.reasoningTokens ?? outcome.usage?.reasoningTokens ?? null,
    finishReason: outcome.finishReason,
    rawFinishReason: outcome.rawFinishReason ?? null,
    error: outcome.failure ? { kind: outcome.failure.kind, message: outcome.failure.message } : null,
    seams: (outcome.seams ?? []).map((s) => ({ offset: s.offset, failure: s.failure.kind, resumeMs: s.resumeMs, repeatedChars: s.overlapChars })),
  };
}

/** What the terminal sees of a stream while it runs. */
interface AnswerSink {
  text(text: string): void;
  reasoning(text: string): void;
  toolCall(name: string, args: string): void;
}

/**
 * Streams one answer to `sink` and folds it into its outcome, through the same StreamSession the
 * panel uses; a terminal wants every delta at once, so nothing is coalesced.
 */
export async function streamAnswer(
  request: ChatRequest,
  token: CancellationTokenLike,
  sink?: AnswerSink,
  resume?: { note: (line: string) => void } | undefined,
): Promise<AnswerOutcome> {
  const session = new StreamSession(request, {
    source: stream,
    providerLabel: providerInfo(request.provider).label,
    coalesceMs: 0,
    autoResume: resume !== undefined,
    // The notice says what broke and that it resumes; the seam how long it took.
    onNotice: (notice) => {
      if (notice && resume && / resuming /.test(notice)) resume.note(`\n[${stripControls(notice.replace(/ — Cancel to stop\.$/, ''))}]`);
    },
    onSeam: (seam) => resume?.note(`[resumed after ${(seam.resumeMs / 1000).toFixed(1)} s${seam.overlapChars ? `; ${seam.overlapChars} repeated characters left out` : ''}]`),
    onAppend: ({ text, reasoning }) => {
      if (reasoning) sink?.reasoning(reasoning);
      if (text) sink?.text(text);
    },
    onToolCall: (call) => sink?.toolCall(call.name, call.arguments),
  });
  const result = await session.run(token);
  return { finishReason: result.finishReason, rawFinishReason: result.rawFinishReason, metrics: result.metrics, usage: result.usage, failure: result.failure, seams: result.seams };
}

function exitCodeFor(outcome: AnswerOutcome): number {
  if (outcome.finishReason === 'cancelled') return EXIT.interrupted;
  return outcome.failure ? EXIT.failure : EXIT.ok;
}

function failureFrom(error: unknown): StreamFailure {
  if (error instanceof StreamFailureError) return error.failure;
  return { kind: 'connection', message: error instanceof Error ? error.message : String(error), retryable: true };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

function baseRequest(
  options: CliOptions,
  model: string,
  question: string,
  apiKey: string | undefined,
  log: (line: string) => void,
  target: { provider: ProviderId; api: WireApi; baseUrl: string | undefined } = options,
): ChatRequest {
  return {
    provider: target.provider,
    api: target.api,
    model,
    baseUrl: target.baseUrl,
    apiKey,
    systemPrompt: options.system,
    messages: [{ role: 'user', content: question }],
    maxOutputTokens: options.maxTokens,
    idleTimeoutSeconds: options.idleTimeoutSeconds,
    reasoning: { budgetTokens: options.thinkingBudget, summaries: options.reasoningSummaries },
    onLog: log,
    onRetry: ({ delayMs, status }) => log(`[${status ?? 'connection error'} — retrying in ${(delayMs / 1000).toFixed(1)} s]`),
  };
}

/** `ask`: one streamed answer to stdout. */
async function runAsk(options: CliOptions, token: CancellationTokenLike): Promise<number> {
  // With --json, stderr carries exactly one line, so scripts can parse it.
  const note = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const report = (outcome: AnswerOutcome) => {
    if (options.json) process.stderr.write(`${JSON.stringify(answerJson(outcome))}\n`);
    else if (outcome.failure) process.stderr.write(`${stripControls(outcome.failure.message)}\n`);
    else if (outcome.metrics) process.stderr.write(`${formatSummary(outcome.finishReason, outcome.metrics)}\n`);
    return exitCodeFor(outcome);
  };
  const apiKey = apiKeyFor(options, options.provider, options.baseUrl);
  const modelConfig = { provider: options.provider, api: options.api, baseUrl: options.baseUrl, apiKey };
  if (options.listModels) {
    const ids = await listModels(modelConfig, token);
    process.stdout.write(ids.map((id) => `${stripControls(id)}\n`).join(''));
    return EXIT.ok;
  }
  const question = options.question || (await readStdin());
  if (!question) {
    process.stderr.write(`No question given.\n${USAGE}\n`);
    return EXIT.usage;
  }
  let model = options.model;
  if (!model) {
    // Like the extension: a local server's first listed model; the cloud providers need a name.
    try {
      model = (await listModels(modelConfig, token))[0];
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      return report({ finishReason: 'error', metrics: undefined, failure: failureFrom(error) });
    }
    if (!model) {
      process.stderr.write(`--model is required: ${options.provider} lists no models\n`);
      return EXIT.usage;
    }
    note(`[model ${stripControls(model)}]`);
  }
  let endsWithNewline = true;
  // The model's text, escape sequences and control characters removed (a sequence may span deltas).
  const answerText = new TerminalText();
  const reasoningText = new TerminalText();
  // Reasoning streams before the answer: to stderr (or, with --show-reasoning, to stdout) and is
  // closed off by a line of its own when the answer starts.
  let reasoningOpen = false;
  let reasoningEndsWithNewline = true;
  const closeReasoning = () => {
    if (!reasoningOpen) return;
    reasoningOpen = false;
    const rest = reasoningText.end();
    if (rest) reasoningEndsWithNewline = rest.endsWith('\n');
    const end = `${rest}${reasoningEndsWithNewline ? '' : '\n'}${REASONING_END}\n`;
    if (options.showReasoning) process.stdout.write(end);
    else if (!options.json) process.stderr.write(end);
  };
  const outcome = await streamAnswer(
    baseRequest(options, model, question, apiKey, note),
    token,
    {
      text: (delta) => {
        closeReasoning();
        const text = answerText.push(delta);
        if (!text) return;
        process.stdout.write(text);
        endsWithNewline = text.endsWith('\n');
      },
      reasoning: (delta) => {
        if (!options.showReasoning && options.json) return;
        const text = reasoningText.push(delta);
        if (!text && reasoningOpen) return;
        const out = (reasoningOpen ? '' : `${REASONING_START}\n`) + text;
        reasoningOpen = true;
        if (text) reasoningEndsWithNewline = text.endsWith('\n');
        if (options.showReasoning) process.stdout.write(out);
        else process.stderr.write(out);
      },
      toolCall: (name, args) => note(`\n[tool call ${stripControls(name)}(${stripControls(args)})]`),
    },
    options.autoResume ? { note } : undefined,
  );
  closeReasoning();
  const rest = answerText.end();
  if (rest) {
    process.stdout.write(rest);
    endsWithNewline = rest.endsWith('\n');
  }
  if (!endsWithNewline) process.stdout.write('\n');
  return report(outcome);
}

/** Per-model figures of a bench. */
export interface BenchRow {
  model: string;
  runs: number;
  ok: number;
  ttftMs: number[];
  tps: number[];
  failures: string[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The bench table (Markdown, so it pastes into BENCHMARKS.md): TTFT and TPS median, min, max per model. */
export function formatBenchTable(rows: readonly BenchRow[]): string {
  const stats = (values: readonly number[], digits: number): string[] =>
    values.length === 0 ? ['—', '—', '—'] : [median(values), Math.min(...values), Math.max(...values)].map((v) => v.toFixed(digits));
  const header = ['model', 'ok', 'TTFT ms median', 'min', 'max', 'tok/s median', 'min', 'max'];
  const body = rows.map((r) => [r.model, `${r.ok}/${r.runs}`, ...stats(r.ttftMs, 0), ...stats(r.tps, 1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Median, min and max of a bench figure; null without figures. */
export interface BenchStat {
  median: number;
  min: number;
  max: number;
}

function benchStat(values: readonly number[]): BenchStat | null {
  return values.length === 0 ? null : { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** One model of `bench --json`. */
export function benchRowJson(r: BenchRow): { model: string; runs: number; ok: number; ttftMs: BenchStat | null; tps: BenchStat | null; failures: string[] } {
  return { model: r.model, runs: r.runs, ok: r.ok, ttftMs: benchStat(r.ttftMs), tps: benchStat(r.tps), failures: r.failures };
}

export const BENCH_CSV_HEADER = ['model', 'runs', 'ok', 'ttft_ms_median', 'ttft_ms_min', 'ttft_ms_max', 'tps_median', 'tps_min', 'tps_max', 'failures'] as const;

/** `bench --csv`: a header row and one row per model, numbers unformatted, CRLF line ends (RFC 4180). */
export function formatBenchCsv(rows: readonly BenchRow[]): string {
  const lines = rows.map((r) => {
    const j = benchRowJson(r);
    return [j.model, j.runs, j.ok, j.ttftMs?.median, j.ttftMs?.min, j.ttftMs?.max, j.tps?.median, j.tps?.min, j.tps?.max, j.failures.join('\n')];
  });
  return csvText([[...BENCH_CSV_HEADER], ...lines]);
}

/** `bench`: `runs` answers per model, one after another, then the table on stdout. */
async function runBench(options: CliOptions, token: CancellationTokenLike): Promise<number> {
  const question = options.question || (await readStdin());
  if (!question) {
    process.stderr.write(`No prompt given.\n${USAGE}\n`);
    return EXIT.usage;
  }
  const apiKey = apiKeyFor(options, options.provider, options.baseUrl);
  const note = (line: string) => process.stderr.write(`${stripControls(line)}\n`);
  // Parse the SDK before the clock starts: the first run's TTFT must not include module loading.
  warmUp(options.api);
  const rows: BenchRow[] = [];
  let interrupted = false;
  for (const model of options.models) {
    const row: BenchRow = { model, runs: 0, ok: 0, ttftMs: [], tps: [], failures: [] };
    rows.push(row);
    for (let run = 1; run <= options.runs && !interrupted; run++) {
      const outcome = await streamAnswer(baseRequest(options, model, question, apiKey, note), token);
      if (outcome.finishReason === 'cancelled') {
        interrupted = true;
        break;
      }
      row.runs++;
      const m = outcome.metrics;
      if (outcome.failure) row.failures.push(outcome.failure.message);
      else {
        row.ok++;
        if (m?.ttftMs !== undefined) row.ttftMs.push(m.ttftMs);
        if (m?.tokensPerSecond !== undefined) row.tps.push(m.tokensPerSecond);
      }
      note(
        `[${model} run ${run}/${options.runs}: ${outcome.failure ? `${outcome.failure.kind}: ${outcome.failure.message}` : m ? formatSummary(outcome.finishReason, m).slice(1, -1) : outcome.finishReason}]`,
      );
    }
    if (interrupted) break;
  }
  process.stdout.write(options.csv ? formatBenchCsv(rows) : `${stripControls(formatBenchTable(rows))}\n`);
  if (options.json) process.stderr.write(`${JSON.stringify({ models: rows.map(benchRowJson) })}\n`);
  if (interrupted) return EXIT.interrupted;
  return rows.every((r) => r.ok === r.runs) ? EXIT.ok : EXIT.failure;
}

/** One model's answer in a `compare`. */
export interface CompareResult {
  target: CompareTarget;
  outcome: AnswerOutcome;
  /** The answer text as far as it got. */
  answer: string;
  /** ms from the request being handed to the network to the end of the stream. */
  durationMs: number | undefined;
}

/** A compare result's row in the shared table (src/shared/compareTable.ts). */
export function compareFigures(r: CompareResult): CompareFigures {
  const m = r.outcome.metrics;
  return {
    label: r.target.spec,
    ttftMs: m?.ttftMs,
    firstAnswerTokenMs: m?.firstAnswerTokenMs,
    tokensPerSecond: m?.tokensPerSecond,
    outputTokens: m?.outputTokens,
    estimated: m?.estimated ?? false,
    durationMs: r.durationMs,
    finish: r.outcome.failure ? failureCell(r.outcome.failure.kind, r.outcome.failure.message) : r.outcome.finishReason,
    completed: !r.outcome.failure && r.outcome.finishReason !== 'cancelled' && m !== undefined,
  };
}

/** Indices of the fastest TTFT and the highest tok/s among the models that answered. */
export function compareFastest(results: readonly CompareResult[]): { ttft: number | undefined; tps: number | undefined } {
  return sharedFastest(results.map(compareFigures));
}

/** The compare table (Markdown, like bench's): the fastest TTFT and tok/s marked `*`. */
export function formatCompareTable(results: readonly CompareResult[]): string {
  return sharedTable(results.map(compareFigures));
}

/** `compare --json`: one object, a row per model in the order given. */
export function compareJson(results: readonly CompareResult[]): {
  fastest: { ttft: string | null; tps: string | null };
  models: (AnswerJson & { spec: string; provider: ProviderId; model: string; durationMs: number | null; answer: string })[];
} {
  const fastest = compareFastest(results);
  return {
    fastest: {
      ttft: fastest.ttft !== undefined ? results[fastest.ttft]!.target.spec : null,
      tps: fastest.tps !== undefined ? results[fastest.tps]!.target.spec : null,
    },
    models: results.map((r) => ({
      spec: r.target.spec,
      provider: r.target.provider,
      model: r.target.model,
      ...answerJson(r.outcome),
      durationMs: r.durationMs ?? null,
      answer: r.answer,
    })),
  };
}

/** `compare`: every model at once, one request each; the table and the answers on stdout. */
async function runCompare(options: CliOptions, token: CancellationTokenLike): Promise<number> {
  const question = options.question || (await readStdin());
  if (!question) {
    process.stderr.write(`No prompt given.\n${USAGE}\n`);
    return EXIT.usage;
  }
  const apiFlag = options.api === 'openai-responses' ? 'responses' : 'chat';
  const targets = options.models.map((spec) => compareTarget(spec, options.provider, apiFlag, options.baseUrl));
  const note = (line: string) => process.stderr.write(`${stripControls(line)}\n`);
  // Parse the SDKs before any clock starts, so no model's TTFT includes module loading.
  for (const api of new Set(targets.map((t) => t.api))) warmUp(api);
  // Likewise the tokenizer: the live figures load it on the first delta, and loading it then would
  // block the event loop while another model's first token waits to be timed.
  for (const target of targets) countTokens('warm up', encodingForModel(target.model));
  note(`[compare: ${targets.length} models streaming]`);
  let done = 0;
  const results = await Promise.all(
    targets.map(async (target): Promise<CompareResult> => {
      let answer = '';
      const log = (line: string) => note(`[${target.spec}] ${line}`);
      const request = baseRequest(options, target.model, question, apiKeyFor(options, target.provider, target.baseUrl), log, target);
      if (target.provider !== 'anthropic') request.reasoning = { ...request.reasoning, budgetTokens: undefined };
      let outcome: AnswerOutcome;
      try {
        outcome = await streamAnswer(
          request,
          token,
          { text: (text) => (answer += text), reasoning: () => undefined, toolCall: () => undefined },
          options.autoResume ? { note: (line) => log(line.trim()) } : undefined,
        );
      } catch (error) {
        outcome =
          error instanceof CancelledError
            ? { finishReason: 'cancelled', metrics: undefined, failure: undefined }
            : { finishReason: 'error', metrics: undefined, failure: failureFrom(error) };
      }
      const m = outcome.metrics;
      const durationMs = m?.lastTokenMs ?? (m?.headersMs !== undefined ? m.headersMs : undefined);
      done++;
      const figures = outcome.failure ? `${outcome.failure.kind}: ${outcome.failure.message}` : m ? formatSummary(outcome.finishReason, m).slice(1, -1) : outcome.finishReason;
      note(`[${done}/${targets.length} ${target.spec}: ${figures}]`);
      return { target, outcome, answer, durationMs };
    }),
  );
  if (options.json) process.stdout.write(`${JSON.stringify(compareJson(results))}\n`);
  else {
    // The answers (and servers' messages in the table) without escape sequences; --json keeps them exact.
    process.stdout.write(stripControls(`${formatCompareTable(results)}\n${formatCompareAnswers(results.map((r) => ({ label: r.target.spec, answer: r.answer })))}`));
  }
  if (results.some((r) => r.outcome.finishReason === 'cancelled')) return EXIT.interrupted;
  return results.some((r) => r.outcome.failure) ? EXIT.failure : EXIT.ok;
}

/** `doctor`: diagnoses the server; exit 1 when it found a problem. */
async function runDoctor(options: CliOptions, token: CancellationTokenLike): Promise<number> {
  const apiKey = apiKeyFor(options, options.provider, options.baseUrl);
  const diagnosis = await diagnoseServer({ provider: options.provider, api: options.api, baseUrl: options.baseUrl, apiKey, model: options.model }, token);
  if (options.json) process.stdout.write(`${JSON.stringify(diagnosis)}\n`);
  else process.stdout.write(`${stripControls(formatDiagnosis(diagnosis))}\n`);
  return diagnosis.problems > 0 ? EXIT.failure : EXIT.ok;
}

/** Runs the CLI; resolves the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return EXIT.usage;
  }
  let keyCheck: { error?: string | undefined }[];
  try {
    keyCheck = keyTargets(options).map((t) => cliApiKey(t.provider, t.baseUrl, t.named));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const keyError = keyCheck.find((k) => k.error !== undefined)?.error;
  if (keyError) {
    process.stderr.write(`${keyError}\n`);
    return EXIT.usage;
  }
  const source = new CancellationSource();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    source.cancel();
  };
  process.on('SIGINT', onSigint);
  // A closed pipe (`… | head`) is the reader going away: stop the request, exit quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') source.cancel();
  });
  try {
    switch (options.command) {
      case 'ask':
        return await runAsk(options, source.token);
      case 'bench':
        return await runBench(options, source.token);
      case 'compare':
        return await runCompare(options, source.token);
      case 'doctor':
        return await runDoctor(options, source.token);
      default:
        return assertNever(options.command, 'command');
    }
  } catch (error) {
    const cancelled = error instanceof CancelledError;
    const outcome: AnswerOutcome = cancelled
      ? { finishReason: 'cancelled', metrics: undefined, failure: undefined }
      : { finishReason: 'error', metrics: undefined, failure: failureFrom(error) };
    if (options.json && options.command === 'ask') process.stderr.write(`${JSON.stringify(answerJson(outcome))}\n`);
    else if (outcome.failure) process.stderr.write(`${stripControls(outcome.failure.message)}\n`);
    return exitCodeFor(outcome);
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
