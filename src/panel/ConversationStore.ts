import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { redactCredentials } from '../core/redact';
import type { AssistantMessageView, MessageView } from '../protocol';

/** The `workspaceState` key earlier versions kept the conversation in (read once, to migrate). */
const LEGACY_KEY = 'sidestream.conversation.v1';
const MAX_MESSAGES = 400;
/** The conversation's file in the storage folder. */
export const CONVERSATION_FILE = 'conversation.json';
/** Names the extension host that last loaded the conversation: only it may write the file. */
export const OWNER_FILE = 'conversation.owner';

interface Stored {
  version: 1;
  savedAt?: number;
  messages: MessageView[];
}

export const INTERRUPTED_NOTICE = 'Interrupted: the window was reloaded while this answer streamed. Continue picks up from here.';

/**
 * Keeps the conversation across window reloads, crashes and killed extension hosts, in one JSON
 * file under the extension's storage folder (`context.storageUri`, or `globalStorageUri` without a
 * workspace). Every write is atomic and durable: the JSON goes to a temp file, is fsync'd, then
 * renamed over the old file (and the folder fsync'd), so a reader finds the old or the new
 * conversation, never half of one.
 *
 * While an answer streams, saves are debounced (at most `debounceMs` behind, one write per
 * interval however many deltas arrive). `save(…, true)` — on finish, New Chat, deactivate — writes
 * synchronously, so once it returns the answer is on disk: the controller calls it before it tells
 * the panel the answer is done. A message still streaming when the window went away comes back as
 * cancelled, with its partial text, so the user can Continue it.
 */
export class ConversationStore {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: readonly MessageView[] | undefined;
  private readonly file: string;
  private readonly ownerFile: string;
  private readonly owner = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  private superseded = false;
  /** Writes done (tests and diagnostics read it). */
  writes = 0;

  constructor(
    dir: string,
    private readonly legacy?: vscode.Memento,
    private readonly debounceMs = 500,
    private readonly log?: (line: string) => void,
  ) {
    this.file = path.join(dir, CONVERSATION_FILE);
    this.ownerFile = path.join(dir, OWNER_FILE);
  }

  get filePath(): string {
    return this.file;
  }

  /**
   * Reads the conversation, and makes this store its writer: an extension host of a window that
   * was reloaded may still be shutting down, and must not overwrite what the new one loaded.
   */
  load(): MessageView[] {
    try {
      writeFileDurably(this.ownerFile, this.owner);
    } catch (err) {
      this.log?.(`could not claim the conversation file: ${(err as Error).message}`);
    }
    let stored: Stored | undefined;
    try {
      stored = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Stored;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read the saved conversation (${(err as Error).message}); starting empty`);
      stored = this.legacy?.get<Stored>(LEGACY_KEY);
      if (stored && Array.isArray(stored.messages) && stored.messages.length) {
        this.log?.(`moved the conversation from workspace state to ${this.file}`);
        this.pending = stored.messages;
        this.flush();
        void this.legacy?.update(LEGACY_KEY, undefined);
      }
    }
    if (!stored || stored.version !== 1 || !Array.isArray(stored.messages)) return [];
    return stored.messages.map((m) =>
      m.role === 'assistant' && m.state === 'streaming' ? ({ ...m, state: 'cancelled', error: undefined, notice: INTERRUPTED_NOTICE } satisfies AssistantMessageView) : m,
    );
  }

  /** Schedules a save; `now` saves at once, durably, before it returns (on finish, New Chat, deactivate). */
  save(messages: readonly MessageView[], now = false): Thenable<void> | undefined {
    // Keep the reference: the copy is made when the save happens, so it has the latest text.
    this.pending = messages;
    if (now) {
      this.flush();
      return Promise.resolve();
    }
    this.timer ??= setTimeout(() => this.flush(), this.debounceMs);
    return undefined;
  }

  /** Writes what is pending now, synchronously and durably. */
  flush(): Thenable<void> | undefined {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return undefined;
    if (this.superseded || !this.isOwner()) return undefined;
    const messages = pending.slice(-MAX_MESSAGES).map(forDisk);
    try {
      writeFileDurably(this.file, JSON.stringify({ version: 1, savedAt: Date.now(), messages } satisfies Stored));
      this.writes++;
    } catch (err) {
      this.log?.(`could not save the conversation to ${this.file}: ${(err as Error).message}`);
    }
    return undefined;
  }

  private isOwner(): boolean {
    let current: string | undefined;
    try {
      current = fs.readFileSync(this.ownerFile, 'utf8');
    } catch {
      return true; // never claimed (or removed): nothing newer to protect
    }
    if (current === this.owner) return true;
    this.superseded = true;
    this.log?.('another window loaded this conversation since; this (closing) window no longer saves it');
    return false;
  }
}

/** A copy fit for disk: URL credentials in errors and notices are redacted. */
function forDisk(m: MessageView): MessageView {
  if (m.role !== 'assistant') return { ...m };
  const copy: AssistantMessageView = { ...m };
  if (copy.error) copy.error = { ...copy.error, message: redactCredentials(copy.error.message) };
  if (copy.notice) copy.notice = redactCredentials(copy.notice);
  return copy;
}

/** temp file + fsync + rename + fsync of the folder: the file is the old or the new content, whole. */
export function writeFileDurably(file: string, content: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  }
}
