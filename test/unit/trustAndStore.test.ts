/**
 * Plain-Node tests of issue 12's parts that need no `vscode`: URL credential redaction, the
 * settings trust policy (which settings a workspace may set), the webview message validator (the
 * durable chat store is in chatStore.test.ts), and that the built extension exports its API only in
 * ExtensionMode.Test.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scrubSecrets } from '../../src/core/errors';
import { redactCredentials, redactUrl } from '../../src/core/redact';
import { BASE_URL_SETTING, PROJECT_SETTINGS, URL_PROVIDERS, USER_ONLY_SETTINGS, chooseValue, legacyBaseUrlTarget } from '../../src/core/settingsPolicy';
import { validateWebviewMessage } from '../../src/features/chat/webviewMessages';
import { settingsOf, type SettingsCategory } from './helpers/manifest';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('URL credential redaction', () => {
  it('hides user:pass@, api-key/token/sig query values, keeps the rest of the URL', () => {
    assert.equal(redactUrl('https://alice:s3cr3t@gw.example.com/v1'), 'https://***@gw.example.com/v1');
    assert.equal(redactUrl('https://token@gw.example.com/v1'), 'https://***@gw.example.com/v1');
    assert.equal(redactUrl('https://gw.example.com/v1?api-key=abc123&region=eu'), 'https://gw.example.com/v1?api-key=***&region=eu');
    assert.equal(redactUrl('http://h/v1?x=1&access_token=zz&sig=qq#f'), 'http://h/v1?x=1&access_token=***&sig=***#f');
    assert.equal(redactUrl('http://127.0.0.1:11434/v1'), 'http://127.0.0.1:11434/v1');
  });

  it('redacts inside free text (log lines, error messages) and in scrubSecrets', () => {
    const line = 'request m1: OpenAI gpt at https://u:p4ss@host.example/v1?apikey=K3Y (openai-chat)';
    const out = redactCredentials(line);
    assert.ok(!out.includes('p4ss') && !out.includes('K3Y'), out);
    assert.ok(out.includes('host.example/v1'), out);
    const scrubbed = scrubSecrets('Could not connect to https://bob:hunter2@10.0.0.2/v1?api-key=XYZ — is it running?');
    assert.ok(!scrubbed.includes('hunter2') && !scrubbed.includes('XYZ'), scrubbed);
  });
});

describe('Settings trust policy', () => {
  const hostile = { defaultValue: 'auto', globalValue: 'openai-compatible', workspaceValue: 'openai' };

  it('provider and every base URL come from the user settings only, even in a trusted workspace', () => {
    for (const key of ['provider', ...URL_PROVIDERS.map((p) => BASE_URL_SETTING[p])]) {
      assert.ok(USER_ONLY_SETTINGS.includes(key), key);
      const chosen = chooseValue(key, hostile, { trusted: true });
      assert.equal(chosen.value, 'openai-compatible', key);
      assert.equal(chosen.ignoredWorkspaceValue, true);
      assert.equal(chosen.reason, 'user-only');
    }
    assert.equal(chooseValue('openaiCompatible.baseUrl', { defaultValue: '', workspaceFolderValue: 'http://evil' }, { trusted: true }).value, '');
  });

  it('a trusted workspace may set the project settings; Restricted Mode reads no workspace value', () => {
    for (const key of PROJECT_SETTINGS) {
      assert.equal(chooseValue(key, { defaultValue: 'd', globalValue: 'u', workspaceValue: 'w' }, { trusted: true }).value, 'w', key);
      const restricted = chooseValue(key, { defaultValue: 'd', globalValue: 'u', workspaceValue: 'w', workspaceFolderValue: 'f' }, { trusted: false });
      assert.equal(restricted.value, 'u', key);
      assert.equal(restricted.reason, 'restricted-mode');
      assert.equal(chooseValue(key, { defaultValue: 'd', workspaceValue: 'w' }, { trusted: false }).value, 'd', key);
    }
  });

  it('the old shared baseUrl migrates to the provider the user chose, else the OpenAI-compatible server', () => {
    assert.equal(legacyBaseUrlTarget('openai'), 'openai');
    assert.equal(legacyBaseUrlTarget('anthropic'), 'anthropic');
    assert.equal(legacyBaseUrlTarget('ollama'), 'ollama');
    assert.equal(legacyBaseUrlTarget('auto'), 'openai-compatible');
    assert.equal(legacyBaseUrlTarget(undefined), 'openai-compatible');
    assert.equal(legacyBaseUrlTarget('vscode-lm'), 'openai-compatible');
  });

  it('package.json declares every base URL machine-scoped and restricts exactly the project settings', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } };
      contributes: { configuration: SettingsCategory<{ scope?: string }> | Array<SettingsCategory<{ scope?: string }>> };
    };
    assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.deepEqual([...(pkg.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [])].sort(), PROJECT_SETTINGS.map((k) => `sidestream.${k}`).sort());
    for (const p of URL_PROVIDERS) assert.equal(settingsOf(pkg)[`sidestream.${BASE_URL_SETTING[p]}`]?.scope, 'machine', p);
    const declared = Object.keys(settingsOf(pkg)).map((k) => k.slice('sidestream.'.length));
    for (const key of declared) assert.ok(USER_ONLY_SETTINGS.includes(key) || PROJECT_SETTINGS.includes(key), `setting ${key} is in neither list`);
  });
});

describe('Webview message validation', () => {
  it('accepts every well-formed message', () => {
    for (const m of [
      { type: 'ready' },
      { type: 'ask', text: 'hi' },
      { type: 'cancel' },
      { type: 'retry', id: 'm1' },
      { type: 'continue', id: 'm1' },
      { type: 'copy', text: 'x' },
      { type: 'insert', text: 'x' },
      { type: 'openLink', href: 'https://example.com' },
      { type: 'runCommand', id: 'openai' },
      { type: 'regenerate', id: 'm1' },
      { type: 'edit', id: 'm1', text: 'new question' },
      { type: 'switchBranch', id: 'm1', delta: -1 },
      { type: 'applyDiagnosisFix', verdict: 'responses' },
    ]) {
      assert.deepEqual(validateWebviewMessage(m), { ok: true, message: m }, JSON.stringify(m));
    }
  });

  it('rejects malformed ones with a reason', () => {
    for (const m of [
      null,
      'ready',
      [],
      {},
      { type: 'nope' },
      { type: 'ask' },
      { type: 'ask', text: 42 },
      { type: 'retry', id: '' },
      { type: 'openLink', href: { toString: 'x' } },
      { type: 'runCommand', command: 'workbench.action.terminal.new', args: ['x'] },
      { type: 'runCommand', id: 'openai', args: ['attacker'] },
      // A diagnosis fix names its verdict only: never a command, a setting or a value.
      { type: 'applyDiagnosisFix', verdict: 'responses', setting: 'openai.baseUrl', value: 'https://evil.example' },
      { type: 'applyDiagnosisFix' },
      // The render report is a test-build hook inside the page, not a message to the host.
      { type: 'rendered', id: 'm1', seq: 3, length: 10 },
      { type: 'copy', text: 'x'.repeat(1_000_001) },
      { type: '__proto__' },
      { type: 'toString' },
    ]) {
      const r = validateWebviewMessage(m);
      assert.equal(r.ok, false, JSON.stringify(m)?.slice(0, 100));
      assert.ok(!r.ok && r.reason.length > 0);
    }
  });
});

describe('Exported API', () => {
  const bundle = path.join(ROOT, 'dist', 'extension.js');
  const probe = path.join(ROOT, 'out', 'bench', 'activateProbe.js');
  const exportsIn = (mode: number): boolean =>
    (
      JSON.parse(
        execFileSync(process.execPath, [probe, bundle, String(mode)], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .pop()!,
      ) as { exportsApi: boolean }
    ).exportsApi;

  it('is returned by activate() in ExtensionMode.Test only (not Production, not Development)', function () {
    if (!fs.existsSync(bundle)) this.skip();
    assert.equal(exportsIn(1), false, 'Production exports the API');
    assert.equal(exportsIn(2), false, 'Development exports the API');
    assert.equal(exportsIn(3), true, 'Test does not export the API');
  });
});
