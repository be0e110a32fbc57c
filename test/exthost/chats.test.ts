/**
 * Chats and branches through the real extension in the real extension host, against the wire
 * simulator: New Chat keeps the chat it replaces, chats switch, Regenerate and Edit leave every
 * branch reachable and send the model only the shown path, Export/Copy Chat write the Markdown,
 * and a chat can be renamed, deleted and brought back.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MessageView } from '../../src/shared/protocol';
import { Simulator } from '../../src/simulator/Simulator';
import { asAssistant, generations, recordedTurns, simLog, suiteKeys, useHostSuite, useWire, withTimeout } from './helpers/hostKit';

const texts = (messages: readonly MessageView[]): string[] => messages.map((m) => m.text);

describe('Chats and branches', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('chats'), freshEachTest: true });

  /** Asks `question`, the simulator answering `answer`; resolves when it is done. */
  async function ask(question: string, answer: string): Promise<void> {
    sim.enqueue({ text: answer });
    const done = await withTimeout(suite.api.ask(question), 20_000, `ask "${question}"`);
    assert.equal(done?.role === 'assistant' && done.state, 'done', JSON.stringify(done));
  }

  /** The turns (role, text) of the last generation request the simulator received. */
  function lastRequestTurns(): Array<{ role: string; text: string }> {
    const request = generations(sim, 'openai-chat').at(-1);
    assert.ok(request, 'no request reached the simulator');
    return recordedTurns(request).filter((t) => t.role !== 'system');
  }

  before(async () => {
    await useWire('openai-chat', sim.openAIBaseUrl);
  });

  it('New Chat keeps the first chat; openChat switches between them; recall spans both', async () => {
    await ask('Chats test: the first chat', 'First chat answer');
    const first = suite.api.currentChat();
    assert.equal(first.title, 'Chats test: the first chat');
    await vscode.commands.executeCommand('sidestream.newChat');
    assert.equal(suite.api.snapshot().messages.length, 0);
    const second = suite.api.currentChat();
    assert.notEqual(second.id, first.id, 'New Chat did not start a new chat');
    await ask('Chats test: the second chat', 'Second chat answer');
    // The second chat's request carries nothing of the first.
    assert.deepEqual(lastRequestTurns(), [{ role: 'user', text: 'Chats test: the second chat' }]);

    const listed = suite.api.listChats();
    assert.deepEqual(
      listed.slice(0, 2).map((c) => c.title),
      ['Chats test: the second chat', 'Chats test: the first chat'],
    );
    assert.equal(listed[1]?.messageCount, 2);
    assert.match(listed[1]?.model ?? '', / · sim-model$/);

    assert.equal(await suite.api.openChat(first.id), true);
    assert.equal(suite.api.currentChat().id, first.id);
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Chats test: the first chat', 'First chat answer']);
    const recall = suite.api.currentChat().recall;
    assert.deepEqual(recall.slice(-2), ['Chats test: the first chat', 'Chats test: the second chat']);

    // Continuing the first chat sends only its own history.
    await ask('Chats test: back in the first', 'Third answer');
    assert.deepEqual(lastRequestTurns(), [
      { role: 'user', text: 'Chats test: the first chat' },
      { role: 'assistant', text: 'First chat answer' },
      { role: 'user', text: 'Chats test: back in the first' },
    ]);
    assert.equal(await suite.api.openChat('cdoesnotexist'), false);
  });

  it('Regenerate keeps the earlier answer as a branch; each branch keeps what followed it; requests carry the shown path only', async () => {
    await ask('Branch test: question one', 'Answer one');
    await ask('Branch test: question two', 'Answer two');
    const firstAnswer = asAssistant(suite.api.snapshot().messages[1]);
    sim.enqueue({ text: 'Answer one, again' });
    const regenerated = await withTimeout(suite.api.regenerate(firstAnswer.id), 20_000, 'regenerate');
    assert.equal(regenerated?.role === 'assistant' && regenerated.state, 'done');
    assert.deepEqual(lastRequestTurns(), [{ role: 'user', text: 'Branch test: question one' }], 'the regenerate request is not the question alone');
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Branch test: question one', 'Answer one, again']);
    assert.deepEqual(suite.api.currentChat().messages[1]?.branch, { index: 2, count: 2 });

    await suite.api.switchBranch(regenerated!.id, -1);
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Branch test: question one', 'Answer one', 'Branch test: question two', 'Answer two']);
    assert.deepEqual(suite.api.currentChat().messages[1]?.branch, { index: 1, count: 2 });

    // Asking on the first branch sends that branch, not the regenerated answer.
    await ask('Branch test: question three', 'Answer three');
    assert.deepEqual(lastRequestTurns(), [
      { role: 'user', text: 'Branch test: question one' },
      { role: 'assistant', text: 'Answer one' },
      { role: 'user', text: 'Branch test: question two' },
      { role: 'assistant', text: 'Answer two' },
      { role: 'user', text: 'Branch test: question three' },
    ]);
    await suite.api.switchBranch(firstAnswer.id, 1);
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Branch test: question one', 'Answer one, again']);
    await suite.api.switchBranch(regenerated!.id, -1);
    assert.equal(suite.api.snapshot().messages.length, 6, 'the first branch lost its latest path');
  });

  it('Edit asks a sibling question; the original question and its answers stay reachable', async () => {
    await ask('Edit test: question one', 'Answer one');
    await ask('Edit test: question two', 'Answer two');
    const original = suite.api.snapshot().messages[2]!;
    sim.enqueue({ text: 'Answer to the edited question' });
    await withTimeout(suite.api.edit(original.id, 'Edit test: question two, edited'), 20_000, 'edit');
    assert.deepEqual(lastRequestTurns(), [
      { role: 'user', text: 'Edit test: question one' },
      { role: 'assistant', text: 'Answer one' },
      { role: 'user', text: 'Edit test: question two, edited' },
    ]);
    const shown = suite.api.currentChat().messages;
    assert.deepEqual(texts(shown), ['Edit test: question one', 'Answer one', 'Edit test: question two, edited', 'Answer to the edited question']);
    assert.deepEqual(shown[2]?.branch, { index: 2, count: 2 });
    assert.equal(shown[3]?.branch, undefined);
    await suite.api.switchBranch(shown[2]!.id, -1);
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Edit test: question one', 'Answer one', 'Edit test: question two', 'Answer two']);
  });

  it('Export Chat… with a Uri writes the Markdown of the shown path; Copy Chat as Markdown puts the same on the clipboard', async () => {
    await ask('Export test: how do I loop?', 'Use a loop:\n\n```ts\nfor (const x of xs) use(x);\n```');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-export-')), 'chat.md');
    await vscode.commands.executeCommand('sidestream.exportChat', vscode.Uri.file(file));
    const written = fs.readFileSync(file, 'utf8');
    const lines = written.split('\n\n');
    assert.deepEqual(lines.slice(0, 6), [
      '# Export test: how do I loop?',
      '## You',
      'Export test: how do I loop?',
      '## Sidestream',
      'Use a loop:',
      '```ts\nfor (const x of xs) use(x);\n```',
    ]);
    assert.match(lines[6] ?? '', /^_OpenAI · sim-model — TTFT \d+ ms · .*tok\/s · .*tokens.* · stop_\n$/);
    assert.equal(written, suite.api.chatMarkdown());
    await vscode.env.clipboard.writeText('something else');
    await vscode.commands.executeCommand('sidestream.copyChat');
    assert.equal(await vscode.env.clipboard.readText(), written);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('a panel (re)loaded once the answer has ended is not told that it still streams', async () => {
    // What the panel's init says at every change from the question to the end: once the answer has
    // ended, a view that loads (or reloads) must show Send, not wait for an end it was already told about.
    const seen: Array<{ state: string | undefined; streaming: boolean }> = [];
    const listener = suite.api.onDidChange(() => {
      const chat = suite.api.currentChat();
      const answer = chat.messages.at(-1);
      seen.push({ state: answer?.role === 'assistant' ? answer.state : undefined, streaming: chat.streaming });
    });
    try {
      await ask('Chats test: streaming in init', 'An answer that ends.');
    } finally {
      listener.dispose();
    }
    assert.ok(
      seen.some((s) => s.state === 'streaming' && s.streaming),
      `init never said streaming while the answer streamed: ${JSON.stringify(seen)}`,
    );
    const stale = seen.filter((s) => s.state !== undefined && s.state !== 'streaming' && s.streaming);
    assert.deepEqual(stale, [], 'init said streaming after the answer had ended');
    assert.equal(suite.api.currentChat().streaming, false);
  });

  it('a chat can be renamed, deleted and restored with Undo', async () => {
    await ask('Rename test: keep this chat', 'Kept');
    const kept = suite.api.currentChat().id;
    await suite.api.newChat();
    await ask('Rename test: delete this chat', 'Deleted');
    const doomed = suite.api.currentChat().id;
    await suite.api.renameChat(kept, 'Renamed chat');
    assert.equal(suite.api.listChats().find((c) => c.id === kept)?.title, 'Renamed chat');

    // Deleting the open chat leaves the panel on a new, empty chat.
    const undo = await suite.api.deleteChat(doomed);
    assert.ok(undo, 'nothing to undo');
    assert.ok(!suite.api.listChats().some((c) => c.id === doomed), 'the deleted chat is still listed');
    assert.notEqual(suite.api.currentChat().id, doomed);
    assert.equal(suite.api.snapshot().messages.length, 0);
    await undo();
    const back = suite.api.listChats().find((c) => c.id === doomed);
    assert.equal(back?.title, 'Rename test: delete this chat');
    assert.equal(await suite.api.openChat(doomed), true);
    assert.deepEqual(texts(suite.api.snapshot().messages), ['Rename test: delete this chat', 'Deleted']);
  });
});
