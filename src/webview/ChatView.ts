/**
 * The whole panel: header, message list, composer. Applies host messages (exhaustively), batches
 * streamed text to one render per animation frame, and turns clicks and keys into host messages.
 */
import { assertNever } from '../shared/assertNever';
import type { HostToWebview, MessageView, SetupOption } from '../protocol';
import { AppendQueue } from './AppendQueue';
import { AssistantMessage } from './AssistantMessage';
import { renderSetupCard } from './SetupCard';
import { renderUserMessage } from './UserMessage';
import { h, icon } from './dom';
import type { HostChannel } from './hostApi';
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

export class ChatView {
  private readonly list: HTMLElement;
  private readonly emptyState: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly modelLabel: HTMLElement;
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

  /** `onRender` (test builds only) hears of each frame's render of a message. */
  constructor(
    root: HTMLElement,
    private readonly host: HostChannel,
    private readonly onRender?: (report: RenderReport) => void,
  ) {
    // New Chat, Stop and the model picker live in the view's own title bar (package.json view/title).
    this.modelLabel = h('span', { class: 'model-label' });
    const header = h('header', { class: 'toolbar' }, h('span', { class: 'title' }, 'Sidestream'), this.modelLabel);

    this.emptyState = h(
      'div',
      { class: 'empty-state' },
      icon('comment-discussion'),
      h('p', {}, 'Ask about your code. Answers stream in here.'),
      h('p', { class: 'hint' }, 'Select code in the editor first to send it along.'),
    );
    this.list = h('main', { class: 'messages', 'aria-label': 'Conversation' }, this.emptyState);

    this.textarea = h('textarea', { class: 'input', rows: '1', placeholder: 'Ask Sidestream…', 'aria-label': 'Message to send' });
    this.sendButton = h('button', { type: 'button', class: 'send-button' });
    const composer = h(
      'div',
      { class: 'composer' },
      h('div', { class: 'input-row' }, this.textarea, this.sendButton),
      h('div', { class: 'input-hint' }, 'Enter to send · Shift+Enter for a new line · Esc to stop'),
    );
    root.replaceChildren(header, this.list, composer);
    this.updateStreaming();

    // Any change of the list's size or of a message's height: keep the end in sight when following.
    this.resizeObserver = new ResizeObserver(() => {
      if (this.following) this.scrollToBottom();
    });
    this.resizeObserver.observe(this.list);
    this.observeChildren();
    this.watchUserScrolling();

    this.textarea.addEventListener('keydown', (e) => this.onInputKey(e));
    this.textarea.addEventListener('input', () => this.updateSendEnabled());
    this.sendButton.addEventListener('click', () => (this.isStreaming ? this.host.post({ type: 'cancel' }) : this.send()));
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
        this.modelLabel.textContent = msg.modelLabel ?? '';
        this.following = true;
        this.showConversation(msg.messages);
        break;
      case 'setup':
        this.showSetup(msg.options, msg.reason);
        break;
      case 'messageAdded':
        this.addMessage(msg.message);
        // A new question or answer: show it, and follow the answer from its first line.
        this.following = true;
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
      case 'messageFinished': {
        const message = this.assistants.get(msg.id);
        if (!message) break;
        this.queues.get(msg.id)?.releaseGaps();
        this.flush(msg.id);
        message.finish(msg.state, msg.stats, msg.error);
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
        this.modelLabel.textContent = msg.label ?? '';
        break;
      case 'cleared':
        this.reset();
        break;
      // PLACEHOLDER(issue 15, webview helper)
      case 'context':
      case 'focusComposer':
        break;
      default:
        assertNever(msg, 'host message');
    }
  }

  private get isStreaming(): boolean {
    if (this.hostStreaming) return true;
    for (const message of this.assistants.values()) if (message.isStreaming) return true;
    return false;
  }

  private reset(): void {
    this.backfill = undefined;
    this.assistants.clear();
    this.queues.clear();
    this.setupCard = undefined;
    this.hostStreaming = false;
    this.list.replaceChildren(this.emptyState);
    // Stop observing the removed messages, so a cleared conversation is not kept alive by the observer.
    this.resizeObserver.disconnect();
    this.resizeObserver.observe(this.list);
    this.observeChildren();
    this.following = true;
    this.updateStreaming();
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
    const slice = () => {
      if (this.backfill !== job) return; // a newer conversation (or New Chat) replaced this one
      const started = performance.now();
      const fromBottom = this.list.scrollHeight - this.list.scrollTop;
      while (next >= 0 && performance.now() - started < BACKFILL_SLICE_MS) top = this.addMessage(messages[next--]!, top);
      if (this.following) this.scrollToBottom();
      else {
        this.list.scrollTop = this.list.scrollHeight - fromBottom;
        this.lastScrollTop = this.list.scrollTop;
      }
      if (next >= 0) setTimeout(slice, 0);
      else this.backfill = undefined;
    };
    setTimeout(slice, 0);
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
        if (e.deltaY < 0 && this.list.scrollTop > 0) this.following = false;
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
      if ((UP_KEYS.has(e.key) || (e.key === ' ' && e.shiftKey)) && this.list.scrollTop > 0) this.following = false;
    });
    this.list.addEventListener(
      'scroll',
      () => {
        const top = this.list.scrollTop;
        const byUser = this.pointerDown || performance.now() - this.lastGestureAt < USER_GESTURE_MS;
        if (top < this.lastScrollTop - 1 && byUser) this.following = false;
        else if (top > this.lastScrollTop && this.isNearBottom()) this.following = true;
        this.lastScrollTop = top;
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
    this.textarea.value = '';
    this.updateSendEnabled();
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
    if (!actionEl) return;
    const messageEl = actionEl.closest<HTMLElement>('[data-role="assistant"]');
    const id = messageEl?.dataset.id;
    switch (actionEl.dataset.action) {
      case 'copy':
      case 'insert': {
        const code = actionEl.closest('.code-block')?.querySelector('pre > code');
        if (!code) return;
        const text = (code.textContent ?? '').replace(/\n$/, '');
        this.host.post(actionEl.dataset.action === 'copy' ? { type: 'copy', text } : { type: 'insert', text });
        if (actionEl.dataset.action === 'copy') flashCopied(actionEl);
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
