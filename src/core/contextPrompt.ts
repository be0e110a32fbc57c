/**
 * How a question and the files sent along with it become one user turn. Every provider takes the
 * same text: each file in its own fence (longer than any fence inside it), named by its path, then
 * the question. Shared by the panel, history replay and export; no `vscode` import.
 */
import type { ContextFile } from '../shared/contextFile';

/** A fence longer than any run of backticks in `text`. */
export function fenceFor(text: string): string {
  let longest = 2;
  for (const run of text.match(/`{3,}/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(longest + 1);
}

/**
 * The user turn sent to the model: the question, then each context file fenced with its path. A
 * file whose index is in `notResent` (an earlier turn's copy, see {@link userTurnsWithContext}) is
 * a one-line reference instead of its text.
 */
export function questionWithContext(question: string, files: readonly ContextFile[], notResent?: ReadonlySet<number>): string {
  if (!files.length) return question;
  const parts = files.map((f, index) => {
    const what = f.kind === 'selection' ? `Selected code from \`${f.fileName}\`` : `File \`${f.fileName}\``;
    if (notResent?.has(index)) return `(${what} was attached here; not re-sent.)`;
    const fence = fenceFor(f.text);
    const note = f.truncatedNote ? ` (${f.truncatedNote})` : '';
    return `${what}${note}:\n${fence}${f.languageId}\n${f.text}\n${fence}`;
  });
  return `${question}\n\n${parts.join('\n\n')}`;
}

/**
 * How many tokens of earlier turns' files a follow-up sends again in full: two files at the
 * per-file limit (8,000 tokens each, src/platform/contextLimits.ts).
 */
export const EARLIER_FILES_TOKEN_BUDGET = 16_000;

/** A question of the conversation and the files sent with it. */
export interface QuestionTurn {
  text: string;
  files: readonly ContextFile[];
}

/**
 * The user turns of a request, oldest first; the last is the question being asked now. Every
 * request carries the whole conversation (the APIs keep no state), so without care each follow-up
 * would send every file of every earlier turn again, in full, and a long chat with files would
 * grow without bound. What is sent instead:
 * - the current question's files always go in full (the user attached them for this question);
 * - each file goes in full at most once, in its latest turn: an earlier copy of the same file (the
 *   same path; a selection: the same path and text) becomes a one-line reference, so a file
 *   attached again with the new question replaces its older copies;
 * - earlier turns' files go in full, newest first, while they fit {@link EARLIER_FILES_TOKEN_BUDGET}
 *   tokens (so a follow-up about the file just discussed still has it); older ones are references.
 *   To send one again in full, the user attaches it again.
 * The questions and answers themselves are always sent whole.
 */
export function userTurnsWithContext(turns: readonly QuestionTurn[], budgetTokens = EARLIER_FILES_TOKEN_BUDGET): string[] {
  const notResent = turns.map(() => new Set<number>());
  const sentInFull = new Set<string>();
  let budget = budgetTokens;
  for (let i = turns.length - 1; i >= 0; i--) {
    const current = i === turns.length - 1;
    const files = turns[i]!.files;
    for (let j = 0; j < files.length; j++) {
      const file = files[j]!;
      const key = file.kind === 'selection' ? `selection\0${file.fileName}\0${file.text}` : `file\0${file.fileName}`;
      if (current) {
        sentInFull.add(key);
        continue;
      }
      const tokens = file.tokens ?? Math.ceil(file.text.length / 4);
      if (sentInFull.has(key) || tokens > budget) {
        notResent[i]!.add(j);
        continue;
      }
      budget -= tokens;
      sentInFull.add(key);
    }
  }
  return turns.map((turn, i) => questionWithContext(turn.text, turn.files, notResent[i]));
}
