/**
 * The shipped build carries no test hooks: the extension and webview bundles built exactly as
 * `npm run package` builds them (esbuild.js, `--production`) lack every hook that the test build
 * (`__SIDESTREAM_TEST__` on) has. Each marker is checked in both builds, so a renamed hook cannot
 * make the check pass by accident.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

const ROOT = path.resolve(__dirname, '..', '..', '..');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuild = require(path.join(ROOT, 'node_modules', 'esbuild')) as typeof import('esbuild');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require(path.join(ROOT, 'esbuild.js')) as { buildOptions(mode: { production?: boolean; testHooks?: boolean; outdir?: string }): BuildOptions[] };

/** Test hooks, by bundle: what the test build contains and the production build must not. */
const HOOKS: Record<'extension.js' | 'webview.js', string[]> = {
  // The test API (src/extension.ts createApi, src/api.ts).
  'extension.js': ['continueAnswer', 'statusBarTooltip', 'liveCancellationListeners'],
  // The renderers on window.__sidestreamTest and the per-frame render report (src/webview/testHooks.ts).
  'webview.js': ['__sidestreamTest', '__sidestreamOnRender'],
};
/** Gone from every build: the hidden test commands and the per-frame message to the host. */
const REMOVED = ['sidestream.retry', 'sidestream.continue', '"rendered"', "'rendered'"];

async function build(mode: { production: boolean; testHooks: boolean }): Promise<Record<string, string>> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-bundle-'));
  try {
    const wanted = config.buildOptions({ ...mode, outdir }).filter((b) => /src\/(extension|webview\/main)\.ts/.test(JSON.stringify(b.entryPoints)));
    assert.equal(wanted.length, 2, 'esbuild.js no longer builds the extension and the webview');
    await Promise.all(wanted.map((b) => esbuild.build({ ...b, logLevel: 'error' })));
    return Object.fromEntries(Object.keys(HOOKS).map((name) => [name, fs.readFileSync(path.join(outdir, name), 'utf8')]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('Production bundle', function () {
  this.timeout(120_000);
  let production: Record<string, string>;
  let test: Record<string, string>;

  before(async () => {
    // Both minified, so the only difference is the flag.
    production = await build({ production: true, testHooks: false });
    test = await build({ production: true, testHooks: true });
  });

  for (const [bundle, markers] of Object.entries(HOOKS)) {
    it(`dist/${bundle} has the test hooks only in the test build`, () => {
      for (const marker of markers) {
        assert.ok(test[bundle]!.includes(marker), `the test build's ${bundle} lacks ${marker}: update this test`);
        assert.ok(!production[bundle]!.includes(marker), `the production ${bundle} contains the test hook ${marker}`);
      }
    });
  }

  it('no build has hidden test commands or a per-frame render message', () => {
    for (const [name, text] of [...Object.entries(production), ...Object.entries(test)]) {
      for (const marker of REMOVED) assert.ok(!text.includes(marker), `${name} contains ${marker}`);
    }
  });

  it('the production webview bundle is smaller without the benchmark-only naive renderer', () => {
    assert.ok(production['webview.js']!.length < test['webview.js']!.length);
  });
});
