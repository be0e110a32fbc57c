/**
 * One assistant message in the list: author line with Copy, Regenerate and the branch navigator,
 * reasoning (collapsible), the streamed markdown answer, a transient notice, the error line and,
 * once finished, the stats footer with Retry/Continue.
 */
import type { AnswerSeamView, AssistantMessageView, ErrorInfo, MessageState, MessageStats } from '../shared/protocol';
import { FAILURE_FIX_BUTTON, failureFix } from '../shared/failureFixes';
import { IncrementalMarkdown } from './IncrementalMarkdown';
import { formatStats } from './formatStats';
import { button, h, icon, iconButton } from './dom';
import { branchNavigator, messageToolbar } from './messageParts';

/** Stands for a seam in the markdown source until the rendered text node is replaced by the marker. */
const SEAM_SENTINEL = '\uE000';

/** "Resumed here: the connection broke at 14:03:12 (connection); the resume took 0.4 s." */
export function seamTitle(seam: AnswerSeamView): string {
  const when = new Date(seam.at).toLocaleTimeString();
  const what = seam.failure.message.replace(/ — .*$/, '');
  return `Resumed here automatically: ${what} (${seam.failure.kind}${seam.failure.status ? ` ${seam.failure.status}` : ''}) at ${when}; the resume took ${(seam.resumeMs / 1000).toFixed(1)} s.`;
}

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
  /** Characters of answer text received so far (the offsets seams are given in). */
  private textChars = 0;
  /** Seams whose offset the received text has not reached yet, nearest first. */
  private pendingSeams: AnswerSeamView[] = [];
  /** Seam markers placed, in text order: the sentinels in the markdown source are replaced by them. */
  private readonly seamTitles: string[] = [];

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
    for (const seam of view.seams ?? []) this.addSeam(seam);
    if (view.text) this.appendText(view.text);
    if (view.state !== 'streaming') this.markdown.finish();
    this.placeSeamMarkers();
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
    if (text) this.appendText(text);
  }

  /** Marks where the answer was resumed: at `seam.offset` of the text, now or once the text gets there. */
  addSeam(seam: AnswerSeamView): void {
    if (seam.offset <= this.textChars) {
      this.insertSeam(seam);
      this.placeSeamMarkers();
      return;
    }
    this.pendingSeams.push(seam);
    this.pendingSeams.sort((a, b) => a.offset - b.offset);
  }

  /** Appends text, with a seam sentinel at each pending seam's offset. */
  private appendText(text: string): void {
    let rest = text;
    while (rest) {
      const seam = this.pendingSeams[0];
      const room = seam ? seam.offset - this.textChars : Infinity;
      if (room > rest.length) {
        this.markdown.append(rest);
        this.textChars += rest.length;
        break;
      }
      if (room > 0) {
        this.markdown.append(rest.slice(0, room));
        this.textChars += room;
        rest = rest.slice(room);
      }
      this.pendingSeams.shift();
      this.insertSeam(seam!);
    }
    if (this.seamTitles.length) this.placeSeamMarkers();
  }

  private insertSeam(seam: AnswerSeamView): void {
    this.seamTitles.push(seamTitle(seam));
    this.markdown.append(SEAM_SENTINEL);
  }

  /** Replaces seam sentinels the renderer left in text nodes with marker elements (none in the text itself). */
  private placeSeamMarkers(): void {
    if (!this.seamTitles.length) return;
    const walker = document.createTreeWalker(this.body, NodeFilter.SHOW_TEXT);
    const hits: Text[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) if (node.nodeValue?.includes(SEAM_SENTINEL)) hits.push(node as Text);
    let index = this.body.querySelectorAll('.seam').length;
    for (const node of hits) {
      let current: Text = node;
      let at = current.data.indexOf(SEAM_SENTINEL);
      while (at >= 0) {
        const after = current.splitText(at);
        after.deleteData(0, SEAM_SENTINEL.length);
        const title = this.seamTitles[Math.min(index++, this.seamTitles.length - 1)]!;
        after.before(h('span', { class: 'seam', role: 'img', tabindex: '0', title, 'aria-label': title }, icon('debug-continue')));
        current = after;
        at = current.data.indexOf(SEAM_SENTINEL);
      }
    }
  }

  finish(state: Exclude<MessageState, 'streaming'>, stats: MessageStats | undefined, error: ErrorInfo | undefined): void {
    this.state = state;
    this.stats = stats ?? this.stats;
    this.error = error;
    this.markdown.finish();
    // The last blocks were rendered again, finished: their seam stand-ins become markers again.
    this.placeSeamMarkers();
    this.setNotice(undefined);
    this.applyState();
  }

  /** Back to streaming for a "continue": further text extends the same message. */
  resume(): void {
    this.state = 'streaming';
    this.error = undefined;
    this.markdown.resume();
    this.placeSeamMarkers();
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
      // The action that fixes the failure comes first: retrying a wrong key fails again.
      const fix = this.error ? failureFix(this.error.kind) : undefined;
      if (fix) {
        const fixButton = button({ ...FAILURE_FIX_BUTTON[fix], className: 'text-button' });
        fixButton.dataset.action = 'fix-failure';
        fixButton.dataset.fix = fix;
        actions.append(fixButton);
      }
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
