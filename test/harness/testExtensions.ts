/**
 * Builds the test extensions under test/extensions/ (a consumer and a provider of language
 * models) into .vsix files, offline: esbuild bundles each one's src/extension.ts into its dist/,
 * then @vscode/vsce packages it. The runner installs them into code-server with
 * `--install-extension`, because only the last extensionDevelopmentPath of a window is loaded.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './codeServer';

export const TEST_EXTENSIONS_DIR = path.join(REPO_ROOT, 'test', 'extensions');

/** Builds every test extension; returns the .vsix paths (written to `outDir`). */
export function buildTestExtensions(outDir: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const built: string[] = [];
  for (const name of fs.readdirSync(TEST_EXTENSIONS_DIR).sort()) {
    const dir = path.join(TEST_EXTENSIONS_DIR, name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    esbuild.buildSync({
      entryPoints: [path.join(dir, 'src', 'extension.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      outfile: path.join(dir, 'dist', 'extension.js'),
      logLevel: 'warning',
    });
    const vsix = path.join(outDir, `${name}.vsix`);
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', vsix], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    built.push(vsix);
  }
  return built;
}
