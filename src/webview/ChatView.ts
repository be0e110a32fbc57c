/**
 * The whole panel: header, message list, composer. Applies host messages (exhaustively), batches
 * streamed text to one render per animation frame, and turns clicks and keys into host messages.
 */
import { assertNever } from '../core/events';
import type { HostToWebview, MessageView, SetupOption } from '../protocol';
import { AppendQueue } from './AppendQueue';
import { AssistantMessage } from './AssistantMessage';
import { renderSetupCard } from './SetupCard';
import { renderUserMessage } from './UserMessage';
import { h, icon } from './dom';
import type { HostChannel } from './hostApi';

/** Distance from the bottom (px) within which the list keeps following new text. */
const STICK_TO_BOTTOM_PX = 48;

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

  constructor(root: HTMLElement, private readonly host: HostChannel) {
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
        for (const message of msg.messages) this.addMessage(message);
        this.scrollToBottom();
        break;
      case 'setup':
        this.showSetup(msg.options, msg.reason);
        break;
      case 'messageAdded':
        this.addMessage(msg.message);
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
        const follow = this.isNearBottom();
        this.queues.get(msg.id)?.releaseGaps();
        this.flush(msg.id);
        message.finish(msg.state, msg.stats, msg.error);
        this.hostStreaming = false;
        this.updateStreaming();
        if (follow) this.scrollToBottom();
        break;
      }
      case 'messageResumed':
        this.queues.get(msg.id)?.resetNumbering();
        this.flush(msg.id);
        this.assistants.get(msg.id)?.resume();
        this.updateStreaming();
        break;
      case 'stats':
        this.assistants.get(msg.id)?.setStats(msg.stats);
        break;
      case 'provider':
        this.modelLabel.textContent = msg.label ?? '';
        break;
      case 'cleared':
        this.reset();
        break;
      case 'focusInput':
        this.textarea.focus();
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
    this.assistants.clear();
    this.queues.clear();
    this.setupCard = undefined;
    this.hostStreaming = false;
    this.list.replaceChildren(this.emptyState);
    this.updateStreaming();
  }

  private addMessage(view: MessageView): void {
    this.emptyState.remove();
    if (view.role === 'user') {
      this.list.append(renderUserMessage(view));
    } else {
      const message = new AssistantMessage(view);
      this.assistants.set(view.id, message);
      this.queues.set(view.id, new AppendQueue());
      this.list.append(message.element);
    }
    this.updateStreaming();
  }

  private showSetup(options: SetupOption[], reason: string): void {
    this.setupOptions = options;
    const card = renderSetupCard(options, reason);
    if (this.setupCard) this.setupCard.replaceWith(card);
    else this.list.prepend(card);
    this.emptyState.remove();
    this.setupCard = card;
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      const follow = this.isNearBottom();
      for (const id of this.queues.keys()) this.flush(id);
      if (follow) this.scrollToBottom();
    });
  }

  /** Renders whatever in-order text is waiting for one message and reports it (test/bench hook). */
  private flush(id: string): void {
    const chunk = this.queues.get(id)?.take();
    const message = this.assistants.get(id);
    if (!chunk || !message) return;
    message.append(chunk.text, chunk.reasoning);
    this.host.post({ type: 'rendered', id, seq: chunk.seq, length: message.markdown.length });
  }

  private isNearBottom(): boolean {
    const { scrollTop, scrollHeight, clientHeight } = this.list;
    return scrollHeight - scrollTop - clientHeight <= STICK_TO_BOTTOM_PX;
  }

  private scrollToBottom(): void {
    this.list.scrollTop = this.list.scrollHeight;
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
