/**
 * The Diagnose Server card: the server, one verdict a line (an icon and a word, so the status is
 * not told by colour alone), each problem's fix under it, and a button where Sidestream can apply
 * the fix. The button names its verdict; the host applies its own fix for it.
 */
import type { DiagnosisCardView, DiagnosisVerdictView } from '../shared/protocol';
import { h, icon } from './dom';

const STATUS: Record<DiagnosisVerdictView['status'], { icon: string; word: string }> = {
  ok: { icon: 'pass', word: 'OK' },
  warn: { icon: 'warning', word: 'Warning' },
  fail: { icon: 'error', word: 'Problem' },
  info: { icon: 'info', word: 'Note' },
  skip: { icon: 'circle-slash', word: 'Not checked' },
};

export function renderDiagnosisCard(card: DiagnosisCardView): HTMLElement {
  const list = h('ul', { class: 'diagnosis-verdicts' });
  for (const v of card.verdicts) {
    const status = STATUS[v.status];
    const item = h(
      'li',
      { class: `diagnosis-verdict verdict-${v.status}`, 'data-verdict': v.id },
      h('span', { class: 'diagnosis-status' }, icon(status.icon), h('span', { class: 'diagnosis-word' }, `${status.word}:`)),
      ' ',
      h('span', { class: 'diagnosis-line' }, v.line),
    );
    if (v.fix) item.append(h('p', { class: 'diagnosis-fix' }, h('strong', {}, 'Fix: '), v.fix));
    if (v.action) {
      item.append(h('button', { type: 'button', class: 'diagnosis-action', 'data-action': 'diagnosis-fix', 'data-verdict': v.id }, v.action));
    }
    list.append(item);
  }
  return h(
    'section',
    { class: 'diagnosis-card', 'data-diagnosis': true, 'aria-label': card.title, role: 'region' },
    h('h2', {}, icon('pulse'), h('span', {}, card.title)),
    h('p', { class: 'diagnosis-subtitle' }, card.subtitle),
    list,
    h('p', { class: 'diagnosis-summary', role: 'status' }, card.summary),
  );
}
