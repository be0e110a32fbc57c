/**
 * A key is the user's money. The first time another extension sends a request through Sidestream
 * that spends a key (OpenAI, Anthropic, a compatible server with a key — one from the environment
 * counts too), Sidestream asks: Allow (this window), Always Allow, Deny (remembered). VS Code's own
 * chat (`core`, or its built-in chat extension) never asks: there the user picked the model. "Sidestream: Manage Extensions' Key Access"
 * lists the remembered answers and forgets the ones the user picks.
 */
import * as vscode from 'vscode';
import { isVsCodeChat } from '../../platform/modelLimits';

/** Where the remembered answers live (per user, across workspaces): extension id → answer. */
export const KEY_CONSENT_STATE = 'sidestream.keyConsent';

type Remembered = 'always' | 'denied';

export class KeyConsent {
  /** Extensions allowed for this window only. */
  private readonly allowedNow = new Set<string>();
  /** Questions being asked, so that parallel requests of one extension ask once. */
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly state: vscode.Memento,
    private readonly log?: Pick<vscode.LogOutputChannel, 'info'> | undefined,
  ) {}

  /**
   * Whether extension `extensionId` (named `displayName`) may spend the key of `keyLabel`; asks the
   * user when nothing is remembered. `core` (VS Code's own chat) and Sidestream itself never ask.
   */
  async allows(extensionId: string, displayName: string | undefined, keyLabel: string): Promise<boolean> {
    if (isVsCodeChat(extensionId) || extensionId.toLowerCase() === 'sidestream.sidestream') return true;
    const remembered = this.remembered()[extensionId];
    if (remembered === 'always' || this.allowedNow.has(extensionId)) return true;
    if (remembered === 'denied') return false;
    let question = this.asking.get(extensionId);
    if (!question) {
      question = this.ask(extensionId, displayName ?? extensionId, keyLabel).finally(() => this.asking.delete(extensionId));
      this.asking.set(extensionId, question);
    }
    return question;
  }

  private async ask(extensionId: string, name: string, keyLabel: string): Promise<boolean> {
    const allow = vscode.l10n.t('Allow');
    const always = vscode.l10n.t('Always Allow');
    const deny = vscode.l10n.t('Deny');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('The extension "{0}" wants to use your {1} key through Sidestream.', name, keyLabel),
      {
        modal: true,
        detail: vscode.l10n.t(
          'Its requests are billed to your account. Sidestream remembers "Always Allow" and "Deny" for this extension; "Sidestream: Manage Extensions\' Key Access" changes them.',
        ),
      },
      allow,
      always,
      deny,
    );
    if (answer === always) await this.remember(extensionId, 'always');
    else if (answer === deny) await this.remember(extensionId, 'denied');
    else if (answer === allow) this.allowedNow.add(extensionId);
    this.log?.info(
      `key access for ${extensionId}: ${answer === always ? 'always allowed' : answer === deny ? 'denied' : answer === allow ? 'allowed in this window' : 'not answered (denied this time)'}`,
    );
    return answer === allow || answer === always;
  }

  /** The remembered answers, by extension id. */
  remembered(): Record<string, Remembered> {
    const value = this.state.get<unknown>(KEY_CONSENT_STATE);
    if (typeof value !== 'object' || value === null) return {};
    const out: Record<string, Remembered> = {};
    for (const [id, answer] of Object.entries(value)) if (answer === 'always' || answer === 'denied') out[id] = answer;
    return out;
  }

  private async remember(extensionId: string, answer: Remembered): Promise<void> {
    await this.state.update(KEY_CONSENT_STATE, { ...this.remembered(), [extensionId]: answer });
  }

  /** Forgets what was answered for `extensionIds` (remembered or for this window): they are asked again. */
  async forget(extensionIds: readonly string[]): Promise<void> {
    const kept = this.remembered();
    for (const id of extensionIds) {
      delete kept[id];
      this.allowedNow.delete(id);
    }
    await this.state.update(KEY_CONSENT_STATE, kept);
  }

  /** The command: pick the extensions whose answer to forget. */
  async manage(): Promise<void> {
    const entries = [
      ...Object.entries(this.remembered()).map(([id, answer]) => ({ id, answer: answer === 'always' ? vscode.l10n.t('Always allowed') : vscode.l10n.t('Denied') })),
      ...[...this.allowedNow].filter((id) => !(id in this.remembered())).map((id) => ({ id, answer: vscode.l10n.t('Allowed in this window') })),
    ];
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: no extension has asked to use your keys yet.'));
      return;
    }
    const picked = await vscode.window.showQuickPick(
      entries.map((e) => ({
        label: (vscode.extensions.getExtension(e.id)?.packageJSON as { displayName?: string } | undefined)?.displayName ?? e.id,
        description: e.id,
        detail: e.answer,
        id: e.id,
      })),
      { title: vscode.l10n.t("Sidestream: Manage Extensions' Key Access"), placeHolder: vscode.l10n.t('Pick the extensions to ask again next time'), canPickMany: true },
    );
    if (!picked?.length) return;
    await this.forget(picked.map((p) => p.id));
    void vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: {0} will be asked again before using your keys.', picked.map((p) => p.label).join(', ')));
  }
}
