/**
 * Shared helpers for the extension-host suites that prove what the user sees under faults: the
 * Sidestream API, configuration of the real extension (Global target), polling with bounds, and
 * a counter of unhandled promise rejections in the extension host process.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../../src/api';
import type { AssistantMessageView, ContextChip, MessageView } from '../../../src/shared/protocol';
import type { SimRequestRecord, Simulator } from '../../../src/simulator/Simulator';
import type { ConsumerAskArgs, ConsumerAskResult } from '../../extensions/lm-consumer/src/extension';

export const EXTENSION_ID = 'sidestream.sidestream';

/** The three wire formats the extension speaks to the cloud providers. */
export type Wire = 'openai-chat' | 'openai-responses' | 'anthropic';
export const WIRES: readonly Wire[] = ['openai-chat', 'openai-responses', 'anthropic'];

/** The Sidestream settings a suite touches; all are reset to their defaults by {@link resetSettings}. */
const KEYS = [
  'provider',
  'baseUrl',
  'openai.baseUrl',
  'anthropic.baseUrl',
  'openaiCompatible.baseUrl',
  'ollama.baseUrl',
  'lmstudio.baseUrl',
  'llamacpp.baseUrl',
  'vllm.baseUrl',
  'model',
  'openai.api',
  'ollama.api',
  'openaiCompatible.api',
  'anthropic.thinkingBudget',
  'idleTimeoutSeconds',
  'maxOutputTokens',
  'autoResume',
] as const;

/** The base URL setting (under `sidestream.`) of the provider `wire` uses. */
export function baseUrlKey(wire: Wire): string {
  return wire === 'anthropic' ? 'anthropic.baseUrl' : 'openai.baseUrl';
}

/** Activates the extension and returns its API. */
export async function sidestream(): Promise<SidestreamApi> {
  const extension = vscode.extensions.getExtension<SidestreamApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  return extension.activate();
}

/** The base URL the extension must use for `wire` on `sim`. */
export function baseUrlFor(wire: Wire, sim: Simulator): string {
  return wire === 'anthropic' ? sim.anthropicBaseUrl : sim.openAIBaseUrl;
}

/** Sets provider, API and that provider's base URL for `wire` in the user (Global) settings. */
export async function useWire(wire: Wire, baseUrl: string, extra: { model?: string; idleTimeoutSeconds?: number; maxOutputTokens?: number } = {}): Promise<void> {
  const c = vscode.workspace.getConfiguration('sidestream');
  const G = vscode.ConfigurationTarget.Global;
  await c.update('provider', wire === 'anthropic' ? 'anthropic' : 'openai', G);
  if (wire !== 'anthropic') await c.update('openai.api', wire === 'openai-responses' ? 'responses' : 'chat', G);
  await c.update(baseUrlKey(wire), baseUrl, G);
  await c.update('model', extra.model ?? 'sim-model', G);
  await c.update('idleTimeoutSeconds', extra.idleTimeoutSeconds, G);
  await c.update('maxOutputTokens', extra.maxOutputTokens, G);
}

/** Changes one setting in the user settings. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('sidestream').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Puts every setting a suite touched back to its default. */
export async function resetSettings(): Promise<void> {
  const c = vscode.workspace.getConfiguration('sidestream');
  for (const key of KEYS) await c.update(key, undefined, vscode.ConfigurationTarget.Global);
}

/** Settings back to their defaults, then Sidestream on `sim` as the OpenAI-compatible server with `model`. */
export async function useSimulatorModel(sim: Simulator, model = 'sim-model'): Promise<void> {
  await resetSettings();
  await setSetting('provider', 'openai-compatible');
  await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
  await setSetting('model', model);
}

/** Cancels whatever streams and clears the conversation. */
export async function freshChat(api: SidestreamApi): Promise<void> {
  if (api.snapshot().streaming) await vscode.commands.executeCommand('sidestream.cancel');
  await vscode.commands.executeCommand('sidestream.newChat');
  await waitFor('an idle, empty conversation', 10_000, () => (!api.snapshot().streaming && api.snapshot().messages.length === 0 ? true : undefined));
}

/** The last message of the conversation as an assistant message (fails otherwise). */
export function lastAssistant(api: SidestreamApi): AssistantMessageView {
  return asAssistant(api.snapshot().messages.at(-1));
}

export function asAssistant(message: MessageView | undefined): AssistantMessageView {
  assert.ok(message, 'no message');
  assert.equal(message.role, 'assistant', `expected an assistant message, got ${JSON.stringify(message)}`);
  return message as AssistantMessageView;
}

/** Asks through the `sidestream.ask` command, as the palette does; resolves when the answer ended. */
export async function askByCommand(question: string, timeoutMs = 30_000): Promise<void> {
  await withTimeout(Promise.resolve(vscode.commands.executeCommand('sidestream.ask', question)), timeoutMs, `sidestream.ask "${question}"`);
}

/** Polls `probe` every 10 ms until it returns a value; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await delay(10);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until the last assistant message is streaming with at least `minChars` of text. */
export function waitForStreamingText(api: SidestreamApi, minChars = 1, timeoutMs = 15_000): Promise<AssistantMessageView> {
  return waitFor(`streamed text (>= ${minChars} chars)`, timeoutMs, () => {
    const last = api.snapshot().messages.at(-1);
    return last?.role === 'assistant' && last.state === 'streaming' && last.text.length >= minChars ? last : undefined;
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Puts keys in OPENAI_API_KEY / ANTHROPIC_API_KEY (the extension's fallback when SecretStorage has
 * none) and returns what puts the environment back as it was.
 */
export function setEnvKeys(openai: string, anthropic: string): () => void {
  const saved = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY };
  process.env.OPENAI_API_KEY = openai;
  process.env.ANTHROPIC_API_KEY = anthropic;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Generation requests (not model listings) of one wire format, oldest first. */
export function generations(sim: Simulator, wire: Wire): SimRequestRecord[] {
  return sim.stats().requestsLog.filter((r) => r.api === wire);
}

/** Waits until every request the simulator received has closed; returns the log. */
export async function allRequestsClosed(sim: Simulator, timeoutMs = 10_000): Promise<SimRequestRecord[]> {
  return waitFor('every request to close', timeoutMs, () => {
    const log = sim.stats().requestsLog;
    return log.every((r) => r.closedAt !== undefined) ? log : undefined;
  });
}

/** The text of a message content (string, or parts with `text`). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

/** The turns of a recorded request (`messages` or Responses `input`) as role + text. */
export function recordedTurns(record: SimRequestRecord): Array<{ role: string; text: string }> {
  const list = record.messages;
  if (typeof list === 'string') return [{ role: 'user', text: list }];
  if (!Array.isArray(list)) return [];
  return list
    .filter((m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null)
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', text: contentText(m.content) }));
}

/** Counts unhandled promise rejections in this (the extension host) process while installed. */
export class RejectionCounter {
  readonly reasons: string[] = [];
  private readonly listener = (reason: unknown): void => {
    this.reasons.push(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  };

  install(): this {
    process.on('unhandledRejection', this.listener);
    return this;
  }

  dispose(): void {
    process.off('unhandledRejection', this.listener);
  }

  assertNone(): void {
    assert.deepEqual(this.reasons, [], `unhandled rejections in the extension host:\n${this.reasons.join('\n')}`);
  }
}

/** Simulator log sink: handler errors are written to SIDESTREAM_SIM_LOG (when set) to explain failures. */
export function simLog(line: string): void {
  const file = process.env.SIDESTREAM_SIM_LOG;
  if (!file) return;
  try {
    fs.appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  } catch {
    // Diagnostics only.
  }
}

export interface HostSuiteOptions {
  /** The simulators the suite talks to: started before its tests, stopped after them. */
  sims: readonly Simulator[];
  /** OpenAI and Anthropic keys put in the environment for the suite's life (see {@link suiteKeys}). */
  keys?: readonly [openai: string, anthropic: string];
  /** Before each test: cancel and clear the conversation, remove the attached context files, reset the simulators. */
  freshEachTest?: boolean;
  /** After each test, before the check for unhandled rejections (e.g. waits for the test's requests to end). */
  afterEachTest?: () => Promise<void>;
  /** First thing after the suite, before the conversation is cleared and the settings reset. */
  cleanUp?: () => Promise<void>;
}

export interface HostSuite {
  /** Sidestream's API, once the suite's `before` has activated it. */
  readonly api: SidestreamApi;
  readonly rejections: RejectionCounter;
  /** The attached context files' chips (not the active editor's offer). */
  attachedChips(): ContextChip[];
}

/** The keys a suite named `tag` puts in the environment: a key of its own per provider. */
export function suiteKeys(tag: string): readonly [string, string] {
  return [`sk-${tag}-suite-key`, `sk-ant-${tag}-suite-key`];
}

/**
 * The set-up every extension-host suite shares, registered in the enclosing `describe`: before
 * its tests Sidestream is activated, the simulators started, the keys put in the environment and
 * unhandled rejections counted; after each test none may have happened; after the tests the
 * conversation is cleared, every setting a suite touches reset, the environment restored and the
 * simulators stopped. A suite's own `before` hooks, registered after this call, run after it.
 */
export function useHostSuite(options: HostSuiteOptions): HostSuite {
  const rejections = new RejectionCounter();
  let api: SidestreamApi | undefined;
  let restoreEnv = (): void => undefined;

  before(async () => {
    api = await sidestream();
    await Promise.all(options.sims.map((s) => s.start()));
    if (options.keys) restoreEnv = setEnvKeys(...options.keys);
    rejections.install();
  });

  if (options.freshEachTest) {
    beforeEach(async () => {
      await freshChat(suite.api);
      removeAttachedChips(suite.api);
      for (const s of options.sims) s.reset();
    });
  }

  afterEach(async () => {
    await options.afterEachTest?.();
    rejections.assertNone();
  });

  after(async () => {
    rejections.dispose();
    await options.cleanUp?.();
    if (api) removeAttachedChips(api);
    if (api) await freshChat(api).catch(() => undefined);
    await resetSettings();
    restoreEnv();
    await Promise.all(options.sims.map((s) => s.stop()));
  });

  const suite: HostSuite = {
    get api() {
      assert.ok(api, 'Sidestream is not activated yet (use the API inside hooks and tests)');
      return api;
    },
    rejections,
    attachedChips: () => attachedChips(suite.api),
  };
  return suite;
}

/**
 * Runs `body` in a `describe` per wire format, each with Sidestream set to that wire on `sim`
 * (`extra` settings too) and, after its tests, every socket to the simulator closed.
 */
export function forEachWire(sim: Simulator, body: (wire: Wire) => void, extra: Parameters<typeof useWire>[2] = {}): void {
  for (const wire of WIRES) {
    describe(wire, () => {
      before(async () => {
        await useWire(wire, baseUrlFor(wire, sim), extra);
      });
      after(async () => {
        // Pooled keep-alive sockets close on their own timeout; none may stay open for good.
        await sim.waitForAllSocketsClosed(15_000);
      });
      body(wire);
    });
  }
}

/** The attached context files' chips (not the active editor's offer). */
export function attachedChips(api: SidestreamApi): ContextChip[] {
  return api.contextChips().filter((c) => !c.suggested);
}

export function removeAttachedChips(api: SidestreamApi): void {
  for (const chip of attachedChips(api)) api.removeContext(chip.id);
}

/** A folder `name` of the test workspace for a suite's files, deleted after the suite. */
export function useWorkspaceFolder(name: string): { readonly root: vscode.Uri; writeFile(file: string, content: string | Uint8Array): Promise<vscode.Uri> } {
  let root: vscode.Uri | undefined;
  before(() => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the extension-host tests run with a workspace folder');
    root = folder.uri;
  });
  after(async () => {
    if (root) await vscode.workspace.fs.delete(vscode.Uri.joinPath(root, name), { recursive: true, useTrash: false }).then(undefined, () => undefined);
  });
  const workspace = {
    get root(): vscode.Uri {
      assert.ok(root, 'the workspace folder is known once the suite has started');
      return root;
    },
    /** Writes `content` to <name>/<file> in the test workspace. */
    async writeFile(file: string, content: string | Uint8Array): Promise<vscode.Uri> {
      const uri = vscode.Uri.joinPath(workspace.root, name, file);
      await vscode.workspace.fs.writeFile(uri, typeof content === 'string' ? new TextEncoder().encode(content) : content);
      return uri;
    },
  };
  return workspace;
}

/** A ChatResponseStream that records what the participant streamed (the real one exists only inside a chat view). */
export function recordingStream(): { stream: vscode.ChatResponseStream; parts: string[]; readonly text: string } {
  const parts: string[] = [];
  const ignore = (): void => undefined;
  const stream = {
    markdown: (value: string | vscode.MarkdownString) => parts.push(typeof value === 'string' ? value : value.value),
    anchor: ignore,
    button: ignore,
    filetree: ignore,
    progress: ignore,
    reference: ignore,
    push: ignore,
  } as unknown as vscode.ChatResponseStream;
  return {
    stream,
    parts,
    get text() {
      return parts.join('');
    },
  };
}

/** A chat request as the chat view makes one, for calling the participant's handler directly. */
export function chatRequest(prompt: string, command?: string): vscode.ChatRequest {
  return { prompt, command, references: [], toolReferences: [], toolInvocationToken: undefined, model: undefined } as unknown as vscode.ChatRequest;
}

/** The test extension that uses Sidestream's models through `vscode.lm` as any extension would (test/extensions/lm-consumer). */
export const LM_CONSUMER = 'sidestream-test.lm-consumer';

/** Asks through the consumer extension (bounded: 30 s). */
export function consumerAsk(args: ConsumerAskArgs): Promise<ConsumerAskResult> {
  return withTimeout(Promise.resolve(vscode.commands.executeCommand<ConsumerAskResult>('sidestreamConsumer.ask', args)), 30_000, `consumer ask ${args.modelId}`);
}
