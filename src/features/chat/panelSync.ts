/**
 * Keeping the chat panel in step with the host: what it was last told (the chat's title, each
 * answer's last append, the model) and the whole conversation as one `init` message when it
 * (re)loads. The webview drops appends at or below an answer's `rev` and streams on from `rev + 1`,
 * so a panel that reloads mid-answer shows exactly what the host has.
 */
import type { ResolvedProvider } from '../../platform/ProviderResolver';
import type { HostToWebview, MessageView } from '../../shared/protocol';
import type { Chat } from './ChatStore';

/** Where the chat posts: the panel, when it exists. */
export interface PanelPort {
  post(message: HostToWebview): void;
  reveal(): void;
}

export type InitMessage = Extract<HostToWebview, { type: 'init' }>;

export class PanelSync {
  /** The title the panel was last sent: a new chat gets its title when its first answer is saved. */
  private postedTitle: string | undefined;
  /** Each streamed answer's last append sequence number (its `rev` in an `init`). */
  private readonly seqs = new Map<string, number>();
  private lastProvider: ResolvedProvider | undefined;

  constructor(readonly panel: PanelPort) {}

  post(message: HostToWebview): void {
    this.panel.post(message);
  }

  get provider(): ResolvedProvider | undefined {
    return this.lastProvider;
  }

  /** The last append sequence number of answer `id` (0 before its first). */
  rev(id: string): number {
    return this.seqs.get(id) ?? 0;
  }

  /** Posts an answer's append and remembers its sequence number. */
  append(id: string, seq: number, text: string, reasoning: string): void {
    this.seqs.set(id, seq);
    this.post({ type: 'append', id, seq, text, reasoning: reasoning || undefined });
  }

  /** Another chat is shown: its answers start from no appends. */
  forgetRevs(): void {
    this.seqs.clear();
  }

  /** The whole conversation `messages` (the shown path of `chat`) for the panel; `rest` is what else `init` carries. */
  init(chat: Chat, messages: readonly MessageView[], rest: Pick<InitMessage, 'streaming' | 'recall' | 'storageProblem'>): InitMessage {
    const tree = chat.tree;
    this.postedTitle = chat.summary.title;
    return {
      type: 'init',
      messages: messages.map((m): MessageView => {
        const branch = tree.branchInfo(m.id);
        return m.role === 'assistant' ? { ...m, rev: this.rev(m.id), branch } : branch ? { ...m, branch } : m;
      }),
      modelLabel: this.providerLabel(),
      chatId: chat.summary.id,
      chatTitle: chat.summary.title,
      ...rest,
    };
  }

  /** The model answering now, shown in the panel's header. */
  setProvider(provider: ResolvedProvider): void {
    this.lastProvider = provider;
    this.post({ type: 'provider', label: this.providerLabel() });
  }

  /** Posts `chat`'s title when the panel has not been told it yet (a new chat is named by its first save). */
  title(chat: Chat): void {
    if (chat.summary.title === this.postedTitle) return;
    this.postedTitle = chat.summary.title;
    this.post({ type: 'chatTitle', chatId: chat.summary.id, title: this.postedTitle });
  }

  private providerLabel(): string | undefined {
    return this.lastProvider ? `${this.lastProvider.label} · ${this.lastProvider.model}` : undefined;
  }
}
