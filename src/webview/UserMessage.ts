/** A user's message: plain text (never markdown-rendered) plus the editor selection sent with it. */
import type { UserMessageView } from '../protocol';
import { h, icon } from './dom';

export function renderUserMessage(view: UserMessageView): HTMLElement {
  const context = view.context
    ? h(
        'details',
        { class: 'message-context' },
        h('summary', {}, icon('file-code'), h('span', {}, `${view.context.fileName} (${view.context.languageId})`)),
        h('pre', {}, h('code', {}, view.context.text)),
      )
    : undefined;
  return h(
    'article',
    { class: 'message user', 'data-role': 'user', 'data-id': view.id, 'aria-label': 'Your message' },
    h('div', { class: 'message-author' }, icon('account'), h('span', {}, 'You')),
    context,
    h('div', { class: 'user-text' }, view.text),
  );
}
