import * as vscode from 'vscode';
import { providerInfo } from '../core/providerCatalog';
import type { ChatMessage, ChatRequest } from '../core/request';
import { endMessage, StreamSession, type SessionResult } from '../core/session/StreamSession';
import { contextFilesOf, userTurnsWithContext } from '../core/contextPrompt';
import type { AssistantMessageView, ContextFile, HostToWebview, MessageView, SetupOption, UserMessageView } from '../protocol';
import { chatMarkdown } from './chatMarkdown';
import type { Chat, ChatStore, ChatSummary, DeletedChat, StoreProblem } from './ChatStore';
import { assertNever } from '../shared/assertNever';
import { recordAnswer } from './answerRecorder';
import { loadCore } from './coreLoader';
import type { MetricsStatusBar } from './MetricsStatusBar';
import { requestTarget, streamSourceFor, type ProviderResolver, type Resolution, type ResolvedProvider } from './ProviderResolver';
import { readSettings } from './settings';

/** What the panel's banner says while chats are not being saved. */
function storageProblemText(problem: StoreProblem | undefined): string | undefined {
  if (!problem) return undefined;
  return problem.kind === 'cantSave'
    ? vscode.l10n.t(
        "Sidestream can't save chats: {0}. What you see stays in this window, but closing or reloading it loses what was not saved. Sidestream tries again with each answer; free disk space or fix the permissions of {1}.",
        problem.reason,
        problem.folder,
      )
    : vscode.l10n.t(
        "Sidestream can't read its chat list ({0}). It lists your chats from their files and won't write the list until it can read it; new answers are still saved.",
        problem.reason,
      );
}

/** Where the controller posts: the panel, when it exists. */
export interface PanelPort {
  post(message: HostToWebview): void;
  reveal(): void;
}

interface ActiveRequest {
  id: string;
  cts: vscode.CancellationTokenSource;
  done: Promise<void>;
  /** The running answer's session: text its coalescer holds is in the message but not yet posted. */
  session?: StreamSession | undefined;
}

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

/**
 * The open chat and the one running request. A new question while one streams cancels the
 * running one cleanly first (its partial answer stays, marked cancelled), then asks; so do
 * Regenerate, Edit, switching branches and switching chats. `messages` is always the open chat's
 * shown path (its tree holds the same objects), and that path is what a request sends.
 */
export class ChatController implements vscode.Disposable {
  private chat: Chat;
  private messages: MessageView[];
  /** The title the panel was last sent: a new chat gets its title when its first answer is saved. */
  private postedTitle: string | undefined;
  private active: ActiveRequest | undefined;
  private readonly seqs = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private lastProvider: ResolvedProvider | undefined;
  private nextId = Date.now();
  /**
   * Part of every message id this controller mints: windows without a folder share one store, and
   * another window's (or a reloaded window's) messages may meet this one's in one chat file, which
   * is merged by message id.
   */
  private readonly idSuffix = Math.random().toString(36).slice(2, 6).padEnd(4, '0');
  private readonly storeReports: { dispose(): void };
  /** Requests whose token source is not yet disposed (a leak check for the load tests). */
  liveRequests = 0;

  constructor(
    private readonly panel: PanelPort,
    private readonly store: ChatStore,
    private readonly resolver: ProviderResolver,
    private readonly statusBar: MetricsStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Before load: what loading finds (damaged files kept aside, an unreadable index) is told too.
    this.storeReports = store.onDidReport((report) => {
      switch (report.kind) {
        case 'problem': {
          const message = storageProblemText(report.problem);
          if (message) log.error(message);
          else log.info('chats are being saved again');
          this.panel.post({ type: 'storageProblem', message });
          return;
        }
        case 'keptAside':
          void vscode.window.showWarningMessage(
            vscode.l10n.t('Sidestream found damaged chat files and moved them, unchanged, to {0} ({1}). Your other chats are loaded.', report.folder, report.files.join(', ')),
          );
          return;
        case 'cantRemove':
          void vscode.window.showWarningMessage(
            vscode.l10n.t(
              'Sidestream could not remove {0} ({1}). The chat is off the list, but may come back after a restart; remove the file yourself to delete it for good.',
              report.file,
              report.reason,
            ),
          );
          return;
        default:
          assertNever(report, 'store report');
      }
    });
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

  get streaming(): boolean {
    return this.active !== undefined;
  }

  /**
   * Whether the open chat shows an answer still streaming: what the panel's `init` says. The request
   * stays active for a moment after its answer ended (until its session resolves); a panel that
   * (re)loaded then must not wait for an end that it was already told about.
   */
  private get answerStreaming(): boolean {
    const id = this.active?.id;
    return id !== undefined && this.messages.some((m) => m.id === id && m.role === 'assistant' && m.state === 'streaming');
  }

  get conversation(): readonly MessageView[] {
    return this.messages;
  }

  get provider(): ResolvedProvider | undefined {
    return this.lastProvider;
  }

  /**
   * The whole conversation for the panel (after its `ready`, or to redraw it). Text the coalescer
   * still holds is posted first, so every assistant message's text is exactly what its appends up
   * to `rev` carried: the webview drops appends at or below `rev` and streams on from `rev + 1`.
   */
  initMessage(): Extract<HostToWebview, { type: 'init' }> {
    this.active?.session?.flush();
    const tree = this.chat.tree;
    this.postedTitle = this.chat.summary.title;
    const messages = this.messages.map((m): MessageView => {
      const branch = tree.branchInfo(m.id);
      return m.role === 'assistant' ? { ...m, rev: this.seqs.get(m.id) ?? 0, branch } : branch ? { ...m, branch } : m;
    });
    return {
      type: 'init',
      messages,
      streaming: this.answerStreaming,
      modelLabel: this.providerLabel(),
      chatId: this.chat.summary.id,
      chatTitle: this.chat.summary.title,
      recall: this.store.recall(),
      storageProblem: storageProblemText(this.store.problem),
    };
  }

  private providerLabel(): string | undefined {
    return this.lastProvider ? `${this.lastProvider.label} · ${this.lastProvider.model}` : undefined;
  }

  private setProvider(provider: ResolvedProvider): void {
    this.lastProvider = provider;
    this.panel.post({ type: 'provider', label: this.providerLabel() });
  }

  /**
   * Finds where the next question goes: shows the setup card when nothing works and the
   * conversation is empty; otherwise names the model and loads its SDK ahead of the first question.
   */
  async checkSetup(): Promise<void> {
    const resolution = await this.resolver.resolve(readSettings());
    if (!resolution.ok) {
      if (!this.messages.length) this.panel.post({ type: 'setup', options: setupOptions(), reason: resolution.reason });
    } else {
      const provider = resolution.provider;
      this.setProvider(provider);
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
    this.panel.reveal();
    this.panel.post({ type: 'messageAdded', message: user });
    this.panel.post({ type: 'messageAdded', message: { ...assistant, rev: 0 } });
    await this.run(assistant, undefined).done;
    return assistant;
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
    this.panel.post(this.initMessage());
    this.changed.fire();
  }

  /** A new answer to question `questionId` (on the shown path), shown at once and streamed. */
  private async answerAnew(questionId: string): Promise<AssistantMessageView> {
    const assistant: AssistantMessageView = { id: this.newId(), role: 'assistant', text: '', state: 'streaming' };
    this.chat.tree.add(assistant, questionId);
    this.messages = this.chat.tree.path();
    this.panel.reveal();
    this.panel.post(this.initMessage());
    await this.run(assistant, undefined).done;
    return assistant;
  }

  /** Resumes a cut answer (cancel, failure, `length`) from its partial text, in the same message. */
  async continue(id: string): Promise<void> {
    if (this.streaming) return;
    const message = this.messages.find((m): m is AssistantMessageView => m.id === id && m.role === 'assistant');
    if (!message || message.state === 'streaming' || !message.text) return;
    message.state = 'streaming';
    message.error = undefined;
    this.panel.post({ type: 'messageResumed', id, rev: this.seqs.get(id) ?? 0 });
    if (message.notice) this.clearNotice(message);
    await this.run(message, message.text).done;
  }

  cancel(): void {
    this.active?.cts.cancel();
  }

  async cancelAndWait(): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.cts.cancel();
    await active.done;
  }

  /** Starts a new, empty chat; the one that was open stays in the history. */
  async newChat(): Promise<void> {
    await this.cancelAndWait();
    this.store.save(this.chat, true);
    // A chat nothing was asked in is reused: New Chat twice makes no empty chats.
    if (this.chat.tree.size) this.chat = this.store.create();
    this.messages = [];
    this.seqs.clear();
    this.panel.post({ type: 'cleared' });
    this.panel.post(this.initMessage());
    this.statusBar.showIdle();
    this.changed.fire();
  }

  /** Shows chat `id` in the panel (read without blocking the window). Resolves false when it cannot be read. */
  async openChatById(id: string): Promise<boolean> {
    if (id === this.chat.summary.id) {
      this.panel.reveal();
      return true;
    }
    await this.cancelAndWait();
    this.store.save(this.chat, true);
    const chat = await this.store.open(id);
    if (!chat) return false;
    this.chat = chat;
    this.messages = chat.tree.path();
    this.seqs.clear();
    this.panel.reveal();
    this.panel.post(this.initMessage());
    this.statusBar.showIdle();
    this.changed.fire();
    return true;
  }

  /** Renames chat `id` (the open one's title is posted to the panel). */
  renameChat(id: string, title: string): void {
    this.store.rename(id, title);
    if (id === this.chat.summary.id) {
      this.postedTitle = this.chat.summary.title;
      this.panel.post({ type: 'chatTitle', chatId: id, title: this.postedTitle });
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
      this.seqs.clear();
      this.panel.post({ type: 'cleared' });
      this.panel.post(this.initMessage());
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

  /** The open chat as Markdown: title, then each turn of the shown path. */
  markdown(): string {
    return chatMarkdown(this.chat.summary.title, this.messages, vscode.l10n.t);
  }

  private run(assistant: AssistantMessageView, continueFrom: string | undefined): ActiveRequest {
    const cts = new vscode.CancellationTokenSource();
    this.liveRequests++;
    const active: ActiveRequest = { id: assistant.id, cts, done: Promise.resolve() };
    this.active = active;
    void vscode.commands.executeCommand('setContext', 'sidestream.streaming', true);
    this.changed.fire();
    // The answer was saved durably when it ended (before the panel was told): nothing to save here.
    active.done = this.stream(assistant, continueFrom, active, cts.token).finally(() => {
      cts.dispose();
      this.liveRequests--;
      if (this.active === active) this.active = undefined;
      void vscode.commands.executeCommand('setContext', 'sidestream.streaming', this.active !== undefined);
      this.changed.fire();
    });
    return active;
  }

  private async stream(assistant: AssistantMessageView, continueFrom: string | undefined, active: ActiveRequest, token: vscode.CancellationToken): Promise<void> {
    let resolution: Resolution;
    const settings = readSettings();
    try {
      resolution = await this.resolver.resolve(settings, token);
    } catch (err) {
      resolution = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    if (token.isCancellationRequested) return this.endWithoutRequest(assistant, 'cancelled', undefined);
    if (!resolution.ok) {
      this.panel.post({ type: 'setup', options: setupOptions(), reason: resolution.reason });
      return this.endWithoutRequest(assistant, 'error', { kind: 'connection', message: resolution.reason });
    }
    const provider = resolution.provider;
    // The chat this answer belongs to (only the open chat streams; switching chats cancels first).
    const chat = this.chat;
    this.setProvider(provider);
    this.statusBar.started(provider.model, provider.label);
    const request: ChatRequest = {
      ...requestTarget(provider),
      systemPrompt: settings.systemPrompt || undefined,
      messages: this.history(assistant),
      maxOutputTokens: settings.maxOutputTokens,
      reasoning: provider.kind === 'core' && provider.api === 'anthropic' && settings.anthropicThinkingBudget > 0 ? { budgetTokens: settings.anthropicThinkingBudget } : undefined,
      onLog: (line) => this.log.info(`request ${assistant.id}: ${line}`),
      idleTimeoutSeconds: settings.idleTimeoutSeconds,
      continueFrom,
    };
    this.log.info(
      `request ${assistant.id}: ${provider.label} ${provider.model}${provider.kind === 'core' ? ` at ${provider.baseUrl} (${provider.api})` : ''}${continueFrom ? ' (continue)' : ''}`,
    );
    const session = new StreamSession(request, {
      source: streamSourceFor(provider, token),
      providerLabel: provider.label,
      message: assistant,
      seq: this.seqs.get(assistant.id) ?? 0,
      onAppend: ({ seq, text, reasoning }) => {
        this.seqs.set(assistant.id, seq);
        this.panel.post({ type: 'append', id: assistant.id, seq, text, reasoning: reasoning || undefined });
        // The API's onDidChange promises every snapshot change; appends are already coalesced here.
        this.changed.fire();
      },
      onPersist: (durable) => this.store.save(chat, durable),
      onNotice: (notice) => {
        this.panel.post({ type: 'notice', id: assistant.id, notice });
        this.changed.fire();
      },
      onMetrics: (metrics) => this.statusBar.live(metrics),
      onToolCall: (call) => this.log.info(`request ${assistant.id}: tool call ${call.name} ignored (Sidestream offers no tools)`),
      onLog: (level, line) => this.log[level](`request ${assistant.id}: ${line}`),
      onFinish: (result) => this.finished(assistant, result),
    });
    active.session = session;
    await session.run(token);
  }

  /** Ends an answer whose request never started (cancelled while resolving, or no provider). */
  private endWithoutRequest(assistant: AssistantMessageView, state: 'cancelled' | 'error', error: AssistantMessageView['error']): void {
    const result = endMessage(assistant, {
      state,
      stats: undefined,
      error,
      failure: undefined,
      metrics: undefined,
      usage: undefined,
      finishReason: state,
      rawFinishReason: undefined,
    });
    this.store.save(this.chat, true);
    this.finished(assistant, result);
  }

  /** The answer ended and is on disk (a reload or crash from here on cannot lose it): tell the panel and the status bar. */
  private finished(assistant: AssistantMessageView, result: SessionResult): void {
    this.panel.post({ type: 'messageFinished', id: assistant.id, state: result.state, stats: assistant.stats, error: result.error });
    // The save before this named a new chat after its first question: the header shows it now.
    if (this.chat.summary.title !== this.postedTitle) {
      this.postedTitle = this.chat.summary.title;
      this.panel.post({ type: 'chatTitle', chatId: this.chat.summary.id, title: this.postedTitle });
    }
    this.statusBar.finished(result.metrics, result.state === 'done' ? (result.stats?.finishReason ?? 'stop') : result.state);
    recordAnswer('panel', result);
  }

  private clearNotice(assistant: AssistantMessageView): void {
    assistant.notice = undefined;
    this.panel.post({ type: 'notice', id: assistant.id, notice: undefined });
    this.changed.fire();
  }

  /**
   * The conversation sent with a request: every turn of the shown path before `assistant`, with
   * context files inlined — the current question's in full, earlier turns' each once and within a
   * budget, the rest as a one-line reference (see userTurnsWithContext in src/core/contextPrompt.ts).
   */
  private history(assistant: AssistantMessageView): ChatMessage[] {
    const shown: MessageView[] = [];
    for (const m of this.messages) {
      if (m === assistant) break;
      shown.push(m);
    }
    const questions = shown.filter((m): m is UserMessageView => m.role === 'user');
    const userTurns = userTurnsWithContext(questions.map((m) => ({ text: m.text, files: contextFilesOf(m) })));
    const out: ChatMessage[] = [];
    let question = 0;
    for (const m of shown) {
      if (m.role === 'user') {
        out.push({ role: 'user', content: userTurns[question++]! });
      } else if (m.text) {
        out.push({ role: 'assistant', content: m.text, reasoningBlocks: m.reasoningBlocks });
      }
    }
    // Two user turns in a row (an answer that failed empty) are merged, as some APIs reject them.
    return out.reduce<ChatMessage[]>((acc, m) => {
      const prev = acc[acc.length - 1];
      if (prev && prev.role === m.role) prev.content += `\n\n${m.content}`;
      else acc.push({ ...m });
      return acc;
    }, []);
  }

  private newId(): string {
    return `m${(this.nextId++).toString(36)}${this.idSuffix}`;
  }

  dispose(): void {
    this.active?.cts.cancel();
    void this.store.save(this.chat, true);
    this.storeReports.dispose();
    this.changed.dispose();
  }
}
