/**
 * Extension-host tests that run inside the real extension host (VS Code 1.139 under code-server, or
 * VS Code desktop under @vscode/test-electron). They drive Sidestream through its public API and
 * commands against the wire simulator started in this process, over real loopback HTTP.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import type { AssistantMessageView, MessageView } from '../../src/shared/protocol';
// Compiles to a require of out/src/simulator/Simulator.js: the simulator runs in this process.
import { Simulator, type SimStats } from '../../src/simulator/Simulator';

const EXTENSION_ID = 'sidestream.sidestream';
const CORE_COMMANDS = [
  'sidestream.ask',
  'sidestream.askAboutSelection',
  'sidestream.cancel',
  'sidestream.newChat',
  'sidestream.selectModel',
  'sidestream.setApiKey',
  'sidestream.clearApiKey',
];
const SHORT_ANSWER = 'Streaming means the answer arrives **token by token**, not all at once.';
const LONG_ANSWER = Array.from({ length: 60 }, (_, i) => `Sentence ${i + 1} of a long streamed answer.`).join(' ');

describe('Sidestream in the extension host', function () {
  this.timeout(120_000);
  let extension: vscode.Extension<SidestreamApi>;
  let api: SidestreamApi;
  const sim = new Simulator();

  before(async () => {
    const found = vscode.extensions.getExtension<SidestreamApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not loaded`);
    extension = found;
    api = await extension.activate();
    await sim.start();
    const config = vscode.workspace.getConfiguration('sidestream');
    await config.update('provider', 'openai-compatible', vscode.ConfigurationTarget.Global);
    await config.update('openaiCompatible.baseUrl', `${sim.origin}/v1`, vscode.ConfigurationTarget.Global);
    await config.update('model', 'sim-model', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    if (api?.snapshot().streaming) await vscode.commands.executeCommand('sidestream.cancel');
    const config = vscode.workspace.getConfiguration('sidestream');
    for (const key of ['provider', 'openaiCompatible.baseUrl', 'model']) {
      await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    }
    await sim.stop();
  });

  beforeEach(() => {
    sim.reset();
  });

  it('activates and returns the API (the tests run in ExtensionMode.Test, the only mode that exports it)', () => {
    assert.equal(extension.isActive, true);
    assert.ok(extension.exports, 'no API in ExtensionMode.Test');
    assert.equal(typeof api.snapshot, 'function');
    assert.equal(typeof api.onDidChange, 'function');
    assert.equal(typeof api.ask, 'function');
    const snapshot = api.snapshot();
    assert.equal(snapshot.streaming, false);
    assert.ok(Array.isArray(snapshot.messages));
  });

  it('registers every command it contributes, and no other', async () => {
    const contributed = ((extension.packageJSON as { contributes?: { commands?: Array<{ command: string }> } }).contributes?.commands ?? []).map((c) => c.command);
    for (const id of CORE_COMMANDS) assert.ok(contributed.includes(id), `package.json does not contribute ${id}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    // No hidden commands: tests drive the extension through its test API, not through commands.
    const hidden = [...registered].filter((id) => id.startsWith('sidestream.') && !id.startsWith('sidestream.chatView.') && !contributed.includes(id));
    assert.deepEqual(hidden, [], `registered but not contributed: ${hidden.join(', ')}`);
  });

  it('uses the configured OpenAI-compatible server and model', () => {
    const snapshot = api.snapshot();
    assert.equal(snapshot.model, 'sim-model');
    assert.ok(snapshot.provider, 'no provider in the snapshot');
  });

  it('streams the scripted answer and shows TTFT and tok/s in the status bar', async () => {
    sim.enqueue({ text: SHORT_ANSWER, ttftMs: 150, tokensPerSecond: 100 });
    const question = 'What does streaming mean?';
    let changes = 0;
    const listener = api.onDidChange(() => changes++);
    let answer: MessageView | undefined;
    try {
      answer = await withTimeout(api.ask(question), 60_000, 'ask()');
    } finally {
      listener.dispose();
    }
    const assistant = asAssistant(answer);
    assert.equal(assistant.state, 'done', `state ${assistant.state}: ${JSON.stringify(assistant.error)}`);
    assert.equal(assistant.text, SHORT_ANSWER);
    assert.ok(changes >= 2, `onDidChange fired ${changes} time(s) during a streamed answer`);

    const snapshot = api.snapshot();
    assert.equal(snapshot.streaming, false);
    const userIndex = snapshot.messages.findIndex((m) => m.role === 'user' && m.text === question);
    assert.ok(userIndex >= 0, 'the question is not in the conversation');
    const stored = snapshot.messages.find((m) => m.id === assistant.id);
    assert.ok(stored && stored.role === 'assistant' && stored.text === SHORT_ANSWER, 'the answer is not in the conversation');
    assert.match(snapshot.statusBarText, /TTFT \d+ ms/);
    assert.match(snapshot.statusBarText, /tok\/s/);
    // The server waited 150 ms before the first token: a TTFT below that would be measured wrong.
    const ttft = Number(/TTFT (\d+) ms/.exec(snapshot.statusBarText)?.[1]);
    assert.ok(ttft >= 140, `TTFT ${ttft} ms is shorter than the scripted 150 ms`);
    assert.equal(assistant.stats?.ttftMs !== undefined, true, 'no TTFT in the message stats');

    // One streamed chat request (a model-list request may come along with it), fully served.
    const chats = sim.stats().requestsLog.filter((r) => r.api === 'openai-chat');
    assert.equal(chats.length, 1, `expected one chat request, got ${chats.length}`);
    assert.equal(chats[0]?.completed, true);
    assert.equal(chats[0]?.textSent, SHORT_ANSWER);
  });

  it('cancels mid-stream: keeps the partial text, marks it cancelled, closes the socket', async () => {
    sim.enqueue({ text: LONG_ANSWER, ttftMs: 100, tokensPerSecond: 25 });
    const pending = api.ask('Tell me something long.');
    const partial = await waitFor('the first streamed tokens', 30_000, () => {
      const last = api.snapshot().messages.at(-1);
      return last?.role === 'assistant' && last.state === 'streaming' && last.text.length > 0 ? last : undefined;
    });
    assert.ok(LONG_ANSWER.startsWith(partial.text), 'streamed text is not a prefix of the scripted answer');

    await vscode.commands.executeCommand('sidestream.cancel');
    const assistant = asAssistant(await withTimeout(pending, 15_000, 'ask() after cancel'));
    assert.equal(assistant.state, 'cancelled');
    assert.ok(assistant.text.length >= partial.text.length, 'partial text was dropped');
    assert.ok(assistant.text.length < LONG_ANSWER.length, 'the whole answer arrived: nothing was cancelled');
    assert.ok(LONG_ANSWER.startsWith(assistant.text.trimEnd()), 'kept text is not a prefix of the scripted answer');
    assert.equal(api.snapshot().streaming, false);

    const stats = await waitFor('the request to close', 10_000, (): SimStats | undefined => {
      const s = sim.stats();
      return chatRequests(s).at(-1)?.closedBy !== undefined ? s : undefined;
    });
    const last = chatRequests(stats).at(-1);
    assert.equal(last?.closedBy, 'client');
    assert.notEqual(last?.completed, true);
  });

  it('starts a new chat with an empty conversation', async () => {
    assert.ok(api.snapshot().messages.length > 0, 'earlier tests left no messages to clear');
    await vscode.commands.executeCommand('sidestream.newChat');
    await waitFor('the conversation to clear', 10_000, () => (api.snapshot().messages.length === 0 ? true : undefined));
  });
});

function chatRequests(stats: SimStats): SimStats['requestsLog'] {
  return stats.requestsLog.filter((r) => r.api === 'openai-chat');
}

function asAssistant(message: MessageView | undefined): AssistantMessageView {
  assert.ok(message, 'ask() resolved without a message');
  assert.equal(message.role, 'assistant');
  return message as AssistantMessageView;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
