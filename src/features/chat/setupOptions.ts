import * as vscode from 'vscode';
import { providerInfo } from '../../core/providerCatalog';
import type { SetupOption } from '../../shared/protocol';

/**
 * Commands the setup card may run: the webview can ask for nothing else. A function, so that the
 * labels are translated (`vscode.l10n.t`) when the card is shown, not when the module loads.
 */
export const setupOptions = (): SetupOption[] => [
  ...(['openai', 'anthropic'] as const).map((id) => ({
    id,
    label: vscode.l10n.t('Use {0}', providerInfo(id).label),
    description: vscode.l10n.t("Paste an {0} API key (kept in VS Code's secret storage).", providerInfo(id).label),
    command: 'sidestream.setApiKey',
    args: [id],
  })),
  {
    id: 'local',
    label: vscode.l10n.t('Use a local server'),
    description: vscode.l10n.t('Ollama, LM Studio, llama.cpp or vLLM on this machine — no key needed.'),
    command: 'sidestream.selectProvider',
    args: ['local'],
  },
  {
    id: 'vscode-lm',
    label: vscode.l10n.t('Use VS Code language models'),
    description: vscode.l10n.t('Models offered by other extensions, such as GitHub Copilot.'),
    command: 'sidestream.selectProvider',
    args: ['vscode-lm'],
  },
];
