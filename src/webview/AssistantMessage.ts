/**
 * One assistant message in the list: author line with Copy, Regenerate and the branch navigator,
 * reasoning (collapsible), the streamed markdown answer, a transient notice, the error line and,
 * once finished, the stats footer with Retry/Continue.
 */
import type { AssistantMessageView, ErrorInfo, MessageState, MessageStats } from '../shared/protocol';
import { IncrementalMarkdown } from './IncrementalMarkdown';
import { formatStats } from './formatStats';
import { button, h, icon, iconButton } from './dom';
import { branchNavigator, messageToolbar } from './messageParts';

export class AssistantMessage {
  readonly element: HTMLElement;
  readonly markdown: IncrementalMarkdown;
  private readonly body: HTMLElement;
  private readonly reasoning: HTMLDetailsElement;
  private readonly reasoningSummary: HTMLElement;
  private readonly reasoningText: Text;
  private readonly notice: HTMLElement;
  private readonly errorLine: HTMLElement;
  private readonly footer: HTMLElement;
  private readonly copyButton: HTMLButtonElement;
  private state: MessageState;
  private stats: MessageStats | undefined;
  private error: ErrorInfo | undefined;

  constructor(view: AssistantMessageView) {
    this.state = view.state;
    this.stats = view.stats;
    this.error = view.error;
    this.reasoningText = document.createTextNode('');
    this.reasoningSummary = h('summary', {}, icon('lightbulb'), h('span', {}, 'Reasoning'));
    this.reasoning = h('details', { class: 'reasoning', hidden: true }, this.reasoningSummary, h('div', { class: 'reasoning-text' }, this.reasoningText));
    // Not a live region: the list's status line says "Answer done" once instead of reading every frame.
    this.body = h('div', { class: 'markdown' });
    this.notice = h('div', { class: 'notice', role: 'status', hidden: true });
    this.errorLine = h('div', { class: 'error-line', role: 'alert', hidden: true });
    this.footer = h('div', { class: 'message-footer', hidden: true });
    this.copyButton = iconButton({ label: 'Copy', icon: 'copy', action: 'copy' });
    this.element = h(
      'article',
      { class: 'message assistant', 'data-role': 'assistant', 'data-id': view.id, 'aria-label': 'Assistant message' },
      h(
        'div',
        { class: 'message-header' },
        h('div', { class: 'message-author' }, icon('sparkle'), h('span', {}, 'Sidestream')),
        messageToolbar(branchNavigator(view.branch), this.copyButton, iconButton({ label: 'Regenerate', icon: 'refresh', action: 'regenerate' })),
      ),
      this.reasoning,
      this.body,
      this.notice,
      this.errorLine,
      this.footer,
    );
    this.markdown = new IncrementalMarkdown(this.body);
    if (view.reasoning) this.appendReasoning(view.reasoning);
    if (view.text) this.markdown.append(view.text);
    if (view.state !== 'streaming') this.markdown.finish();
    this.setNotice(view.notice);
    this.applyState();
  }

  get id(): string {
    return this.element.dataset.id ?? '';
  }

  get isStreaming(): boolean {
    return this.state === 'streaming';
  }

  /** Applies one frame's worth of coalesced text. */
  append(text: string, reasoning: string): void {
    if (reasoning) this.appendReasoning(reasoning);
    if (text) this.markdown.append(text);
  }

  finish(state: Exclude<MessageState, 'streaming'>, stats: MessageStats | undefined, error: ErrorInfo | undefined): void {
    this.state = state;
    this.stats = stats ?? this.stats;
    this.error = error;
    this.markdown.finish();
    this.setNotice(undefined);
    this.applyState();
  }

  /** Back to streaming for a "continue": further text extends the same message. */
  resume(): void {
    this.state = 'streaming';
    this.error = undefined;
    this.markdown.resume();
    this.applyState();
  }

  setNotice(notice: string | undefined): void {
    this.notice.hidden = !notice;
    this.notice.replaceChildren(...(notice ? [icon('info'), h('span', {}, notice)] : []));
  }

  private appendReasoning(text: string): void {
    this.reasoning.hidden = false;
    this.reasoningText.appendData(text);
  }

  private applyState(): void {
    this.element.dataset.state = this.state;
    const streaming = this.isStreaming;
    this.body.setAttribute('aria-busy', String(streaming));
    this.copyButton.disabled = streaming;
    this.element.setAttribute('aria-busy', String(streaming));
    this.reasoningSummary.lastElementChild!.textContent = streaming ? 'Thinking…' : 'Reasoning';
    this.errorLine.hidden = !this.error;
    if (this.error) {
      this.errorLine.replaceChildren(icon('error'), h('span', { class: 'error-kind' }, this.error.kind), h('span', { class: 'error-message' }, this.error.message));
    } else {
      this.errorLine.replaceChildren();
    }
    this.renderFooter();
  }

  private renderFooter(): void {
    if (this.isStreaming) {
      this.footer.hidden = true;
      this.footer.replaceChildren();
      return;
    }
    const items: Node[] = [];
    if (this.state === 'cancelled') items.push(h('span', { class: 'badge badge-cancelled' }, icon('circle-slash'), h('span', {}, 'Cancelled')));
    if (this.state === 'error') items.push(h('span', { class: 'badge badge-error' }, 'Failed'));
    const stats = h('span', { class: 'stats' });
    for (const part of this.stats ? formatStats(this.stats) : []) stats.append(h('span', { class: 'stat' }, part));
    items.push(stats);
    // Why Sidestream stopped the answer itself (a server that kept sending past the output cap).
    if (this.stats?.note) items.push(h('span', { class: 'stop-note' }, this.stats.note));
    const actions = h('span', { class: 'message-actions' });
    if (this.state === 'error') {
      const retry = button({ label: 'Retry', icon: 'refresh', className: 'text-button' });
      retry.dataset.action = 'retry';
      actions.append(retry);
    }
    const cut = this.state === 'cancelled' || this.state === 'error' || this.stats?.finishReason === 'length';
    if (cut) {
      const cont = button({ label: 'Continue', icon: 'debug-continue', className: 'text-button' });
      cont.dataset.action = 'continue';
      actions.append(cont);
    }
    if (actions.childElementCount > 0) items.push(actions);
    this.footer.replaceChildren(...items);
    this.footer.hidden = false;
  }
}
