/**
 * The composer's context through the real extension in the real extension host: files added with
 * Sidestream: Add File to Context (as the explorer passes them) show as chips, go along with the
 * next question — the panel's Ask and the Ask command — fenced with their path on every wire
 * format, and are saved with the question; a file over the limit arrives cut with its note; what is
 * sent is the file as it is at send time; a removed chip sends nothing; binary files are refused;
 * at most 10 files go along. The simulator's request log proves what the provider received.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { UserMessageView } from '../../src/shared/protocol';
import { Simulator } from '../../src/simulator/Simulator';
import { observeDialogs, type ObservedDialogs } from './helpers/dialogs';
import {
  WIRES,
  askByCommand,
  baseUrlFor,
  generations,
  recordedTurns,
  simLog,
  suiteKeys,
  useHostSuite,
  useWire,
  useWorkspaceFolder,
  waitFor,
  withTimeout,
  type Wire,
} from './helpers/hostKit';

const FOLDER = 'sidestream-context-test';

describe('Context files', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('context'), freshEachTest: true });
  const workspace = useWorkspaceFolder(FOLDER);
  const writeFile = workspace.writeFile;

  /** The last user turn the simulator received for `wire`. */
  function lastUserTurn(wire: Wire): string {
    const requests = generations(sim, wire);
    assert.equal(requests.length, 1, `expected one ${wire} request, got ${requests.length}`);
    const turn = recordedTurns(requests[0]!)
      .filter((t) => t.role === 'user')
      .at(-1);
    assert.ok(turn, 'the request has no user turn');
    return turn.text;
  }

  function savedQuestion(): UserMessageView {
    const user = suite.api.snapshot().messages.find((m) => m.role === 'user');
    assert.ok(user && user.role === 'user', 'no saved question');
    return user;
  }

  async function ask(question: string): Promise<void> {
    sim.enqueue({ text: 'Noted.' });
    await withTimeout(suite.api.ask(question), 20_000, `ask "${question}"`);
  }

  for (const wire of WIRES) {
    it(`${wire}: an added file shows as a chip, goes along fenced with its path, and is saved with the question`, async () => {
      await useWire(wire, baseUrlFor(wire, sim));
      const content = `export function greet(name: string): string {\n  return \`Hello, \${name} (${wire})\`;\n}`;
      const uri = await writeFile('greet.ts', content);
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);

      const chips = suite.attachedChips();
      assert.equal(chips.length, 1, JSON.stringify(chips));
      assert.equal(chips[0]!.kind, 'file');
      assert.equal(chips[0]!.label, 'greet.ts');
      assert.equal(chips[0]!.description, `${FOLDER}/greet.ts`);
      assert.ok(chips[0]!.tokens > 10 && chips[0]!.tokens < 100, `token estimate ${chips[0]!.tokens}`);
      assert.equal(chips[0]!.truncatedNote, undefined);

      await ask('What does this function return?');
      const sent = lastUserTurn(wire);
      assert.ok(sent.startsWith('What does this function return?'), sent);
      assert.ok(sent.includes(`File \`${FOLDER}/greet.ts\`:\n\`\`\`typescript\n${content}\n\`\`\``), `the file is not fenced with its path in:\n${sent}`);

      const saved = savedQuestion().contextFiles;
      assert.deepEqual(
        saved?.map((f) => ({ kind: f.kind, fileName: f.fileName, languageId: f.languageId, text: f.text, note: f.truncatedNote })),
        [{ kind: 'file', fileName: `${FOLDER}/greet.ts`, languageId: 'typescript', text: content, note: undefined }],
      );
      assert.equal(saved[0]!.tokens, chips[0]!.tokens);
      assert.deepEqual(suite.attachedChips(), [], 'the chips stay after sending');
    });
  }

  describe('openai-chat', () => {
    before(async () => {
      await useWire('openai-chat', baseUrlFor('openai-chat', sim));
    });

    describe('links, pipes and where a file really is', () => {
      let dialogs: ObservedDialogs;
      let outside: string;
      /** FIFOs made by a test: a reader still blocked on one (the code before the fix) is let go after it. */
      const fifos: string[] = [];

      beforeEach(async function () {
        if (process.platform === 'win32') this.skip();
        await writeFile('placeholder.txt', 'keeps the folder');
        outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-outside-')));
        fs.mkdirSync(path.join(outside, '.ssh'));
        fs.writeFileSync(path.join(outside, 'diary.txt'), 'private diary entry');
        fs.writeFileSync(path.join(outside, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY----- not a real key');
        dialogs = observeDialogs();
      });

      afterEach(() => {
        dialogs?.dispose();
        for (const fifo of fifos.splice(0)) {
          try {
            fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
          } catch {
            // nobody reading
          }
          fs.rmSync(fifo, { force: true });
        }
        if (outside) fs.rmSync(outside, { recursive: true, force: true });
      });

      /** A link at FOLDER/name in the workspace to `target`. */
      function link(name: string, target: string): vscode.Uri {
        const uri = vscode.Uri.joinPath(workspace.root, FOLDER, name);
        fs.rmSync(uri.fsPath, { force: true });
        fs.symlinkSync(target, uri.fsPath);
        return uri;
      }

      it('asks before a link in the workspace that leads outside it goes along; declined, nothing is attached', async () => {
        const uri = link('notes-link.md', path.join(outside, 'diary.txt'));
        await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
        const [question] = dialogs.modal();
        assert.ok(question, 'a link leading outside the workspace was attached without asking');
        assert.ok(question.message.includes('outside the workspace folders') && question.message.includes(path.join(outside, 'diary.txt')), question.message);
        assert.deepEqual(suite.attachedChips(), [], 'declined, yet attached');

        dialogs.answer = 'Attach Anyway';
        await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
        assert.equal(suite.attachedChips().length, 1, 'confirmed, yet not attached');
        await ask('What is in my notes?');
        assert.ok(lastUserTurn('openai-chat').includes('private diary entry'));
      });

      it('asks before a link named like a plain file that leads to a private key goes along (an untrusted repository)', async () => {
        const uri = link('readme-link.md', path.join(outside, '.ssh', 'id_rsa'));
        await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
        const [question] = dialogs.modal();
        assert.ok(question, 'a link to a private key was attached without asking');
        assert.match(question.message, /looks like it holds secrets/);
        assert.ok(question.message.includes('id_rsa'), question.message);
        assert.deepEqual(suite.attachedChips(), []);
        await ask('Anything attached?');
        assert.equal(lastUserTurn('openai-chat'), 'Anything attached?');
      });

      it('sends a link retargeted after attaching, now to a private key, as it was attached: the key is not read', async () => {
        const draft = await writeFile('draft.txt', 'my harmless draft');
        const uri = link('current.md', draft.fsPath);
        await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
        assert.deepEqual(dialogs.modal(), [], 'a link within the workspace asked');
        assert.equal(suite.attachedChips().length, 1);
        link('current.md', path.join(outside, '.ssh', 'id_rsa'));
        await ask('Read my draft.');
        const sent = lastUserTurn('openai-chat');
        assert.ok(!sent.includes('PRIVATE KEY'), `the private key went along:\n${sent}`);
        assert.ok(sent.includes('my harmless draft'), sent);
      });

      it('refuses a FIFO at once, saying what it is', async function () {
        this.timeout(15_000);
        const uri = vscode.Uri.joinPath(workspace.root, FOLDER, 'pipe.txt');
        fs.rmSync(uri.fsPath, { force: true });
        execFileSync('mkfifo', [uri.fsPath]);
        fifos.push(uri.fsPath);
        await withTimeout(Promise.resolve(vscode.commands.executeCommand('sidestream.addFileToContext', uri)), 5_000, 'adding a FIFO');
        assert.deepEqual(suite.attachedChips(), []);
        const warning = dialogs.asked.find((q) => !q.modal);
        assert.ok(warning, 'no message said why');
        assert.match(warning.message, /pipe\.txt is a named pipe \(FIFO\), not a file/);
      });
    });

    it('cuts a file over 8,000 tokens at a line and says so on the chip, in the request and in the saved question', async () => {
      const lines = Array.from({ length: 4_000 }, (_, i) => `line ${i + 1}: the quick brown fox jumps over the lazy dog`);
      const uri = await writeFile('big.txt', lines.join('\n'));
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
      const [chip] = suite.attachedChips();
      assert.ok(chip, 'no chip for the big file');
      assert.match(chip.truncatedNote ?? '', /^cut to the first \d,\d{3} of \d{2},\d{3} tokens$/);
      assert.ok(chip.tokens <= 8_000 && chip.tokens > 7_500, `chip tokens ${chip.tokens}`);

      await ask('Summarize the log.');
      const sent = lastUserTurn('openai-chat');
      assert.ok(sent.includes(`File \`${FOLDER}/big.txt\` (${chip.truncatedNote}):\n`), `no note in:\n${sent.slice(0, 300)}`);
      assert.ok(sent.includes('line 1: the quick'));
      assert.ok(!sent.includes(`${lines.at(-1)!}`), 'the last line was sent');
      const lastSent = /line (\d+): [^\n]*\n```$/.exec(sent);
      assert.ok(lastSent, 'the cut does not end with a whole line');
      const saved = savedQuestion().contextFiles?.[0];
      assert.equal(saved?.truncatedNote, chip.truncatedNote);
      assert.ok(saved?.text.endsWith(lines[Number(lastSent[1]) - 1]!), 'the saved text is not what was sent');
    });

    it('sends the file as it is when the question is sent, not as it was when added', async () => {
      const uri = await writeFile('notes.md', 'first draft');
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
      assert.equal(suite.attachedChips().length, 1);
      await writeFile('notes.md', 'second draft, edited after adding');
      await ask('Read my notes.');
      const sent = lastUserTurn('openai-chat');
      assert.ok(sent.includes('second draft, edited after adding'), sent);
      assert.ok(!sent.includes('first draft'), sent);
    });

    it('sends nothing for a removed chip', async () => {
      const uri = await writeFile('removed.ts', 'export const removedMarker = 42;');
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
      const [chip] = suite.attachedChips();
      assert.ok(chip);
      suite.api.removeContext(chip.id);
      assert.deepEqual(suite.attachedChips(), []);
      await ask('Anything attached?');
      const sent = lastUserTurn('openai-chat');
      assert.equal(sent, 'Anything attached?');
      assert.equal(savedQuestion().contextFiles, undefined);
    });

    it('refuses a binary file', async () => {
      const uri = await writeFile('image.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
      assert.deepEqual(suite.attachedChips(), [], 'a binary file got a chip');
      await ask('Describe the image.');
      assert.equal(lastUserTurn('openai-chat'), 'Describe the image.');
    });

    it('adds the files selected in the explorer, at most 10', async () => {
      const uris: vscode.Uri[] = [];
      for (let i = 1; i <= 11; i++) uris.push(await writeFile(`many-${i}.txt`, `file number ${i}`));
      await vscode.commands.executeCommand('sidestream.addFileToContext', uris[0], uris);
      const chips = suite.attachedChips();
      assert.deepEqual(
        chips.map((c) => c.label),
        uris.slice(0, 10).map((_, i) => `many-${i + 1}.txt`),
      );
    });

    it('offers the active file as a suggestion that follows the editor; + attaches it, × hides it until the editor changes', async () => {
      const first = await writeFile('active-one.txt', 'export const one = 1;');
      const second = await writeFile('active-two.txt', 'export const two = 2;');
      const offered = (label: string) => () => suite.api.contextChips().find((c) => c.suggested && c.label === label);
      await vscode.window.showTextDocument(first);
      const chip = await waitFor('the active file offered', 5_000, offered('active-one.txt'));
      assert.equal(chip.kind, 'activeFile');
      assert.deepEqual(suite.attachedChips(), [], 'the active file was attached without the user asking');

      suite.api.removeContext(chip.id);
      assert.equal(offered('active-one.txt')(), undefined, 'a removed suggestion is still offered');
      await vscode.window.showTextDocument(second);
      const next = await waitFor('the next active file offered', 5_000, offered('active-two.txt'));

      await suite.api.attachContext(next.id);
      assert.deepEqual(
        suite.attachedChips().map((c) => [c.kind, c.label]),
        [['file', 'active-two.txt']],
      );
      assert.equal(offered('active-two.txt')(), undefined, 'an attached file is still offered as well');
      await ask('And this one?');
      assert.ok(lastUserTurn('openai-chat').includes('export const two = 2;'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('the Ask command sends the attached files too', async () => {
      const uri = await writeFile('command.ts', 'export const viaCommand = true;');
      await vscode.commands.executeCommand('sidestream.addFileToContext', uri);
      sim.enqueue({ text: 'Noted.' });
      await askByCommand('Asked from the palette');
      const sent = lastUserTurn('openai-chat');
      assert.ok(sent.includes(`File \`${FOLDER}/command.ts\`:\n\`\`\`typescript\nexport const viaCommand = true;\n\`\`\``), sent);
      assert.equal(savedQuestion().contextFiles?.[0]?.fileName, `${FOLDER}/command.ts`);
      assert.deepEqual(suite.attachedChips(), []);
    });
  });
});
