import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { redactCredentials } from '../../core/redact';
import type { AssistantMessageView, MessageView } from '../../shared/protocol';
import { ChatTree } from './chatTree';
import { BackgroundWriter, writeFileDurably } from '../../platform/durableFile';

export { writeFileDurably } from '../../platform/durableFile';

/** The `workspaceState` key earlier versions kept the conversation in (read once, to migrate). */
const LEGACY_KEY = 'sidestream.conversation.v1';
/** The single conversation of versions before chats (moved into the first chat once, then removed). */
export const CONVERSATION_FILE = 'conversation.json';
/** The chats' folder in the storage folder. */
export const CHATS_DIR = 'chats';
export const INDEX_FILE = 'index.json';
/**
 * Written at load for earlier versions of Sidestream, which let only the window named here write
 * (this version merges instead, and never reads it).
 */
export const OWNER_FILE = 'owner';
/** Damaged files are moved here (inside the chats folder), byte for byte, as `<name>.<time>`. */
export const CORRUPT_DIR = 'corrupt';
/** Held (created exclusively) while a window merges its view into the index. */
export const LOCK_FILE = 'index.lock';
/** A lock older than this (ms) was left by a window that died holding it. */
const LOCK_STALE_MS = 5_000;
/** How long (ms) a save waits for another window's lock before it writes without it. */
const LOCK_WAIT_MS = 1_000;
/** How long after activation the chats folder is checked for chat files the index does not list (ms). */
const SCAN_DELAY_MS = 2_000;
/** At most this many chats are kept: past it, the least recently updated go (never the open one). */
export const MAX_CHATS = 1000;
/** At most this many messages (all branches) per chat: past it, old branches go, then the oldest turns. */
export const MAX_MESSAGES_PER_CHAT = 400;
/** Questions kept for ↑/↓ recall in the composer (all chats). */
export const MAX_RECALL = 100;
const TITLE_LENGTH = 80;
/** A recalled question longer than this is not kept for recall (the index stays small). */
const MAX_RECALL_CHARS = 4_000;
const CHAT_ID = /^[a-z0-9]{1,64}$/i;
const CHAT_FILE = /^[a-z0-9]{1,64}\.json$/i;

export const INTERRUPTED_NOTICE = 'Interrupted: the window was reloaded while this answer streamed. Continue picks up from here.';

/** One chat in the index: what the history list shows, without reading the chat's file. */
export interface ChatSummary {
  id: string;
  /** The first question, trimmed to ~80 characters (or the name the user gave it); undefined while nothing was asked. */
  title: string | undefined;
  /** True when the user renamed the chat (the first question no longer sets the title). */
  renamed?: boolean | undefined;
  createdAt: number;
  updatedAt: number;
  /** "provider · model" of the chat's last answer. */
  model: string | undefined;
  messageCount: number;
}

/** An open chat: its summary and its messages. */
export interface Chat {
  summary: ChatSummary;
  tree: ChatTree;
}

/** A deleted chat, kept in memory so that Undo can put it back whole. */
export interface DeletedChat {
  summary: ChatSummary;
  file: string | undefined;
  recall: RecallEntry[];
}

/**
 * Why chats are not being saved now: a write failed (`cantSave`: full disk, permissions…), or the
 * chat list cannot be read (`cantRead`: it is not written until it can). `reason` names the file.
 */
export type StoreProblem = { kind: 'cantSave'; reason: string; folder: string } | { kind: 'cantRead'; reason: string };

/**
 * What the store tells the user (the host words it). `problem`: the {@link StoreProblem} shown until
 * it is fixed (undefined: fixed), reported when it changes, not per save. `keptAside`: damaged files
 * moved to `folder`, said once. `cantRemove`: a removal failed (the chat may come back at the next start).
 */
export type StoreReport =
  { kind: 'problem'; problem: StoreProblem | undefined } | { kind: 'keptAside'; folder: string; files: string[] } | { kind: 'cantRemove'; file: string; reason: string };

interface RecallEntry {
  chatId: string;
  text: string;
}

interface IndexFile {
  version: 1;
  openId: string | undefined;
  chats: ChatSummary[];
  recall: RecallEntry[];
}

interface ChatFile extends ReturnType<ChatTree['toData']> {
  version: 2;
  id: string;
}

interface LegacyConversation {
  version: 1;
  messages: MessageView[];
}

/** What reading the index found. */
type IndexRead = { kind: 'ok'; index: IndexFile } | { kind: 'missing' } | { kind: 'unreadable'; reason: string } | { kind: 'corrupt'; reason: string };

/** Which write failed last (each is cleared by its next success). */
type ProblemKey = 'chat' | 'index' | 'read';

/**
 * Keeps every chat across window reloads, crashes and killed extension hosts, in the extension's
 * storage folder (`context.storageUri`, or `globalStorageUri` without a workspace):
 *
 * - `chats/index.json`: `{ version: 1, openId, chats: ChatSummary[], recall }` — per chat its id,
 *   title (first question, ~80 characters), createdAt, updatedAt (ms), last model label
 *   ("provider · model") and message count; which chat is open; the last 100 questions for recall.
 * - `chats/<id>.json`: `{ version: 2, id, nodes: [{ message, parent? }], active }` — the chat's
 *   message tree (branches from Regenerate and Edit), parents first, and the branch picked under
 *   each message.
 * - `chats/corrupt/`: damaged files, moved aside byte for byte (see below).
 *
 * **Several windows, one folder.** Every window without a workspace folder shares the global
 * storage folder, and a reloaded window's old extension host may still be saving while the new one
 * loads. So no window owns the folder: each writes only the chat files it changed, and the index as
 * a merge, under `chats/index.lock` (created exclusively; one older than 5 s is stale): the index on
 * disk is read again (skipped when it is the very file this store wrote last) and united with this
 * window's view — per chat the newer `updatedAt` wins, chats this window deleted stay deleted, a
 * chat another window deleted is dropped (unless it is open here), recall is merged. Before a chat
 * file is written, its identity (inode, size, mtime) is compared with what this store read or wrote
 * last: when another window wrote it since, the two message trees are merged by message id — the
 * other window's new messages are added as branches that this window does not show (its shown path
 * never changes under it), and of a message both have, the one with more text is written (answers
 * only grow: a stale copy from a closing window never shortens one the new window continued; the
 * other window's longer copy is kept until this window's copy outgrows it). Message ids carry a
 * per-window random part, so two windows never mint the same one.
 *
 * **Read errors are not a first run.** Only a missing index means new (migrate, start empty). Any
 * other error reading it (permissions, EMFILE, EIO, a folder in its place…) leaves it untouched:
 * the chats are listed from their files, the index is not written until it can be read again, and
 * {@link problem} says so. A chat file the index does not list (or lists as empty) is read and
 * listed again at load.
 *
 * **Damaged files** (an index or chat that does not parse) never stop the load: each is moved to
 * `chats/corrupt/<name>.<time>` unchanged, the index is rebuilt from the chat files, the rest loads,
 * and one notice names the folder.
 *
 * **Failures are said, never thrown.** A write that fails (full disk, permissions) is logged and
 * reported once as a {@link problem} (cleared by the next write that works); a removal that fails is
 * logged and reported as a notice. No save, delete or load throws: the final save of an answer, which
 * the stream session makes before it reports the answer ended, always returns.
 *
 * Bounds: at most 1,000 chats (`MAX_CHATS`) — past it the least recently updated chat is deleted
 * first, never the open one — and at most 400 messages per chat over all its branches
 * (`MAX_MESSAGES_PER_CHAT`) — past it, branches off the shown path go first (oldest first), then
 * the oldest messages of the path. Whatever is dropped is logged. A chat nothing was asked in is
 * never written and not listed.
 *
 * Activation reads only the index, the folder's file names and the open chat. Another chat is read
 * when it is opened, with `fs.promises`, so a large history never blocks the window.
 *
 * Every write is atomic and durable: temp file, every byte, fsync, rename, fsync of the folder — a
 * reader finds the old or the new file, never half of one; a write that fails (a full disk, an I/O
 * error) leaves the old file whole and is logged (durableFile.ts). While an answer streams, saves
 * are debounced (one write per `debounceMs` however many deltas arrive) and cheap for the host
 * whatever the chat's length: only changed messages are serialised, and the write (temp file,
 * fsync, rename) runs in the thread pool (B17). `save(…, true)` — on finish, New Chat, switching
 * chats, deactivate — writes synchronously, so once it returns the answer is on disk (the
 * controller calls it before it tells the panel the answer ended), and no background write started
 * before it can land after it. A message still streaming when
 * the window went away comes back cancelled, with its partial text and INTERRUPTED_NOTICE, so the
 * user can Continue it. URL credentials in errors and notices are redacted before they are written.
 * No `vscode` value import: unit-tested in plain Node.
 */
export class ChatStore {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: Chat | undefined;
  private readonly dir: string;
  private readonly indexFile: string;
  private readonly ownerFile: string;
  private readonly lockFile: string;
  private readonly owner = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  private index: IndexFile = { version: 1, openId: undefined, chats: [], recall: [] };
  /** Identity (inode:size:mtime) of each file as this store last read or wrote it. */
  private readonly stamps = new Map<string, string>();
  /** Chat ids in the index as this store last read or wrote it (one missing from disk since was deleted elsewhere). */
  private seenOnDisk = new Set<string>();
  /** Chats this window deleted: a merge keeps them out of the index. */
  private readonly deleted = new Set<string>();
  /** Per chat, messages another window wrote longer than this window's copy: written instead of it. */
  private readonly carry = new Map<string, Map<string, MessageView>>();
  /** Files moved to the corrupt folder since the last notice. */
  private aside: string[] = [];
  private readonly problems = new Map<ProblemKey, StoreProblem>();
  private reported: StoreProblem | undefined;
  private readonly listeners = new Set<(report: StoreReport) => void>();
  private lockDepth = 0;
  /** The folder scan for unlisted chat files is still to run (after a load with a good index). */
  private scanPending = false;
  private scanTimer: ReturnType<typeof setTimeout> | undefined;
  /** Writes done (tests and diagnostics read it). */
  writes = 0;
  /** Saves while an answer streams write here, off the host's thread. */
  private readonly background = new BackgroundWriter(
    (err) => {
      if (err.file === this.indexFile) this.indexWritten = undefined; // written again by the next save
      this.failed(err.file === this.indexFile ? 'index' : 'chat', err.file, err);
    },
    (file) => {
      // This store's own write: not another window's (the next save need not merge it).
      const stamp = stampIfAny(file);
      if (stamp !== undefined) this.stamps.set(file, stamp);
      else this.stamps.delete(file);
    },
  );
  /** Each message's bytes in the chat file at its last save, with the field values and parent they were made from. */
  private readonly serialised = new WeakMap<MessageView, { keys: string[]; values: unknown[]; parent: string | undefined; json: string; bytes: Buffer }>();
  /** What the index file showed when last written ({@link indexKey}). */
  private indexWritten: string | undefined;

  constructor(
    private readonly storageDir: string,
    private readonly legacy?: vscode.Memento,
    private readonly debounceMs = 500,
    private readonly log?: (line: string) => void,
    /** The bounds (smaller in tests). */
    private readonly limits = { chats: MAX_CHATS, messagesPerChat: MAX_MESSAGES_PER_CHAT },
  ) {
    this.dir = path.join(storageDir, CHATS_DIR);
    this.indexFile = path.join(this.dir, INDEX_FILE);
    this.ownerFile = path.join(this.dir, OWNER_FILE);
    this.lockFile = path.join(this.dir, LOCK_FILE);
  }

  get folder(): string {
    return this.dir;
  }

  chatFile(id: string): string {
    if (!CHAT_ID.test(id)) throw new Error(`not a chat id: ${JSON.stringify(id.slice(0, 70))}`);
    return path.join(this.dir, `${id}.json`);
  }

  /** What stops chats from being saved now (the panel shows it), or undefined when saving works. */
  get problem(): StoreProblem | undefined {
    return this.problems.get('read') ?? this.problems.get('chat') ?? this.problems.get('index');
  }

  /** Hears problems (once each, and once when fixed) and notices. */
  onDidReport(listener: (report: StoreReport) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Reads the index and the open chat (nothing else but the folder's names), migrating the
   * pre-chats conversation once. Never throws: damaged files are kept aside, unreadable ones left
   * alone, and the user is told.
   */
  load(): Chat {
    try {
      return this.loadOrThrow();
    } catch (err) {
      // Not expected (every read is guarded): a last resort so that activation never fails here.
      this.log?.(`could not load the chats: ${(err as Error).stack ?? String(err)}`);
      return this.create();
    }
  }

  private loadOrThrow(): Chat {
    try {
      // For earlier versions only (they let the window named here write). Atomic, not fsync'd.
      writeFileDurably(this.ownerFile, this.owner, false);
    } catch (err) {
      this.log?.(`could not write ${this.ownerFile}: ${(err as Error).message}`);
    }
    const read = this.readIndex();
    let changed = false;
    if (read.kind === 'ok') {
      this.index = read.index;
      this.noteOnDisk(read.index);
    } else if (read.kind === 'missing') {
      this.migrate();
    } else {
      if (read.kind === 'corrupt' && this.keepAside(this.indexFile)) {
        this.log?.(`the chat index was damaged (${read.reason}); rebuilding it from the chat files`);
        changed = true;
      } else {
        const reason = read.kind === 'corrupt' ? `${this.indexFile} is damaged (${read.reason}) and could not be moved aside` : read.reason;
        this.log?.(`could not read the chat index (${reason}); listing the chats from their files, and not writing the index until it can be read`);
        this.setProblem('read', { kind: 'cantRead', reason });
      }
      this.index = { version: 1, openId: undefined, chats: [], recall: [] };
    }
    if (read.kind === 'ok') {
      // A good index: the folder is checked for chat files it does not list after activation (or
      // first thing when the chats are listed), so a window's start never pays for the scan (B10).
      this.scanPending = true;
      this.scanTimer = setTimeout(() => this.scanFolder(), SCAN_DELAY_MS);
      this.scanTimer.unref?.();
    } else {
      changed = this.addChatsFromFiles() || changed;
    }
    if (changed || this.aside.length) this.writeIndex();
    const index = this.index;
    const open = index.openId !== undefined ? index.chats.find((c) => c.id === index.openId) : undefined;
    let chat: Chat | undefined;
    if (open) {
      const tree = this.readChatSync(open.id);
      if (tree) chat = { summary: open, tree };
    }
    chat ??= this.create();
    this.tellAside();
    return chat;
  }

  /** Non-empty chats, most recently updated first. */
  list(): ChatSummary[] {
    this.scanFolder();
    return this.index.chats.filter((c) => c.messageCount > 0).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  summary(id: string): ChatSummary | undefined {
    return this.index.chats.find((c) => c.id === id);
  }

  get openId(): string | undefined {
    return this.index.openId;
  }

  /** Earlier questions for ↑/↓ recall, oldest first. */
  recall(): string[] {
    return this.index.recall.map((r) => r.text);
  }

  /** Notes a question for recall (saved with the chat's next save). */
  remember(chatId: string, text: string): void {
    if (text.length > MAX_RECALL_CHARS) return;
    const recall = this.index.recall.filter((r) => r.text !== text);
    recall.push({ chatId, text });
    this.index.recall = recall.slice(-MAX_RECALL);
  }

  /** A new empty chat, now the open one. Not written until something is asked in it. */
  create(): Chat {
    const now = Date.now();
    const summary: ChatSummary = { id: newChatId(), title: undefined, createdAt: now, updatedAt: now, model: undefined, messageCount: 0 };
    this.index.chats = this.index.chats.filter((c) => c.messageCount > 0);
    this.index.chats.push(summary);
    this.index.openId = summary.id;
    this.writeIndex();
    return { summary, tree: new ChatTree() };
  }

  /** Reads chat `id` without blocking the window, and makes it the open one. */
  async open(id: string): Promise<Chat | undefined> {
    const summary = this.summary(id);
    if (!summary) return undefined;
    const tree = await this.read(id);
    if (!tree) return undefined;
    this.index.openId = id;
    this.index.chats = this.index.chats.filter((c) => c.messageCount > 0 || c.id === id);
    this.writeIndex();
    return { summary, tree };
  }

  /** Reads chat `id`'s messages asynchronously (history search, open), or undefined when it cannot. */
  async read(id: string): Promise<ChatTree | undefined> {
    const file = this.chatFile(id);
    let raw: string;
    try {
      const handle = await fs.promises.open(file, 'r');
      try {
        const stamp = stampOf(await handle.stat());
        raw = await handle.readFile('utf8');
        this.stamps.set(file, stamp);
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.summary(id)?.messageCount === 0) return new ChatTree();
      this.log?.(`could not read chat ${id}: ${(err as Error).message}`);
      return undefined;
    }
    const tree = this.parseChat(id, raw);
    if (!tree && this.aside.length) {
      this.writeIndex();
      this.tellAside();
    }
    return tree;
  }

  rename(id: string, title: string): void {
    const summary = this.summary(id);
    const trimmed = title.trim();
    if (!summary || !trimmed) return;
    summary.title = trimmed;
    summary.renamed = true;
    this.writeIndex();
  }

  /** Deletes chat `id` (not the open one: open another first); returns what Undo needs. Never throws. */
  delete(id: string): DeletedChat | undefined {
    const summary = this.summary(id);
    if (!summary || id === this.index.openId) return undefined;
    let file: string | undefined;
    try {
      file = fs.readFileSync(this.chatFile(id), 'utf8');
    } catch {
      file = undefined;
    }
    const deleted: DeletedChat = { summary, file, recall: this.index.recall.filter((r) => r.chatId === id) };
    this.index.chats = this.index.chats.filter((c) => c.id !== id);
    this.index.recall = this.index.recall.filter((r) => r.chatId !== id);
    this.deleted.add(id);
    this.withLock(() => {
      this.writeIndexLocked();
      this.remove(this.chatFile(id));
    });
    this.log?.(`deleted chat ${id} (${summary.messageCount} messages)`);
    return deleted;
  }

  /** Undo of {@link delete}: the chat comes back as it was. */
  restore(deleted: DeletedChat): void {
    const id = deleted.summary.id;
    if (this.summary(id)) return;
    this.deleted.delete(id);
    if (deleted.file !== undefined) {
      const file = this.chatFile(id);
      try {
        this.withLock(() => {
          this.writeNow(file, deleted.file!);
          this.stamps.set(file, stampOf(fs.statSync(file)));
        });
        this.setProblem('chat', undefined);
      } catch (err) {
        this.failed('chat', file, err);
      }
    }
    this.index.chats.push(deleted.summary);
    this.index.recall = [...deleted.recall, ...this.index.recall].slice(-MAX_RECALL);
    this.writeIndex();
  }

  /**
   * Schedules a save of `chat`; `now` saves at once, durably, before it returns. A scheduled save
   * (while an answer streams) is cheap for the host whatever the chat's length: see
   * {@link flushInBackground}.
   */
  save(chat: Chat, now = false): Thenable<void> | undefined {
    // A different chat than the pending one is written first, so a switch never loses a save.
    if (this.pending && this.pending !== chat) this.flush();
    // Keep the reference: the copy is made when the save happens, so it has the latest text.
    this.pending = chat;
    if (now) {
      this.flush();
      return Promise.resolve();
    }
    this.timer ??= setTimeout(() => this.flushInBackground(), this.debounceMs);
    return undefined;
  }

  /**
   * Writes what is pending now, synchronously and durably: once it returns, the chat and the index
   * are on disk, and no background write started before can land after it.
   */
  flush(): Thenable<void> | undefined {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const chat = this.pending;
    this.pending = undefined;
    if (!chat || !this.prepare(chat)) return undefined;
    this.withLock(() => {
      if (!this.writeChat(chat)) return;
      this.writes++;
      this.enforceBound();
      this.writeIndexLocked(chat.summary.id);
    });
    return undefined;
  }

  /**
   * The debounced save while an answer streams. The host's thread only serialises: messages that
   * did not change since the last save reuse their JSON (so the cost follows the streaming message,
   * not the chat's length), and the atomic write (temp file, fsync, rename) runs in the background,
   * one at a time, coalesced. The index is written only when what it shows changed. A later
   * `save(…, true)` supersedes a background write still in flight.
   */
  flushInBackground(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const chat = this.pending;
    this.pending = undefined;
    if (!chat || !this.prepare(chat)) return;
    const file = this.chatFile(chat.summary.id);
    // A stamp this store has not recorded yet may be its own write landing now (renamed on disk, its
    // completion not yet run): only with no write of the file in flight does it mean another window.
    if (this.carry.has(chat.summary.id) || (!this.background.writing(file) && stampIfAny(file) !== this.stamps.get(file))) {
      // Another window wrote this chat since this store did: the synchronous save merges it.
      this.pending = chat;
      this.flush();
      return;
    }
    this.deleted.delete(chat.summary.id);
    this.background.write(file, this.serialise(chat, true));
    this.writes++;
    // The index is written only when what it shows changed (a new turn, a new chat: the bound is
    // enforced then too). Unchanged on disk since this store wrote it, it goes in the background
    // too; another window wrote it since (or it could not be read): merged now, under the lock.
    if (this.indexKey(chat.summary) !== this.indexWritten) {
      if (!this.problems.has('read') && stampIfAny(this.indexFile) === this.stamps.get(this.indexFile)) {
        this.enforceBound();
        const index: IndexFile = { ...this.index, chats: this.index.chats.filter((c) => c.messageCount > 0 || c.id === this.index.openId) };
        this.background.write(this.indexFile, JSON.stringify(index));
        this.noteOnDisk(index);
        this.indexWritten = this.indexKey(chat.summary);
      } else {
        this.withLock(() => {
          this.enforceBound();
          this.writeIndexLocked(chat.summary.id, false);
        });
      }
    }
  }

  /** Resolves once every background write has landed (or failed, logged). */
  whenWritten(): Promise<void> {
    return this.background.idle();
  }

  /** Bounds, summary and index entry before a save; false when nothing is to be written. */
  private prepare(chat: Chat): boolean {
    const dropped = chat.tree.prune(this.limits.messagesPerChat);
    if (dropped) this.log?.(`chat ${chat.summary.id} is over ${this.limits.messagesPerChat} messages: dropped its ${dropped} oldest (other branches first)`);
    if (!chat.tree.size) return false; // an empty chat is never written
    updateSummary(chat);
    if (!this.index.chats.includes(chat.summary)) {
      const stale = this.summary(chat.summary.id);
      this.index.chats = this.index.chats.filter((c) => c !== stale);
      this.index.chats.push(chat.summary);
    }
    this.deleted.delete(chat.summary.id);
    return true;
  }

  /** Writes `chat`'s file, merged with what another window wrote to it since this store last did. */
  private writeChat(chat: Chat): boolean {
    const id = chat.summary.id;
    const file = this.chatFile(id);
    try {
      const onDisk = stampIfAny(file);
      if (onDisk !== undefined && onDisk !== this.stamps.get(file)) this.mergeChat(chat, file);
      const carried = this.carry.get(id);
      if (carried) {
        for (const [mid, theirs] of carried) {
          const ours = chat.tree.get(mid);
          if (!ours || !longer(theirs, ours)) carried.delete(mid);
        }
        if (!carried.size) this.carry.delete(id);
      }
      const data: ChatFile = { version: 2, id, ...chat.tree.toData((m) => forDisk(carried?.get(m.id) ?? m)) };
      this.writeNow(file, JSON.stringify(data));
      this.stamps.set(file, stampOf(fs.statSync(file)));
    } catch (err) {
      this.failed('chat', file, err);
      return false;
    }
    this.setProblem('chat', undefined);
    return true;
  }

  /**
   * Another window wrote chat `chat` since this store read or wrote it: its messages this window
   * lacks are added as branches not shown here, and its longer copies of shared messages are
   * carried into this window's writes.
   */
  private mergeChat(chat: Chat, file: string): void {
    let data: ChatFile;
    try {
      data = parseChatFile(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) {
        this.log?.(`chat ${chat.summary.id} on disk is damaged (${(err as Error).message}); keeping it aside and writing this window's copy`);
        this.keepAside(file);
        this.tellAside();
      } else if (code !== 'ENOENT') {
        throw err;
      }
      return;
    }
    const theirs = ChatTree.fromData(data);
    let added = 0;
    let carried = 0;
    const carry = this.carry.get(chat.summary.id) ?? new Map<string, MessageView>();
    for (const node of theirs.toData().nodes) {
      const ours = chat.tree.get(node.message.id);
      if (!ours) {
        if (chat.tree.graft(interruptedIfStreaming(node.message), node.parent)) added++;
      } else if (longer(node.message, ours)) {
        carry.set(ours.id, node.message);
        carried++;
      }
    }
    if (carry.size) this.carry.set(chat.summary.id, carry);
    this.log?.(`chat ${chat.summary.id} was saved by another window too: merged (${added} of its messages added as branches, ${carried} longer copies kept)`);
  }

  /**
   * The chat file's bytes, exactly what `JSON.stringify` of it writes, in pieces: one per message.
   * With `cached`, a message whose fields are the very values of its last serialisation (and whose
   * parent is the same) reuses those bytes — messages are updated by assigning fields, so a changed
   * message has a changed field — and the cost follows what changed, not the chat's length;
   * without, every message is serialised afresh (and the cache refreshed).
   */
  private serialise(chat: Chat, cached: boolean): Buffer[] {
    const pieces: Buffer[] = [Buffer.from(`{"version":2,"id":${JSON.stringify(chat.summary.id)},"nodes":[`)];
    chat.tree.forEachNode((message, parent) => {
      const node = this.nodeBytes(message, parent, cached);
      // Each node's bytes start with the comma that separates it from the one before.
      pieces.push(pieces.length === 1 ? node.subarray(1) : node);
    });
    pieces.push(Buffer.from(`],"active":${cached ? chat.tree.activeJson() : JSON.stringify(chat.tree.activeData())}}`));
    return pieces;
  }

  private nodeBytes(m: MessageView, parent: string | undefined, cached: boolean): Buffer {
    const fields = m as unknown as Record<string, unknown>;
    const keys = Object.keys(fields);
    const hit = this.serialised.get(m);
    const same = hit !== undefined && hit.parent === parent && hit.keys.length === keys.length && keys.every((k, i) => hit.keys[i] === k && hit.values[i] === fields[k]);
    if (cached && same) return hit.bytes;
    const json = JSON.stringify(forDisk(m));
    // Afresh and unchanged: the bytes already made are reused (less garbage for the collector).
    const bytes =
      hit !== undefined && hit.parent === parent && hit.json === json
        ? hit.bytes
        : Buffer.from(parent === undefined ? `,{"message":${json}}` : `,{"message":${json},"parent":${JSON.stringify(parent)}}`);
    this.serialised.set(m, { keys, values: keys.map((k) => fields[k]), parent, json, bytes });
    return bytes;
  }

  /** A synchronous write of one of the chats' files; a background write of it still in flight never lands after. */
  private writeNow(file: string, content: string | Uint8Array): void {
    this.background.cancel(file);
    writeFileDurably(file, content);
  }

  /** What the index shows of `summary` and around it (not the time): a background save rewrites the index only when it changed. */
  private indexKey(summary: ChatSummary): string {
    const last = this.index.recall.at(-1);
    return JSON.stringify([
      this.index.chats.length,
      this.index.openId,
      this.index.recall.length,
      last?.chatId,
      last?.text.length,
      last?.text.slice(0, 200),
      summary.id,
      summary.title,
      summary.renamed,
      summary.model,
      summary.messageCount,
    ]);
  }

  private enforceBound(): void {
    const kept = this.index.chats.filter((c) => c.messageCount > 0);
    if (kept.length <= this.limits.chats) return;
    const victims = kept
      .filter((c) => c.id !== this.index.openId)
      .sort((a, b) => a.updatedAt - b.updatedAt)
      .slice(0, kept.length - this.limits.chats);
    for (const v of victims) {
      this.deleted.add(v.id);
      this.remove(this.chatFile(v.id));
      this.log?.(`over ${this.limits.chats} chats: deleted the least recently updated, "${v.title ?? v.id}" (${new Date(v.updatedAt).toISOString()})`);
    }
    const gone = new Set(victims.map((v) => v.id));
    this.index.chats = this.index.chats.filter((c) => !gone.has(c.id));
    this.index.recall = this.index.recall.filter((r) => !gone.has(r.chatId));
  }

  /** Removes `file`; a failure is logged and reported, never thrown. */
  private remove(file: string): void {
    try {
      this.background.cancel(file);
      fs.rmSync(file, { force: true });
      this.stamps.delete(file);
    } catch (err) {
      const reason = (err as Error).message;
      this.log?.(`could not remove ${file}: ${reason}`);
      this.emit({ kind: 'cantRemove', file, reason });
    }
  }

  private readIndex(): IndexRead {
    let raw: string;
    try {
      const fd = fs.openSync(this.indexFile, 'r');
      try {
        const stamp = stampOf(fs.fstatSync(fd));
        raw = fs.readFileSync(fd, 'utf8');
        this.stamps.set(this.indexFile, stamp);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'unreadable', reason: `${this.indexFile}: ${(err as Error).message}` };
    }
    try {
      return { kind: 'ok', index: parseIndex(raw) };
    } catch (err) {
      this.stamps.delete(this.indexFile);
      return { kind: 'corrupt', reason: (err as Error).message };
    }
  }

  /** Runs the pending folder scan now (once): unlisted chat files are listed, and the index written if that changed it. */
  private scanFolder(): void {
    if (!this.scanPending) return;
    this.scanPending = false;
    if (this.scanTimer) clearTimeout(this.scanTimer);
    this.scanTimer = undefined;
    try {
      if (this.addChatsFromFiles() || this.aside.length) this.writeIndex();
      this.tellAside();
    } catch (err) {
      this.log?.(`could not check ${this.dir} for unlisted chats: ${(err as Error).message}`);
    }
  }

  /**
   * Lists chat files the index does not (a crash between the two writes, a rebuilt or damaged
   * index), or lists as empty: each is read and summed up. True when the index changed.
   */
  private addChatsFromFiles(): boolean {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => CHAT_FILE.test(n) && n !== INDEX_FILE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not list ${this.dir}: ${(err as Error).message}`);
      return false;
    }
    let changed = false;
    const byId = new Map(this.index.chats.map((c) => [c.id, c]));
    for (const name of names) {
      const id = name.slice(0, -'.json'.length);
      const listed = byId.get(id);
      if (listed && listed.messageCount > 0) continue;
      const file = path.join(this.dir, name);
      const tree = this.readChatSync(id);
      if (!tree?.size) continue;
      let mtime = Date.now();
      try {
        mtime = fs.statSync(file).mtimeMs;
      } catch {
        // Keep now.
      }
      const summary: ChatSummary = listed ?? { id, title: undefined, createdAt: mtime, updatedAt: mtime, model: undefined, messageCount: 0 };
      updateSummary({ summary, tree }, mtime);
      if (!listed) this.index.chats.push(summary);
      this.log?.(`chat ${id} was not listed in the index: listed again (${tree.size} messages)`);
      changed = true;
    }
    return changed;
  }

  /** First run with chats: the one conversation of earlier versions becomes the first chat. */
  private migrate(): void {
    this.index = { version: 1, openId: undefined, chats: [], recall: [] };
    const oldFile = path.join(this.storageDir, CONVERSATION_FILE);
    let messages: MessageView[] | undefined;
    let from: string | undefined;
    try {
      const stored = JSON.parse(fs.readFileSync(oldFile, 'utf8')) as LegacyConversation;
      if (stored.version === 1 && Array.isArray(stored.messages)) [messages, from] = [stored.messages, oldFile];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read the saved conversation (${(err as Error).message}); not migrated`);
    }
    if (!messages) {
      const stored = this.legacy?.get<LegacyConversation>(LEGACY_KEY);
      if (stored && Array.isArray(stored.messages)) [messages, from] = [stored.messages, 'workspace state'];
    }
    if (messages?.length) {
      const now = Date.now();
      const chat: Chat = {
        summary: { id: newChatId(), title: undefined, createdAt: now, updatedAt: now, model: undefined, messageCount: 0 },
        tree: ChatTree.fromPath(messages.filter(isMessage).map(interruptedIfStreaming)),
      };
      this.index.openId = chat.summary.id;
      this.index.recall = messages.filter((m) => isMessage(m) && m.role === 'user').map((m) => ({ chatId: chat.summary.id, text: m.text }));
      this.index.recall = this.index.recall.slice(-MAX_RECALL);
      this.save(chat, true);
      this.log?.(`moved the conversation from ${from} into the first chat (${messages.length} messages)`);
    } else {
      this.writeIndex();
    }
    // Once the index exists the old conversation is never read again: remove it only now, so a
    // crash before this point migrates it on the next start instead of losing it.
    if (!messages?.length || this.writes > 0) {
      this.remove(oldFile);
      this.remove(path.join(this.storageDir, 'conversation.owner'));
      void this.legacy?.update(LEGACY_KEY, undefined);
    }
  }

  private readChatSync(id: string): ChatTree | undefined {
    const file = this.chatFile(id);
    let raw: string;
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const stamp = stampOf(fs.fstatSync(fd));
        raw = fs.readFileSync(fd, 'utf8');
        this.stamps.set(file, stamp);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read chat ${id}: ${(err as Error).message}`);
      return undefined;
    }
    return this.parseChat(id, raw);
  }

  /** The chat in `raw`; a damaged one is moved to the corrupt folder (told with the next notice) and undefined. */
  private parseChat(id: string, raw: string): ChatTree | undefined {
    try {
      const data = parseChatFile(raw);
      for (const n of data.nodes) if (n?.message) n.message = interruptedIfStreaming(n.message);
      return ChatTree.fromData(data);
    } catch (err) {
      this.log?.(`chat ${id} is damaged (${(err as Error).message}); keeping it aside`);
      // Moved aside, it is no longer listed (the next index write drops it; the notice says where it went).
      if (this.keepAside(this.chatFile(id))) this.index.chats = this.index.chats.filter((c) => c.id !== id);
      return undefined;
    }
  }

  /** Moves a damaged `file` into the corrupt folder, unchanged; false when it cannot (it is left in place). */
  private keepAside(file: string): boolean {
    const folder = path.join(this.dir, CORRUPT_DIR);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    try {
      fs.mkdirSync(folder, { recursive: true });
      let target = path.join(folder, `${path.basename(file)}.${stamp}`);
      for (let n = 2; fs.existsSync(target); n++) target = path.join(folder, `${path.basename(file)}.${stamp}-${n}`);
      fs.renameSync(file, target);
      this.stamps.delete(file);
      this.aside.push(target);
      this.log?.(`kept the damaged ${file} aside as ${target}`);
      return true;
    } catch (err) {
      this.log?.(`could not keep the damaged ${file} aside: ${(err as Error).message}`);
      return false;
    }
  }

  /** One notice for the files kept aside since the last one. */
  private tellAside(): void {
    if (!this.aside.length) return;
    const names = this.aside.map((f) => path.basename(f));
    this.aside = [];
    this.emit({ kind: 'keptAside', folder: path.join(this.dir, CORRUPT_DIR), files: names });
  }

  private writeIndex(): void {
    this.withLock(() => this.writeIndexLocked());
  }

  /**
   * Writes the index as a merge of the one on disk and this window's view (see the class comment);
   * `writing`: the chat this save wrote (kept even if another window deleted it). Under the lock.
   */
  private writeIndexLocked(writing?: string, durable = true): void {
    const onDisk = stampIfAny(this.indexFile);
    if (onDisk !== this.stamps.get(this.indexFile) || this.problems.has('read')) {
      const read = onDisk === undefined ? ({ kind: 'missing' } as const) : this.readIndex();
      if (read.kind === 'unreadable') {
        this.log?.(`could not read the chat index (${read.reason}); not writing it`);
        this.setProblem('read', { kind: 'cantRead', reason: read.reason });
        return;
      }
      if (read.kind === 'corrupt') {
        if (!this.keepAside(this.indexFile)) {
          this.setProblem('read', { kind: 'cantRead', reason: `${this.indexFile} is damaged (${read.reason}) and could not be moved aside` });
          return;
        }
        this.log?.(`the chat index on disk was damaged (${read.reason}); kept it aside, writing this window's`);
        this.tellAside();
      }
      this.setProblem('read', undefined);
      if (read.kind === 'ok') {
        this.mergeIndex(read.index, writing);
      }
    }
    // Summaries of chats nothing was asked in stay out of the file, except the open one's.
    const chats = this.index.chats.filter((c) => c.messageCount > 0 || c.id === this.index.openId);
    try {
      this.background.cancel(this.indexFile);
      writeFileDurably(this.indexFile, JSON.stringify({ ...this.index, chats } satisfies IndexFile), durable);
      this.stamps.set(this.indexFile, stampOf(fs.statSync(this.indexFile)));
      this.noteOnDisk({ ...this.index, chats });
      const shown = (writing !== undefined ? this.summary(writing) : undefined) ?? (this.index.openId !== undefined ? this.summary(this.index.openId) : undefined);
      this.indexWritten = shown ? this.indexKey(shown) : undefined;
    } catch (err) {
      this.indexWritten = undefined;
      this.failed('index', this.indexFile, err);
      return;
    }
    this.setProblem('index', undefined);
  }

  /** Unites the index another window wrote with this window's view (this window's chat objects stay the same objects). */
  private mergeIndex(disk: IndexFile, writing: string | undefined): void {
    const theirs = new Map(disk.chats.map((c) => [c.id, c]));
    const gone = new Set<string>();
    const chats: ChatSummary[] = [];
    for (const ours of this.index.chats) {
      const other = theirs.get(ours.id);
      theirs.delete(ours.id);
      if (!other) {
        // Listed on disk before and not now: another window deleted it (kept if it is in use here).
        if (this.seenOnDisk.has(ours.id) && ours.id !== this.index.openId && ours.id !== writing) {
          gone.add(ours.id);
          continue;
        }
      } else if (other.updatedAt > ours.updatedAt) {
        Object.assign(ours, other);
      }
      chats.push(ours);
    }
    for (const other of theirs.values()) if (!this.deleted.has(other.id)) chats.push(other);
    const ourTexts = new Set(this.index.recall.map((r) => r.text));
    const recall = [...disk.recall.filter((r) => !ourTexts.has(r.text) && !this.deleted.has(r.chatId)), ...this.index.recall.filter((r) => !gone.has(r.chatId))];
    this.index = { version: 1, openId: this.index.openId, chats, recall: recall.slice(-MAX_RECALL) };
  }

  private noteOnDisk(index: IndexFile): void {
    this.seenOnDisk = new Set(index.chats.map((c) => c.id));
  }

  /**
   * Runs `fn` holding `chats/index.lock`, so no two windows merge into the index at once. A lock
   * older than LOCK_STALE_MS is a dead window's and is taken over; after LOCK_WAIT_MS of waiting
   * (or when the lock cannot be made at all) `fn` runs without it: a save is never dropped for it.
   */
  private withLock<T>(fn: () => T): T {
    if (this.lockDepth > 0) {
      this.lockDepth++;
      try {
        return fn();
      } finally {
        this.lockDepth--;
      }
    }
    const held = this.acquireLock();
    this.lockDepth = 1;
    try {
      return fn();
    } finally {
      this.lockDepth = 0;
      if (held) {
        try {
          fs.rmSync(this.lockFile, { force: true });
        } catch (err) {
          this.log?.(`could not remove ${this.lockFile}: ${(err as Error).message}`);
        }
      }
    }
  }

  private acquireLock(): boolean {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        fs.mkdirSync(this.dir, { recursive: true });
        const fd = fs.openSync(this.lockFile, 'wx', 0o600);
        try {
          fs.writeSync(fd, String(process.pid));
        } finally {
          fs.closeSync(fd);
        }
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          this.log?.(`could not lock the chats folder (${(err as Error).message}); saving without the lock`);
          return false;
        }
      }
      try {
        if (Date.now() - fs.statSync(this.lockFile).mtimeMs > LOCK_STALE_MS || holderIsGone(this.lockFile)) {
          this.log?.(`took over a stale ${this.lockFile} (a window closed while saving)`);
          fs.rmSync(this.lockFile, { force: true });
          continue;
        }
      } catch {
        continue; // released meanwhile
      }
      if (Date.now() > deadline) {
        this.log?.(`${this.lockFile} is held for over ${LOCK_WAIT_MS} ms; saving without the lock`);
        return false;
      }
      Atomics.wait(LOCK_SLEEP, 0, 0, 2);
    }
  }

  /** Writing `file` failed: logged, and reported as the problem `key` (once, until a write works again). */
  private failed(key: ProblemKey, file: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.includes(file) ? message : `${file}: ${message}`;
    this.log?.(`could not save ${reason}`);
    this.setProblem(key, { kind: 'cantSave', reason, folder: this.dir });
  }

  /** Sets (or clears, `problem` undefined) one problem; reports when what the user should see changes. */
  private setProblem(key: ProblemKey, problem: StoreProblem | undefined): void {
    if (problem === undefined) {
      if (!this.problems.delete(key)) return;
    } else if (!this.problems.has(key)) {
      this.problems.set(key, problem);
    }
    const now = this.problem;
    if (now === this.reported) return;
    this.reported = now;
    this.emit({ kind: 'problem', problem: now });
  }

  private emit(report: StoreReport): void {
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (err) {
        this.log?.(`a store listener failed: ${(err as Error).message}`);
      }
    }
  }
}

/** Whether the process that wrote its id into lock `file` has ended (a killed extension host). */
function holderIsGone(file: string): boolean {
  const pid = Number(fs.readFileSync(file, 'utf8'));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** What `Atomics.wait` sleeps on while another window holds the lock. */
const LOCK_SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** A file's identity: another write (a rename over it) changes it. */
function stampOf(st: fs.Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** `file`'s identity, undefined when it does not exist; another error gives a stamp that matches nothing. */
function stampIfAny(file: string): string | undefined {
  try {
    return stampOf(fs.statSync(file));
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `error:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/** Whether `a` (another window's copy of a message) has more text than `b` (this window's). */
function longer(a: MessageView, b: MessageView): boolean {
  if (a.role !== 'assistant' || b.role !== 'assistant') return false;
  return (a.text?.length ?? 0) + (a.reasoning?.length ?? 0) > (b.text?.length ?? 0) + (b.reasoning?.length ?? 0);
}

/** The index in `raw`; throws when it is damaged. Summaries that are not whole are dropped (their files list them again). */
function parseIndex(raw: string): IndexFile {
  const parsed = JSON.parse(raw) as Partial<IndexFile> | null;
  if (!parsed || typeof parsed !== 'object' || parsed.version !== 1 || !Array.isArray(parsed.chats)) throw new Error(`unknown index version ${String(parsed?.version)}`);
  const seen = new Set<string>();
  const chats = parsed.chats.filter((c): c is ChatSummary => {
    if (!isSummary(c) || seen.has(c.id)) return false;
    seen.add(c.id);
    return true;
  });
  const recall = Array.isArray(parsed.recall) ? parsed.recall.filter((r): r is RecallEntry => typeof r?.text === 'string' && typeof r.chatId === 'string') : [];
  return { version: 1, openId: typeof parsed.openId === 'string' ? parsed.openId : undefined, chats, recall };
}

const optionalString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';

function isSummary(c: unknown): c is ChatSummary {
  if (!c || typeof c !== 'object') return false;
  const s = c as Record<string, unknown>;
  return (
    typeof s.id === 'string' &&
    CHAT_ID.test(s.id) &&
    Number.isFinite(s.createdAt) &&
    Number.isFinite(s.updatedAt) &&
    Number.isInteger(s.messageCount) &&
    (s.messageCount as number) >= 0 &&
    optionalString(s.title) &&
    optionalString(s.model)
  );
}

/** The chat file in `raw`; throws when it is damaged. */
function parseChatFile(raw: string): ChatFile {
  const data = JSON.parse(raw) as Partial<ChatFile> | null;
  if (!data || typeof data !== 'object' || data.version !== 2 || !Array.isArray(data.nodes)) throw new Error(`unknown chat file version ${String(data?.version)}`);
  data.nodes = data.nodes.filter((n) => isMessage(n?.message) && (n.parent === undefined || typeof n.parent === 'string'));
  if (!data.active || typeof data.active !== 'object') data.active = {};
  return data as ChatFile;
}

function isMessage(m: unknown): m is MessageView {
  if (!m || typeof m !== 'object') return false;
  const v = m as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.text === 'string' && (v.role === 'user' || (v.role === 'assistant' && typeof v.state === 'string'));
}

/** The first question, on one line, cut to ~80 characters at a word. */
export function chatTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  if (line.length <= TITLE_LENGTH) return line;
  const cut = line.slice(0, TITLE_LENGTH);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Title, count, model and time from the chat's messages (the path's last answer names the model). */
function updateSummary(chat: Chat, at = Date.now()): void {
  const shown = chat.tree.path();
  const s = chat.summary;
  const first = shown.find((m) => m.role === 'user');
  if (!s.renamed && first) s.title = chatTitle(first.text);
  const lastAnswer = [...shown].reverse().find((m): m is AssistantMessageView => m.role === 'assistant' && m.stats !== undefined);
  if (lastAnswer?.stats) s.model = `${lastAnswer.stats.providerLabel} · ${lastAnswer.stats.model}`;
  s.messageCount = chat.tree.size;
  s.updatedAt = at;
}

function interruptedIfStreaming(m: MessageView): MessageView {
  return m.role === 'assistant' && m.state === 'streaming' ? ({ ...m, state: 'cancelled', error: undefined, notice: INTERRUPTED_NOTICE } satisfies AssistantMessageView) : m;
}

function newChatId(): string {
  return `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A copy fit for disk: URL credentials in errors and notices are redacted. */
function forDisk(m: MessageView): MessageView {
  if (m.role !== 'assistant') return { ...m };
  const copy: AssistantMessageView = { ...m };
  delete copy.rev;
  delete copy.branch;
  if (copy.error) copy.error = { ...copy.error, message: redactCredentials(copy.error.message) };
  if (copy.notice) copy.notice = redactCredentials(copy.notice);
  return copy;
}
