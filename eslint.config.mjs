// ESLint (flat config): the recommended JavaScript and TypeScript rules, and the boundary rules that
// keep imports flowing one way (docs/architecture.md draws them). These rules are what enforces the
// boundaries — type-only imports included; the per-layer tsconfigs only limit which globals and
// type packages each layer sees. test/unit/layerRules.test.ts checks each rule with a deliberate
// violation.
//
//   src/shared/            neutral: types and pure helpers every layer may import; imports nothing else
//   core (src/core/, src/cli.ts)
//                          no `vscode`, no host, no webview, no simulator, not the protocol
//   simulator (src/simulator/)
//                          test support: no `vscode`, no host, no webview; nothing in the product imports it
//   webview (src/webview/) no `vscode`, no Node built-ins, nothing from the core, the simulator or the host
//   host platform (src/platform/)
//                          settings, keys, provider resolution, stores, status bar, webview plumbing,
//                          feature loading, the answer runner: never a feature, never the webview's code
//   host features (src/features/<name>/)
//                          each imports the platform, the core and src/shared — never another feature
//   wiring (src/extension.ts, src/features.ts, src/api.ts)
//                          the only files that see every feature
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const vscode = { name: 'vscode', message: 'Only the extension host (src/extension.ts, src/platform/, src/features/) may import vscode.' };
/** The host's folders and files directly under src/. */
const HOST = ['platform', 'features', 'extension', 'api'];
/** One folder per host feature: each is a boundary of its own. */
const FEATURES = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const nodeBuiltins = {
  regex: `^(node:.*|${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?$`,
  message: 'The webview runs in a browser: no Node built-ins.',
};
/** A relative import of a folder or file directly under src/, from anywhere inside src/. */
const srcPath = (names) => `^(\\./|(\\.\\./)+)(${names.join('|')})(/.*)?$`;

/** `@typescript-eslint/no-restricted-imports` with these paths and patterns. */
const restrict = (paths, patterns) => ['error', { paths, patterns }];

export default tseslint.config(
  {
    ignores: ['**/dist/', 'out/', 'node_modules/', 'test-artifacts/', '.vscode-test/', '.exp/', 'test/fixtures/', 'media/', 'bench/results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberately unused (callback parameters, placeholders).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  // Plain Node scripts (CommonJS).
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node } },
  },

  // ── Layers ──────────────────────────────────────────────────────────────────────────────────
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict([vscode], [nodeBuiltins, { regex: `^\\.\\./`, message: 'src/shared/ is neutral: it imports nothing from the layers.' }]),
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/cli.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [{ ...vscode, message: 'The core runs in plain Node (CLI, simulator, unit tests): no vscode.' }],
        [
          { regex: srcPath(HOST), message: 'The core must not depend on the extension host.' },
          { regex: srcPath(['webview']), message: 'The core must not depend on the webview.' },
          { regex: srcPath(['simulator']), message: 'The product never imports the simulator (it is test support, started on its own).' },
          { regex: srcPath(['shared/protocol']), message: 'The core never imports the host–webview protocol: shared answer types live in src/shared/answerTypes.ts.' },
        ],
      ),
    },
  },
  {
    files: ['src/simulator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [{ ...vscode, message: 'The simulator runs in plain Node: no vscode.' }],
        [{ regex: srcPath([...HOST, 'webview']), message: 'The simulator must not depend on the extension host or the webview.' }],
      ),
    },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [{ ...vscode, message: 'The webview talks to the host only through postMessage (src/webview/hostApi.ts).' }],
        [
          nodeBuiltins,
          { regex: srcPath(['core', 'simulator']), message: 'The webview imports nothing from the core, types included: shared types and helpers go in src/shared/.' },
          { regex: srcPath(HOST), message: 'The webview must not import the extension host.' },
        ],
      ),
    },
  },
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [],
        [
          { regex: srcPath(['features', 'extension', 'features', 'api']), message: 'The platform serves the features and never imports one: pass what it needs in.' },
          { regex: srcPath(['webview']), allowTypeImports: true, message: 'The host loads the webview as a bundle (dist/webview.js), never as code.' },
          { regex: srcPath(['simulator']), message: 'The product never imports the simulator (it is test support, started on its own).' },
        ],
      ),
    },
  },
  ...FEATURES.map((feature) => ({
    files: [`src/features/${feature}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [],
        [
          {
            regex: `^(\\.\\./(?!\\.\\./)(?!${feature}(/|$))|(\\.\\./)+(features|extension|api)(/|$))`,
            message: `A feature imports the platform, the core and src/shared, never another feature (src/features/${feature}/).`,
          },
          { regex: srcPath(['webview']), allowTypeImports: true, message: 'The host loads the webview as a bundle (dist/webview.js), never as code.' },
          { regex: srcPath(['simulator']), message: 'The product never imports the simulator (it is test support, started on its own).' },
        ],
      ),
    },
  })),
  {
    files: ['src/extension.ts', 'src/features.ts', 'src/api.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [],
        [
          { regex: srcPath(['webview']), allowTypeImports: true, message: 'The host loads the webview as a bundle (dist/webview.js), never as code.' },
          { regex: srcPath(['simulator']), message: 'The product never imports the simulator (it is test support, started on its own).' },
        ],
      ),
    },
  },
);
