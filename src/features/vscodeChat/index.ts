/**
 * Sidestream in VS Code's own chat, both ways: its models offered through `vscode.lm` (vendor
 * `sidestream`) and the `@sidestream` participant. `extension.ts` calls {@link registerLanguageModelFeatures} once.
 */
import * as vscode from 'vscode';
import type { ApiKeyStore } from '../../platform/ApiKeyStore';
import type { AnswerRunner } from '../../platform/answerRunner';
import type { ProviderResolver } from '../../platform/ProviderResolver';
import { SIDESTREAM_VENDOR } from '../../platform/modelLimits';
import { createParticipantHandler, registerChatParticipant } from './participant';
import { KeyConsent } from './keyConsent';
import { SidestreamChatProvider } from './SidestreamChatProvider';

export interface LanguageModelFeatures {
  disposables: vscode.Disposable[];
  /** The `@sidestream` handler (the test-mode API hands it to the extension-host tests). */
  participantHandler: vscode.ChatRequestHandler;
  /** Every model Sidestream reaches, and its request target (Compare Models picks from these). */
  models: SidestreamChatProvider;
  /** Which extensions may spend the user's keys. */
  consent: KeyConsent;
}

export function registerLanguageModelFeatures(
  extensionUri: vscode.Uri,
  deps: { keys: ApiKeyStore; resolver: ProviderResolver; runner: AnswerRunner; globalState: vscode.Memento; log?: vscode.LogOutputChannel | undefined },
): LanguageModelFeatures {
  const consent = new KeyConsent(deps.globalState, deps.log);
  const provider = new SidestreamChatProvider(deps.keys, deps.runner, deps.log, consent);
  const participantHandler = createParticipantHandler(deps);
  // Both APIs are final since VS Code 1.104, the lowest version engines.vscode allows.
  const disposables: vscode.Disposable[] = [
    provider,
    vscode.lm.registerLanguageModelChatProvider(SIDESTREAM_VENDOR, provider),
    registerChatParticipant(extensionUri, participantHandler),
    vscode.commands.registerCommand('sidestream.manageKeyAccess', () => consent.manage()),
  ];
  return { disposables, participantHandler, models: provider, consent };
}
