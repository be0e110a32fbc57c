/**
 * A file or selection sent along with a question: the one shape the host saves, the core inlines into
 * the prompt and the webview shows. Neutral: imports nothing.
 */
/** A file (or the editor selection) sent along with a question, saved with it. */
export interface ContextFile {
  kind: 'selection' | 'file';
  /** Workspace-relative path, e.g. "src/app.ts". */
  fileName: string;
  languageId: string;
  /** The text sent (after any cut). */
  text: string;
  /** Estimated tokens of `text`. */
  tokens?: number | undefined;
  /** Set when the file was longer than the limit and cut: a visible note, e.g. "cut to the first 8,000 of 23,412 tokens". */
  truncatedNote?: string | undefined;
}

/** What a saved question holds of its context (older versions saved a single selection as `context`). */
export interface SavedQuestion {
  context?: { fileName: string; languageId: string; text: string } | undefined;
  contextFiles?: ContextFile[] | undefined;
}

/** The files a saved question carries: its context files, or the single selection older versions saved. */
export function contextFilesOf(message: SavedQuestion): ContextFile[] {
  if (message.contextFiles?.length) return message.contextFiles;
  if (message.context) return [{ kind: 'selection', ...message.context }];
  return [];
}
