/**
 * Sidestream: Diagnose Server in the real extension host, against the wire simulator set up as a
 * misconfigured Ollama (a 4,096-token window loaded of the model's 131,072, tool calls written as
 * text, no usage, no /v1/responses): the command diagnoses the configured server, shows the card
 * (a read-only Markdown document, one verdict a line with each problem's fix), remembers what it
 * found, and applies the fix it can — switching `sidestream.ollama.api` back to chat.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { Diagnosis, Verdict, VerdictId } from '../../src/core/diagnose';
import type { DiagnoseResult } from '../../src/features/diagnose/diagnoseFeature';
import { Simulator } from '../../src/simulator/Simulator';
import { resetSettings, setSetting, simLog, useHostSuite, waitFor, withTimeout } from './helpers/hostKit';

function verdict(d: Diagnosis, id: VerdictId): Verdict {
  const v = d.verdicts.find((x) => x.id === id);
  assert.ok(v, `no ${id} verdict in ${JSON.stringify(d.verdicts)}`);
  return v;
}

async function diagnose(): Promise<DiagnoseResult> {
  const result = await withTimeout(Promise.resolve(vscode.commands.executeCommand<DiagnoseResult | undefined>('sidestream.diagnoseServer')), 20_000, 'Diagnose Server');
  assert.ok(result, 'Diagnose Server found nothing to diagnose');
  return result;
}

describe('Diagnose Server: a misconfigured local server', function () {
  this.timeout(60_000);
  const sim = new Simulator({
    log: simLog,
    models: ['llama3.2', 'qwen3'],
    server: { kind: 'ollama', tools: 'text', context: { loaded: 4096, model: 131_072 }, noResponses: true },
    defaultScript: { includeUsage: false },
  });
  const suite = useHostSuite({ sims: [sim] });

  /** Another view container takes the side bar: the chat panel is out of sight. */
  async function closePanel(): Promise<void> {
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the panel to be out of sight', 10_000, () => (suite.api.snapshot().panelVisible ? undefined : true));
  }

  beforeEach(async () => {
    await resetSettings();
    await setSetting('provider', 'ollama');
    await setSetting('ollama.baseUrl', sim.openAIBaseUrl);
    await setSetting('model', 'llama3.2');
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a verdict per line, each problem with its fix, in a read-only Markdown card', async () => {
    await closePanel();
    const { diagnosis: d, document, inPanel } = await diagnose();
    assert.equal(inPanel, false, 'the panel is closed: the card is the Markdown document');
    assert.equal(d.provider, 'ollama');
    assert.equal(d.model, 'llama3.2');
    assert.deepEqual(
      d.verdicts.map((v) => v.id),
      ['reachable', 'models', 'streams', 'usage', 'reasoning', 'tools', 'responses', 'context', 'speed'],
    );
    assert.equal(verdict(d, 'reachable').status, 'ok');
    assert.equal(verdict(d, 'streams').status, 'ok');
    const usage = verdict(d, 'usage');
    assert.equal(usage.status, 'warn');
    const tools = verdict(d, 'tools');
    assert.equal(tools.status, 'warn');
    assert.match(tools.line, /written as text/);
    assert.deepEqual(tools.action, { kind: 'command', command: 'sidestream.selectModel', title: 'Select Model' });
    assert.equal(verdict(d, 'responses').status, 'info', 'no Responses API is a fact on Chat, not a problem');
    const context = verdict(d, 'context');
    assert.equal(context.status, 'warn');
    assert.match(context.line, /loaded 4,096 tokens of the model’s 131,072/);
    assert.match(context.fix ?? '', /Raise num_ctx/);
    assert.equal(d.problems, 3, JSON.stringify(d.verdicts));

    // The card: shown, read-only (its own scheme), a line per verdict and the fixes.
    assert.equal(document.scheme, 'sidestream-diagnosis');
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === document.toString());
    assert.ok(shown, 'the diagnosis card is not shown');
    assert.equal(shown.document.languageId, 'markdown');
    const text = shown.document.getText();
    for (const v of d.verdicts) assert.ok(text.includes(v.line), `the card lacks the line "${v.line}"`);
    assert.match(text, /⚠️ \*\*Warning:\*\* Context window: Ollama loaded 4,096/);
    assert.match(text, /Fix: .*Raise num_ctx/);
    assert.match(text, /3 problem\(s\) found\./);
    assert.equal(text.split('\n').filter((l) => /^- /.test(l)).length, d.verdicts.length, 'not one line per verdict');
  });

  it('with the chat panel open, the card goes to the panel', async () => {
    await vscode.commands.executeCommand('sidestream.chatView.focus');
    await waitFor('the panel to be ready and in sight', 30_000, () => (suite.api.snapshot().panelVisible ? true : undefined));
    const posts = suite.api.snapshot().postCount;
    const { diagnosis, inPanel } = await diagnose();
    assert.equal(inPanel, true, 'the card did not go to the open panel');
    assert.ok(suite.api.snapshot().postCount > posts, 'nothing was posted to the panel');
    assert.equal(diagnosis.problems, 3);
    assert.equal(
      vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'sidestream-diagnosis'),
      false,
      'the Markdown document was shown as well',
    );
  });

  it('api set to Responses on a server without it: a failure, and its fix switches the api setting back to chat', async () => {
    await setSetting('ollama.api', 'responses');
    const before = (await diagnose()).diagnosis;
    const responses = verdict(before, 'responses');
    assert.equal(responses.status, 'fail', JSON.stringify(before.verdicts));
    assert.deepEqual(responses.action, { kind: 'setting', setting: 'ollama.api', value: 'chat', title: 'Set sidestream.ollama.api to chat' });
    assert.equal(await vscode.commands.executeCommand('sidestream.applyDiagnosisFix', 'responses'), true);
    assert.equal(vscode.workspace.getConfiguration('sidestream').get('ollama.api'), 'chat', 'the fix did not switch the api setting');
    const after = (await diagnose()).diagnosis;
    assert.equal(after.api, 'openai-chat');
    assert.equal(verdict(after, 'responses').status, 'info');
    // A verdict without a fix applies nothing.
    assert.equal(await vscode.commands.executeCommand('sidestream.applyDiagnosisFix', 'reachable'), false);
  });

  it('Select Model marks the model whose last diagnosis found a problem, with what it found', async () => {
    await diagnose();
    const window = vscode.window as unknown as Record<string, unknown>;
    const original = window.showQuickPick;
    let shown: vscode.QuickPickItem[] | undefined;
    window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
      shown = [...(await items)];
      return undefined;
    };
    try {
      await withTimeout(Promise.resolve(vscode.commands.executeCommand('sidestream.selectModel')), 20_000, 'Select Model');
    } finally {
      window.showQuickPick = original;
    }
    assert.ok(shown, 'Select Model showed no list');
    const diagnosed = shown.find((i) => i.label === 'llama3.2');
    const other = shown.find((i) => i.label === 'qwen3');
    assert.ok(diagnosed && other, JSON.stringify(shown));
    assert.match(diagnosed.description ?? '', /current · last diagnosis: 3 problem\(s\)/);
    assert.match(diagnosed.detail ?? '', /Context window: Ollama loaded 4,096/);
    assert.equal((diagnosed.iconPath as vscode.ThemeIcon | undefined)?.id, 'warning');
    assert.equal(other.description, undefined, 'a model never diagnosed is marked');
  });

  it('an unreachable server: one failure naming the base URL, with the setting to fix it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await setSetting('ollama.baseUrl', `http://127.0.0.1:${port}/v1`);
    const { diagnosis: d } = await diagnose();
    const reachable = verdict(d, 'reachable');
    assert.equal(reachable.status, 'fail', JSON.stringify(d.verdicts));
    assert.match(reachable.fix ?? '', /Start Ollama/);
    assert.ok(reachable.action?.kind === 'setting' && reachable.action.setting === 'ollama.baseUrl' && reachable.action.value === undefined, JSON.stringify(reachable.action));
    assert.ok(
      d.verdicts.filter((v) => v.id !== 'reachable').every((v) => v.status === 'skip'),
      JSON.stringify(d.verdicts),
    );
  });
});
