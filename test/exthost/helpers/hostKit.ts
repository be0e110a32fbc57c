/**
 * Shared helpers for the extension-host suites that prove what the user sees under faults: the
 * Sidestream API, configuration of the real extension (Global target), polling with bounds, and
 * a counter of unhandled promise rejections in the extension host process.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../../src/api';
import type { AssistantMessageView, MessageView } from '../../../src/shared/protocol';
import type { SimRequestRecord, Simulator } from '../../../src/simulator/Simulator';

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
  'openaiCompatible.api',
  'anthropic.thinkingBudget',
  'idleTimeoutSeconds',
  'maxOutputTokens',
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
