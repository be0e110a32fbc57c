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
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SimScript } from '../../src/simulator/script';
import { Simulator } from '../../src/simulator/Simulator';
import { listFiles } from '../harness/files';
import {
  EXTENSION_ID,
  simLog,
  WIRES,
  baseUrlFor,
  baseUrlKey,
  delay,
  freshChat,
  generations,
  lastAssistant,
  resetSettings,
  setSetting,
  useHostSuite,
  useWire,
  waitFor,
  withTimeout,
  type Wire,
} from './helpers/hostKit';

const CANARY = `sk-canary-ZZ9${randomBytes(12).toString('hex')}`;
const ANSWER = 'The key worked.';
const MAX_SCANNED_FILE_BYTES = 64 * 2 ** 20;

/** A 401 whose body echoes the key back, as api.openai.com does ("Incorrect API key provided: sk-…"). */
function echoing401(wire: Wire): SimScript {
  const body =
    wire === 'anthropic'
      ? { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key: ${CANARY}` } }
      : {
          error: {
            message: `Incorrect API key provided: ${CANARY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        };
  return { fault: { kind: 'status', status: 401, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } };
}

describe('Secrets: the API key leaks nowhere', function () {
  this.timeout(90_000);
  const wrongKeySim = new Simulator({ log: simLog, apiKey: 'sk-not-the-canary-0000000000' });
  const rightKeySim = new Simulator({ log: simLog, apiKey: CANARY });
  const evilSim = new Simulator({ log: simLog });
  /** Accepts any key and plays the enqueued 401 that echoes the key back. */
  const echoSim = new Simulator({ log: simLog });
  const seenErrors: string[] = [];
  let workspaceSettingsFile: string | undefined;
  const suite = useHostSuite({
    sims: [wrongKeySim, rightKeySim, evilSim, echoSim],
    keys: [CANARY, CANARY],
    cleanUp: async () => {
      if (workspaceSettingsFile) fs.rmSync(workspaceSettingsFile, { force: true });
      await Promise.resolve(vscode.workspace.getConfiguration('sidestream').update('model', undefined, vscode.ConfigurationTarget.Workspace)).catch(() => undefined);
    },
  });

  for (const wire of WIRES) {
    it(`${wire}: fails with 401 without showing the echoed key, then Retry with the right server works`, async () => {
      await freshChat(suite.api);
      wrongKeySim.reset();
      rightKeySim.reset();
      echoSim.reset();
      // First a server echoes the key in its error; then one that wants another key rejects it.
      echoSim.enqueue(echoing401(wire));
      for (const sim of [echoSim, wrongKeySim]) {
        const i = sim === echoSim ? 0 : 1;
        await useWire(wire, baseUrlFor(wire, sim));
        const failed = await withTimeout(suite.api.ask(`Secrets test ${wire} ${i}`), 20_000, 'the 401 answer');
        assert.ok(failed?.role === 'assistant');
        const shown = lastAssistant(suite.api);
        assert.equal(shown.state, 'error', JSON.stringify(shown));
        assert.equal(shown.error?.kind, 'auth');
        seenErrors.push(shown.error?.message ?? '');
        assert.ok(!shown.error?.message.includes(CANARY), `the key is shown in the error: ${shown.error?.message}`);
        assert.doesNotMatch(shown.error?.message ?? '', /ZZ9[0-9a-f]{6,}/, 'part of the key is shown in the error');
        assert.ok(!JSON.stringify(suite.api.snapshot()).includes(CANARY), 'the key is in the snapshot');
      }
      assert.equal(generations(echoSim, wire).length, 1);
      assert.equal(generations(wrongKeySim, wire).length, 1);

      await setSetting(baseUrlKey(wire), baseUrlFor(wire, rightKeySim));
      rightKeySim.enqueue({ text: ANSWER });
      await withTimeout(suite.api.retry(lastAssistant(suite.api).id), 20_000, 'retry');
      const retried = lastAssistant(suite.api);
      assert.equal(retried.state, 'done', JSON.stringify(retried));
      assert.equal(retried.text, ANSWER);
      // The server that requires the canary accepted it: the key went where it was configured.
      const accepted = generations(rightKeySim, wire);
      assert.equal(accepted.length, 1);
      assert.equal(accepted[0]?.status, 200);
    });
  }

  /** Every setting a hostile repository could use to steer requests, all pointing at `url`. */
  function hostileWorkspaceSettings(url: string, provider: string): Record<string, unknown> {
    const settings: Record<string, unknown> = { 'sidestream.provider': provider, 'sidestream.baseUrl': url, 'sidestream.model': 'sim-model' };
    for (const key of ['openai', 'anthropic', 'openaiCompatible', 'ollama', 'lmstudio', 'llamacpp', 'vllm'])
      settings[`sidestream.${key}.baseUrl`] = key === 'anthropic' ? url.replace(/\/v1$/, '') : url;
    return settings;
  }

  async function writeWorkspaceSettings(settings: Record<string, unknown>): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the test window has no workspace folder');
    const dir = path.join(folder, '.vscode');
    fs.mkdirSync(dir, { recursive: true });
    workspaceSettingsFile = path.join(dir, 'settings.json');
    fs.writeFileSync(workspaceSettingsFile, JSON.stringify(settings, null, 2));
    // The configuration service must have read the file, or the test proves nothing.
    await waitFor('the workspace settings file to be read', 10_000, () =>
      vscode.workspace.getConfiguration('sidestream').inspect('provider')?.workspaceValue === settings['sidestream.provider'] ? true : undefined,
    );
  }

  async function removeWorkspaceSettings(): Promise<void> {
    if (workspaceSettingsFile) fs.rmSync(workspaceSettingsFile, { force: true });
    workspaceSettingsFile = undefined;
    await waitFor('the workspace settings to be gone', 10_000, () =>
      vscode.workspace.getConfiguration('sidestream').inspect('provider')?.workspaceValue === undefined ? true : undefined,
    );
  }

  it('a workspace setting provider "openai" and every base URL cannot send the OpenAI key to the user\'s OpenAI-compatible server or its own', async () => {
    // The case: the user's own provider is their OpenAI-compatible server (no key set for
    // it), their OpenAI key (the canary) is in OPENAI_API_KEY; a cloned repository says "openai".
    await freshChat(suite.api);
    const ownServer = new Simulator({ log: simLog });
    await ownServer.start();
    try {
      await setSetting('provider', 'openai-compatible');
      await setSetting('openaiCompatible.baseUrl', ownServer.openAIBaseUrl);
      await setSetting('model', 'sim-model');
      evilSim.reset();
      await writeWorkspaceSettings(hostileWorkspaceSettings(evilSim.openAIBaseUrl, 'openai'));
      ownServer.enqueue({ text: ANSWER });
      const answer = await withTimeout(suite.api.ask('Where does my key go?'), 20_000, 'the answer');
      assert.equal(answer?.role === 'assistant' && answer.state, 'done', JSON.stringify(answer));
      assert.equal(answer?.text, ANSWER);
      assert.equal(evilSim.stats().requests, 0, "the workspace's server received a request");
      const own = ownServer.stats().requestsLog;
      assert.ok(
        own.some((r) => r.api === 'openai-chat'),
        "the question did not go to the user's own server",
      );
      const carried = own.filter((r) => r.credential === CANARY);
      assert.deepEqual(
        carried.map((r) => `${r.method} ${r.path}`),
        [],
        'the OpenAI key was sent to the OpenAI-compatible server',
      );
      assert.ok(
        own.every((r) => r.credential === undefined || !r.credential.includes('ZZ9')),
        'a key reached the OpenAI-compatible server',
      );
    } finally {
      await removeWorkspaceSettings();
      await ownServer.stop();
    }
  });

  it('a workspace setting provider "openai-compatible" and every base URL cannot redirect the user\'s OpenAI requests (and key)', async () => {
    await freshChat(suite.api);
    await useWire('openai-chat', rightKeySim.openAIBaseUrl);
    rightKeySim.reset();
    evilSim.reset();
    await writeWorkspaceSettings(hostileWorkspaceSettings(evilSim.openAIBaseUrl, 'openai-compatible'));
    try {
      assert.equal(vscode.workspace.getConfiguration('sidestream').inspect<string>('openai.baseUrl')?.globalValue, rightKeySim.openAIBaseUrl, 'the user setting changed');
      rightKeySim.enqueue({ text: ANSWER });
      const answer = await withTimeout(suite.api.ask('Where does this go?'), 20_000, 'the answer');
      assert.equal(answer?.role === 'assistant' && answer.state, 'done', JSON.stringify(answer));
      assert.equal(evilSim.stats().requests, 0, 'the workspace redirected a request (and so the API key) to its server');
      const accepted = generations(rightKeySim, 'openai-chat');
      assert.equal(accepted.length, 1, 'the request did not go to the user-configured server');
      assert.equal(accepted[0]?.credential, CANARY, "the user's server did not get the user's key");
    } finally {
      await removeWorkspaceSettings();
    }
  });

  it('a trusted workspace may still set the model (project settings still work)', async () => {
    await freshChat(suite.api);
    await useWire('openai-chat', rightKeySim.openAIBaseUrl);
    rightKeySim.reset();
    await writeWorkspaceSettings({ 'sidestream.provider': 'openai', 'sidestream.model': 'sim-project-model' });
    try {
      rightKeySim.enqueue({ text: ANSWER });
      const answer = await withTimeout(suite.api.ask('Which model?'), 20_000, 'the answer');
      assert.equal(answer?.role === 'assistant' && answer.state, 'done', JSON.stringify(answer));
      assert.equal(generations(rightKeySim, 'openai-chat')[0]?.model, 'sim-project-model', "the trusted workspace's model was not used");
    } finally {
      await removeWorkspaceSettings();
    }
  });

  it("a base URL's own credentials (user:pass@, ?suite.api-key=) are redacted from the error, the log and the saved conversation", async () => {
    await freshChat(suite.api);
    const tag = randomBytes(6).toString('hex');
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    await useWire('openai-chat', `http://sidestream-user:PW${tag}@127.0.0.1:${closed}/v1?suite.api-key=QK${tag}`);
    const answer = await withTimeout(suite.api.ask('Does the URL leak?'), 30_000, 'the failed answer');
    assert.equal(answer?.role === 'assistant' && answer.state, 'error', JSON.stringify(answer));
    const shown = JSON.stringify(suite.api.snapshot());
    assert.ok(!shown.includes(`PW${tag}`) && !shown.includes(`QK${tag}`), `the URL's credentials are shown: ${answer?.role === 'assistant' ? answer.error?.message : ''}`);
    await delay(1_500);
    const userDataDir = serverUserDataDir();
    assert.ok(userDataDir, 'no user-data folder');
    const files = serverFiles(userDataDir);
    const conversation = files.filter((f) => f.includes(path.join('sidestream.sidestream', 'chats', path.sep)) && /[\\/]c[0-9a-z]+\.json$/.test(f));
    assert.ok(conversation.length > 0, 'no saved conversation file found: the search would prove nothing');
    assert.ok(
      conversation.some((f) => fs.readFileSync(f, 'utf8').includes('Does the URL leak?')),
      'the saved conversation does not hold this question',
    );
    const leaks = files.filter(
      (f) => fs.statSync(f).size <= MAX_SCANNED_FILE_BYTES && (fs.readFileSync(f).includes(Buffer.from(`PW${tag}`)) || fs.readFileSync(f).includes(Buffer.from(`QK${tag}`))),
    );
    // The settings file holds the URL as the user typed it, which is theirs to keep, and VS Code keeps
    // its own copies of that file (settings history, cached configuration): none of them is Sidestream's.
    const vscodeSettingsCopies = /settings\.json$|[\\/]User[\\/]History[\\/]|CachedConfigurations/;
    assert.deepEqual(
      leaks.filter((f) => !vscodeSettingsCopies.test(f)),
      [],
      "the URL's credentials were logged or saved",
    );
    await resetSettings();
  });

  it('the canary is nowhere: snapshot, errors, settings, log file, state databases', async () => {
    // Let debounced saves and log writes reach the disk.
    await delay(1_500);
    const snapshot = JSON.stringify(suite.api.snapshot());
    assert.ok(!snapshot.includes(CANARY), 'the key is in the snapshot');
    for (const message of seenErrors) assert.ok(!message.includes(CANARY), `the key is in an error: ${message}`);

    // contributes.configuration is an array of categories, each with its own properties.
    const configuration = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes?: { configuration?: unknown } })?.contributes?.configuration;
    const categories = (Array.isArray(configuration) ? configuration : [configuration]) as Array<{ properties?: Record<string, unknown> } | undefined>;
    const properties = categories.flatMap((c) => Object.keys(c?.properties ?? {}));
    assert.ok(properties.length > 5, 'no contributed settings found');
    for (const key of properties) {
      const inspected = vscode.workspace.getConfiguration().inspect(key);
      assert.ok(!JSON.stringify(inspected ?? {}).includes(CANARY), `the key is in the setting ${key}`);
    }

    const userDataDir = serverUserDataDir();
    assert.ok(userDataDir && fs.existsSync(userDataDir), `could not find the server's user-data folder (got ${userDataDir})`);
    const files = serverFiles(userDataDir);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (folder) files.push(...serverFiles(folder));
    const logs = files.filter((f) => /sidestream/i.test(f) && f.endsWith('.log'));
    assert.ok(logs.length > 0, `no Sidestream log file under ${userDataDir}:\n${files.filter((f) => f.endsWith('.log')).join('\n')}`);
    assert.ok(
      logs.some((f) => fs.readFileSync(f, 'utf8').includes('request ')),
      'the Sidestream log has no request lines: the search would prove nothing',
    );
    // Three tests set a workspace provider: the log says once that it was ignored.
    const ignoredLines = logs.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')).filter((l) => l.includes("ignoring the workspace's value of sidestream.provider"));
    assert.equal(ignoredLines.length, 1, `expected one log line about the ignored workspace provider, got ${ignoredLines.length}`);
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
function serverFiles(dir: string): string[] {
  return listFiles(dir, { skip: ['node_modules', 'CachedExtensionVSIXs'], limit: 20_000 });
}
