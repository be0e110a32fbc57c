/**
 * The composer: context chips, the question box with ↑/↓ recall and `#`/`@` file picking, and the
 * toolbar with Attach, the model button and Send/Stop. It posts what the user does; ChatView owns
 * sending (it knows whether an answer is streaming) and the panel state.
 */
import type { ContextChip } from '../shared/protocol';
import { formatTokens } from './UserMessage';
import { h, icon, iconButton, srOnly } from './dom';
import type { HostChannel } from './hostApi';

/** Characters that open the file picker when typed at the start of the input or after whitespace. */
const PICK_TRIGGERS = new Set(['#', '@']);

export class Composer {
  readonly element: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  readonly sendButton: HTMLButtonElement;
  private readonly chipsRow: HTMLElement;
  private readonly modelButton: HTMLButtonElement;
  private readonly modelLabel: HTMLElement;
  /** Earlier questions from the host (`init.recall`), oldest first. */
  private recallFromHost: string[] = [];
  /** Questions sent from this page, oldest first. */
  private readonly sentHere: string[] = [];
  /** While recalling: the list being walked (most recent first) and the position in it. */
  private recall: { items: string[]; index: number } | undefined;

  constructor(
    private readonly host: HostChannel,
    /** The questions in the conversation shown, oldest first (read when recall starts). */
    private readonly conversationQuestions: () => string[],
  ) {
    this.textarea = h('textarea', { class: 'input', rows: '1', placeholder: 'Ask Sidestream… (# to add a file)', 'aria-label': 'Message to send' });
    this.sendButton = h('button', { type: 'button', class: 'send-button' });
    this.chipsRow = h('div', { class: 'context-chips', role: 'list', 'aria-label': 'Context for the next question', hidden: true });
    const attach = iconButton({ label: 'Attach file (#)', icon: 'attach', action: 'pick-context', className: 'icon-button composer-attach' });
    this.modelLabel = h('span', { class: 'model-label' });
    this.modelButton = h(
      'button',
      { type: 'button', class: 'model-button', 'data-action': 'select-model', title: 'Select model' },
      srOnly('Model: '),
      this.modelLabel,
      icon('chevron-down'),
    );
    this.element = h(
      'div',
      { class: 'input-box' },
      this.chipsRow,
      this.textarea,
      h('div', { class: 'composer-toolbar' }, attach, this.modelButton, h('span', { class: 'toolbar-spacer' }), this.sendButton),
    );

    this.element.addEventListener('click', (e) => this.onClick(e));
    this.textarea.addEventListener('input', (e) => this.onInput(e as InputEvent));
    this.textarea.addEventListener('keydown', (e) => this.onRecallKey(e));
  }

  setModelLabel(label: string | undefined): void {
    this.modelLabel.textContent = label || 'Select model';
  }

  setRecall(recall: string[] | undefined): void {
    this.recallFromHost = recall ?? [];
    this.recall = undefined;
  }

  /** Remembers a question sent from here for recall, and ends any recall. */
  sent(text: string): void {
    this.sentHere.push(text);
    this.recall = undefined;
  }

  /** Replaces the chips with the host's set. */
  setChips(chips: ContextChip[]): void {
    this.chipsRow.replaceChildren(...chips.map((chip) => renderChip(chip)));
    this.chipsRow.hidden = chips.length === 0;
  }

  private onClick(e: MouseEvent): void {
    const actionEl = (e.target as Element).closest<HTMLElement>('[data-action]');
    if (!actionEl || !this.element.contains(actionEl)) return;
    const chipId = actionEl.closest<HTMLElement>('[data-chip-id]')?.dataset.chipId;
    switch (actionEl.dataset.action) {
      case 'pick-context':
        this.host.post({ type: 'pickContext' });
        break;
      case 'select-model':
        this.host.post({ type: 'selectModel' });
        break;
      case 'remove-context':
        if (chipId) this.host.post({ type: 'removeContext', id: chipId });
        // The chip goes when the host's new set arrives; keep the keyboard in the composer meanwhile.
        this.textarea.focus();
        break;
      case 'attach-context':
        if (chipId) this.host.post({ type: 'attachContext', id: chipId });
        break;
    }
  }

  /** `#` or `@` typed as the start of a word opens the file picker; the character itself is dropped. */
  private onInput(e: InputEvent): void {
    this.recall = undefined;
    if (e.inputType !== 'insertText' || !e.data || !PICK_TRIGGERS.has(e.data)) return;
    const { value, selectionStart: caret } = this.textarea;
    if (caret < 1 || value[caret - 1] !== e.data) return;
    const before = caret >= 2 ? value[caret - 2] : '';
    if (before !== '' && !/\s/.test(before)) return;
    this.textarea.setRangeText('', caret - 1, caret, 'end');
    // setRangeText fires no input event; tell listeners (send button, draft saving) the text changed.
    this.textarea.dispatchEvent(new Event('input'));
    this.host.post({ type: 'pickContext' });
  }

  /**
   * ↑ in an empty composer (or while recalling) shows the previous question, ↓ the next, and ↓
   * past the newest returns to the empty draft. Only on the first (↑) or last (↓) line, so moving
   * through a multi-line question still works.
   */
  private onRecallKey(e: KeyboardEvent): void {
    if ((e.key !== 'ArrowUp' && e.key !== 'ArrowDown') || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    const { value, selectionStart, selectionEnd } = this.textarea;
    if (e.key === 'ArrowUp') {
      if (value.lastIndexOf('\n', selectionStart - 1) !== -1) return;
      if (!this.recall) {
        if (value !== '') return;
        this.recall = { items: this.recallItems(), index: -1 };
      }
      if (this.recall.index + 1 >= this.recall.items.length) return;
      e.preventDefault();
      this.recall.index++;
      this.show(this.recall.items[this.recall.index]);
    } else {
      if (!this.recall || value.indexOf('\n', selectionEnd) !== -1) return;
      e.preventDefault();
      this.recall.index--;
      const text = this.recall.index >= 0 ? this.recall.items[this.recall.index] : '';
      if (this.recall.index < 0) this.recall = undefined;
      this.show(text);
    }
  }

  /** Every earlier question once, most recent first. */
  private recallItems(): string[] {
    const all = [...this.recallFromHost, ...this.conversationQuestions(), ...this.sentHere];
    const seen = new Set<string>();
    const items: string[] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const text = all[i].trim();
      if (!text || seen.has(text)) continue;
      seen.add(text);
      items.push(text);
    }
    return items;
  }

  /** Shows a recalled question without ending recall (which typing does). */
  private show(text: string): void {
    const walking = this.recall;
    this.textarea.value = text;
    this.textarea.setSelectionRange(text.length, text.length);
    this.textarea.dispatchEvent(new Event('input'));
    this.recall = walking;
  }
}

function renderChip(chip: ContextChip): HTMLElement {
  const glyph = icon(chip.kind === 'selection' ? 'selection' : chip.kind === 'activeFile' ? 'file-code' : 'file');
  const tokens = h('span', { class: 'chip-tokens' }, formatTokens(chip.tokens));
  const cut = chip.truncatedNote
    ? h('span', { class: 'chip-cut', title: chip.truncatedNote }, icon('warning'), h('span', {}, 'cut'), srOnly(`: ${chip.truncatedNote}`))
    : undefined;
  if (chip.suggested) {
    // Offered, not attached: the whole chip is the Attach button.
    return h(
      'div',
      { class: 'chip-item', role: 'listitem' },
      h(
        'button',
        {
          type: 'button',
          class: 'chip suggested',
          'data-chip-id': chip.id,
          'data-kind': chip.kind,
          'data-action': 'attach-context',
          title: `Attach ${chip.description}`,
        },
        icon('add'),
        srOnly('Attach '),
        glyph,
        h('span', { class: 'chip-label' }, chip.label),
        tokens,
        cut,
      ),
    );
  }
  return h(
    'div',
    { class: 'chip-item', role: 'listitem' },
    h(
      'span',
      { class: 'chip', 'data-chip-id': chip.id, 'data-kind': chip.kind, title: chip.description },
      glyph,
      h('span', { class: 'chip-label' }, chip.label),
      tokens,
      cut,
      iconButton({ label: `Remove ${chip.label}`, icon: 'close', action: 'remove-context', className: 'chip-remove' }),
    ),
  );
}
