/**
 * Commands another extension can call with arguments (`vscode.commands.executeCommand`): the
 * arguments are untrusted, so Export Chat… and Export Metrics never overwrite an existing file, and
 * Clear API Key never removes a stored key, without the user confirming in a modal dialog. VS Code
 * refuses to show a modal dialog during extension tests and rejects it with the dialog's text, so
 * the tests see both that the confirmation was asked and that nothing happened without it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import { sidestream } from './helpers/hostKit';

/** The command's outcome: what it resolved with, or the message it rejected with. */
async function run(command: string, ...args: unknown[]): Promise<{ value?: unknown; error?: string }> {
  return vscode.commands.executeCommand(command, ...args).then(
    (value) => ({ value }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
}

describe('Commands called with arguments ask before overwriting a file or clearing a key', function () {
  this.timeout(60_000);
  let api: SidestreamApi;
  let dir: string;
  before(async () => {
    api = await sidestream();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-args-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [command, name] of [
    ['sidestream.exportChat', 'notes.md'],
    ['sidestream.exportMetrics', 'sheet.csv'],
  ] as const) {
    it(`${command} with the Uri of an existing file does not overwrite it without confirmation; a new file is written`, async () => {
      const existing = path.join(dir, name);
      fs.writeFileSync(existing, 'precious, not to be lost');
      const outcome = await run(command, vscode.Uri.file(existing));
      assert.equal(fs.readFileSync(existing, 'utf8'), 'precious, not to be lost', `${command} overwrote ${existing} (${JSON.stringify(outcome)})`);
      assert.match(outcome.error ?? '', /already exists/, `the confirmation was asked: ${JSON.stringify(outcome)}`);
      const fresh = path.join(dir, `new-${name}`);
      const written = await run(command, vscode.Uri.file(fresh));
      assert.equal(written.error, undefined);
      assert.ok(fs.existsSync(fresh), `${command} wrote a file that did not exist`);
    });
  }

  it('sidestream.clearApiKey with a provider argument does not remove the stored key without confirmation', async () => {
    await api.keys.store('openai-compatible', 'sk-args-test-key-0000000000');
    try {
      const outcome = await run('sidestream.clearApiKey', 'openai-compatible');
      assert.equal(await api.keys.stored('openai-compatible'), true, `the key was cleared (${JSON.stringify(outcome)})`);
      assert.match(outcome.error ?? '', /Remove the OpenAI-compatible server key/, `the confirmation was asked: ${JSON.stringify(outcome)}`);
      // An argument that names no keyed provider clears nothing.
      await run('sidestream.clearApiKey', '../openai-compatible');
      assert.equal(await api.keys.stored('openai-compatible'), true);
    } finally {
      await api.keys.store('openai-compatible', '');
    }
  });
});
