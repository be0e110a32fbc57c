import * as vscode from 'vscode';
import type { AnswerResult, AnswerRunner } from '../../platform/answerRunner';
import { loadCore } from '../../platform/coreLoader';
import type { MetricsStatusBar } from '../../platform/MetricsStatusBar';
import type { ProviderResolver, Resolution, ResolvedProvider } from '../../platform/ProviderResolver';
import { readSettings } from '../../platform/settings';
import type { FailureKind, ProviderId } from '../../shared/answerTypes';
import { contextFilesOf } from '../../shared/contextFile';
import type { AssistantMessageView, ContextFile, DiagnosisCardView, MessageView, UserMessageView } from '../../shared/protocol';
import { chatMarkdown } from './chatMarkdown';
import { requestMessages } from './requestMessages';
import { PanelSync, type InitMessage, type PanelPort } from './panelSync';
import { ChatRequests } from './requestState';
import type { Chat, ChatStore, ChatSummary, DeletedChat } from './ChatStore';
import { setupOptions } from './setupOptions';
import { reportStoreProblems, storageProblemText } from './storeReports';

/**
 * The open chat and the one running request. A new question while one streams cancels the
 * running one cleanly first (its partial answer stays, marked cancelled), then asks; so do
 * Regenerate, Edit, switching branches and switching chats. `messages` is always the open chat's
 * shown path (its tree holds the same objects), and that path is what a request sends.
 */
export class ChatController implements vscode.Disposable {
  private chat: Chat;
  private messages: MessageView[];
  private readonly requests = new ChatRequests();
  private readonly sync: PanelSync;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private nextId = Date.now();
  /**
   * Part of every message id this controller mints: windows without a folder share one store, and
   * another window's (or a reloaded window's) messages may meet this one's in one chat file, which
   * is merged by message id.
   */
  private readonly idSuffix = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
  private readonly storeReports: { dispose(): void };
  private readonly requestChanges: vscode.Disposable;

  constructor(
    panel: PanelPort,
    private readonly store: ChatStore,
    private readonly resolver: ProviderResolver,
    private readonly statusBar: MetricsStatusBar,
    private readonly runner: AnswerRunner,
    log: vscode.LogOutputChannel,
  ) {
    this.sync = new PanelSync(panel);
    this.requestChanges = this.requests.onDidChange(() => this.changed.fire());
    // Before load: what loading finds (damaged files kept aside, an unreadable index) is told too.
    this.storeReports = reportStoreProblems(store, panel, log);
    this.chat = store.load();
    this.messages = this.chat.tree.path();
  }

  /** The open chat's id and title (undefined while nothing was asked). */
  get openChat(): { id: string; title: string | undefined } {
    return { id: this.chat.summary.id, title: this.chat.summary.title };
  }

  get chats(): ChatStore {
    return this.store;
  }

  /** Whether an answer is being resolved or streamed (one notion: the request's phase, see requestState.ts). */
  get streaming(): boolean {
    return this.requests.streaming;
  }

  /** Requests whose token source is not yet disposed (a leak check for the load tests). */
  get liveRequests(): number {
    return this.requests.liveRequests;
  }

  get conversation(): readonly MessageView[] {
    return this.messages;
  }

  get provider(): ResolvedProvider | undefined {
    return this.sync.provider;
  }

  /**
   * The whole conversation for the panel (after its `ready`, or to redraw it). Text the coalescer
   * still holds is posted first, so every assistant message's text is exactly what its appends up
   * to `rev` carried: the webview drops appends at or below `rev` and streams on from `rev + 1`.
   */
  initMessage(): InitMessage {
    this.requests.flush();
    return this.sync.init(this.chat, this.messages, {
      streaming: this.streaming,
      recall: this.store.recall(),
      storageProblem: storageProblemText(this.store.problem),
    });
  }

  /**
   * Finds where the next question goes: shows the setup card when nothing works and the
   * conversation is empty; otherwise names the model and loads its SDK ahead of the first question.
   */
  async checkSetup(): Promise<void> {
    const resolution = await this.resolver.resolve(readSettings());
    if (!resolution.ok) {
      if (!this.messages.length) this.sync.post({ type: 'setup', options: setupOptions(), reason: resolution.reason });
    } else {
      const provider = resolution.provider;
      this.sync.setProvider(provider);
      this.statusBar.setModel(provider.model, provider.label);
      this.changed.fire();
      if (provider.kind === 'core') setTimeout(() => loadCore().warmUp(provider.api), 50);
    }
  }

  /** Asks `question` with `contextFiles` (the selection, attached files) sent along and saved with it. */
  async ask(question: string, contextFiles?: readonly ContextFile[]): Promise<AssistantMessageView | undefined> {
    const text = question.trim();
    if (!text) return undefined;
    await this.cancelAndWait();
    const user: UserMessageView = { id: this.newId(), role: 'user', text, contextFiles: contextFiles?.length ? [...contextFiles] : undefined };
    const assistant: AssistantMessageView = { id: this.newId(), role: 'assistant', text: '', state: 'streaming' };
    const tree = this.chat.tree;
    tree.add(user, this.messages.at(-1)?.id);
    tree.add(assistant, user.id);
    this.messages = tree.path();
    this.store.remember(this.chat.summary.id, text);
    this.sync.panel.reveal();
    this.sync.post({ type: 'messageAdded', message: user });
    this.sync.post({ type: 'messageAdded', message: { ...assistant, rev: 0 } });
    await this.run(assistant, undefined);
    return assistant;
  }

  /** A failed answer's failure and who answered (undefined: no such failed answer). */
  failureOf(id: string): { kind: FailureKind; provider: ProviderId | undefined } | undefined {
    const answer = this.messages.find((m): m is AssistantMessageView => m.id === id && m.role === 'assistant');
    if (answer?.state !== 'error' || !answer.error) return undefined;
    return { kind: answer.error.kind, provider: answer.stats?.provider };
  }

  /**
   * Re-asks the question a failed or cancelled answer belongs to. The failed answer stays, as the
   * earlier branch: nothing the user saw is lost.
   */
  async retry(id: string): Promise<void> {
    if (this.streaming) return;
    await this.regenerate(id);
  }

  /** Asks answer `id`'s question again; the new answer is a sibling of `id`, which stays reachable. */
  async regenerate(id: string): Promise<AssistantMessageView | undefined> {
    await this.cancelAndWait();
    const answer = this.messages.find((m) => m.id === id && m.role === 'assistant');
    const question = answer && this.chat.tree.parentOf(answer.id);
    if (!question || question.role !== 'user') return undefined;
    return this.answerAnew(question.id);
  }

  /**
   * Asks `text` in place of question `id`: a new question beside `id` (same parent), answered now.
   * `id` and everything after it stay reachable as the earlier branch. Context files go along again.
   */
  async edit(id: string, text: string): Promise<AssistantMessageView | undefined> {
    const trimmed = text.trim();
    if (!trimmed) return undefined;
    await this.cancelAndWait();
    const question = this.messages.find((m): m is UserMessageView => m.id === id && m.role === 'user');
    if (!question) return undefined;
    const edited: UserMessageView = { id: this.newId(), role: 'user', text: trimmed, contextFiles: contextFilesOf(question).length ? contextFilesOf(question) : undefined };
    this.chat.tree.add(edited, this.chat.tree.parentOf(id)?.id);
    this.store.remember(this.chat.summary.id, trimmed);
    return this.answerAnew(edited.id);
  }

  /** Shows the previous (-1) or next (1) alternative of message `id`, with the path below it it showed last. */
  async switchBranch(id: string, delta: -1 | 1): Promise<void> {
    await this.cancelAndWait();
    if (!this.messages.some((m) => m.id === id) || !this.chat.tree.switchBranch(id, delta)) return;
    this.messages = this.chat.tree.path();
    this.store.save(this.chat, true);
    this.sync.post(this.initMessage());
    this.changed.fire();
  }

  /** A new answer to question `questionId` (on the shown path), shown at once and streamed. */
  private async answerAnew(questionId: string): Promise<AssistantMessageView> {
    const assistant: AssistantMessageView = { id: this.newId(), role: 'assistant', text: '', state: 'streaming' };
    this.chat.tree.add(assistant, questionId);
    this.messages = this.chat.tree.path();
    this.sync.panel.reveal();
    this.sync.post(this.initMessage());
    await this.run(assistant, undefined);
    return assistant;
  }

  /** Resumes a cut answer (cancel, failure, `length`) from its partial text, in the same message. */
  async continue(id: string): Promise<void> {
    if (this.streaming) return;
    const message = this.messages.find((m): m is AssistantMessageView => m.id === id && m.role === 'assistant');
    if (!message || message.state === 'streaming' || !message.text) return;
    message.state = 'streaming';
    message.error = undefined;
    this.sync.post({ type: 'messageResumed', id, rev: this.sync.rev(id) });
    if (message.notice) this.clearNotice(message);
    await this.run(message, message.text);
  }

  cancel(): void {
    this.requests.cancel();
  }

  async cancelAndWait(): Promise<void> {
    await this.requests.cancelAndWait();
  }

  /** Starts a new, empty chat; the one that was open stays in the history. */
  async newChat(): Promise<void> {
    await this.cancelAndWait();
    this.store.save(this.chat, true);
    // A chat nothing was asked in is reused: New Chat twice makes no empty chats.
    if (this.chat.tree.size) this.chat = this.store.create();
    this.messages = [];
    this.sync.forgetRevs();
    this.sync.post({ type: 'cleared' });
    this.sync.post(this.initMessage());
    this.statusBar.showIdle();
    this.changed.fire();
  }

  /** Shows chat `id` in the panel (read without blocking the window). Resolves false when it cannot be read. */
  async openChatById(id: string): Promise<boolean> {
    if (id === this.chat.summary.id) {
      this.sync.panel.reveal();
      return true;
    }
    await this.cancelAndWait();
    this.store.save(this.chat, true);
    const chat = await this.store.open(id);
    if (!chat) return false;
    this.chat = chat;
    this.messages = chat.tree.path();
    this.sync.forgetRevs();
    this.sync.panel.reveal();
    this.sync.post(this.initMessage());
    this.statusBar.showIdle();
    this.changed.fire();
    return true;
  }

  /** Renames chat `id` (the open one's title is posted to the panel). */
  renameChat(id: string, title: string): void {
    this.store.rename(id, title);
    if (id === this.chat.summary.id) {
      this.sync.title(this.chat);
    }
    this.changed.fire();
  }

  /**
   * Deletes chat `id`. The open chat is first replaced by a new, empty one, so the panel never
   * shows a deleted chat. Returns what {@link restoreChat} needs for Undo.
   */
  async deleteChat(id: string): Promise<DeletedChat | undefined> {
    if (id === this.chat.summary.id) {
      await this.cancelAndWait();
      this.store.save(this.chat, true);
      this.chat = this.store.create();
      this.messages = [];
      this.sync.forgetRevs();
      this.sync.post({ type: 'cleared' });
      this.sync.post(this.initMessage());
    }
    const deleted = this.store.delete(id);
    this.changed.fire();
    return deleted;
  }

  /** Undo of a delete: the chat is back in the history, as it was. */
  restoreChat(deleted: DeletedChat): void {
    this.store.restore(deleted);
    this.changed.fire();
  }

  /** Every chat that has messages, most recently updated first. */
  listChats(): ChatSummary[] {
    return this.store.list().map((c) => ({ ...c }));
  }

  /** Shows a Diagnose Server card in the panel (revealed). */
  showDiagnosis(card: DiagnosisCardView): void {
    this.sync.panel.reveal();
    this.sync.post({ type: 'diagnosis', card });
  }

  /** The open chat as Markdown: title, then each turn of the shown path. */
  markdown(): string {
    return chatMarkdown(this.chat.summary.title, this.messages, vscode.l10n.t);
  }

  /** Streams `assistant` (from `continueFrom` when resuming); resolves once it ended, was saved and cleaned up. */
  private run(assistant: AssistantMessageView, continueFrom: string | undefined): Promise<void> {
    return this.requests.start(assistant.id, async (token, request) => {
      const settings = readSettings();
      let resolution: Resolution;
      try {
        resolution = await this.resolver.resolve(settings, token);
      } catch (err) {
        resolution = { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
      // The chat this answer belongs to (only the open chat streams; switching chats cancels first).
      const chat = this.chat;
      const job = {
        consumer: 'panel' as const,
        logName: `request ${assistant.id}`,
        statusBar: {},
        onPersist: (durable: boolean) => this.store.save(chat, durable),
        onFinish: (result: AnswerResult) => {
          request.ended();
          this.finished(assistant, result);
        },
      };
      if (token.isCancellationRequested || !resolution.ok) {
        if (!token.isCancellationRequested && !resolution.ok) this.sync.post({ type: 'setup', options: setupOptions(), reason: resolution.reason });
        this.runner.endWithoutRequest(
          job,
          assistant,
          token.isCancellationRequested ? 'cancelled' : 'error',
          resolution.ok ? undefined : { kind: 'connection', message: resolution.reason },
        );
        return;
      }
      const provider = resolution.provider;
      this.sync.setProvider(provider);
      const answer = this.runner.run(
        {
          ...job,
          target: provider,
          settings,
          messages: requestMessages(this.messages, assistant),
          continueFrom,
          message: assistant,
          seq: this.sync.rev(assistant.id),
          onAppend: ({ seq, text, reasoning }) => {
            this.sync.append(assistant.id, seq, text, reasoning);
            // The API's onDidChange promises every snapshot change; appends are already coalesced here.
            this.changed.fire();
          },
          onNotice: (notice) => {
            this.sync.post({ type: 'notice', id: assistant.id, notice });
            this.changed.fire();
          },
          // The session put the seam in `assistant.seams` (saved with the chat, so a reload marks it again).
          onSeam: (seam) => {
            this.sync.post({ type: 'seam', id: assistant.id, seam });
            this.changed.fire();
          },
        },
        token,
      );
      request.streaming(answer);
      await answer.done;
    });
  }

  /** The answer ended and is on disk (a reload or crash from here on cannot lose it): tell the panel. */
  private finished(assistant: AssistantMessageView, result: AnswerResult): void {
    this.sync.post({ type: 'messageFinished', id: assistant.id, state: result.state, stats: assistant.stats, error: result.error });
    // The save before this named a new chat after its first question: the header shows it now.
    this.sync.title(this.chat);
  }

  private clearNotice(assistant: AssistantMessageView): void {
    assistant.notice = undefined;
    this.sync.post({ type: 'notice', id: assistant.id, notice: undefined });
    this.changed.fire();
  }

  private newId(): string {
    return `m${(this.nextId++).toString(36)}${this.idSuffix}`;
  }

  dispose(): void {
    this.requests.dispose();
    void this.store.save(this.chat, true);
    this.storeReports.dispose();
    this.requestChanges.dispose();
    this.changed.dispose();
  }
}
