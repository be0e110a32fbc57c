/**
 * The whole panel: header, message list, composer. Applies host messages (exhaustively), batches
 * streamed text to one render per animation frame, turns clicks and keys into host messages, and
 * keeps the draft and scroll position across hiding and showing the view (VS Code's webview state).
 */
import { assertNever } from '../shared/assertNever';
import type { ErrorInfo, HostToWebview, MessageState, MessageView, SetupOption } from '../protocol';
import { AppendQueue } from './AppendQueue';
import { AssistantMessage } from './AssistantMessage';
import { Composer } from './Composer';
import { renderSetupCard } from './SetupCard';
import { openEditor, renderUserMessage } from './UserMessage';
import { h, icon } from './dom';
import type { HostChannel, PanelState } from './hostApi';
import type { RenderReport } from './testHooks';

/** Scrolling down to within this distance (px) of the end resumes following new text. */
const STICK_TO_BOTTOM_PX = 48;
/** A scroll this soon (ms) after a wheel, touch, key or pointer gesture on the list is the user's. */
const USER_GESTURE_MS = 600;
/** Text (characters) rendered at once when a conversation is shown: more than any screen of the panel holds. */
const LAST_SCREEN_CHARS = 6_000;
/** Longest slice (ms) of adding older messages above a shown conversation, so frames keep coming. */
const BACKFILL_SLICE_MS = 8;
/** Keys that scroll the list up. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
/** The draft is saved this long (ms) after the last keystroke, not on every one. */
const SAVE_DRAFT_MS = 300;
/** The scroll position is saved this long (ms) after scrolling stops. */
const SAVE_SCROLL_MS = 150;

export class ChatView {
  private readonly list: HTMLElement;
  private readonly emptyState: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly composer: Composer;
  private readonly chatTitle: HTMLElement;
  /** Says why chats are not being saved, while they are not (the host's `storageProblem`). */
  private readonly storageProblem: HTMLElement;
  /** Visually hidden; says once per answer how it ended ("Answer done", "Cancelled", the failure). */
  private readonly status: HTMLElement;
  private readonly jumpButton: HTMLButtonElement;
  private readonly assistants = new Map<string, AssistantMessage>();
  private readonly queues = new Map<string, AppendQueue>();
  private setupOptions: SetupOption[] = [];
  private setupCard: HTMLElement | undefined;
  private hostStreaming = false;
  private frameRequested = false;
  /**
   * Whether the list keeps its end in sight. Only the user turns it off (scrolling up with the
   * wheel, touch, keys or the scroll bar); layout that moves the end (content-visibility blocks
   * getting their real size, highlighting, the footer) never does. Scrolling back to the end turns
   * it on again.
   */
  private following = true;
  private lastScrollTop = 0;
  private lastGestureAt = -Infinity;
  private pointerDown = false;
  private readonly resizeObserver: ResizeObserver;
  /** The older messages of a conversation still being added above the last screen (see showConversation). */
  private backfill: object | undefined;
  /** Adds the rest of them at once (restoring a scroll position needs its message in place). */
  private finishBackfill: (() => void) | undefined;
  private chatId: string | undefined;
  /** The state an earlier page of this view left, applied once after the first `init`. */
  private pendingRestore: PanelState | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  /** `onRender` (test builds only) hears of each frame's render of a message. */
  constructor(
    root: HTMLElement,
    private readonly host: HostChannel,
    private readonly onRender?: (report: RenderReport) => void,
  ) {
    // New Chat, Stop and the model picker live in the view's own title bar (package.json view/title);
    // the header names the open chat, the composer's model button shows where questions go.
    this.chatTitle = h('h1', { class: 'chat-title' }, 'New chat');
    const header = h('header', { class: 'toolbar' }, this.chatTitle);
    this.storageProblem = h('div', { class: 'storage-problem', role: 'alert', hidden: true });

    this.emptyState = h(
      'div',
      { class: 'empty-state' },
      icon('comment-discussion'),
      h('p', {}, 'Ask about your code. Answers stream in here.'),
      h('p', { class: 'hint' }, 'Select code in the editor first to send it along.'),
    );
    // A log whose new text is NOT announced as it streams (aria-live off): the status line below
    // announces each answer once when it ends. Focusable, so the keyboard can scroll it.
    this.list = h('main', { class: 'messages', role: 'log', 'aria-live': 'off', 'aria-label': 'Conversation', tabindex: '0' }, this.emptyState);
    this.status = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });

    this.composer = new Composer(host, () => [...this.list.querySelectorAll<HTMLElement>('[data-role="user"] > .user-text')].map((el) => el.textContent ?? ''));
    this.textarea = this.composer.textarea;
    this.sendButton = this.composer.sendButton;
    this.jumpButton = h('button', { type: 'button', class: 'jump-to-latest', 'data-action': 'jump-to-latest', hidden: true }, icon('arrow-down'), h('span', {}, 'Jump to latest'));
    const composer = h(
      'div',
      { class: 'composer' },
      this.jumpButton,
      this.composer.element,
      h('div', { class: 'input-hint' }, 'Enter to send · Shift+Enter for a new line · ↑ for earlier questions'),
    );
    root.replaceChildren(header, this.storageProblem, this.list, composer, this.status);
    this.composer.setModelLabel(undefined);
    this.pendingRestore = host.getState();
    this.updateStreaming();

    // Any change of the list's size or of a message's height: keep the end in sight when following.
    this.resizeObserver = new ResizeObserver(() => {
      if (this.following) this.scrollToBottom();
      this.updateJumpButton();
    });
    this.resizeObserver.observe(this.list);
    this.observeChildren();
    this.watchUserScrolling();

    this.textarea.addEventListener('keydown', (e) => this.onInputKey(e));
    this.textarea.addEventListener('input', () => {
      this.updateSendEnabled();
      this.scheduleSave(SAVE_DRAFT_MS);
    });
    this.sendButton.addEventListener('click', () => (this.isStreaming ? this.host.post({ type: 'cancel' }) : this.send()));
    this.jumpButton.addEventListener('click', () => {
      this.setFollowing(true);
      this.scrollToBottom();
      this.scheduleSave(0);
    });
    // A page being hidden may be destroyed before a pending save runs.
    window.addEventListener('pagehide', () => this.saveState());
    this.list.addEventListener('click', (e) => this.onListClick(e));
    this.list.addEventListener('auxclick', (e) => {
      if ((e.target as Element).closest?.('a')) {
        e.preventDefault();
        e.stopPropagation();
      }
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isStreaming) {
        e.preventDefault();
        this.host.post({ type: 'cancel' });
      }
    });
  }

  /** Applies one host message. */
  handle(msg: HostToWebview): void {
    switch (msg.type) {
      case 'init':
        this.reset();
        this.hostStreaming = msg.streaming;
        this.chatId = msg.chatId;
        this.chatTitle.textContent = msg.chatTitle ?? 'New chat';
        this.composer.setModelLabel(msg.modelLabel);
        this.composer.setRecall(msg.recall);
        this.showStorageProblem(msg.storageProblem);
        this.setFollowing(true);
        this.showConversation(msg.messages);
        this.restoreState();
        break;
      case 'setup':
        this.showSetup(msg.options, msg.reason);
        break;
      case 'chatTitle':
        if (msg.chatId === this.chatId) this.chatTitle.textContent = msg.title ?? 'New chat';
        break;
      case 'messageAdded':
        this.addMessage(msg.message);
        // A new question or answer: show it, and follow the answer from its first line.
        this.setFollowing(true);
        this.scrollToBottom();
        break;
      case 'append': {
        const queue = this.queues.get(msg.id);
        // Text only flows into a streaming message; after messageFinished it needs messageResumed first.
        if (!queue || !this.assistants.get(msg.id)?.isStreaming) break;
        queue.push(msg.seq, msg.text, msg.reasoning ?? '');
        this.requestFrame();
        break;
      }
      case 'notice':
        this.assistants.get(msg.id)?.setNotice(msg.notice);
        break;
      case 'seam':
        this.assistants.get(msg.id)?.addSeam(msg.seam);
        break;
      case 'messageFinished': {
        const message = this.assistants.get(msg.id);
        if (!message) break;
        this.queues.get(msg.id)?.releaseGaps();
        this.flush(msg.id);
        const wasStreaming = message.isStreaming;
        message.finish(msg.state, msg.stats, msg.error);
        if (wasStreaming) this.announce(msg.state, msg.error);
        this.hostStreaming = false;
        this.updateStreaming();
        // The footer (figures, Continue, Retry) and the error line come into sight with the last line.
        if (this.following) this.scrollToBottom();
        break;
      }
      case 'messageResumed':
        this.queues.get(msg.id)?.resetNumbering(msg.rev);
        this.flush(msg.id);
        this.assistants.get(msg.id)?.resume();
        this.updateStreaming();
        break;
      case 'provider':
        this.composer.setModelLabel(msg.label);
        break;
      case 'cleared':
        this.reset();
        this.chatTitle.textContent = 'New chat';
        break;
      case 'context':
        this.composer.setChips(msg.chips);
        break;
      case 'focusComposer':
        this.textarea.focus();
        break;
      case 'storageProblem':
        this.showStorageProblem(msg.message);
        break;
      default:
        assertNever(msg, 'host message');
    }
  }

  /** The banner over the conversation: shown with `message`, hidden without. An unchanged message is not announced again. */
  private showStorageProblem(message: string | undefined): void {
    if (!message) {
      this.storageProblem.hidden = true;
      this.storageProblem.replaceChildren();
      return;
    }
    if (!this.storageProblem.hidden && this.storageProblem.textContent === message) return;
    this.storageProblem.replaceChildren(icon('warning'), h('span', {}, message));
    this.storageProblem.hidden = false;
  }

  private get isStreaming(): boolean {
    if (this.hostStreaming) return true;
    for (const message of this.assistants.values()) if (message.isStreaming) return true;
    return false;
  }

  private reset(): void {
    this.backfill = this.finishBackfill = undefined;
    this.assistants.clear();
    this.queues.clear();
    this.setupCard = undefined;
    this.hostStreaming = false;
    this.list.replaceChildren(this.emptyState);
    // Stop observing the removed messages, so a cleared conversation is not kept alive by the observer.
    this.resizeObserver.disconnect();
    this.resizeObserver.observe(this.list);
    this.observeChildren();
    this.setFollowing(true);
    this.updateStreaming();
  }

  /** Says how an answer ended, once: a polite status line, read after the answer stopped changing. */
  private announce(state: Exclude<MessageState, 'streaming'>, error: ErrorInfo | undefined): void {
    const text = state === 'done' ? 'Answer done' : state === 'cancelled' ? 'Cancelled' : `Failed: ${(error?.message ?? 'the answer failed').split('\n')[0]}`;
    // The same words twice in a row must still be read: clear first, write in the next frame.
    this.status.textContent = '';
    requestAnimationFrame(() => (this.status.textContent = text));
  }

  private setFollowing(following: boolean): void {
    this.following = following;
    this.updateJumpButton();
  }

  /** "Jump to latest" shows while the end of the list is out of sight and not being followed. */
  private updateJumpButton(): void {
    const show = !this.following && !this.isNearBottom();
    if (this.jumpButton.hidden === !show) return;
    // Moving focus off a button that disappears would drop it to <body>: hand it to the composer.
    if (!show && document.activeElement === this.jumpButton) this.textarea.focus();
    this.jumpButton.hidden = !show;
  }

  private scheduleSave(delay: number): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveState(), delay);
  }

  /** Stores the draft and where the list is scrolled, for the page VS Code creates when the view is shown again. */
  private saveState(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    // Until the earlier page's state has been applied, this page has nothing newer to say.
    if (this.pendingRestore) return;
    this.host.setState({ draft: this.textarea.value, chatId: this.chatId, following: this.following, anchor: this.following ? undefined : this.topAnchor() });
  }

  /**
   * The message at the top of the list and the offset into it. A message, not a pixel position:
   * answers' blocks have only estimated sizes until they are drawn (content-visibility), so the
   * same scrollTop would land elsewhere in the recreated page.
   */
  private topAnchor(): PanelState['anchor'] {
    const top = this.list.scrollTop;
    const messages = [...this.list.children].filter((el): el is HTMLElement => el instanceof HTMLElement && el.dataset.id !== undefined);
    const anchor = messages.find((el) => el.offsetTop + el.offsetHeight > top);
    return anchor ? { id: anchor.dataset.id!, offset: Math.max(0, top - anchor.offsetTop) } : undefined;
  }

  /** Applies the earlier page's state after the first `init`: the draft, and the scroll position in the same chat. */
  private restoreState(): void {
    const state = this.pendingRestore;
    if (!state) return;
    this.pendingRestore = undefined;
    if (state.draft && !this.textarea.value) {
      this.textarea.value = state.draft;
      this.updateSendEnabled();
    }
    if (state.following || state.chatId !== this.chatId || !state.anchor) return;
    // The message may be among the older ones still being added above the last screen.
    if (!this.list.querySelector(`:scope > [data-id="${CSS.escape(state.anchor.id)}"]`)) this.finishBackfill?.();
    const anchor = [...this.list.children].find((el) => (el as HTMLElement).dataset.id === state.anchor!.id) as HTMLElement | undefined;
    if (!anchor) return;
    this.setFollowing(false);
    this.list.scrollTop = anchor.offsetTop + state.anchor.offset;
    this.lastScrollTop = this.list.scrollTop;
    this.updateJumpButton();
  }

  /**
   * Shows a whole conversation (a reload, a chat opened from history) last screen first: messages
   * are rendered from the end until they hold more text than a screen shows, so the screen the
   * user sees is painted in the next frame however long the chat is; the older ones are then added
   * above in short slices between frames (keeping the view where it is), newest first.
   */
  private showConversation(messages: readonly MessageView[]): void {
    let next = messages.length - 1;
    let top: Element | undefined;
    // Heights are no guide here: blocks off screen have a placeholder size until they are drawn
    // (content-visibility). Text is: a screen of the panel holds far fewer characters than this.
    let chars = 0;
    while (next >= 0 && chars < LAST_SCREEN_CHARS) {
      const message = messages[next--]!;
      top = this.addMessage(message, top);
      chars += message.text.length + (message.role === 'assistant' ? (message.reasoning?.length ?? 0) : 0);
    }
    this.scrollToBottom();
    if (next < 0) return;
    const job = {};
    this.backfill = job;
    this.finishBackfill = () => {
      while (next >= 0) top = this.addMessage(messages[next--]!, top);
      this.backfill = undefined;
      this.finishBackfill = undefined;
    };
    const slice = () => {
      if (this.backfill !== job) return; // a newer conversation (or New Chat) replaced this one, or it was finished
      const started = performance.now();
      const fromBottom = this.list.scrollHeight - this.list.scrollTop;
      while (next >= 0 && performance.now() - started < BACKFILL_SLICE_MS) top = this.addMessage(messages[next--]!, top);
      if (this.following) this.scrollToBottom();
      else {
        this.list.scrollTop = this.list.scrollHeight - fromBottom;
        this.lastScrollTop = this.list.scrollTop;
      }
      if (next >= 0) setTimeout(slice, 0);
      else this.backfill = this.finishBackfill = undefined;
    };
    // The first slice waits for the frame that paints the last screen: a task queued now would run
    // before that frame (and each slice reads the list's layout), delaying the screen the user sees.
    requestAnimationFrame(() => setTimeout(slice, 0));
  }

  /**
   * Adds a message (at the end, or before `before`), or replaces the one with the same id (a
   * snapshot is idempotent). Returns its element.
   */
  private addMessage(view: MessageView, before?: Element): HTMLElement {
    this.emptyState.remove();
    let element: HTMLElement;
    if (view.role === 'user') {
      element = renderUserMessage(view);
    } else {
      const message = new AssistantMessage(view);
      this.assistants.set(view.id, message);
      this.queues.set(view.id, new AppendQueue(view.rev));
      element = message.element;
    }
    const existing = [...this.list.children].find((el) => (el as HTMLElement).dataset.id === view.id);
    if (existing) {
      this.resizeObserver.unobserve(existing);
      existing.replaceWith(element);
    } else if (before) this.list.insertBefore(element, before);
    else this.list.append(element);
    this.resizeObserver.observe(element);
    this.updateStreaming();
    return element;
  }

  /** Observes the size of everything in the list (messages, setup card, empty state). */
  private observeChildren(): void {
    for (const child of this.list.children) this.resizeObserver.observe(child);
  }

  /**
   * Tells the user's scrolling from layout: a scroll that moves up within a moment of a wheel,
   * touch, key or scroll-bar gesture stops following; reaching the end again resumes it.
   */
  private watchUserScrolling(): void {
    const gesture = () => (this.lastGestureAt = performance.now());
    this.list.addEventListener(
      'wheel',
      (e) => {
        gesture();
        if (e.deltaY < 0 && this.list.scrollTop > 0) this.setFollowing(false);
      },
      { passive: true },
    );
    this.list.addEventListener('touchmove', gesture, { passive: true });
    this.list.addEventListener('pointerdown', () => {
      this.pointerDown = true;
      gesture();
    });
    window.addEventListener('pointerup', () => (this.pointerDown = false));
    document.addEventListener('keydown', (e) => {
      if ((e.target as Element | null)?.closest?.('textarea, input')) return;
      gesture();
      if ((UP_KEYS.has(e.key) || (e.key === ' ' && e.shiftKey)) && this.list.scrollTop > 0) this.setFollowing(false);
    });
    this.list.addEventListener(
      'scroll',
      () => {
        const top = this.list.scrollTop;
        const byUser = this.pointerDown || performance.now() - this.lastGestureAt < USER_GESTURE_MS;
        if (top < this.lastScrollTop - 1 && byUser) this.setFollowing(false);
        else if (top > this.lastScrollTop && this.isNearBottom()) this.setFollowing(true);
        else this.updateJumpButton();
        this.lastScrollTop = top;
        if (byUser) this.scheduleSave(SAVE_SCROLL_MS);
      },
      { passive: true },
    );
  }

  private showSetup(options: SetupOption[], reason: string): void {
    this.setupOptions = options;
    const card = renderSetupCard(options, reason);
    if (this.setupCard) this.setupCard.replaceWith(card);
    else this.list.prepend(card);
    this.resizeObserver.observe(card);
    this.emptyState.remove();
    this.setupCard = card;
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      for (const id of this.queues.keys()) this.flush(id);
      if (this.following) this.scrollToBottom();
    });
  }

  /** Renders whatever in-order text is waiting for one message. */
  private flush(id: string): void {
    const chunk = this.queues.get(id)?.take();
    const message = this.assistants.get(id);
    if (!chunk || !message) return;
    message.append(chunk.text, chunk.reasoning);
    this.onRender?.({ id, seq: chunk.seq, length: message.markdown.length });
  }

  private isNearBottom(): boolean {
    const { scrollTop, scrollHeight, clientHeight } = this.list;
    return scrollHeight - scrollTop - clientHeight <= STICK_TO_BOTTOM_PX;
  }

  private scrollToBottom(): void {
    this.list.scrollTop = this.list.scrollHeight;
    this.lastScrollTop = this.list.scrollTop;
  }

  private send(): void {
    const text = this.textarea.value.trim();
    if (!text || this.isStreaming) return;
    this.host.post({ type: 'ask', text });
    this.composer.sent(text);
    this.textarea.value = '';
    this.updateSendEnabled();
    this.scheduleSave(0);
  }

  private onInputKey(e: KeyboardEvent): void {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.send();
    }
  }

  private onListClick(e: MouseEvent): void {
    const target = e.target as Element;
    const link = target.closest('a');
    if (link && this.list.contains(link)) {
      // Links never navigate the webview; the host asks the user before opening anything. VS Code's
      // own webview frame also listens for link clicks on the window and opens them without asking
      // (it ignores preventDefault), so the click must not bubble that far.
      e.preventDefault();
      e.stopPropagation();
      const href = link.getAttribute('href');
      if (href) this.host.post({ type: 'openLink', href });
      return;
    }
    const actionEl = target.closest<HTMLElement>('[data-action]');
    if (!actionEl || (actionEl as HTMLButtonElement).disabled) return;
    const messageEl = actionEl.closest<HTMLElement>('[data-role]');
    const id = messageEl?.dataset.role === 'assistant' ? messageEl.dataset.id : undefined;
    // The message's own toolbar (Copy, Regenerate, Edit, ‹ › versions), as opposed to a code block's buttons.
    const inToolbar = actionEl.closest('.message-toolbar') !== null && messageEl !== null;
    switch (actionEl.dataset.action) {
      case 'copy':
      case 'insert': {
        if (inToolbar && actionEl.dataset.action === 'copy') {
          const answer = id ? this.assistants.get(id) : undefined;
          if (!answer || answer.isStreaming) return;
          this.host.post({ type: 'copy', text: answer.markdown.text });
          flashCopied(actionEl);
          break;
        }
        const code = actionEl.closest('.code-block')?.querySelector('pre > code');
        if (!code) return;
        const text = (code.textContent ?? '').replace(/\n$/, '');
        this.host.post(actionEl.dataset.action === 'copy' ? { type: 'copy', text } : { type: 'insert', text });
        if (actionEl.dataset.action === 'copy') flashCopied(actionEl);
        break;
      }
      case 'regenerate':
        if (id && inToolbar && !this.isStreaming) this.host.post({ type: 'regenerate', id });
        break;
      case 'edit': {
        const userId = messageEl?.dataset.role === 'user' ? messageEl.dataset.id : undefined;
        if (!userId || !inToolbar || this.isStreaming) return;
        const input = openEditor(messageEl!, (text) => this.host.post({ type: 'edit', id: userId, text }));
        if (input) input.dataset.streaming = 'false';
        break;
      }
      case 'branch-prev':
      case 'branch-next': {
        const messageId = messageEl?.dataset.id;
        if (messageId && inToolbar) this.host.post({ type: 'switchBranch', id: messageId, delta: actionEl.dataset.action === 'branch-prev' ? -1 : 1 });
        break;
      }
      case 'retry':
        if (id && actionEl.closest('.message-footer')) this.host.post({ type: 'retry', id });
        break;
      case 'continue':
        if (id && actionEl.closest('.message-footer')) this.host.post({ type: 'continue', id });
        break;
      case 'setup': {
        const option = this.setupOptions.find((o) => o.id === actionEl.dataset.option);
        if (option && actionEl.closest('.setup-card')) this.host.post({ type: 'runCommand', id: option.id });
        break;
      }
    }
  }

  private updateStreaming(): void {
    const streaming = this.isStreaming;
    document.body.classList.toggle('is-streaming', streaming);
    const label = streaming ? 'Stop' : 'Send';
    this.sendButton.replaceChildren(icon(streaming ? 'debug-stop' : 'send'));
    this.sendButton.setAttribute('aria-label', label);
    this.sendButton.title = streaming ? 'Stop (Esc)' : 'Send (Enter)';
    this.sendButton.classList.toggle('stop', streaming);
    this.sendButton.dataset.mode = streaming ? 'stop' : 'send';
    // Regenerate and Edit start a new answer: not while one is streaming. Copy is per answer (AssistantMessage).
    for (const el of this.list.querySelectorAll<HTMLButtonElement>('.message-toolbar [data-action="regenerate"], .message-toolbar [data-action="edit"]')) el.disabled = streaming;
    for (const input of this.list.querySelectorAll<HTMLTextAreaElement>('.edit-form .edit-input')) {
      input.dataset.streaming = String(streaming);
      input.dispatchEvent(new Event('input'));
    }
    this.updateSendEnabled();
  }

  private updateSendEnabled(): void {
    this.sendButton.disabled = !this.isStreaming && this.textarea.value.trim().length === 0;
  }
}

/** Brief "copied" feedback on a code block's Copy button. */
function flashCopied(el: HTMLElement): void {
  const glyph = el.querySelector('.codicon');
  if (!glyph) return;
  glyph.classList.replace('codicon-copy', 'codicon-check');
  setTimeout(() => glyph.classList.replace('codicon-check', 'codicon-copy'), 1200);
}
