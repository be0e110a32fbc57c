/**
 * The manifest is ready for translation: every user-facing string of package.json is a `%key%`
 * placeholder whose English text is in package.nls.json, every key there is used, and the VSIX
 * ships the bundle.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_ROOT, NLS_PLACEHOLDER, readManifest, readNlsBundle, readRawManifest, strings, userFacing } from './helpers/manifest';

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
