/**
 * What a chat answer's request sends: every turn of the shown path before the answer, with context
 * files inlined — the current question's in full, earlier turns' each once and within a budget, the
 * rest as a one-line reference (userTurnsWithContext in src/core/contextPrompt.ts). No `vscode` import.
 */
import { userTurnsWithContext } from '../../core/contextPrompt';
import type { ChatMessage } from '../../core/request';
import { mergeRepeatedRoles } from '../../core/turns';
import { contextFilesOf } from '../../shared/contextFile';
import type { MessageView, UserMessageView } from '../../shared/protocol';

/** The conversation sent for `assistant`, from the shown path `messages` it is on. */
export function requestMessages(messages: readonly MessageView[], assistant: MessageView): ChatMessage[] {
  const shown: MessageView[] = [];
  for (const m of messages) {
    if (m === assistant) break;
    shown.push(m);
  }
  const questions = shown.filter((m): m is UserMessageView => m.role === 'user');
  const userTurns = userTurnsWithContext(questions.map((m) => ({ text: m.text, files: contextFilesOf(m) })));
  const out: ChatMessage[] = [];
  let question = 0;
  for (const m of shown) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: userTurns[question++]! });
    } else if (m.text) {
      out.push({ role: 'assistant', content: m.text, reasoningBlocks: m.reasoningBlocks });
    }
  }
  return mergeRepeatedRoles(out);
}
