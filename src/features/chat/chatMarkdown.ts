/**
 * A chat as Markdown, for Copy Chat and Export Chat: the shown path only (the branches the user
 * did not pick stay out). Questions and answers are written verbatim — the answers already are
 * Markdown, so their code fences come through intact — each answer followed by one italic line
 * with its model and figures. Pure: no `vscode` import, unit-tested in plain Node.
 */
import { contextFilesOf } from '../../shared/contextFile';
import type { AssistantMessageView, MessageView } from '../../shared/protocol';
import { english, type Translate } from '../../shared/l10n';
import { formatTps, formatTtft } from '../../shared/figures';

export function chatMarkdown(title: string | undefined, messages: readonly MessageView[], t: Translate = english): string {
  const parts = [`# ${oneLine(title ?? '') || t('Sidestream chat')}`];
  for (const m of messages) {
    if (m.role === 'user') {
      parts.push(`## ${t('You')}`, m.text);
      const files = contextFilesOf(m);
      if (files.length) parts.push(`${t('Context:')} ${files.map((f) => codeSpan(f.fileName)).join(', ')}`);
    } else {
      parts.push('## Sidestream');
      if (m.text) parts.push(m.text);
      const line = answerLine(m, t);
      if (line) parts.push(`_${escapeEmphasis(line)}_`);
    }
  }
  return `${parts.join('\n\n')}\n`;
}

/** "Simulator · sim-fast — TTFT 120 ms · 45.2 tok/s · 312 tokens (estimated) · stop". */
export function answerLine(m: AssistantMessageView, t: Translate = english): string {
  const figures: string[] = [];
  const s = m.stats;
  if (s?.ttftMs !== undefined) figures.push(formatTtft(s.ttftMs));
  const tps = formatTps(s?.tokensPerSecond, false);
  if (tps) figures.push(tps);
  if (s?.outputTokens !== undefined) figures.push(s.estimated ? t('{0} tokens (estimated)', s.outputTokens) : t('{0} tokens', s.outputTokens));
  const error = m.error ? `: ${oneLine(m.error.message)}` : '';
  if (m.state === 'done') figures.push(s?.finishReason ?? 'stop');
  else figures.push(`${m.state === 'streaming' ? t('streaming') : m.state === 'cancelled' ? t('cancelled') : t('error')}${error}`);
  const who = s ? `${s.providerLabel} · ${s.model}` : '';
  return who ? `${who} — ${figures.join(' · ')}` : figures.join(' · ');
}

/** A file name as inline code, with a fence longer than any backtick run in it. */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The figures line is set in italics: its own `_` and `*` must not end or start emphasis. */
function escapeEmphasis(text: string): string {
  return text.replace(/([\\_*])/g, '\\$1');
}
