import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { redactCredentials } from '../core/redact';
import type { AssistantMessageView, MessageView } from '../protocol';
import { ChatTree } from './chatTree';
import { BackgroundWriter, writeFileDurably } from './durableFile';

export { writeFileDurably } from './durableFile';

/** The `workspaceState` key earlier versions kept the conversation in (read once, to migrate). */
const LEGACY_KEY = 'sidestream.conversation.v1';
/** The single conversation of versions before chats (moved into the first chat once, then removed). */
export const CONVERSATION_FILE = 'conversation.json';
/** The chats' folder in the storage folder. */
export const CHATS_DIR = 'chats';
export const INDEX_FILE = 'index.json';
/** Names the extension host that last loaded the chats: only it may write them. */
export const OWNER_FILE = 'owner';
/** At most this many chats are kept: past it, the least recently updated go (never the open one). */
export const MAX_CHATS = 1000;
/** At most this many messages (all branches) per chat: past it, old branches go, then the oldest turns. */
export const MAX_MESSAGES_PER_CHAT = 400;
/** Questions kept for ↑/↓ recall in the composer (all chats). */
export const MAX_RECALL = 100;
const TITLE_LENGTH = 80;
/** A recalled question longer than this is not kept for recall (the index stays small). */
const MAX_RECALL_CHARS = 4_000;

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
 * - `chats/owner`: which extension host may write (the one that loaded last).
 *
 * Bounds: at most 1,000 chats (`MAX_CHATS`) — past it the least recently updated chat is deleted
 * first, never the open one — and at most 400 messages per chat over all its branches
 * (`MAX_MESSAGES_PER_CHAT`) — past it, branches off the shown path go first (oldest first), then
 * the oldest messages of the path. Whatever is dropped is logged. A chat nothing was asked in is
 * never written and not listed.
 *
 * Activation reads only the index and the open chat. Another chat is read when it is opened, with
 * `fs.promises`, so a large history never blocks the window.
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
  private readonly owner = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  private superseded = false;
  private index: IndexFile = { version: 1, openId: undefined, chats: [], recall: [] };
  /** Writes done (tests and diagnostics read it). */
  writes = 0;
  /** Saves while an answer streams write here, off the host's thread. */
  private readonly background = new BackgroundWriter((err) => {
    if (err.file === this.indexFile) this.indexWritten = undefined; // written again by the next save
    this.log?.(`could not save: ${err.message}`);
  });
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
  }

  get folder(): string {
    return this.dir;
  }

  chatFile(id: string): string {
    if (!/^[a-z0-9]{1,64}$/i.test(id)) throw new Error(`not a chat id: ${JSON.stringify(id.slice(0, 70))}`);
    return path.join(this.dir, `${id}.json`);
  }

  /**
   * Reads the index and the open chat (nothing else), migrating the pre-chats conversation once,
   * and makes this store the writer: an extension host of a window that was reloaded may still be
   * shutting down, and must not overwrite what the new one loaded.
   */
  load(): Chat {
    try {
      // Atomic, but not fsync'd: the claim only matters while the old host still runs, and after a
      // power loss none does. An fsync here would cost activation several ms on a busy disk.
      writeFileDurably(this.ownerFile, this.owner, false);
    } catch (err) {
      this.log?.(`could not claim the chats folder: ${(err as Error).message}`);
    }
    const index = this.readIndex() ?? this.migrate();
    this.index = index;
    const open = index.openId !== undefined ? index.chats.find((c) => c.id === index.openId) : undefined;
    if (open) {
      const tree = this.readChatSync(open.id);
      if (tree) return { summary: open, tree };
    }
    return this.create();
  }

  /** Non-empty chats, most recently updated first. */
  list(): ChatSummary[] {
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
    let raw: string;
    try {
      raw = await fs.promises.readFile(this.chatFile(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && this.summary(id)?.messageCount === 0) return new ChatTree();
      this.log?.(`could not read chat ${id}: ${(err as Error).message}`);
      return undefined;
    }
    return this.parseChat(id, raw);
  }

  rename(id: string, title: string): void {
    const summary = this.summary(id);
    const trimmed = title.trim();
    if (!summary || !trimmed) return;
    summary.title = trimmed;
    summary.renamed = true;
    this.writeIndex();
  }

  /** Deletes chat `id` (not the open one: open another first); returns what Undo needs. */
  delete(id: string): DeletedChat | undefined {
    const summary = this.summary(id);
    if (!summary || id === this.index.openId || !this.canWrite()) return undefined;
    let file: string | undefined;
    try {
      file = fs.readFileSync(this.chatFile(id), 'utf8');
    } catch {
      file = undefined;
    }
    const deleted: DeletedChat = { summary, file, recall: this.index.recall.filter((r) => r.chatId === id) };
    this.index.chats = this.index.chats.filter((c) => c.id !== id);
    this.index.recall = this.index.recall.filter((r) => r.chatId !== id);
    this.writeIndex();
    this.background.cancel(this.chatFile(id));
    fs.rmSync(this.chatFile(id), { force: true });
    this.log?.(`deleted chat ${id} (${summary.messageCount} messages)`);
    return deleted;
  }

  /** Undo of {@link delete}: the chat comes back as it was. */
  restore(deleted: DeletedChat): void {
    if (this.summary(deleted.summary.id) || !this.canWrite()) return;
    if (deleted.file !== undefined) this.writeNow(this.chatFile(deleted.summary.id), deleted.file);
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
    try {
      // Serialised whole (no cached message text): the durable copy never depends on the cache.
      this.writeNow(this.chatFile(chat.summary.id), Buffer.concat(this.serialise(chat, false)));
      this.writes++;
    } catch (err) {
      this.log?.(`could not save chat ${chat.summary.id}: ${(err as Error).message}`);
      return undefined;
    }
    this.enforceBound();
    this.writeIndex();
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
    this.background.write(this.chatFile(chat.summary.id), this.serialise(chat, true));
    this.writes++;
    this.enforceBound();
    const key = this.indexKey(chat.summary);
    if (key !== this.indexWritten) {
      this.indexWritten = key;
      this.background.write(this.indexFile, this.indexJson());
    }
  }

  /** Resolves once every background write has landed (or failed, logged). */
  whenWritten(): Promise<void> {
    return this.background.idle();
  }

  /** Bounds, summary and index entry before a save; false when nothing is to be written. */
  private prepare(chat: Chat): boolean {
    if (!this.canWrite()) return false;
    const dropped = chat.tree.prune(this.limits.messagesPerChat);
    if (dropped) this.log?.(`chat ${chat.summary.id} is over ${this.limits.messagesPerChat} messages: dropped its ${dropped} oldest (other branches first)`);
    if (!chat.tree.size) return false; // an empty chat is never written
    updateSummary(chat);
    if (!this.index.chats.includes(chat.summary)) {
      const stale = this.summary(chat.summary.id);
      this.index.chats = this.index.chats.filter((c) => c !== stale);
      this.index.chats.push(chat.summary);
    }
    return true;
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
      this.background.cancel(this.chatFile(v.id));
      fs.rmSync(this.chatFile(v.id), { force: true });
      this.log?.(`over ${this.limits.chats} chats: deleted the least recently updated, "${v.title ?? v.id}" (${new Date(v.updatedAt).toISOString()})`);
    }
    const gone = new Set(victims.map((v) => v.id));
    this.index.chats = this.index.chats.filter((c) => !gone.has(c.id));
    this.index.recall = this.index.recall.filter((r) => !gone.has(r.chatId));
  }

  private readIndex(): IndexFile | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.indexFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read the chat index (${(err as Error).message})`);
      return undefined;
    }
    try {
      const parsed = JSON.parse(raw) as Partial<IndexFile>;
      if (parsed.version !== 1 || !Array.isArray(parsed.chats)) throw new Error(`unknown index version ${String(parsed.version)}`);
      const chats = parsed.chats.filter((c) => typeof c?.id === 'string' && /^[a-z0-9]{1,64}$/i.test(c.id));
      const recall = Array.isArray(parsed.recall) ? parsed.recall.filter((r) => typeof r?.text === 'string') : [];
      return { version: 1, openId: typeof parsed.openId === 'string' ? parsed.openId : undefined, chats, recall };
    } catch (err) {
      // The chat files are still there: rebuild the index from them rather than lose the history.
      this.log?.(`the chat index is unreadable (${(err as Error).message}); rebuilding it from the chat files`);
      return this.rebuildIndex();
    }
  }

  private rebuildIndex(): IndexFile {
    const index: IndexFile = { version: 1, openId: undefined, chats: [], recall: [] };
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^[a-z0-9]{1,64}\.json$/i.test(n) && n !== INDEX_FILE);
    } catch {
      // No folder: nothing to rebuild.
    }
    for (const name of names) {
      const id = name.slice(0, -'.json'.length);
      const file = path.join(this.dir, name);
      const tree = this.readChatSync(id);
      if (!tree?.size) continue;
      const mtime = fs.statSync(file).mtimeMs;
      const chat: Chat = { summary: { id, title: undefined, createdAt: mtime, updatedAt: mtime, model: undefined, messageCount: 0 }, tree };
      updateSummary(chat, mtime);
      index.chats.push(chat.summary);
    }
    this.index = index;
    this.writeIndex();
    return index;
  }

  /** First run with chats: the one conversation of earlier versions becomes the first chat. */
  private migrate(): IndexFile {
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
        tree: ChatTree.fromPath(messages.map(interruptedIfStreaming)),
      };
      this.index.openId = chat.summary.id;
      this.index.recall = messages.filter((m) => m.role === 'user').map((m) => ({ chatId: chat.summary.id, text: m.text }));
      this.index.recall = this.index.recall.slice(-MAX_RECALL);
      this.save(chat, true);
      this.log?.(`moved the conversation from ${from} into the first chat (${messages.length} messages)`);
    } else {
      this.writeIndex();
    }
    // Once the index exists the old conversation is never read again: remove it only now, so a
    // crash before this point migrates it on the next start instead of losing it.
    if (!messages?.length || this.writes > 0) {
      fs.rmSync(oldFile, { force: true });
      fs.rmSync(path.join(this.storageDir, 'conversation.owner'), { force: true });
      void this.legacy?.update(LEGACY_KEY, undefined);
    }
    return this.index;
  }

  private readChatSync(id: string): ChatTree | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.chatFile(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read chat ${id}: ${(err as Error).message}`);
      return undefined;
    }
    return this.parseChat(id, raw);
  }

  private parseChat(id: string, raw: string): ChatTree | undefined {
    try {
      const data = JSON.parse(raw) as Partial<ChatFile>;
      if (data.version !== 2 || !Array.isArray(data.nodes)) throw new Error(`unknown chat file version ${String(data.version)}`);
      for (const n of data.nodes) if (n?.message) n.message = interruptedIfStreaming(n.message);
      return ChatTree.fromData(data);
    } catch (err) {
      this.log?.(`chat ${id} is unreadable (${(err as Error).message})`);
      return undefined;
    }
  }

  private writeIndex(): void {
    if (!this.canWrite()) return;
    const open = this.index.openId !== undefined ? this.summary(this.index.openId) : undefined;
    try {
      this.writeNow(this.indexFile, this.indexJson());
      this.indexWritten = open ? this.indexKey(open) : undefined;
    } catch (err) {
      this.indexWritten = undefined;
      this.log?.(`could not save the chat index: ${(err as Error).message}`);
    }
  }

  private indexJson(): string {
    // Summaries of chats nothing was asked in stay out of the file, except the open one's.
    const chats = this.index.chats.filter((c) => c.messageCount > 0 || c.id === this.index.openId);
    return JSON.stringify({ ...this.index, chats } satisfies IndexFile);
  }

  private canWrite(): boolean {
    if (this.superseded) return false;
    let current: string | undefined;
    try {
      current = fs.readFileSync(this.ownerFile, 'utf8');
    } catch {
      return true; // never claimed (or removed): nothing newer to protect
    }
    if (current === this.owner) return true;
    this.superseded = true;
    this.log?.('another window loaded these chats since; this (closing) window no longer saves them');
    return false;
  }
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
