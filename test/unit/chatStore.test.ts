/**
 * The durable multi-chat store in plain Node: chats and the index on disk, reload, the async open,
 * the one-time migration of the single conversation, the bounds, crash safety (a stale streaming
 * answer comes back cancelled, a process killed mid-save never leaves half a chat, a closing
 * window cannot overwrite what the reloaded one loaded) and credential redaction.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHATS_DIR, CONVERSATION_FILE, ChatStore, INDEX_FILE, INTERRUPTED_NOTICE, OWNER_FILE, chatTitle, type Chat } from '../../src/features/chat/ChatStore';
import { durableFs } from '../../src/platform/durableFile';
import type { AssistantMessageView, MessageView } from '../../src/shared/protocol';

const ROOT = path.resolve(__dirname, '..', '..', '..');

const done = (id: string, text: string): AssistantMessageView => ({
  id,
  role: 'assistant',
  text,
  state: 'done',
  stats: { providerLabel: 'Simulator', model: 'sim-fast', ttftMs: 10, tokensPerSecond: 50, outputTokens: 5, estimated: false, finishReason: 'stop' },
});

/** Asks `question` in `chat` with answer `answer` (as the controller does: question under the path's end). */
function turn(chat: Chat, n: string, question: string, answer = `answer ${n}`): void {
  const parent = chat.tree.path().at(-1)?.id;
  chat.tree.add({ id: `u${n}`, role: 'user', text: question }, parent);
  chat.tree.add(done(`a${n}`, answer), `u${n}`);
}

describe('ChatStore (durable, many chats)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-chats-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('save(…, true) is on disk when it returns; the reloaded window opens the same chat, whole, and its index', () => {
    const store = new ChatStore(dir);
    const chat = store.load();
    turn(chat, '1', 'What is a monad, explained for someone who writes TypeScript every day and never used Haskell?');
    void store.save(chat, true);
    const reloaded = new ChatStore(dir);
    const back = reloaded.load();
    assert.equal(back.summary.id, chat.summary.id);
    assert.deepEqual(back.tree.path(), chat.tree.path());
    const [summary] = reloaded.list();
    assert.equal(summary?.title, chatTitle(chat.tree.path()[0]!.text));
    assert.ok(summary!.title!.length <= 81 && summary!.title!.endsWith('…'), summary?.title);
    assert.equal(summary?.model, 'Simulator · sim-fast');
    assert.equal(summary?.messageCount, 2);
    assert.deepEqual(fs.readdirSync(path.join(dir, CHATS_DIR)).sort(), [`${chat.summary.id}.json`, INDEX_FILE, OWNER_FILE].sort(), 'a temp file was left behind');
  });

  it('New Chat keeps the old one; opening it reads it asynchronously; empty chats are neither written nor listed', async () => {
    const store = new ChatStore(dir);
    const first = store.load();
    turn(first, '1', 'first chat');
    store.remember(first.summary.id, 'first chat');
    void store.save(first, true);
    const second = store.create();
    assert.equal(store.list().length, 1, 'an empty chat is listed');
    assert.ok(!fs.existsSync(store.chatFile(second.summary.id)), 'an empty chat was written');
    turn(second, '2', 'second chat');
    store.remember(second.summary.id, 'second chat');
    void store.save(second, true);
    assert.deepEqual(
      store.list().map((c) => c.title),
      ['second chat', 'first chat'],
    );
    const reading = store.open(first.summary.id);
    assert.ok(reading instanceof Promise);
    const opened = await reading;
    assert.deepEqual(
      opened?.tree.path().map((m) => m.text),
      ['first chat', 'answer 1'],
    );
    assert.equal(new ChatStore(dir).load().summary.id, first.summary.id, 'the reloaded window does not open the chat opened last');
    assert.deepEqual(store.recall(), ['first chat', 'second chat']);
    assert.equal(await store.open('nonexistent'), undefined);
    assert.throws(() => store.chatFile('../escape'), /not a chat id/);
  });

  it('rename, delete and undo', async () => {
    const store = new ChatStore(dir);
    const first = store.load();
    turn(first, '1', 'keep me');
    store.remember(first.summary.id, 'keep me');
    void store.save(first, true);
    const second = store.create();
    turn(second, '2', 'delete me');
    store.remember(second.summary.id, 'delete me');
    void store.save(second, true);
    store.rename(first.summary.id, '  My chat ');
    assert.equal(store.delete(second.summary.id), undefined, 'the open chat was deleted');
    await store.open(first.summary.id);
    const deleted = store.delete(second.summary.id);
    assert.ok(deleted);
    assert.deepEqual(
      store.list().map((c) => c.title),
      ['My chat'],
    );
    assert.ok(!fs.existsSync(store.chatFile(second.summary.id)));
    assert.deepEqual(store.recall(), ['keep me']);
    store.restore(deleted);
    const reloaded = new ChatStore(dir);
    reloaded.load();
    assert.deepEqual(
      reloaded
        .list()
        .map((c) => c.title)
        .sort(),
      ['My chat', 'delete me'],
    );
    assert.deepEqual(reloaded.recall().sort(), ['delete me', 'keep me']);
  });

  it('while streaming it writes at most once per debounce interval, with the latest text; a streaming answer comes back cancelled', async () => {
    const store = new ChatStore(dir, undefined, 50);
    const chat = store.load();
    const a: AssistantMessageView = { id: 'a1', role: 'assistant', text: '', state: 'streaming' };
    chat.tree.add({ id: 'u1', role: 'user', text: 'q' }, undefined);
    chat.tree.add(a, 'u1');
    for (let i = 0; i < 200; i++) {
      a.text += `t${i} `;
      void store.save(chat);
    }
    assert.equal(store.writes, 0);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(store.writes, 1);
    await store.whenWritten();
    const restored = new ChatStore(dir).load().tree.path()[1] as AssistantMessageView;
    assert.equal(restored.text, a.text);
    assert.equal(restored.state, 'cancelled');
    assert.equal(restored.notice, INTERRUPTED_NOTICE);
  });

  it('while an answer streams, a save does no synchronous write on the host thread: the chat goes to disk in the background, whole', async () => {
    const store = new ChatStore(dir, undefined, 0);
    const chat = store.load();
    for (let i = 0; i < 20; i++) turn(chat, String(i), `question ${i}`, `answer ${i} `.repeat(200));
    void store.save(chat, true);
    const a: AssistantMessageView = { id: 'a99', role: 'assistant', text: '', state: 'streaming' };
    chat.tree.add({ id: 'u99', role: 'user', text: 'q99' }, 'a19');
    chat.tree.add(a, 'u99');
    // What the host thread renames into place: the chat file must not be among them. The index
    // (small, what it shows changed: the new turn) may be written once, merged, without fsync.
    const real = durableFs.renameSync;
    const syncRenames: string[] = [];
    durableFs.renameSync = (from, to) => {
      syncRenames.push(path.basename(to));
      return real(from, to);
    };
    try {
      for (let i = 0; i < 5; i++) {
        a.text += `part ${i} `;
        void store.save(chat);
        // The debounce timer (0 ms) was set first, so it has run when this one fires.
        await new Promise((resolve) => setTimeout(resolve, 0));
        assert.deepEqual(
          syncRenames.filter((f) => f !== INDEX_FILE),
          [],
          'the debounced save wrote the chat synchronously on the host thread',
        );
      }
      assert.ok(syncRenames.length <= 1, `the index was written ${syncRenames.length} times for one new turn`);
    } finally {
      durableFs.renameSync = real;
    }
    await store.whenWritten();
    const back = new ChatStore(dir).load();
    assert.equal(back.tree.path().at(-1)?.text, a.text);
    assert.equal(back.tree.size, 42);
  });

  it("a background write that landed on disk but whose completion has not run yet is the store's own: the next mid-stream save stays in the background", async () => {
    const store = new ChatStore(dir, undefined, 0);
    const chat = store.load();
    turn(chat, '0', 'question 0');
    void store.save(chat, true);
    const a: AssistantMessageView = { id: 'a9', role: 'assistant', text: 'part 0 ', state: 'streaming' };
    chat.tree.add({ id: 'u9', role: 'user', text: 'q9' }, 'a0');
    chat.tree.add(a, 'u9');
    // The chat file's rename lands on disk at once, but its completion is held back: what a loaded
    // host sees when a save's timer runs before the rename's callback.
    const realRename = durableFs.rename;
    const realRenameSync = durableFs.renameSync;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let landed = false;
    durableFs.rename = async (from, to) => {
      await realRename(from, to);
      if (to.endsWith(`${chat.summary.id}.json`) && !landed) {
        landed = true;
        await held;
      }
    };
    const syncRenames: string[] = [];
    durableFs.renameSync = (from, to) => {
      syncRenames.push(path.basename(to));
      return realRenameSync(from, to);
    };
    try {
      void store.save(chat);
      for (let i = 0; i < 100 && !landed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(landed, 'the first background write never reached its rename');
      a.text += 'part 1 ';
      void store.save(chat);
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.deepEqual(
        syncRenames.filter((f) => f !== INDEX_FILE),
        [],
        "the store took its own landed write for another window's and saved synchronously",
      );
    } finally {
      release();
      durableFs.rename = realRename;
      durableFs.renameSync = realRenameSync;
    }
    await store.whenWritten();
    assert.equal(new ChatStore(dir).load().tree.path().at(-1)?.text, 'part 0 part 1 ');
  });

  it('mid-stream saves, then the final save: exactly the final content is on disk when save(…, true) returns, and a background write in flight never lands after it', async () => {
    const store = new ChatStore(dir, undefined, 0);
    const chat = store.load();
    for (let i = 0; i < 10; i++) turn(chat, String(i), `question ${i}`, `answer ${i} with \`code\` "quotes" ✓ `.repeat(50));
    const a: AssistantMessageView = { id: 'a99', role: 'assistant', text: '', state: 'streaming' };
    chat.tree.add({ id: 'u99', role: 'user', text: 'q99' }, 'a9');
    chat.tree.add(a, 'u99');
    const files = (): string[] => fs.readdirSync(path.join(dir, CHATS_DIR)).sort();
    const file = store.chatFile(chat.summary.id);
    for (let i = 0; i < 10; i++) {
      a.text += `token ${i} `;
      if (i === 4) a.notice = 'Rate limited: retrying in 1 s';
      if (i === 6) {
        // An earlier message changes by a field assignment (as the session does): its cached JSON must not be reused.
        (chat.tree.get('a3') as AssistantMessageView).error = { kind: 'connection', message: 'Nothing answered at https://user:pw123@example.com' };
      }
      if (i === 8) {
        // An edit of an earlier question, then back to the original: the picked branches change and change back.
        chat.tree.add({ id: 'u3b', role: 'user', text: 'question 3, edited' }, 'a2');
        chat.tree.add({ id: 'a3b', role: 'assistant', text: 'answer 3b', state: 'done' }, 'u3b');
        void store.save(chat);
        store.flushInBackground();
        chat.tree.switchBranch('u3b', -1);
      }
      void store.save(chat);
      store.flushInBackground();
      if (i % 3 === 0) await store.whenWritten();
    }
    await store.whenWritten();
    const midStream = fs.readFileSync(file, 'utf8');
    // The same chat saved afresh (no cache) is byte for byte what the cached serialisation wrote.
    void store.save(chat, true);
    assert.equal(fs.readFileSync(file, 'utf8'), midStream, 'the cached serialisation differs from a fresh one');
    assert.ok(!midStream.includes('pw123'), 'credentials were written');

    // A background write is in flight (it has not even opened its temp file) when the answer ends.
    a.text += 'the end.';
    void store.save(chat);
    store.flushInBackground();
    a.state = 'done';
    a.notice = undefined;
    void store.save(chat, true);
    const onDisk = (): AssistantMessageView =>
      (JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: Array<{ message: MessageView }> }).nodes.find((n) => n.message.id === 'a99')!.message as AssistantMessageView;
    assert.deepEqual([onDisk().text, onDisk().state], [a.text, 'done'], 'save(…, true) returned before the answer was on disk');
    const final = fs.readFileSync(file, 'utf8');
    await store.whenWritten();
    assert.equal(fs.readFileSync(file, 'utf8'), final, 'a background write landed after the final save');
    assert.deepEqual(files(), [`${chat.summary.id}.json`, INDEX_FILE, OWNER_FILE].sort(), 'a temp file was left behind');
    const back = new ChatStore(dir).load();
    assert.deepEqual(back.tree.path().at(-1), { id: 'a99', role: 'assistant', text: a.text, state: 'done' });
    assert.equal(back.summary.messageCount, 24);
  });

  it('the closing window of a reload cannot overwrite what the reloaded window wrote: its last save merges', () => {
    const old = new ChatStore(dir);
    const chat = old.load();
    turn(chat, '1', 'first');
    void old.save(chat, true);
    const reloaded = new ChatStore(dir);
    const fresh = reloaded.load();
    turn(fresh, '2', 'second, shown done in the new window');
    void reloaded.save(fresh, true);
    turn(chat, '3', 'the old window kept going');
    void old.save(chat, true); // the old host's shutdown save
    const back = new ChatStore(dir).load().tree;
    assert.ok(back.has('u2') && back.has('a2'), 'the old window overwrote the new chat');
    assert.ok(back.has('u3') && back.has('a3'), "the old window's last turn was lost");
    assert.equal(back.size, 6);
    // A stale copy from the closing window never shortens an answer the new window continued.
    const answer = fresh.tree.get('a1') as AssistantMessageView;
    answer.text += ' — continued in the new window';
    void reloaded.save(fresh, true);
    void old.save(chat, true);
    assert.equal((new ChatStore(dir).load().tree.get('a1') as AssistantMessageView).text, answer.text);
    assert.equal(old.delete(chat.summary.id), undefined);
  });

  it('moves conversation.json into the first chat once, then removes it', () => {
    const messages: MessageView[] = [
      { id: 'u1', role: 'user', text: 'old question' },
      { ...done('a1', 'old answer'), state: 'streaming' },
    ];
    fs.writeFileSync(path.join(dir, CONVERSATION_FILE), JSON.stringify({ version: 1, messages }));
    fs.writeFileSync(path.join(dir, 'conversation.owner'), 'an older version');
    const chat = new ChatStore(dir).load();
    assert.deepEqual(
      chat.tree.path().map((m) => m.text),
      ['old question', 'old answer'],
    );
    assert.equal((chat.tree.path()[1] as AssistantMessageView).state, 'cancelled');
    assert.ok(!fs.existsSync(path.join(dir, CONVERSATION_FILE)), 'the old conversation was left behind');
    assert.ok(!fs.existsSync(path.join(dir, 'conversation.owner')), 'the old owner file was left behind');
    // A conversation.json appearing later (an old version of the extension) is not migrated again.
    fs.writeFileSync(path.join(dir, CONVERSATION_FILE), JSON.stringify({ version: 1, messages }));
    const again = new ChatStore(dir);
    again.load();
    assert.equal(again.list().length, 1);
    assert.deepEqual(again.recall(), ['old question']);
  });

  it('moves a conversation from the old workspaceState once', () => {
    const legacy = new Map<string, unknown>([['sidestream.conversation.v1', { version: 1, messages: [{ id: 'u1', role: 'user', text: 'q' }, done('a1', 'old answer')] }]]);
    const memento = {
      get: (k: string) => legacy.get(k),
      update: async (k: string, v: unknown) => void (v === undefined ? legacy.delete(k) : legacy.set(k, v)),
      keys: () => [...legacy.keys()],
    };
    const loaded = new ChatStore(dir, memento as never).load();
    assert.equal((loaded.tree.path()[1] as AssistantMessageView).text, 'old answer');
    assert.equal(legacy.size, 0);
    assert.equal(new ChatStore(dir).list().length + new ChatStore(dir).load().tree.size, 2);
  });

  it('bounds: the least recently updated chats go first (never the open one), and a chat over its message cap drops its oldest', () => {
    const lines: string[] = [];
    const store = new ChatStore(dir, undefined, 500, (l) => lines.push(l), { chats: 3, messagesPerChat: 6 });
    const oldest = store.load();
    turn(oldest, '0', 'chat 0');
    void store.save(oldest, true);
    for (let i = 1; i <= 3; i++) {
      const c = store.create();
      turn(c, String(i), `chat ${i}`);
      void store.save(c, true);
    }
    assert.deepEqual(
      store.list().map((c) => c.title),
      ['chat 3', 'chat 2', 'chat 1'],
    );
    assert.ok(!fs.existsSync(store.chatFile(oldest.summary.id)));
    assert.ok(
      lines.some((l) => /over 3 chats.*chat 0/.test(l)),
      lines.join('\n'),
    );
    // The open chat is never the one dropped, however old.
    const open = new ChatStore(dir, undefined, 500, undefined, { chats: 1, messagesPerChat: 6 });
    const opened = open.load();
    opened.summary.updatedAt = 0;
    for (let i = 4; i <= 6; i++) turn(opened, String(i), `more ${i}`);
    void open.save(opened, true);
    assert.equal(open.list().length, 1);
    assert.equal(open.list()[0]?.id, opened.summary.id);
    assert.deepEqual(
      opened.tree.path().map((m) => m.text),
      ['more 4', 'answer 4', 'more 5', 'answer 5', 'more 6', 'answer 6'],
      'the message cap dropped the wrong messages',
    );
  });

  it('redacts URL credentials in saved errors and notices', () => {
    const store = new ChatStore(dir);
    const chat = store.load();
    chat.tree.add({ id: 'u1', role: 'user', text: 'q' }, undefined);
    chat.tree.add(
      { id: 'a1', role: 'assistant', text: '', state: 'error', error: { kind: 'connection', message: 'Nothing answered at http://me:pw123@10.0.0.9/v1?api-key=SECRET9' } },
      'u1',
    );
    void store.save(chat, true);
    const raw = fs.readFileSync(store.chatFile(chat.summary.id), 'utf8');
    assert.ok(raw.includes('Nothing answered') && !raw.includes('pw123') && !raw.includes('SECRET9'), raw);
  });

  it('a process killed at random moments while saving never leaves a half-written chat or index', function () {
    this.timeout(60_000);
    const script = `
      const { ChatStore } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'features', 'chat', 'ChatStore.js'))});
      const store = new ChatStore(process.argv[1]);
      let chat = store.load();
      for (let i = 0; ; i++) {
        if (i % 5 === 4) chat = store.create();
        const parent = chat.tree.path().at(-1)?.id;
        chat.tree.add({ id: 'u' + i, role: 'user', text: 'q' + i }, parent);
        chat.tree.add({ id: 'a' + i, role: 'assistant', text: 'answer ' + i + ' ' + 'x'.repeat(2000), state: 'done' }, 'u' + i);
        store.save(chat, true);
      }`;
    for (let round = 0; round < 12; round++) {
      const roundDir = path.join(dir, `r${round}`);
      try {
        execFileSync(process.execPath, ['-e', script, roundDir], { timeout: 40 + Math.floor(Math.random() * 250), killSignal: 'SIGKILL', stdio: 'ignore' });
      } catch {
        // killed, as intended
      }
      if (!fs.existsSync(path.join(roundDir, CHATS_DIR, INDEX_FILE))) continue; // killed before the first save
      const store = new ChatStore(roundDir);
      const open = store.load();
      for (const tree of [open.tree])
        for (const m of tree.path()) if (m.role === 'assistant') assert.equal(m.text, `answer ${m.id.slice(1)} ${'x'.repeat(2000)}`, `round ${round}: answer ${m.id} is not whole`);
      const raw = fs.readFileSync(path.join(roundDir, CHATS_DIR, INDEX_FILE), 'utf8');
      assert.doesNotThrow(() => JSON.parse(raw), `round ${round}: the index is not whole`);
    }
  });
});
