/** The card shown when no provider works: the reason and one button per way to fix it. */
import type { SetupOption } from '../shared/protocol';
import { h, icon } from './dom';

export function renderSetupCard(options: SetupOption[], reason: string): HTMLElement {
  const list = h('div', { class: 'setup-options' });
  options.forEach((option, index) => {
    const btn = h(
      'button',
      { type: 'button', class: index === 0 ? 'setup-option primary' : 'setup-option', 'data-action': 'setup', 'data-option': option.id },
      h('span', { class: 'setup-option-label' }, option.label),
      h('span', { class: 'setup-option-description' }, option.description),
    );
    list.append(btn);
  });
  return h(
    'section',
    { class: 'setup-card', 'data-setup': true, 'aria-label': 'Set up Sidestream' },
    h('h2', {}, icon('rocket'), h('span', {}, 'Connect a model to start')),
    h('p', { class: 'setup-reason' }, reason),
    list,
  );
}
