/**
 * How a question and the files sent along with it become one user turn. Every provider takes the
 * same text: each file in its own fence (longer than any fence inside it), named by its path, then
 * the question. Shared by the panel, history replay and export; no `vscode` import.
 */
import type { ContextFile, UserMessageView } from '../protocol';

/** A fence longer than any run of backticks in `text`. */
export function fenceFor(text: string): string {
  let longest = 2;
  for (const run of text.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(longest + 1);
}

/** The files a saved question carries: its context files, or the single selection older versions saved. */
export function contextFilesOf(message: UserMessageView): ContextFile[] {
  if (message.contextFiles?.length) return message.contextFiles;
  if (message.context) return [{ kind: 'selection', ...message.context }];
  return [];
}

/** The user turn sent to the model: the question, then each context file fenced with its path. */
export function questionWithContext(question: string, files: readonly ContextFile[]): string {
  if (!files.length) return question;
  const parts = files.map((f) => {
    const fence = fenceFor(f.text);
    const what = f.kind === 'selection' ? `Selected code from \`${f.fileName}\`` : `File \`${f.fileName}\``;
    const note = f.truncatedNote ? ` (${f.truncatedNote})` : '';
    return `${what}${note}:\n${fence}${f.languageId}\n${f.text}\n${fence}`;
  });
  return `${question}\n\n${parts.join('\n\n')}`;
}
