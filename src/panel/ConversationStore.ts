import type * as vscode from 'vscode';
import type { AssistantMessageView, MessageView } from '../protocol';

const KEY = 'sidestream.conversation.v1';
const MAX_MESSAGES = 400;

interface Stored {
  version: 1;
  messages: MessageView[];
}

/**
 * Keeps the conversation across window reloads in `workspaceState`. Saves are debounced while
 * streaming (so a long answer does not serialize the history on every delta) and immediate when a
 * message finishes. A message still streaming when the window went away comes back as cancelled,
 * with its partial text, so the user can Continue it.
 */
export class ConversationStore {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: readonly MessageView[] | undefined;

  constructor(private readonly memento: vscode.Memento, private readonly debounceMs = 750) {}

  load(): MessageView[] {
    const stored = this.memento.get<Stored>(KEY);
    if (!stored || stored.version !== 1 || !Array.isArray(stored.messages)) return [];
    return stored.messages.map((m) =>
      m.role === 'assistant' && m.state === 'streaming'
        ? ({ ...m, state: 'cancelled', error: undefined, notice: 'Interrupted: the window was reloaded while this answer streamed. Continue picks up from here.' } satisfies AssistantMessageView)
        : m,
    );
  }

  /** Schedules a save; `now` saves at once (on finish, New Chat, deactivate). */
  save(messages: readonly MessageView[], now = false): Thenable<void> | undefined {
    // Keep the reference: the copy is made when the save happens, so it has the latest text.
    this.pending = messages;
    if (now) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.debounceMs);
    return undefined;
  }

  flush(): Thenable<void> | undefined {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return undefined;
    const messages = pending.slice(-MAX_MESSAGES).map((m) => ({ ...m }));
    return this.memento.update(KEY, { version: 1, messages } satisfies Stored);
  }
}
