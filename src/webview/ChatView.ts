/**
 * The whole panel: header, message list, composer. Applies host messages (exhaustively), batches
 * streamed text to one render per animation frame, turns clicks and keys into host messages, and
 * keeps the draft and scroll position across hiding and showing the view (VS Code's webview state).
 */
import { assertNever } from '../shared/assertNever';
import type { DiagnosisCardView, ErrorInfo, HostToWebview, MessageState, MessageView, SetupOption } from '../shared/protocol';
import { AppendQueue } from './AppendQueue';
import { AssistantMessage } from './AssistantMessage';
import { Composer } from './Composer';
import { renderSetupCard } from './SetupCard';
import { renderDiagnosisCard } from './DiagnosisCard';
import { openEditor, renderUserMessage } from './UserMessage';
import { h, icon } from './dom';
import { markdownPlainText } from './plainText';
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
/**
 * Messages within this distance (px) of the visible part of the list are rendered; a placeholder
 * (the message's text in plain form, at its measured height) stands in for the ones further away.
 */
const RENDER_MARGIN_PX = 1_500;
/** A rendered message further than this (px) from the visible part goes back to a placeholder (hysteresis). */
const KEEP_MARGIN_PX = 4_000;
/** Longest time (ms) per frame spent rendering placeholders that came near the visible part. */
const HYDRATE_SLICE_MS = 8;
/** A rendered-again message up to this length (characters) is laid out whole at once (see hydrate). */
const HYDRATE_WHOLE_CHARS = 30_000;
/** Keys that scroll the list up. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);
/** The draft is saved this long (ms) after the last keystroke, not on every one. */
const SAVE_DRAFT_MS = 300;
/** The scroll position is saved this long (ms) after scrolling stops. */
const SAVE_SCROLL_MS = 150;

/** A message in the list: its latest content and its element (rendered, or a placeholder). */
interface Entry {
  view: MessageView;
  element: HTMLElement;
  /** The element is a placeholder: plain text at the message's measured (or estimated) height. */
  virtual: boolean;
  /** Its rendered height (px) when it was last rendered and measured. */
  height?: number;
  /** Its plain text (placeholders only; computed once). */
  plain?: string;
}

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
  /** The rendered answers (a placeholder's answer has none). */
  private readonly assistants = new Map<string, AssistantMessage>();
  /** Every message in the list, by id. */
  private readonly entries = new Map<string, Entry>();
  /** Placeholders that came near the visible part: rendered a slice per frame. */
  private readonly toHydrate = new Set<string>();
  private hydrateFrame = false;
  /** Measured ÷ estimated height over the messages measured so far (placeholders' estimates are scaled by it). */
  private heightScale = { measured: 0, estimated: 0 };
  private listWidth: number | undefined;
  private readonly nearObserver: IntersectionObserver;
  private readonly farObserver: IntersectionObserver;
  private readonly queues = new Map<string, AppendQueue>();
  private setupOptions: SetupOption[] = [];
  private setupCard: HTMLElement | undefined;
  private diagnosisCard: HTMLElement | undefined;
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

    this.composer = new Composer(host, () =>
      [...this.list.children].flatMap((el) => {
        const view = this.entries.get((el as HTMLElement).dataset.id ?? '')?.view;
        return view?.role === 'user' ? [view.text] : [];
      }),
    );
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
      this.listWidth = undefined;
      if (this.following) this.scrollToBottom();
      this.updateJumpButton();
    });
    this.resizeObserver.observe(this.list);
    this.observeChildren();
    // The DOM stays bounded however long the chat: only messages near the visible part are rendered.
    this.nearObserver = new IntersectionObserver((records) => this.onNear(records), { root: this.list, rootMargin: `${RENDER_MARGIN_PX}px 0px` });
    this.farObserver = new IntersectionObserver((records) => this.onFar(records), { root: this.list, rootMargin: `${KEEP_MARGIN_PX}px 0px` });
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
      case 'diagnosis':
        this.showDiagnosis(msg.card);
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
      case 'notice': {
        const view = this.entries.get(msg.id)?.view;
        if (view?.role === 'assistant') view.notice = msg.notice;
        this.assistants.get(msg.id)?.setNotice(msg.notice);
        break;
      }
      case 'seam':
        this.assistants.get(msg.id)?.addSeam(msg.seam);
        break;
      case 'messageFinished': {
        const view = this.entries.get(msg.id)?.view;
        if (view?.role === 'assistant') Object.assign(view, { state: msg.state, stats: msg.stats ?? view.stats, error: msg.error, notice: undefined });
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
      case 'messageResumed': {
        this.hydrate(msg.id);
        const view = this.entries.get(msg.id)?.view;
        if (view?.role === 'assistant') Object.assign(view, { state: 'streaming', error: undefined });
        this.queues.get(msg.id)?.resetNumbering(msg.rev);
        this.flush(msg.id);
        this.assistants.get(msg.id)?.resume();
        this.updateStreaming();
        break;
      }
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
    this.entries.clear();
    this.toHydrate.clear();
    this.nearObserver.disconnect();
    this.farObserver.disconnect();
    this.queues.clear();
    this.setupCard = undefined;
    this.diagnosisCard = undefined;
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
      while (next >= 0) top = this.addMessage(messages[next--]!, top, true);
      this.backfill = undefined;
      this.finishBackfill = undefined;
    };
    const slice = () => {
      if (this.backfill !== job) return; // a newer conversation (or New Chat) replaced this one, or it was finished
      const started = performance.now();
      const fromBottom = this.list.scrollHeight - this.list.scrollTop;
      while (next >= 0 && performance.now() - started < BACKFILL_SLICE_MS) top = this.addMessage(messages[next--]!, top, true);
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
   * snapshot is idempotent). `virtual`: as a placeholder (an older message added above the last
   * screen), rendered once it comes near the visible part. Returns its element.
   */
  private addMessage(view: MessageView, before?: Element, virtual = false): HTMLElement {
    this.emptyState.remove();
    const entry: Entry = { view: { ...view }, element: undefined as unknown as HTMLElement, virtual: virtual && !(view.role === 'assistant' && view.state === 'streaming') };
    entry.element = entry.virtual ? this.placeholder(entry) : this.render(entry);
    if (view.role === 'assistant') this.queues.set(view.id, new AppendQueue(view.rev));
    const existing = this.entries.get(view.id);
    if (existing) {
      this.unobserve(existing.element);
      if (entry.virtual) this.assistants.delete(view.id);
      this.toHydrate.delete(view.id);
      if (existing.element.isConnected) existing.element.replaceWith(entry.element);
      else if (before) this.list.insertBefore(entry.element, before);
      else this.list.append(entry.element);
    } else if (before) this.list.insertBefore(entry.element, before);
    else this.list.append(entry.element);
    this.entries.set(view.id, entry);
    this.resizeObserver.observe(entry.element);
    (entry.virtual ? this.nearObserver : this.farObserver).observe(entry.element);
    if (!entry.virtual) this.updateStreaming();
    return entry.element;
  }

  /** The message's rendered element (an answer gets its AssistantMessage). */
  private render(entry: Entry): HTMLElement {
    const view = entry.view;
    if (view.role === 'user') return renderUserMessage(view);
    const message = new AssistantMessage(view);
    this.assistants.set(view.id, message);
    return message.element;
  }

  /**
   * A stand-in for a message far off screen: its text in plain form (find-in-page, select-all and
   * copy, and screen readers still reach it) at its measured height, so the list does not move when
   * it is rendered again. `content-visibility: auto` spares style, layout and paint of its text.
   */
  private placeholder(entry: Entry): HTMLElement {
    const view = entry.view;
    entry.plain ??= view.role === 'user' ? view.text : markdownPlainText(view.text);
    const element = h(
      'article',
      { class: `message ${view.role} message-virtual`, 'data-role': view.role, 'data-id': view.id, 'aria-label': view.role === 'user' ? 'Your message' : 'Assistant message' },
      h('div', { class: 'virtual-text' }, entry.plain),
    );
    element.style.height = `${entry.height ?? Math.round(this.estimateHeight(view))}px`;
    return element;
  }

  /** A never-measured message's height: its text's lines at the list's width, scaled by what measured ones showed. */
  private estimateHeight(view: MessageView): number {
    const raw = this.rawEstimate(view);
    const { measured, estimated } = this.heightScale;
    return estimated > 0 ? (raw * measured) / estimated : raw;
  }

  private rawEstimate(view: MessageView): number {
    // The list's width, read once per layout change (reading it per placeholder would lay the list out each time).
    this.listWidth ??= this.list.clientWidth;
    const perLine = Math.max(20, Math.floor((this.listWidth - 32) / 7.5));
    let lines = 0;
    for (const line of view.text.split('\n')) lines += Math.max(1, Math.ceil(line.length / perLine));
    return 40 + lines * 19 + (view.role === 'assistant' ? 26 : 0);
  }

  private unobserve(element: HTMLElement): void {
    this.resizeObserver.unobserve(element);
    this.nearObserver.unobserve(element);
    this.farObserver.unobserve(element);
  }

  private onNear(records: IntersectionObserverEntry[]): void {
    for (const record of records) {
      const id = (record.target as HTMLElement).dataset.id;
      if (id === undefined) continue;
      if (record.isIntersecting) this.toHydrate.add(id);
      else this.toHydrate.delete(id);
    }
    if (this.toHydrate.size && !this.hydrateFrame) {
      this.hydrateFrame = true;
      requestAnimationFrame(() => this.hydrateSlice());
    }
  }

  /**
   * Renders the placeholders near the visible part, a few milliseconds per frame. A message above
   * the visible part that turns out taller or shorter than its placeholder's estimate does not move
   * what is on screen: the browser's scroll anchoring (overflow-anchor, on by default) moves the
   * list by the difference.
   */
  private hydrateSlice(): void {
    this.hydrateFrame = false;
    const started = performance.now();
    // Nearest first; the ones already in sight whatever the time they take (the screen must not show placeholders).
    const sight = this.list.getBoundingClientRect();
    const order = [...this.toHydrate].map((id): [string, number] => {
      const box = this.entries.get(id)?.element.getBoundingClientRect();
      return [id, !box ? Infinity : box.bottom < sight.top ? sight.top - box.bottom : box.top > sight.bottom ? box.top - sight.bottom : 0];
    });
    order.sort((a, b) => a[1] - b[1]);
    for (const [id, distance] of order) {
      if (distance > 0 && performance.now() - started > HYDRATE_SLICE_MS) break;
      this.toHydrate.delete(id);
      this.hydrate(id);
    }
    if (this.following) this.scrollToBottom();
    if (this.toHydrate.size) {
      this.hydrateFrame = true;
      requestAnimationFrame(() => this.hydrateSlice());
    }
  }

  /** Renders placeholder `id` in place. */
  private hydrate(id: string): void {
    const entry = this.entries.get(id);
    if (!entry?.virtual) return;
    const element = this.render(entry);
    this.unobserve(entry.element);
    entry.element.replaceWith(element);
    entry.element = element;
    entry.virtual = false;
    this.resizeObserver.observe(element);
    this.farObserver.observe(element);
    // Laid out whole at once (not chunk by chunk as it scrolls into sight, content-visibility's
    // placeholder sizes growing into real ones): its height is right from the first frame, so
    // scroll anchoring has one change to absorb, not one per chunk. Not for a huge answer.
    if (entry.view.text.length <= HYDRATE_WHOLE_CHARS) element.classList.add('message-hydrated');
    // Regenerate and Edit are off while an answer streams (as updateStreaming sets them).
    if (this.isStreaming)
      for (const el of element.querySelectorAll<HTMLButtonElement>('.message-toolbar [data-action="regenerate"], .message-toolbar [data-action="edit"]')) el.disabled = true;
  }

  private onFar(records: IntersectionObserverEntry[]): void {
    for (const record of records) {
      if (record.isIntersecting) continue;
      const id = (record.target as HTMLElement).dataset.id;
      if (id !== undefined) this.dehydrate(id, record.boundingClientRect.height);
    }
  }

  /**
   * Puts a placeholder in place of rendered message `id`, far off screen now — never a streaming
   * answer, nor one holding the focus, the selection or an open editor.
   */
  private dehydrate(id: string, height: number): void {
    const entry = this.entries.get(id);
    if (!entry || entry.virtual || !entry.element.isConnected) return;
    const element = entry.element;
    const answer = this.assistants.get(id);
    if (answer?.isStreaming) return;
    if (element.contains(document.activeElement) || element.querySelector('.edit-form')) return;
    const selection = document.getSelection();
    if (selection && !selection.isCollapsed && selection.rangeCount && selection.getRangeAt(0).intersectsNode(element)) return;
    if (answer && entry.view.role === 'assistant') entry.view.text = answer.markdown.text;
    entry.height = height;
    this.heightScale.measured += height;
    this.heightScale.estimated += this.rawEstimate(entry.view);
    entry.plain = undefined;
    const placeholder = this.placeholder(entry);
    this.unobserve(element);
    element.replaceWith(placeholder);
    this.assistants.delete(id);
    entry.element = placeholder;
    entry.virtual = true;
    this.resizeObserver.observe(placeholder);
    this.nearObserver.observe(placeholder);
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
        // Up by more than a screen without a gesture is not layout either: find-in-page, a focus or
        // a screen reader moved to an older message (following would yank the view back down).
        const jumpedUp = this.lastScrollTop - top > this.list.clientHeight;
        if (top < this.lastScrollTop - 1 && (byUser || jumpedUp)) this.setFollowing(false);
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

  /** The Diagnose Server card, at the end of the list (it replaces an earlier one), brought into view. */
  private showDiagnosis(card: DiagnosisCardView): void {
    const el = renderDiagnosisCard(card);
    if (this.diagnosisCard) this.diagnosisCard.remove();
    this.list.append(el);
    this.resizeObserver.observe(el);
    this.emptyState.remove();
    this.diagnosisCard = el;
    el.scrollIntoView({ block: 'nearest' });
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
    const view = this.entries.get(id)?.view;
    if (view?.role === 'assistant' && chunk.reasoning) view.reasoning = (view.reasoning ?? '') + chunk.reasoning;
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
      case 'fix-failure':
        if (id && actionEl.closest('.message-footer')) this.host.post({ type: 'fixFailure', id });
        break;
      case 'diagnosis-fix': {
        const verdict = actionEl.dataset.verdict;
        if (verdict && actionEl.closest('.diagnosis-card')) this.host.post({ type: 'applyDiagnosisFix', verdict });
        break;
      }
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
