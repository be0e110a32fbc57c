/**
 * What goes along besides the question, through the real extension, proven by the simulator's
 * request log: the editor selection is cut at the per-file token limit like an attached file, with
 * the note; a follow-up does not send an earlier turn's file again in full when the same file is
 * attached to the new question (the new question carries its current content in full).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Simulator } from '../../src/simulator/Simulator';
import { askByCommand, baseUrlFor, generations, recordedTurns, simLog, suiteKeys, useHostSuite, useWire, useWorkspaceFolder, withTimeout } from './helpers/hostKit';

const FOLDER = 'sidestream-followup-test';

describe('Context: the selection and follow-ups', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('followup'), freshEachTest: true, cleanUp: () => closeAllEditors() });
  const { writeFile } = useWorkspaceFolder(FOLDER);

  /** The user turns of the last request the simulator received. */
  function lastRequestUserTurns(): string[] {
    const requests = generations(sim, 'openai-chat');
    const last = requests.at(-1);
    assert.ok(last, 'no request');
    return recordedTurns(last)
      .filter((t) => t.role === 'user')
      .map((t) => t.text);
  }

  before(async () => {
    await useWire('openai-chat', baseUrlFor('openai-chat', sim));
  });

  it('a selection over 8,000 tokens is cut at a line with the note, in the request and in the saved question', async () => {
    const lines = Array.from({ length: 4_000 }, (_, i) => `line ${i + 1}: the quick brown fox jumps over the lazy dog`);
    const uri = await writeFile('selected.txt', lines.join('\n'));
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(0, 0, lines.length - 1, lines.at(-1)!.length);
    sim.enqueue({ text: 'Noted.' });
    await withTimeout(Promise.resolve(vscode.commands.executeCommand('sidestream.askAboutSelection', 'Summarize the selection.')), 30_000, 'ask about the selection');
    const [sent] = lastRequestUserTurns().slice(-1);
    assert.ok(sent, 'no user turn');
    assert.match(sent, new RegExp(`Selected code from \`${FOLDER}/selected\\.txt\` \\(cut to the first \\d,\\d{3} of \\d{2},\\d{3} tokens\\):\\n`), sent.slice(0, 300));
    assert.ok(sent.includes('line 1: the quick'));
    assert.ok(!sent.includes(lines.at(-1)!), 'the whole selection was sent');
    const saved = suite.api.snapshot().messages.find((m) => m.role === 'user');
    assert.ok(saved && saved.role === 'user');
    assert.equal(saved.contextFiles?.[0]?.kind, 'selection');
    assert.match(saved.contextFiles?.[0]?.truncatedNote ?? '', /^cut to the first/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a follow-up with the same file attached again sends it in full once: the new content in the new question, the earlier turn a reference', async () => {
    const first = 'export const version = "first";\n' + 'export const filler = 1;\n'.repeat(20);
    const uri = await writeFile('evolving.ts', first);
    await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
    sim.enqueue({ text: 'Noted.' });
    await askByCommand('What is the version?');
    assert.deepEqual(suite.attachedChips(), []);

    const second = first.replace('"first"', '"second"');
    await writeFile('evolving.ts', second);
    await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
    sim.enqueue({ text: 'Noted again.' });
    await askByCommand('And now?');

    const turns = lastRequestUserTurns();
    assert.equal(turns.length, 2, JSON.stringify(turns));
    assert.ok(turns[1]!.includes(second), 'the current question has the file in full, as it is now');
    assert.ok(!turns[0]!.includes(first), 'the earlier turn sent the file in full again');
    assert.ok(turns[0]!.startsWith('What is the version?'), 'the earlier question itself is kept');
    assert.match(turns[0]!, new RegExp(`File \`${FOLDER}/evolving\\.ts\` was attached here; not re-sent`));
  });
});

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
