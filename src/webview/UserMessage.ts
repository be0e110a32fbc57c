/**
 * A user's message: plain text (never markdown-rendered), the files sent with it (collapsed), its
 * Edit action and branch navigator, and the inline editor Edit opens in place of the text.
 */
import type { ContextFile, UserMessageView } from '../shared/protocol';
import { h, icon, iconButton } from './dom';
import { branchNavigator, messageToolbar } from './messageParts';

export function renderUserMessage(view: UserMessageView): HTMLElement {
  // A selection is shown with its code (collapsed), as the user chose those lines; files by name.
  const selections = [...(view.context ? [view.context] : []), ...(view.contextFiles ?? []).filter((f) => f.kind === 'selection')];
  const files = view.contextFiles?.filter((f) => f.kind !== 'selection');
  const edit = iconButton({ label: 'Edit', icon: 'edit', action: 'edit' });
  return h(
    'article',
    { class: 'message user', 'data-role': 'user', 'data-id': view.id, 'aria-label': 'Your message' },
    h('div', { class: 'message-header' }, h('div', { class: 'message-author' }, icon('account'), h('span', {}, 'You')), messageToolbar(branchNavigator(view.branch), edit)),
    contextFilesDetails(files),
    ...selections.map(selectionDetails),
    h('div', { class: 'user-text' }, view.text),
  );
}

/** An editor selection sent with a question: its file and language, the code inside (collapsed). */
function selectionDetails(selection: { fileName: string; languageId: string; text: string }): HTMLElement {
  return h(
    'details',
    { class: 'message-context' },
    h('summary', {}, icon('file-code'), h('span', {}, `${selection.fileName} (${selection.languageId})`)),
    h('pre', {}, h('code', {}, selection.text)),
  );
}

/** The files sent with a question, collapsed to one line: "2 files" with each name (and cut note) inside. */
function contextFilesDetails(files: ContextFile[] | undefined): HTMLElement | undefined {
  if (!files?.length) return undefined;
  const summary = files.length === 1 ? files[0].fileName : `${files.length} files`;
  return h(
    'details',
    { class: 'message-context message-context-files' },
    h('summary', {}, icon('files'), h('span', {}, summary)),
    h(
      'ul',
      { class: 'context-file-list' },
      ...files.map((file) =>
        h(
          'li',
          { class: 'context-file', 'data-kind': file.kind },
          icon(file.kind === 'selection' ? 'selection' : 'file'),
          h('span', { class: 'context-file-name' }, file.fileName),
          file.tokens !== undefined ? h('span', { class: 'context-file-tokens' }, formatTokens(file.tokens)) : undefined,
          file.truncatedNote ? h('span', { class: 'context-file-note' }, file.truncatedNote) : undefined,
        ),
      ),
    ),
  );
}

/** "≈1,234 tokens": estimated, so never shown as exact. */
export function formatTokens(tokens: number): string {
  return `≈${Math.round(tokens).toLocaleString('en-US')} ${tokens === 1 ? 'token' : 'tokens'}`;
}

/** Whether the inline editor is open in this question. */
export function isEditing(message: HTMLElement): boolean {
  return message.querySelector('.edit-form') !== null;
}

/**
 * Replaces the question's text with a prefilled editor. Enter or Send calls `onSubmit` with the
 * new text; Esc or Cancel puts the text back. Returns the editor's textarea (already focused).
 */
export function openEditor(message: HTMLElement, onSubmit: (text: string) => void): HTMLTextAreaElement | undefined {
  const textEl = message.querySelector<HTMLElement>(':scope > .user-text');
  if (!textEl || isEditing(message)) return undefined;
  const original = textEl.textContent ?? '';
  const input = h('textarea', { class: 'edit-input', rows: '1', 'aria-label': 'Edit message' });
  input.value = original;
  const send = h('button', { type: 'button', class: 'text-button primary', 'data-action': 'edit-send' }, icon('send'), h('span', { class: 'button-label' }, 'Send'));
  const cancel = h('button', { type: 'button', class: 'text-button', 'data-action': 'edit-cancel' }, h('span', { class: 'button-label' }, 'Cancel'));
  const form = h('div', { class: 'edit-form' }, input, h('div', { class: 'edit-actions' }, h('span', { class: 'edit-hint' }, 'Enter to send · Esc to cancel'), cancel, send));
  const editButton = message.querySelector<HTMLButtonElement>('.message-toolbar [data-action="edit"]');
  const close = (focusEdit: boolean) => {
    form.replaceWith(textEl);
    message.classList.remove('editing');
    if (focusEdit) editButton?.focus();
  };
  const submit = () => {
    const text = input.value.trim();
    if (!text || send.disabled) return;
    onSubmit(text);
    close(false);
  };
  const updateSend = () => (send.disabled = input.value.trim().length === 0 || input.dataset.streaming === 'true');
  input.addEventListener('input', updateSend);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape') {
      // Esc here means "cancel the edit", never "stop the answer" (the document's Esc handler).
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  });
  send.addEventListener('click', submit);
  cancel.addEventListener('click', () => close(true));
  textEl.replaceWith(form);
  // The Edit button has nothing more to do while its editor is open (CSS hides it).
  message.classList.add('editing');
  updateSend();
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  return input;
}
