// ESLint (flat config): the recommended JavaScript and TypeScript rules, and the layer rules that
// keep imports flowing one way (see README, "Layers"):
//
//   src/shared/            imports nothing outside itself; every layer may import it
//   src/protocol.ts        host <-> webview messages: types only from the core
//   core (src/core/, src/simulator/, src/cli.ts)
//                          no `vscode`, no src/panel, src/webview, src/extension.ts or src/api.ts
//   webview (src/webview/) no `vscode`, no Node built-ins, no runtime code of the core, the
//                          simulator or the host (types from the core are fine)
//   host (src/extension.ts, src/api.ts, src/panel/, src/lm/)
//                          may import the core; no runtime code of the webview
//
// The per-layer tsconfigs (tsconfig.core.json, …) back this up with the libraries each layer sees.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const vscode = { name: 'vscode', message: 'Only the extension host (src/extension.ts, src/panel/, src/lm/) may import vscode.' };
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
    files: ['src/protocol.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [vscode],
        [
          nodeBuiltins,
          {
            regex: srcPath(['core', 'simulator', 'panel', 'lm', 'webview', 'extension', 'api', 'cli']),
            allowTypeImports: true,
            message: 'The protocol is imported by the webview: types only.',
          },
        ],
      ),
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/simulator/**/*.ts', 'src/cli.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [{ ...vscode, message: 'The core runs in plain Node (CLI, simulator, unit tests): no vscode.' }],
        [{ regex: srcPath(['panel', 'lm', 'webview', 'extension', 'api']), message: 'The core must not depend on the extension host or the webview.' }],
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
          { regex: srcPath(['core', 'simulator']), allowTypeImports: true, message: 'The webview may import types from the core, not its code: shared helpers go in src/shared/.' },
          { regex: srcPath(['panel', 'lm', 'extension', 'api', 'cli']), message: 'The webview must not import the extension host.' },
        ],
      ),
    },
  },
  {
    files: ['src/extension.ts', 'src/api.ts', 'src/panel/**/*.ts', 'src/lm/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        [],
        [{ regex: srcPath(['webview']), allowTypeImports: true, message: 'The host loads the webview as a bundle (dist/webview.js), never as code.' }],
      ),
    },
  },
);
