/**
 * The provider catalog (src/core/providerCatalog.ts) is the one source of truth about providers:
 * these tests hold package.json's settings and the README's provider tables to it, and check that
 * the core and the CLI take their defaults from it.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveEndpoint, stream } from '../../src/core/adapter';
import { providerLabel } from '../../src/core/errors';
import {
  AUTO_SETTING_DESCRIPTION,
  KEYED_PROVIDERS,
  OPENAI_WIRE_PROVIDERS,
  PROVIDER_CATALOG,
  PROVIDER_IDS,
  PROVIDER_SETTINGS,
  SELECT_PROVIDER_ORDER,
  URL_PROVIDERS,
  isLocalProvider,
  wireApiFor,
} from '../../src/core/providerCatalog';
import { API_SETTING, BASE_URL_SETTING, PROJECT_SETTINGS, USER_ONLY_SETTINGS } from '../../src/core/settingsPolicy';
import { parseArgs } from '../../src/cli';
import { drain, failureOf } from './helpers/coreHarness';
import { readManifest, settingsOf, type SettingsCategory } from './helpers/manifest';

const ROOT = join(__dirname, '..', '..', '..');

interface SettingSchema {
  type?: string;
  enum?: string[];
  enumDescriptions?: string[];
  default?: unknown;
  scope?: string;
  description?: string;
}

// The settings' descriptions are `%key%` placeholders in package.json; compare their English text.
const pkg = readManifest<{
  contributes: { configuration: SettingsCategory<SettingSchema> | Array<SettingsCategory<SettingSchema>> };
  capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
}>();
const settings = settingsOf(pkg);

describe('provider catalog ↔ package.json', () => {
  it("sidestream.provider's enum is auto followed by every provider of the catalog, in order", () => {
    assert.deepEqual(settings['sidestream.provider']?.enum, [...PROVIDER_SETTINGS]);
    assert.deepEqual(PROVIDER_SETTINGS, ['auto', ...PROVIDER_IDS]);
  });

  it("each enumDescription is the catalog's settingDescription", () => {
    const descriptions = settings['sidestream.provider']?.enumDescriptions ?? [];
    assert.deepEqual(descriptions, [AUTO_SETTING_DESCRIPTION, ...PROVIDER_IDS.map((id) => PROVIDER_CATALOG[id].settingDescription)]);
  });

  it('every provider with a settings section has its machine-scoped base URL setting, naming its default and key', () => {
    for (const id of PROVIDER_IDS) {
      const info = PROVIDER_CATALOG[id];
      const key = `sidestream.${info.settingsSection}.baseUrl`;
      if (!info.settingsSection) {
        assert.equal(URL_PROVIDERS.includes(id as never), false, id);
        continue;
      }
      assert.equal(BASE_URL_SETTING[id as keyof typeof BASE_URL_SETTING], `${info.settingsSection}.baseUrl`);
      const setting = settings[key];
      assert.ok(setting, `${key} is declared`);
      assert.equal(setting.scope, 'machine', key);
      assert.equal(setting.default, '', key);
      assert.ok(setting.description?.includes(info.defaultBaseUrl ? `Empty: ${info.defaultBaseUrl}.` : 'Empty: none'), `${key} names its default`);
      if (info.keyEnv) assert.ok(setting.description?.includes(info.keyEnv), `${key} names ${info.keyEnv}`);
      assert.ok(USER_ONLY_SETTINGS.includes(`${info.settingsSection}.baseUrl`), `${key} is read from user settings only`);
    }
  });

  it('no base URL or api setting exists for a provider the catalog does not know', () => {
    const sections = new Set(PROVIDER_IDS.map((id) => PROVIDER_CATALOG[id].settingsSection));
    for (const key of Object.keys(settings)) {
      const m = /^sidestream\.([^.]+)\.(baseUrl|api)$/.exec(key);
      if (m) assert.ok(sections.has(m[1]), `${key} belongs to a catalog provider`);
    }
  });

  it('every provider speaking both OpenAI wire APIs has its chat|responses setting, restricted in untrusted workspaces; the others have none', () => {
    for (const id of PROVIDER_IDS) {
      const info = PROVIDER_CATALOG[id];
      const choosesApi = info.wireApis.includes('openai-chat') && info.wireApis.includes('openai-responses');
      assert.equal(OPENAI_WIRE_PROVIDERS.includes(id as never), choosesApi, id);
      if (!info.settingsSection) continue;
      const key = `${info.settingsSection}.api`;
      const setting = settings[`sidestream.${key}`];
      if (!choosesApi) {
        assert.equal(setting, undefined, `${key} should not exist`);
        continue;
      }
      assert.equal(API_SETTING[id as keyof typeof API_SETTING], key);
      assert.deepEqual(setting?.enum, ['chat', 'responses'], key);
      assert.equal(setting?.default, info.wireApis[0] === 'openai-responses' ? 'responses' : 'chat', `${key}'s default is the catalog's first wire API`);
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(`sidestream.${key}`), key);
      assert.ok(PROJECT_SETTINGS.includes(key), key);
    }
  });
});

describe('provider catalog ↔ README and docs/using.md', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  /** The rows of the first table after `heading`, each as its cells. */
  function table(heading: string, firstHeader: string, text = readme): string[][] {
    const from = text.indexOf(heading);
    assert.ok(from >= 0, `the page has "${heading}"`);
    const lines = text.slice(from).split('\n');
    const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`));
    assert.ok(start >= 0, `a table starting with "${firstHeader}" under "${heading}"`);
    const rows: string[][] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(
        line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    }
    return rows;
  }

  /** The provider ids named (in backticks) in a row's first cell. */
  const idsIn = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

  for (const [heading, header] of [
    ['### Providers', '`sidestream.provider`'],
    ['### Where your key goes', 'provider'],
  ] as const) {
    it(`"${heading}" names every provider of the catalog exactly once, and nothing else`, () => {
      const named = table(heading, header).flatMap((row) => idsIn(row[0]!));
      const expected = heading === '### Providers' ? PROVIDER_SETTINGS : PROVIDER_IDS;
      assert.deepEqual([...named].sort(), [...expected].sort());
    });
  }

  it('"### Providers" gives each local server its default port, and each keyed provider its key variable', () => {
    const rows = table('### Providers', '`sidestream.provider`');
    for (const id of PROVIDER_IDS) {
      const info = PROVIDER_CATALOG[id];
      const row = rows.find((r) => idsIn(r[0]!).includes(id));
      assert.ok(row, id);
      if (info.place === 'local') assert.ok(row[1]!.includes(`\`${new URL(info.defaultBaseUrl!).port}\``), `${id}'s port in "${row[1]}"`);
      if (info.keyEnv) assert.ok(row[1]!.includes(info.keyEnv), `${id}: ${info.keyEnv}`);
      if (info.place === 'local') assert.ok(row[1]!.includes('No key'), `${id} needs no key`);
    }
  });

  it('"### Where your key goes" gives each provider its base URL setting, default URL and key variable', () => {
    const rows = table('### Where your key goes', 'provider');
    for (const id of PROVIDER_IDS) {
      const info = PROVIDER_CATALOG[id];
      const row = rows.find((r) => idsIn(r[0]!).includes(id));
      assert.ok(row, id);
      const [, goesTo, key] = row as [string, string, string];
      if (info.place === 'cloud') assert.ok(goesTo.includes(`\`sidestream.${info.settingsSection}.baseUrl\``) && goesTo.includes(info.defaultBaseUrl!), `${id}: ${goesTo}`);
      if (info.place === 'custom') assert.ok(goesTo.includes(`\`sidestream.${info.settingsSection}.baseUrl\``) && goesTo.includes('no default'), `${id}: ${goesTo}`);
      if (info.place === 'local') assert.ok(goesTo.includes('`sidestream.<server>.baseUrl`') && goesTo.includes(new URL(info.defaultBaseUrl!).hostname), `${id}: ${goesTo}`);
      if (info.keyEnv) assert.ok(key.includes(info.keyEnv), `${id}: ${key}`);
      if (!info.keyLabel) assert.ok(/^none/.test(key), `${id} sends no key: ${key}`);
    }
  });

  it('the settings table (docs/using.md, linked from the README) lists every base URL setting', () => {
    const rows = table('## Settings', 'setting', readFileSync(join(ROOT, 'docs', 'using.md'), 'utf8'));
    const cells = rows.map((r) => r[0]!).join(' ');
    for (const id of URL_PROVIDERS) {
      const section = PROVIDER_CATALOG[id].settingsSection!;
      assert.ok(cells.includes(`\`sidestream.${section}.baseUrl\``) || cells.includes(`\`.${section}.baseUrl\``), `${section}.baseUrl in the settings table`);
    }
  });
});

describe('provider catalog: the code reads it', () => {
  it('has one entry per id, each naming itself; Select Provider lists each once', () => {
    for (const id of PROVIDER_IDS) assert.equal(PROVIDER_CATALOG[id].id, id);
    assert.deepEqual([...SELECT_PROVIDER_ORDER].sort(), [...PROVIDER_IDS].sort());
  });

  it('a provider that needs a key has a variable to read it from and a place to store it', () => {
    for (const id of PROVIDER_IDS) {
      const info = PROVIDER_CATALOG[id];
      if (info.needsKey) {
        assert.ok(info.keyEnv && info.keyLabel, id);
        assert.ok(KEYED_PROVIDERS.includes(id as never), id);
        assert.ok(info.defaultModel, `${id} has a default model (it lists no models without a key)`);
      }
    }
  });

  it('wire APIs: the default first, responses only where spoken', () => {
    assert.equal(wireApiFor('openai'), 'openai-chat');
    assert.equal(wireApiFor('ollama', 'responses'), 'openai-responses');
    assert.equal(wireApiFor('anthropic', 'responses'), 'anthropic');
    for (const id of PROVIDER_IDS) {
      if (PROVIDER_CATALOG[id].wireApis.length) assert.equal(wireApiFor(id), PROVIDER_CATALOG[id].wireApis[0]);
    }
  });

  it('the core takes default URLs, key rules and message names from it', () => {
    for (const id of URL_PROVIDERS) {
      const info = PROVIDER_CATALOG[id];
      const endpoint = resolveEndpoint({ provider: id, baseUrl: undefined, apiKey: undefined });
      if (info.defaultBaseUrl) assert.equal(endpoint.baseUrl, info.defaultBaseUrl, id);
      if (info.needsKey) {
        assert.equal(endpoint.failure?.kind, 'auth', id);
        assert.ok(endpoint.failure?.message.includes(info.keyEnv!), endpoint.failure?.message);
      } else if (info.defaultBaseUrl) {
        assert.equal(endpoint.failure, undefined, id);
      }
      assert.equal(providerLabel(id), info.sentenceLabel);
      assert.equal(isLocalProvider(id), info.place === 'local' || info.place === 'custom', id);
    }
  });

  it('vscode-lm has its own identity: the core refuses to send it over HTTP, and says so', async () => {
    const s = await drain(stream({ provider: 'vscode-lm', api: 'openai-chat', model: 'copilot-gpt', messages: [{ role: 'user', content: 'hi' }] }));
    assert.deepEqual(s.events[0], { type: 'start', provider: 'vscode-lm', model: 'copilot-gpt' });
    const failure = failureOf(s);
    assert.equal(failure.kind, 'bad-request');
    assert.match(failure.message, /Language Model API/);
  });

  it("the CLI offers every HTTP provider, with the catalog's default model and wire API", () => {
    for (const id of URL_PROVIDERS) {
      const options = parseArgs(['--provider', id, 'hi']);
      assert.equal(options.model, PROVIDER_CATALOG[id].defaultModel, id);
      assert.equal(options.api, PROVIDER_CATALOG[id].wireApis[0], id);
    }
    assert.throws(() => parseArgs(['--provider', 'vscode-lm', 'hi']), /Unknown provider/);
    assert.throws(() => parseArgs(['--provider', 'anthropic', '--api', 'responses', 'hi']), /--api is for OpenAI-compatible providers/);
    assert.throws(() => parseArgs(['--api-key', 'x']), /OPENAI_API_KEY.* or ANTHROPIC_API_KEY/);
  });
});
