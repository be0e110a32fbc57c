/**
 * Runs the extension-host suite under VS Code desktop with @vscode/test-electron
 * (`npm run test:electron`). It downloads VS Code from Microsoft's update server, so it needs
 * internet; offline machines use `node out/test/runInCodeServer.js`, which runs the same suite in
 * code-server. Build first: `node esbuild.js && npx tsc -p tsconfig.test.json`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  // This file compiles to out/test/runTest.js; the extension's package.json is two levels up.
  const extensionDevelopmentPath = path.resolve(__dirname, '..', '..');
  const extensionTestsPath = path.resolve(__dirname, 'exthost', 'index');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-electron-ws-'));
  try {
    await runTests({
      version: process.env.SIDESTREAM_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { SIDESTREAM_TEST_REPORT: process.env.SIDESTREAM_TEST_REPORT },
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('extension-host tests failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
