/**
 * Secrets, through the real extension in the real extension host: a canary API key goes through
 * the use / fail-401 (with a server that echoes it back) / retry paths on each wire format, a
 * workspace tries to redirect requests (and so the key) to another server through
 * `sidestream.baseUrl`, and then the canary is searched for everywhere the extension writes:
 * the conversation snapshot and error messages, every sidestream.* setting at every scope, the
 * Sidestream log file and every other file under the server's user-data folder (state databases
 * included) and the workspace folder. It must appear nowhere.
 *
 * The key reaches the extension through OPENAI_API_KEY / ANTHROPIC_API_KEY (its fallback after
 * SecretStorage) because an extension-host test cannot type into the password input box;
 * test/e2e/secrets.test.ts covers the SecretStorage path through the real UI.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import type { SimScript } from '../../src/simulator/script';
import { Simulator } from '../../src/simulator/Simulator';
import {
  EXTENSION_ID,
  RejectionCounter,
  simLog,
  WIRES,
  baseUrlFor,
  delay,
  freshChat,
  generations,
  lastAssistant,
  resetSettings,
  setSetting,
  setEnvKeys,
  sidestream,
  useWire,
  waitFor,
  withTimeout,
  type Wire,
} from './support/hostKit';

const CANARY = `sk-canary-ZZ9${randomBytes(12).toString('hex')}`;
const ANSWER = 'The key worked.';
const MAX_SCANNED_FILE_BYTES = 64 * 2 ** 20;

/** A 401 whose body echoes the key back, as api.openai.com does ("Incorrect API key provided: sk-…"). */
function echoing401(wire: Wire): SimScript {
  const body =
    wire === 'anthropic'
      ? { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${CANARY}` } }
      : { error: { message: `Incorrect API key provided: ${CANARY}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
  return { fault: { kind: 'status', status: 401, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } };
}

describe('Secrets: the API key leaks nowhere', function () {
  this.timeout(90_000);
  const wrongKeySim = new Simulator({ log: simLog, apiKey: 'sk-not-the-canary-0000000000' });
  const rightKeySim = new Simulator({ log: simLog, apiKey: CANARY });
  const evilSim = new Simulator({ log: simLog });
  /** Accepts any key and plays the enqueued 401 that echoes the key back. */
  const echoSim = new Simulator({ log: simLog });
  const rejections = new RejectionCounter();
  const seenErrors: string[] = [];
  let api: SidestreamApi;
  let restoreEnv = (): void => undefined;
  let workspaceSettingsFile: string | undefined;

  before(async () => {
    api = await sidestream();
    await Promise.all([wrongKeySim.start(), rightKeySim.start(), evilSim.start(), echoSim.start()]);
    restoreEnv = setEnvKeys(CANARY, CANARY);
    rejections.install();
  });

  after(async () => {
    rejections.dispose();
    if (workspaceSettingsFile) fs.rmSync(workspaceSettingsFile, { force: true });
    await vscode.workspace.getConfiguration('sidestream').update('baseUrl', undefined, vscode.ConfigurationTarget.Workspace).then(undefined, () => undefined);
    await freshChat(api).catch(() => undefined);
    await resetSettings();
    restoreEnv();
    await Promise.all([wrongKeySim.stop(), rightKeySim.stop(), evilSim.stop(), echoSim.stop()]);
  });

  afterEach(() => rejections.assertNone());

  for (const wire of WIRES) {
    it(`${wire}: fails with 401 without showing the echoed key, then Retry with the right server works`, async () => {
      await freshChat(api);
      wrongKeySim.reset();
      rightKeySim.reset();
      echoSim.reset();
      // First a server echoes the key in its error; then one that wants another key rejects it.
      echoSim.enqueue(echoing401(wire));
      for (const sim of [echoSim, wrongKeySim]) {
        const i = sim === echoSim ? 0 : 1;
        await useWire(wire, baseUrlFor(wire, sim));
        const failed = await withTimeout(api.ask(`Secrets test ${wire} ${i}`), 20_000, 'the 401 answer');
        assert.ok(failed?.role === 'assistant');
        const shown = lastAssistant(api);
        assert.equal(shown.state, 'error', JSON.stringify(shown));
        assert.equal(shown.error?.kind, 'auth');
        seenErrors.push(shown.error?.message ?? '');
        assert.ok(!shown.error?.message.includes(CANARY), `the key is shown in the error: ${shown.error?.message}`);
        assert.doesNotMatch(shown.error?.message ?? '', /ZZ9[0-9a-f]{6,}/, 'part of the key is shown in the error');
        assert.ok(!JSON.stringify(api.snapshot()).includes(CANARY), 'the key is in the snapshot');
      }
      assert.equal(generations(echoSim, wire).length, 1);
      assert.equal(generations(wrongKeySim, wire).length, 1);

      await setSetting('baseUrl', baseUrlFor(wire, rightKeySim));
      rightKeySim.enqueue({ text: ANSWER });
      await withTimeout(Promise.resolve(vscode.commands.executeCommand('sidestream.retry', lastAssistant(api).id)), 20_000, 'sidestream.retry');
      const retried = lastAssistant(api);
      assert.equal(retried.state, 'done', JSON.stringify(retried));
      assert.equal(retried.text, ANSWER);
      // The server that requires the canary accepted it: the key went where it was configured.
      const accepted = generations(rightKeySim, wire);
      assert.equal(accepted.length, 1);
      assert.equal(accepted[0]?.status, 200);
    });
  }

  it('a workspace cannot redirect requests (and the key) with sidestream.baseUrl', async () => {
    await freshChat(api);
    await useWire('openai-chat', rightKeySim.openAIBaseUrl);
    rightKeySim.reset();
    evilSim.reset();
    const evilUrl = evilSim.openAIBaseUrl;
    const config = vscode.workspace.getConfiguration('sidestream');
    // Through the API: VS Code refuses a machine-scoped setting in the workspace (or the extension ignores it).
    let rejected = false;
    await config.update('baseUrl', evilUrl, vscode.ConfigurationTarget.Workspace).then(undefined, () => (rejected = true));
    // Through a file in the repository, as a malicious project would ship it.
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the test window has no workspace folder');
    const dir = path.join(folder, '.vscode');
    fs.mkdirSync(dir, { recursive: true });
    workspaceSettingsFile = path.join(dir, 'settings.json');
    fs.writeFileSync(workspaceSettingsFile, JSON.stringify({ 'sidestream.baseUrl': evilUrl, 'sidestream.provider': 'openai' }, null, 2));
    // Give the configuration service time to read the file (it may also never report the value).
    await waitFor('the workspace settings file to be read', 3_000, () => (vscode.workspace.getConfiguration('sidestream').inspect('baseUrl')?.workspaceValue ? true : undefined)).catch(() => undefined);
    await delay(300);
    const inspected = vscode.workspace.getConfiguration('sidestream').inspect<string>('baseUrl');
    assert.equal(inspected?.globalValue, rightKeySim.openAIBaseUrl, 'the user setting changed');

    rightKeySim.enqueue({ text: ANSWER });
    const answer = await withTimeout(api.ask('Where does this go?'), 20_000, 'the answer');
    assert.equal(answer?.role === 'assistant' && answer.state, 'done', JSON.stringify(answer));
    assert.equal(generations(evilSim, 'openai-chat').length, 0, 'the workspace redirected the request (and the API key) to another server');
    assert.equal(evilSim.stats().requests, 0, 'the workspace server received a request');
    assert.equal(generations(rightKeySim, 'openai-chat').length, 1, 'the request did not go to the user-configured server');
    console.log(`      workspace baseUrl: update() ${rejected ? 'rejected' : 'accepted but ignored'}; workspaceValue ${JSON.stringify(inspected?.workspaceValue)}`);
    fs.rmSync(workspaceSettingsFile, { force: true });
    workspaceSettingsFile = undefined;
  });

  it('the canary is nowhere: snapshot, errors, settings, log file, state databases', async () => {
    // Let debounced saves and log writes reach the disk.
    await delay(1_500);
    const snapshot = JSON.stringify(api.snapshot());
    assert.ok(!snapshot.includes(CANARY), 'the key is in the snapshot');
    for (const message of seenErrors) assert.ok(!message.includes(CANARY), `the key is in an error: ${message}`);

    const properties = Object.keys(
      ((vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> } } })?.contributes?.configuration?.properties) ?? {},
    );
    assert.ok(properties.length > 5, 'no contributed settings found');
    for (const key of properties) {
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      assert.ok(!JSON.stringify(inspected ?? {}).includes(CANARY), `the key is in the setting ${key}`);
    }

    const userDataDir = serverUserDataDir();
    assert.ok(userDataDir && fs.existsSync(userDataDir), `could not find the server's user-data folder (got ${userDataDir})`);
    const files = listFiles(userDataDir);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (folder) files.push(...listFiles(folder));
    const logs = files.filter((f) => /sidestream/i.test(f) && f.endsWith('.log'));
    assert.ok(logs.length > 0, `no Sidestream log file under ${userDataDir}:\n${files.filter((f) => f.endsWith('.log')).join('\n')}`);
    assert.ok(logs.some((f) => fs.readFileSync(f, 'utf8').includes('request ')), 'the Sidestream log has no request lines: the search would prove nothing');
    const stateDbs = files.filter((f) => /state\.vscdb/.test(f));
    const needle = Buffer.from(CANARY, 'utf8');
    const leaks = files.filter((f) => {
      const size = fs.statSync(f).size;
      return size <= MAX_SCANNED_FILE_BYTES && fs.readFileSync(f).includes(needle);
    });
    assert.deepEqual(leaks, [], 'the API key was written to disk');
    console.log(`      searched ${files.length} files (${logs.length} Sidestream log(s), ${stateDbs.length} state database file(s)) under ${userDataDir}`);
  });
});

/** The code-server user-data folder, from the `--user-data-dir` of an ancestor process (Linux). */
function serverUserDataDir(): string | undefined {
  const fromEnv = process.env.SIDESTREAM_USER_DATA_DIR;
  if (fromEnv) return fromEnv;
  let pid = process.pid;
  for (let depth = 0; depth < 8 && pid > 1; depth++) {
    try {
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--user-data-dir');
      if (i >= 0 && args[i + 1]) return args[i + 1];
      const inline = args.find((a) => a.startsWith('--user-data-dir='));
      if (inline) return inline.slice('--user-data-dir='.length);
      const ppid = /PPid:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      pid = Number(ppid ?? 0);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Every regular file under `dir` (bounded), skipping extension installs. */
function listFiles(dir: string, out: string[] = [], budget = { left: 20_000 }): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (budget.left-- <= 0) break;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'CachedExtensionVSIXs') continue;
      listFiles(full, out, budget);
    } else if (entry.isFile()) {
      out.push(full);
    }
  }
  return out;
}
