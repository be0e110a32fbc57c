// Builds every bundle into dist/: the extension (Node, CommonJS, `vscode` external), the CLI, the
// wire simulator's CLI and the webview (browser IIFE). `--production` minifies and leaves out the
// test hooks; `--watch` rebuilds.
//
// `__SIDESTREAM_TEST__` is the build-time flag for test hooks (the extension's test API, the
// webview's renderers and per-frame render reports): true in the development build, which every
// test suite and benchmark runs, false in the production build that `npm run package` ships. esbuild
// replaces it with a constant and drops the dead branches, so the shipped bundles do not contain
// the hooks at all (test/unit/productionBundle.test.ts checks).
const esbuild = require('esbuild');

/**
 * The bundles' build options.
 * @param {{ production?: boolean, testHooks?: boolean, outdir?: string }} [mode]
 * @returns {import('esbuild').BuildOptions[]}
 */
function buildOptions({ production = false, testHooks = !production, outdir = 'dist' } = {}) {
  const common = {
    absWorkingDir: __dirname,
    bundle: true,
    minify: production,
    sourcemap: production ? false : 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    legalComments: production ? 'none' : 'inline',
    define: { __SIDESTREAM_TEST__: testHooks ? 'true' : 'false' },
    outdir,
  };
  /** A Node (CommonJS) bundle of `entryPoints`. */
  const node = (entryPoints, extra = {}) => ({ ...common, entryPoints, platform: 'node', format: 'cjs', target: 'node20', ...extra });
  return [
    // The core (SDKs, tokenizer) is its own bundle, required on first use (src/platform/coreLoader.ts),
    // and so is what activation does not need (Compare Models, the metrics view, chat history;
    // src/features.ts, loaded by src/platform/featureLoader.ts): activation parses only the small
    // extension bundle. The features bundle gets the host's services passed in (src/platform/services.ts).
    node({ extension: 'src/extension.ts' }, { external: ['vscode', './core.js', './features.js'], plugins: [oneNamespacePerExternal] }),
    node({ features: 'src/features.ts' }, { external: ['vscode', './core.js', './extension.js'], plugins: [oneNamespacePerExternal] }),
    node({ core: 'src/core/index.ts' }),
    node({ cli: 'src/cli.ts', simulator: 'src/simulator/main.ts' }),
    webviewOptions(common),
  ];
}

/**
 * `import * as vscode from 'vscode'` compiles to `__toESM(require("vscode"))` in every module that
 * imports it (16 of them), and each call copies every key of the API object into a new namespace at
 * activation; so do `node:fs`, `node:path` and `node:os` (a dozen more copies, each of ~100 keys).
 * This plugin routes each of those external modules through one ESM module that re-exports it, so
 * each is copied once.
 * @type {import('esbuild').Plugin}
 */
const oneNamespacePerExternal = {
  name: 'one-namespace-per-external',
  setup(build) {
    build.onResolve({ filter: /^(vscode|node:[a-z_/]+)$/ }, (args) =>
      args.namespace === 'external-namespace' ? { path: args.path, external: true } : { path: args.path, namespace: 'external-namespace' },
    );
    build.onLoad({ filter: /.*/, namespace: 'external-namespace' }, (args) => ({
      contents: `export * from ${JSON.stringify(args.path)};`,
      loader: 'js',
      resolveDir: __dirname,
    }));
  },
};

/** @returns {import('esbuild').BuildOptions} */
function webviewOptions(common) {
  return {
    ...common,
    // The chat panel, the metrics view (Sidestream: Show Metrics; its uPlot CSS lands in dist/metrics.css)
    // and the Compare Models panel: three pages, one renderer.
    entryPoints: { webview: 'src/webview/main.ts', metrics: 'src/webview/metrics/main.ts', compare: 'src/webview/compare/main.ts' },
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.ttf': 'file' },
  };
}

/** The webview loads codicons from dist/codicons/ (the host serves only dist/ and media/). */
function copyCodicons(outdir = 'dist') {
  const fs = require('fs');
  const path = require('path');
  const from = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
  const to = path.resolve(__dirname, outdir, 'codicons');
  fs.mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, file), path.join(to, file));
}

async function main() {
  const production = process.argv.includes('--production');
  const watch = process.argv.includes('--watch');
  const builds = buildOptions({ production });
  copyCodicons();
  if (watch) {
    const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[esbuild] watching for changes');
    return;
  }
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

module.exports = { buildOptions, copyCodicons };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
