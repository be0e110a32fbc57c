import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChatController } from './ChatController';
import type { ChatSummary } from './ChatStore';
import type { ChatTree } from './chatTree';
import { confirmOverwrite } from '../../platform/confirm';
import type { FeatureParts } from '../../platform/featureLoader';

interface ChatItem extends vscode.QuickPickItem {
  chat: ChatSummary;
  run?: undefined;
}

/** A saved Compare Models run, listed under the chats. */
interface RunItem extends vscode.QuickPickItem {
  run: CompareRunSummary;
  chat?: undefined;
}

type HistoryItem = ChatItem | RunItem | (vscode.QuickPickItem & { kind: vscode.QuickPickItemKind.Separator; chat?: undefined; run?: undefined });

/** A saved Compare Models run as the history pick lists it. */
export interface CompareRunSummary {
  id: string;
  /** The question's first line, shortened. */
  title: string;
  /** ms since the epoch when the run started. */
  createdAt: number;
  /** "provider/model" of each column, in column order. */
  models: string[];
}

/** The saved Compare Models runs, for the history pick (the compare feature, passed in by the extension). */
export interface CompareHistory {
  listRuns(): CompareRunSummary[];
  openRun(id: string): Promise<boolean>;
}

/** Characters of context around a match shown under a history item. */
const SNIPPET_RADIUS = 40;

/** Show Chat History, Copy Chat as Markdown, Export Chat…: ids and titles match package.json. */
/** The chat history commands, created on first use (dist/features.js; the loader registers them). */
export function chatHistoryFeature(controller: ChatController, log: vscode.LogOutputChannel, compareRuns?: () => CompareHistory): FeatureParts<undefined> {
  return {
    value: undefined,
    commands: {
      'sidestream.showHistory': () => showHistory(controller, log, compareRuns?.()),
      'sidestream.copyChat': async () => {
        await vscode.env.clipboard.writeText(controller.markdown());
        void vscode.window.setStatusBarMessage(vscode.l10n.t('$(check) Chat copied as Markdown'), 2000);
      },
      'sidestream.exportChat': async (target?: vscode.Uri) => {
        let uri = target instanceof vscode.Uri ? target : undefined;
        // A Uri comes from whoever ran the command (maybe another extension): never overwrite unasked.
        if (uri && !(await confirmOverwrite(uri))) return;
        if (!uri) {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
          const name = `${fileNameFor(controller.openChat.title ?? vscode.l10n.t('Sidestream chat'))}.md`;
          uri = await vscode.window.showSaveDialog({
            title: vscode.l10n.t('Sidestream: Export Chat'),
            defaultUri: folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(path.join(os.homedir(), name)),
            filters: { Markdown: ['md'] },
          });
        }
        if (!uri) return;
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(controller.markdown()));
        log.info(`exported the chat to ${uri.toString(true)}`);
      },
    },
  };
}

/**
 * The history quick pick. Typing filters on titles (the quick pick's own matching) and on what
 * the chats say: each chat's file is read once, asynchronously, the first time the user types,
 * and kept for this pick; a chat whose text matches is shown with a snippet. Saved Compare Models
 * runs follow the chats under their own separator (filtered on question and models).
 */
async function showHistory(controller: ChatController, log: vscode.LogOutputChannel, compare: CompareHistory | undefined): Promise<void> {
  const store = controller.chats;
  const pick = vscode.window.createQuickPick<HistoryItem>();
  pick.title = vscode.l10n.t('Sidestream: Chat History');
  pick.placeholder = vscode.l10n.t('Type to search titles and messages');
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  const rename: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: vscode.l10n.t('Rename') };
  const remove: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('trash'), tooltip: vscode.l10n.t('Delete') };
  const texts = new Map<string, Promise<string | undefined>>();
  let query = '';
  /** While the Rename input box is up the pick is hidden, not done: it comes back afterwards. */
  let renaming = false;

  const textOf = (id: string): Promise<string | undefined> => {
    let text = texts.get(id);
    if (!text) {
      text = store.read(id).then((tree) => (tree ? allText(tree) : undefined));
      texts.set(id, text);
    }
    return text;
  };

  const render = async (): Promise<void> => {
    const q = query.trim().toLowerCase();
    const chats = store.list();
    // Read in parallel, each file once per pick: the first keystroke pays, the next ones are free.
    const found = q ? await Promise.all(chats.map((c) => textOf(c.id))) : [];
    const items: HistoryItem[] = [];
    for (const [i, chat] of chats.entries()) {
      const current = chat.id === controller.openChat.id;
      const when = new Date(chat.updatedAt).toLocaleString();
      const item: ChatItem = {
        chat,
        label: chat.title ?? vscode.l10n.t('Untitled chat'),
        description: [current ? vscode.l10n.t('current') : undefined, chat.model ? `${when} · ${chat.model}` : when].filter(Boolean).join(' — '),
        iconPath: new vscode.ThemeIcon(current ? 'comment-discussion' : 'comment'),
        buttons: [rename, remove],
      };
      if (q) {
        const text = found[i];
        const at = text?.toLowerCase().indexOf(q) ?? -1;
        if (text && at >= 0) {
          item.alwaysShow = true;
          item.detail = snippet(text, at, q.length);
        }
      }
      items.push(item);
    }
    const runs = compare?.listRuns() ?? [];
    if (runs.length) {
      items.push({ kind: vscode.QuickPickItemKind.Separator, label: vscode.l10n.t('Compare runs') });
      for (const run of runs) {
        items.push({
          run,
          label: run.title || vscode.l10n.t('(no question)'),
          description: new Date(run.createdAt).toLocaleString(),
          detail: run.models.join(' · '),
          iconPath: new vscode.ThemeIcon('split-horizontal'),
        });
      }
    }
    // A search answered after the user typed on is dropped: only the latest query's items show.
    if (query.trim().toLowerCase() !== q) return;
    const active = pick.activeItems[0];
    const same = (i: HistoryItem) => (active?.chat ? i.chat?.id === active.chat.id : active?.run !== undefined && i.run?.id === active.run.id);
    pick.items = items;
    const keep = items.find(same) ?? items.find((i) => i.chat?.id === controller.openChat.id);
    if (keep && !q) pick.activeItems = [keep];
  };

  const disposables: vscode.Disposable[] = [
    pick.onDidChangeValue((value) => {
      query = value;
      pick.busy = true;
      void render().finally(() => (pick.busy = false));
    }),
    pick.onDidAccept(async () => {
      const item = pick.selectedItems[0];
      pick.hide();
      if (item?.run) {
        if (!(await compare?.openRun(item.run.id))) void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: that comparison is no longer saved.'));
      } else if (item?.chat && !(await controller.openChatById(item.chat.id))) {
        void vscode.window.showErrorMessage(vscode.l10n.t('Sidestream: could not open the chat "{0}" (see the log).', item.label));
      }
    }),
    pick.onDidTriggerItemButton(async ({ item, button }) => {
      if (!item.chat) return;
      if (button === rename) {
        renaming = true;
        const title = await vscode.window.showInputBox({
          title: vscode.l10n.t('Sidestream: Rename Chat'),
          value: item.chat.title ?? '',
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Enter a name')),
        });
        renaming = false;
        if (title?.trim()) controller.renameChat(item.chat.id, title);
        pick.show();
      } else if (button === remove) {
        const deleted = await controller.deleteChat(item.chat.id);
        if (deleted) void offerUndo(controller, deleted, item.label, log);
      }
      await render();
    }),
    pick.onDidHide(() => {
      if (renaming) return;
      for (const d of disposables) d.dispose();
      pick.dispose();
    }),
  ];
  await render();
  pick.show();
}

async function offerUndo(
  controller: ChatController,
  deleted: NonNullable<Awaited<ReturnType<ChatController['deleteChat']>>>,
  label: string,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const undo = vscode.l10n.t('Undo');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Sidestream: deleted the chat "{0}".', label), undo);
  if (choice === undo) {
    controller.restoreChat(deleted);
    log.info(`restored the chat ${deleted.summary.id}`);
  }
}

/** Every message of every branch, for the history search. */
function allText(tree: ChatTree): string {
  return tree
    .toData()
    .nodes.map((n) => n.message.text)
    .join('\n');
}

/** One line around the match: "…before MATCH after…". */
function snippet(text: string, at: number, length: number): string {
  const start = Math.max(0, at - SNIPPET_RADIUS);
  const end = Math.min(text.length, at + length + SNIPPET_RADIUS);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < text.length ? '…' : ''}`;
}

/** A file name from a chat title: no path separators or characters a file system rejects. */
function fileNameFor(title: string): string {
  const name = title
    .replace(/[\\/:*?"<>|]+/g, ' ')
    .split('')
    .filter((c) => c.charCodeAt(0) >= 32)
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 60)
    .trim();
  return name || 'chat';
}
