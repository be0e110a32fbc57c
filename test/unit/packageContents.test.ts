/**
 * The VSIX ships every file the extension's pages load: each `asUri('dist' | 'media', …)` in the
 * host code must be in what `vsce ls` (the packager's own file list, after .vscodeignore) packages.
 * A page whose script or stylesheet is left out works in development and is blank once installed.
 * The README's images are shipped too and stay images in the packaged README (scripts/package.js).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('Packaged extension (vsce ls)', function () {
  this.timeout(60_000);

  it('ships every script, stylesheet and icon the panels load', () => {
    const referenced = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/asUri\(((?:'[^']+'(?:, )?)+)\)/g)) {
        referenced.add([...m[1]!.matchAll(/'([^']+)'/g)].map((p) => p[1]).join('/'));
      }
    }
    assert.ok(referenced.has('dist/webview.js') && referenced.size >= 5, `found too few page assets: ${[...referenced].join(', ')}`);
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const listed = new Set(
      execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim()),
    );
    const missing = [...referenced].filter((f) => !listed.has(f));
    assert.deepEqual(missing, [], `the VSIX would leave out ${missing.join(', ')} (.vscodeignore)`);
  });

  it('ships every bundle the extension requires on first use (dist/core.js, dist/features.js)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildOptions } = require(path.join(ROOT, 'esbuild.js')) as { buildOptions(): Array<{ entryPoints?: unknown; external?: string[] }> };
    const extension = buildOptions().find((o) => JSON.stringify(o.entryPoints) === JSON.stringify({ extension: 'src/extension.ts' }));
    const required = (extension?.external ?? []).filter((e) => e.startsWith('./')).map((e) => `dist/${e.slice(2)}`);
    assert.deepEqual(required.sort(), ['dist/core.js', 'dist/features.js']);
    const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const listed = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const missing = required.filter((f) => !listed.some((l) => l.trim() === f));
    assert.deepEqual(missing, [], `the VSIX would leave out ${missing.join(', ')} (.vscodeignore)`);
  });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const packaging = require(path.join(ROOT, 'scripts', 'package.js')) as {
  imageTargets(markdown: string): string[];
  linkTargets(markdown: string): string[];
  readmeForVsix(markdown: string, options: { shipped: Set<string>; repository: string; imagesBase?: string }): string;
  repositoryUrl(pkg: unknown): string;
  packagedFiles(): Set<string>;
};
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README as packaged (scripts/package.js)', function () {
  this.timeout(60_000);
  const repository = packaging.repositoryUrl(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')));

  it('ships every image the README shows (vsce ls, after .vscodeignore)', () => {
    const images = packaging.imageTargets(readme);
    assert.ok(images.length >= 1, 'the README shows images');
    const shipped = packaging.packagedFiles();
    assert.deepEqual(
      images.filter((i) => !shipped.has(i)),
      [],
    );
  });

  it('keeps images as images, and points links to unshipped files at the repository', () => {
    const shipped = new Set(['media/screenshot.png', 'CHANGELOG.md', 'LICENSE']);
    const text = '![Panel](media/screenshot.png)\nSee [guide](docs/using.md#settings), [log](CHANGELOG.md), [site](https://example.com) and [top](#install).';
    assert.equal(
      packaging.readmeForVsix(text, { shipped, repository }),
      `![Panel](media/screenshot.png)\nSee [guide](${repository}/blob/HEAD/docs/using.md#settings), [log](CHANGELOG.md), [site](https://example.com) and [top](#install).`,
    );
    assert.equal(
      packaging.readmeForVsix('![Panel](media/screenshot.png)', { shipped, repository, imagesBase: `${repository}/raw/HEAD` }),
      `![Panel](${repository}/raw/HEAD/media/screenshot.png)`,
    );
    const packaged = packaging.readmeForVsix(readme, { shipped: packaging.packagedFiles(), repository });
    assert.deepEqual(packaging.imageTargets(packaged), packaging.imageTargets(readme), 'every image is still an image');
    const shippedNow = packaging.packagedFiles();
    assert.deepEqual(
      packaging.linkTargets(packaged).filter((t) => !shippedNow.has(t)),
      [],
      'no relative link to a file the VSIX leaves out',
    );
  });
});
