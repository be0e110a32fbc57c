/**
 * The layer rules are enforced by `npm run lint`, not by good intentions: files with forbidden
 * imports, placed in each layer's folder for the length of the test, fail ESLint with the
 * restricted-import error (eslint.config.mjs), and the allowed imports pass.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RULE = '@typescript-eslint/no-restricted-imports';

/** Lints `source` as a real file at `relativePath` (created for the call, then removed). */
async function lintAsFile(relativePath: string, source: string): Promise<ESLint.LintResult> {
  const file = path.join(ROOT, relativePath);
  assert.ok(!fs.existsSync(file), `${relativePath} already exists`);
  fs.writeFileSync(file, source);
  try {
    const [result] = await new ESLint({ cwd: ROOT }).lintFiles([file]);
    assert.ok(result, 'ESLint returned no result');
    return result;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The restricted imports ESLint reported, by line. */
function restricted(result: ESLint.LintResult): number[] {
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.line);
}

const probe = (layer: string) => `${layer}/__layerProbe${process.pid}.ts`;

describe('Layer rules (ESLint)', function () {
  this.timeout(60_000);

  it('the core may not import vscode, the host or the webview', async () => {
    const result = await lintAsFile(
      probe('src/core'),
      [
        "import * as vscode from 'vscode';",
        "import type { ChatController } from '../panel/ChatController';",
        "import { ChatView } from '../webview/ChatView';",
        "import { assertNever } from '../shared/assertNever';",
        'export const probe: unknown[] = [vscode, ChatView, assertNever];',
        'export type Probe = ChatController;',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3], JSON.stringify(result.messages));
    assert.match(result.messages[0]!.message, /vscode/);
  });

  it('the simulator and the CLI are core too', async () => {
    const result = await lintAsFile(probe('src/simulator'), "import * as vscode from 'vscode';\nexport const probe = vscode;\n");
    assert.deepEqual(restricted(result), [1]);
  });

  it('the webview may not import vscode, Node built-ins or core code (types and src/shared are fine)', async () => {
    const result = await lintAsFile(
      probe('src/webview'),
      [
        "import * as vscode from 'vscode';",
        "import * as fs from 'node:fs';",
        "import * as path from 'path';",
        "import { toAbortSignal } from '../core/cancellation';",
        "import { Simulator } from '../simulator/Simulator';",
        "import type { ChatController } from '../panel/ChatController';",
        "import type { UnifiedFinishReason } from '../core/events';",
        "import type { HostToWebview } from '../protocol';",
        "import { assertNever } from '../shared/assertNever';",
        'export const probe: unknown[] = [vscode, fs, path, toAbortSignal, Simulator, assertNever];',
        'export type Probe = [ChatController, UnifiedFinishReason, HostToWebview];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3, 4, 5, 6], JSON.stringify(result.messages));
  });

  it('the host may import vscode and the core, not the webview', async () => {
    const result = await lintAsFile(
      probe('src/panel'),
      [
        "import * as vscode from 'vscode';",
        "import { toAbortSignal } from '../core/cancellation';",
        "import { ChatView } from '../webview/ChatView';",
        'export const probe: unknown[] = [vscode, toAbortSignal, ChatView];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [3], JSON.stringify(result.messages));
  });

  it('src/shared imports nothing from the layers', async () => {
    const result = await lintAsFile(probe('src/shared'), "import type { Usage } from '../core/events';\nexport type Probe = Usage;\n");
    assert.deepEqual(restricted(result), [1]);
  });
});
