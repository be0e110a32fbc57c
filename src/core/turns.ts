/** Shaping a conversation before it is sent. No `vscode` import. */
import type { ChatMessage } from './request';

/** Two turns of one role in a row (a question whose answer failed empty) are merged, as some APIs reject them. */
export function mergeRepeatedRoles(turns: readonly ChatMessage[]): ChatMessage[] {
  return turns.reduce<ChatMessage[]>((acc, m) => {
    const prev = acc[acc.length - 1];
    if (prev && prev.role === m.role) prev.content += `\n\n${m.content}`;
    else acc.push({ ...m });
    return acc;
  }, []);
}
