/**
 * The manifest is ready for translation: every user-facing string of package.json is a `%key%`
 * placeholder whose English text is in package.nls.json, every key there is used, and the VSIX
 * ships the bundle.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_ROOT, NLS_PLACEHOLDER, readManifest, readNlsBundle, readRawManifest } from './helpers/manifest';

/** Every string in `value`, with its JSON path. */
function strings(value: unknown, at = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

/** Properties whose values are shown to the user, wherever they occur under `contributes`. */
const USER_FACING = new Set([
  'title',
  'description',
  'markdownDescription',
  'displayName',
  'fullName',
  'category',
  'shortTitle',
  'contextualTitle',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'enumItemLabels',
  'altText',
]);

/** The user-facing strings of the manifest: top-level and under `contributes`, with their paths. */
function userFacing(raw: Record<string, unknown>): Array<{ path: string; text: string }> {
  const found: Array<{ path: string; text: string }> = [];
  const capabilities = raw['capabilities'] as { untrustedWorkspaces?: { description?: string } } | undefined;
  for (const key of ['displayName', 'description'] as const) found.push({ path: key, text: raw[key] as string });
  if (capabilities?.untrustedWorkspaces?.description !== undefined)
    found.push({ path: 'capabilities.untrustedWorkspaces.description', text: capabilities.untrustedWorkspaces.description });
  const walk = (value: unknown, at: string, parentKey: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${at}[${i}]`, parentKey));
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      const path = `${at}.${k}`;
      // A view's `name` is its title; a chat participant's or command's `name` is an identifier.
      const shown = USER_FACING.has(k) || (k === 'name' && at.startsWith('contributes.views.'));
      if (shown && parentKey !== 'properties') found.push(...strings(v, path));
      else walk(v, path, k);
    }
  };
  walk(raw['contributes'], 'contributes', '');
  return found;
}

describe('package.json ↔ package.nls.json', () => {
  const raw = readRawManifest() as Record<string, unknown>;
  const nls = readNlsBundle();
  const used = strings(raw)
    .map(({ path, text }) => ({ path, key: NLS_PLACEHOLDER.exec(text)?.[1] }))
    .filter((u): u is { path: string; key: string } => u.key !== undefined);

  it('uses placeholders at all (the manifest is localizable)', () => {
    assert.ok(used.length > 20, `${used.length} placeholders`);
  });

  it('defines every %key% package.json uses', () => {
    const missing = used.filter((u) => !(u.key in nls)).map((u) => `${u.path}: %${u.key}%`);
    assert.deepEqual(missing, []);
  });

  it('has no orphan: every key of package.nls.json is used by package.json', () => {
    const keys = new Set(used.map((u) => u.key));
    assert.deepEqual(
      Object.keys(nls).filter((k) => !keys.has(k)),
      [],
    );
  });

  it('gives each key non-empty English text that is not itself a placeholder', () => {
    for (const [key, text] of Object.entries(nls)) {
      assert.equal(typeof text, 'string', key);
      assert.ok(text.trim().length > 0, key);
      assert.ok(!NLS_PLACEHOLDER.test(text), key);
    }
  });

  it('leaves no user-facing string (titles, descriptions, categories, names of views) as raw English', () => {
    const found = userFacing(raw);
    assert.ok(found.length >= used.length, `${found.length} user-facing strings found, ${used.length} placeholders`);
    assert.deepEqual(
      found.filter((f) => !NLS_PLACEHOLDER.test(f.text)).map((f) => `${f.path}: ${f.text}`),
      [],
    );
  });

  it('resolves to the English manifest the tests and VS Code see', () => {
    const manifest = readManifest<{ displayName: string; contributes: { commands: Array<{ command: string; title: string; category: string }> } }>();
    assert.equal(manifest.displayName, 'Sidestream');
    const ask = manifest.contributes.commands.find((c) => c.command === 'sidestream.ask');
    assert.deepEqual([ask?.category, ask?.title], ['Sidestream', 'Ask a Question']);
    // VS Code replaces a value that is one whole `%key%`; a command link's URL-encoded arguments
    // (`%5B%22…`) inside a longer text are not placeholders.
    assert.deepEqual(
      strings(manifest).filter((s) => NLS_PLACEHOLDER.test(s.text)),
      [],
    );
  });

  it('ships package.nls.json in the VSIX (.vscodeignore keeps it)', () => {
    const ignore = readFileSync(join(MANIFEST_ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!package.nls.json'), '.vscodeignore re-includes package.nls.json');
  });
});
