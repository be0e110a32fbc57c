/** Pieces shared by questions and answers: the action toolbar and the "‹ 1/2 ›" branch navigator. */
import type { BranchInfo } from '../shared/protocol';
import { h, iconButton } from './dom';

/**
 * The "‹ index/count ›" navigator between a message's alternatives (edits, regenerations), or
 * nothing when the message has none. The buttons post `switchBranch` (see ChatView.onListClick).
 */
export function branchNavigator(branch: BranchInfo | undefined): HTMLElement | undefined {
  if (!branch || branch.count <= 1) return undefined;
  const prev = iconButton({ label: 'Previous version', icon: 'chevron-left', action: 'branch-prev' });
  const next = iconButton({ label: 'Next version', icon: 'chevron-right', action: 'branch-next' });
  prev.disabled = branch.index <= 1;
  next.disabled = branch.index >= branch.count;
  return h(
    'div',
    { class: 'branch-nav', role: 'group', 'aria-label': `Version ${branch.index} of ${branch.count}` },
    prev,
    h('span', { class: 'branch-index', 'aria-hidden': 'true' }, `${branch.index}/${branch.count}`),
    next,
  );
}

/** The row of a message's own actions, next to its author line. */
export function messageToolbar(...children: Array<HTMLElement | undefined>): HTMLElement {
  return h('div', { class: 'message-toolbar', role: 'group', 'aria-label': 'Message actions' }, ...children);
}
