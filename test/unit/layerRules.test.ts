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

/** Lints `source` as if it were the file at `relativePath` (for files that exist: src/cli.ts, src/extension.ts). */
async function lintAsText(relativePath: string, source: string): Promise<ESLint.LintResult> {
  const [result] = await new ESLint({ cwd: ROOT }).lintText(source, { filePath: path.join(ROOT, relativePath) });
  assert.ok(result, 'ESLint returned no result');
  return result;
}

/** The restricted imports ESLint reported, by line. */
function restricted(result: ESLint.LintResult): number[] {
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.line);
}

const probe = (layer: string) => `${layer}/__layerProbe${process.pid}.ts`;

describe('Layer rules (ESLint)', function () {
  this.timeout(60_000);

  it('the core may not import vscode, the host, the webview, the simulator or the protocol — types included', async () => {
    const result = await lintAsFile(
      probe('src/core'),
      [
        "import * as vscode from 'vscode';",
        "import type { ChatController } from '../features/chat/ChatController';",
        "import { ChatView } from '../webview/ChatView';",
        "import type { AnswerRunner } from '../platform/answerRunner';",
        "import type { Simulator } from '../simulator/Simulator';",
        "import type { HostToWebview } from '../shared/protocol';",
        "import { assertNever } from '../shared/assertNever';",
        "import type { AnswerStats } from '../shared/answerTypes';",
        'export const probe: unknown[] = [vscode, ChatView, assertNever];',
        'export type Probe = [ChatController, AnswerRunner, Simulator, HostToWebview, AnswerStats];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3, 4, 5, 6], JSON.stringify(result.messages));
    assert.match(result.messages[0]!.message, /vscode/);
  });

  it('the CLI is core too', async () => {
    const result = await lintAsText(
      'src/cli.ts',
      [
        "import * as vscode from 'vscode';",
        "import { Simulator } from './simulator/Simulator';",
        "import { readSettings } from './platform/settings';",
        'export const probe: unknown[] = [vscode, Simulator, readSettings];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3], JSON.stringify(result.messages));
  });

  it('the simulator may not import vscode, the host or the webview', async () => {
    const result = await lintAsFile(
      probe('src/simulator'),
      [
        "import * as vscode from 'vscode';",
        "import type { ChatStore } from '../features/chat/ChatStore';",
        "import type { ProviderResolver } from '../platform/ProviderResolver';",
        "import { ChatView } from '../webview/ChatView';",
        "import { tokenize } from './tokenize';",
        'export const probe: unknown[] = [vscode, ChatView, tokenize];',
        'export type Probe = [ChatStore, ProviderResolver];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3, 4], JSON.stringify(result.messages));
  });

  it('the webview may not import vscode, Node built-ins, the core (types included), the simulator or the host', async () => {
    const result = await lintAsFile(
      probe('src/webview'),
      [
        "import * as vscode from 'vscode';",
        "import * as fs from 'node:fs';",
        "import * as path from 'path';",
        "import { toAbortSignal } from '../core/cancellation';",
        "import { Simulator } from '../simulator/Simulator';",
        "import type { ChatController } from '../features/chat/ChatController';",
        "import type { UnifiedFinishReason } from '../core/events';",
        "import type { CancelHooks } from '../platform/cancelHooks';",
        "import type { HostToWebview } from '../shared/protocol';",
        "import { assertNever } from '../shared/assertNever';",
        'export const probe: unknown[] = [vscode, fs, path, toAbortSignal, Simulator, assertNever];',
        'export type Probe = [ChatController, UnifiedFinishReason, CancelHooks, HostToWebview];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1, 2, 3, 4, 5, 6, 7, 8], JSON.stringify(result.messages));
  });

  it('the platform may import vscode, the core and src/shared — never a feature (types included), the webview or the simulator', async () => {
    const result = await lintAsFile(
      probe('src/platform'),
      [
        "import * as vscode from 'vscode';",
        "import { toAbortSignal } from '../core/cancellation';",
        "import { ChatView } from '../webview/ChatView';",
        "import type { ChatController } from '../features/chat/ChatController';",
        "import { compareFeature } from '../features/compare/compareCommands';",
        "import { Simulator } from '../simulator/Simulator';",
        "import { readSettings } from './settings';",
        "import type { HostToWebview } from '../shared/protocol';",
        'export const probe: unknown[] = [vscode, toAbortSignal, ChatView, compareFeature, Simulator, readSettings];',
        'export type Probe = [ChatController, HostToWebview];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [3, 4, 5, 6], JSON.stringify(result.messages));
  });

  it('a feature imports the platform, the core, src/shared and its own folder — never another feature, types included', async () => {
    const result = await lintAsFile(
      probe('src/features/compare'),
      [
        "import * as vscode from 'vscode';",
        "import type { AnswerRunner } from '../../platform/answerRunner';",
        "import { toAbortSignal } from '../../core/cancellation';",
        "import type { CompareRunView } from '../../shared/protocol';",
        "import { CompareRunStore } from './CompareRunStore';",
        "import type { ChatController } from '../chat/ChatController';",
        "import { createMetricsView } from '../metrics/MetricsPanel';",
        "import type { SidestreamChatProvider } from '../../features/vscodeChat/SidestreamChatProvider';",
        "import { Simulator } from '../../simulator/Simulator';",
        "import { ChatView } from '../../webview/ChatView';",
        'export const probe: unknown[] = [vscode, toAbortSignal, CompareRunStore, createMetricsView, Simulator, ChatView];',
        'export type Probe = [AnswerRunner, CompareRunView, ChatController, SidestreamChatProvider];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [6, 7, 8, 9, 10], JSON.stringify(result.messages));
    assert.match(result.messages.find((m) => m.line === 6)!.message, /never another feature/);
  });

  it('every feature folder is a boundary of its own', async () => {
    const result = await lintAsFile(
      probe('src/features/chat'),
      [
        "import type { CompareController } from '../compare/CompareController';",
        "import type { ChatStore } from './ChatStore';",
        'export type Probe = [CompareController, ChatStore];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(restricted(result), [1], JSON.stringify(result.messages));
  });

  it('the wiring (src/extension.ts) sees every feature, never the simulator', async () => {
    const result = await lintAsText(
      'src/extension.ts',
      [
        "import { ChatController } from './features/chat/ChatController';",
        "import { AnswerRunner } from './platform/answerRunner';",
        "import { Simulator } from './simulator/Simulator';",
        'export const probe: unknown[] = [ChatController, AnswerRunner, Simulator];',
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
