import * as vscode from 'vscode';
import type { ContextChip, ContextFile, HostToWebview } from '../../shared/protocol';
import { loadCore } from '../../platform/coreLoader';
import { ContextFileRefusal, pathConcerns, readContextBytes, type RefusalReason } from './contextFileAccess';
import {
  chipFor,
  contextFileFor,
  formatCount,
  languageIdForPath,
  looksBinary,
  looksLikeSecretFile,
  MAX_ATTACHED_FILES,
  MAX_FILE_BYTES,
  type AttachedFile,
} from '../../platform/contextLimits';

/** Where the chips go: the panel, which drops posts until its webview is ready. */
export interface ContextPanel {
  post(message: HostToWebview): void;
  /** True once the webview said `ready` (chips are only worth estimating for a panel that shows them). */
  readonly isReady: boolean;
}

/**
 * Schemes whose documents are files a user would ask about. Output and log panes (`output`,
 * `vscode-log`), settings, diff views' internals and the like are never offered.
 */
const FILE_LIKE_SCHEMES = new Set(['file', 'vscode-remote', 'vscode-vfs', 'untitled']);

/** The workspace files the picker lists at most (large repositories: type to narrow, VS Code filters). */
const PICK_MAX_FILES = 5_000;

/** Refusals shown to the user: a clear message instead of a chip. */
class Refusal extends Error {}

const count = (text: string): number => loadCore().countTokens(text, 'cl100k_base');
/** For the pure module's notes (cut files); every message here calls vscode.l10n.t itself. */
const translate = (message: string, ...args: Array<string | number>): string => vscode.l10n.t(message, ...args);

/**
 * The context of the next question: the files attached to it (chips the user can remove) and the
 * active editor's file, offered as a `suggested` chip that follows the editor. It posts the whole
 * chip set to the panel whenever it changes and again after each `ready` (a re-shown view is
 * rebuilt from scratch).
 *
 * Files are read again when the question is sent ({@link takeForSend}): what goes along is the file
 * as it is then — including unsaved edits in an open editor — which is what the user expects after
 * attaching first and editing after. Chips' estimates follow edits of open documents as they happen;
 * a file changed on disk behind VS Code's back shows its new estimate when sent.
 */
export class ContextAttachments implements vscode.Disposable {
  private attached: AttachedFile[] = [];
  private readonly uris = new Map<string, vscode.Uri>();
  /** The real path each attached local file was checked at (and confirmed, when the user was asked). */
  private readonly realPaths = new Map<string, string>();
  /** The active editor's file offered as a chip, with its estimate once counted. */
  private suggestion: { id: string; uri: vscode.Uri; file: AttachedFile | undefined } | undefined;
  /** A suggestion the user removed: hidden until the active editor shows another file. */
  private dismissed: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Chip ids are short counters, not URIs: the panel's messages bound an id's length. */
  private nextId = 0;

  constructor(
    private readonly panel: ContextPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.followEditor(vscode.window.activeTextEditor);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => this.followEditor(editor)),
      vscode.window.tabGroups.onDidChangeTabs(() => {
        // Focus in the panel leaves no active editor; the suggestion only goes when its tab closes.
        if (this.suggestion && !vscode.window.activeTextEditor && !isOpenInTab(this.suggestion.uri)) this.setSuggestion(undefined);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const key = e.document.uri.toString();
        if (this.isAttached(e.document.uri) || this.suggestion?.uri.toString() === key) this.scheduleRefresh();
      }),
    );
  }

  /** The chips as the panel shows them: attached files, then the active file when offered. */
  chips(): ContextChip[] {
    const chips = this.attached.map((f) => chipFor(f));
    const offered = this.offered();
    if (offered) chips.push(chipFor(offered, true));
    return chips;
  }

  /** The panel said `ready`: it shows nothing until told, so send the chips (estimated now if need be). */
  panelReady(): void {
    if (this.suggestion && !this.suggestion.file) this.scheduleRefresh(0);
    this.postChips();
  }

  /** Attaches files (a picker's, the explorer's, a command argument's); tells the user about any refused. */
  async attachUris(uris: readonly vscode.Uri[]): Promise<number> {
    let added = 0;
    for (const uri of uris) {
      if (this.isAttached(uri)) continue;
      const id = `file-${++this.nextId}`;
      if (this.attached.length >= MAX_ATTACHED_FILES) {
        void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: at most {0} files can go along with a question. Remove one to add another.', MAX_ATTACHED_FILES));
        break;
      }
      const fileName = relativePath(uri);
      try {
        const concerns = await concernsFor(uri, fileName);
        if ((concerns.secret || concerns.outside) && !(await confirmAttach(fileName, concerns))) continue;
        const file = await readContextFile(uri, fileName, concerns.realPath);
        this.attached.push({ id, fileName, languageId: file.languageId, snapshot: file });
        this.uris.set(id, uri);
        if (concerns.realPath !== undefined) this.realPaths.set(id, concerns.realPath);
        added++;
        this.log.info(`context: attached ${fileName} (${formatCount(file.tokens ?? 0)} tokens${file.truncatedNote ? `, ${file.truncatedNote}` : ''})`);
      } catch (err) {
        const reason = err instanceof Refusal ? err.message : vscode.l10n.t('could not read {0}: {1}', fileName, err instanceof Error ? err.message : String(err));
        this.log.warn(`context: ${reason}`);
        void vscode.window.showWarningMessage(vscode.l10n.t('Sidestream: {0}', reason));
      }
    }
    if (added) this.postChips();
    return added;
  }

  /** The panel's "+" on a suggested chip: the active file goes along with the next question. */
  async attach(id: string): Promise<void> {
    const offered = this.offered();
    if (offered?.id === id && this.suggestion) await this.attachUris([this.suggestion.uri]);
  }

  /** The panel's "×" on a chip. A removed suggestion stays hidden until the active editor changes. */
  remove(id: string): void {
    if (this.offered()?.id === id) {
      this.dismissed = this.suggestion?.uri.toString();
    } else {
      const before = this.attached.length;
      this.attached = this.attached.filter((f) => f.id !== id);
      if (this.attached.length === before) return;
      this.uris.delete(id);
      this.realPaths.delete(id);
    }
    this.postChips();
  }

  /**
   * The workspace file picker (the composer's `#`/`@`, Add File to Context): open editors first,
   * then the workspace's files minus files.exclude and search.exclude. Attaches what is picked.
   */
  async pick(): Promise<number> {
    const picker = vscode.window.createQuickPick<vscode.QuickPickItem & { uri?: vscode.Uri }>();
    picker.title = vscode.l10n.t('Sidestream: Add File to Context');
    picker.placeholder = vscode.l10n.t('Type to search the workspace files');
    // One file a pick, like Copilot's `#file`: typing a name and pressing Enter attaches the
    // highlighted file. (A multi-select pick highlights nothing while filtering, so Enter there
    // attached nothing.) Typing `#` again attaches another.
    picker.canSelectMany = false;
    picker.matchOnDescription = true;
    picker.busy = true;
    const openItems = openEditorUris().map((uri) => fileItem(uri));
    const seen = new Set(openItems.map((i) => i.uri.toString()));
    const section = (label: string) => ({ label, kind: vscode.QuickPickItemKind.Separator });
    picker.items = openItems.length ? [section(vscode.l10n.t('open editors')), ...openItems] : [];
    picker.show();
    const cts = new vscode.CancellationTokenSource();
    const listing = vscode.workspace.findFiles('**/*', excludeGlob(), PICK_MAX_FILES, cts.token).then(
      (found) => {
        if (cts.token.isCancellationRequested) return; // picked before the listing came back
        const rest = found
          .filter((uri) => !seen.has(uri.toString()))
          .map((uri) => fileItem(uri))
          .sort((a, b) => (a.description ?? '').localeCompare(b.description ?? '') || a.label.localeCompare(b.label));
        if (rest.length) picker.items = [...picker.items, section(vscode.l10n.t('workspace files')), ...rest];
        picker.busy = false;
      },
      (err: unknown) => {
        picker.busy = false;
        if (!cts.token.isCancellationRequested) this.log.warn(`context: could not list the workspace files: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    const picked = await new Promise<readonly vscode.Uri[]>((resolve) => {
      picker.onDidAccept(() => {
        const chosen = picker.selectedItems.length ? picker.selectedItems : picker.activeItems.slice(0, 1);
        resolve(chosen.flatMap((i) => (i.uri ? [i.uri] : [])));
        picker.hide();
      });
      picker.onDidHide(() => resolve([]));
    });
    cts.cancel();
    await listing;
    cts.dispose();
    picker.dispose();
    return picked.length ? this.attachUris(picked) : 0;
  }

  /**
   * The files that go along with the question being sent, read now (see the class comment); the
   * attached chips are cleared, the active-file suggestion stays. A file that can no longer be read
   * goes as it was when attached, with a line in the log.
   */
  async takeForSend(): Promise<ContextFile[]> {
    const files = this.attached.map((file) => ({ file, uri: this.uris.get(file.id), realPath: this.realPaths.get(file.id) }));
    if (!files.length) return [];
    this.attached = [];
    this.uris.clear();
    this.realPaths.clear();
    const out: ContextFile[] = [];
    for (const { file, uri, realPath } of files) {
      try {
        if (!uri) throw new Error('no longer known');
        // A link retargeted since it was attached goes nowhere the user was not asked about.
        const now = await concernsFor(uri, file.fileName);
        if (now.realPath !== realPath && (now.outside || now.secret)) throw new Error(`it now leads to ${now.realPath ?? '?'}, which the user was not asked about`);
        out.push(await readContextFile(uri, file.fileName, now.realPath));
      } catch (err) {
        this.log.warn(`context: ${file.fileName} could not be read again (${err instanceof Error ? err.message : String(err)}); sending it as attached`);
        out.push(file.snapshot);
      }
    }
    this.postChips();
    return out;
  }

  private isAttached(uri: vscode.Uri): boolean {
    const key = uri.toString();
    for (const attached of this.uris.values()) if (attached.toString() === key) return true;
    return false;
  }

  private offered(): AttachedFile | undefined {
    const s = this.suggestion;
    if (!s || this.isAttached(s.uri) || this.dismissed === s.uri.toString()) return undefined;
    return s.file ?? { id: s.id, fileName: relativePath(s.uri), languageId: 'plaintext', snapshot: { kind: 'file', fileName: '', languageId: '', text: '', tokens: 0 } };
  }

  private followEditor(editor: vscode.TextEditor | undefined): void {
    // No active editor happens whenever focus moves to the panel: keep offering what was there.
    if (!editor) return;
    const uri = editor.document.uri;
    if (!FILE_LIKE_SCHEMES.has(uri.scheme)) return;
    if (this.suggestion?.uri.toString() === uri.toString()) return;
    this.dismissed = undefined;
    this.setSuggestion(uri);
  }

  private setSuggestion(uri: vscode.Uri | undefined): void {
    this.suggestion = uri ? { id: `active-${++this.nextId}`, uri, file: undefined } : undefined;
    this.postChips();
    if (uri) this.scheduleRefresh(150);
  }

  /**
   * Re-estimates the chips of open documents after edits (debounced: typing never counts tokens
   * per keystroke). Only while the panel shows the chips: activation never loads the tokenizer.
   */
  private scheduleRefresh(delayMs = 500): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.panel.isReady) this.refresh();
    }, delayMs);
  }

  private refresh(): void {
    let changed = false;
    const s = this.suggestion;
    if (s) {
      const doc = openDocument(s.uri);
      if (doc) {
        const fileName = relativePath(s.uri);
        s.file = { id: s.id, fileName, languageId: doc.languageId, snapshot: contextFileFor(fileName, doc.languageId, doc.getText(), count, translate) };
        changed = true;
      }
    }
    for (const file of this.attached) {
      const uri = this.uris.get(file.id);
      const doc = uri && openDocument(uri);
      if (!doc) continue;
      file.snapshot = contextFileFor(file.fileName, doc.languageId, doc.getText(), count, translate);
      changed = true;
    }
    if (changed) this.postChips();
  }

  private postChips(): void {
    this.panel.post({ type: 'context', chips: this.chips() });
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}

function relativePath(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders.length > 1);
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const key = uri.toString();
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
}

/**
 * The file as it is now: an open document's text (unsaved edits included), otherwise the bytes
 * through vscode.workspace.fs (remote workspaces, virtual file systems). Refuses folders, files
 * over {@link MAX_FILE_BYTES} and binary content.
 */
async function readContextFile(uri: vscode.Uri, fileName: string, realPath: string | undefined): Promise<ContextFile> {
  const doc = openDocument(uri);
  if (doc) return contextFileFor(fileName, doc.languageId, doc.getText(), count, translate);
  const bytes = uri.scheme === 'file' ? await readLocal(realPath ?? uri.fsPath, fileName, realPath !== undefined) : await readThroughVscode(uri, fileName);
  if (looksBinary(bytes)) throw new Refusal(vscode.l10n.t('{0} is a binary file; only text files can go along as context.', fileName));
  const text = new TextDecoder('utf-8').decode(bytes);
  return contextFileFor(fileName, languageIdForPath(fileName), text, count, translate);
}

/** A local file's bytes (see contextFileAccess.ts), its refusals worded for the user. */
async function readLocal(path: string, fileName: string, checkedRealPath: boolean): Promise<Uint8Array> {
  try {
    // The real path checked: a link put in its place since then is not followed.
    return await readContextBytes(path, MAX_FILE_BYTES, { noFollow: checkedRealPath });
  } catch (err) {
    if (err instanceof ContextFileRefusal) throw refusalFor(err.reason, fileName);
    throw err;
  }
}

/** Remote workspaces and virtual file systems: through vscode.workspace.fs. */
async function readThroughVscode(uri: vscode.Uri, fileName: string): Promise<Uint8Array> {
  const stat = await vscode.workspace.fs.stat(uri);
  if (stat.type & vscode.FileType.Directory) throw refusalFor({ kind: 'folder' }, fileName);
  // FIFOs, devices and sockets are neither File nor Directory to VS Code's file systems.
  if (!(stat.type & vscode.FileType.File)) throw refusalFor({ kind: 'notRegular', what: 'other' }, fileName);
  if (stat.size > MAX_FILE_BYTES) throw refusalFor({ kind: 'tooLarge', bytes: stat.size }, fileName);
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.length > MAX_FILE_BYTES) throw refusalFor({ kind: 'tooLarge', bytes: bytes.length }, fileName);
  return bytes;
}

function refusalFor(reason: RefusalReason, fileName: string): Refusal {
  switch (reason.kind) {
    case 'folder':
      return new Refusal(vscode.l10n.t('{0} is a folder; add the files in it instead.', fileName));
    case 'tooLarge':
      return new Refusal(
        reason.bytes === undefined
          ? vscode.l10n.t('{0} is too large to go along as context (over the limit of {1} MB).', fileName, MAX_FILE_BYTES / 1048576)
          : vscode.l10n.t('{0} is too large to go along as context ({1} MB; the limit is {2} MB).', fileName, (reason.bytes / 1048576).toFixed(1), MAX_FILE_BYTES / 1048576),
      );
    case 'notRegular':
      switch (reason.what) {
        case 'fifo':
          return new Refusal(vscode.l10n.t('{0} is a named pipe (FIFO), not a file; only regular text files can go along as context.', fileName));
        case 'device':
          return new Refusal(vscode.l10n.t('{0} is a device, not a file; only regular text files can go along as context.', fileName));
        case 'socket':
          return new Refusal(vscode.l10n.t('{0} is a socket, not a file; only regular text files can go along as context.', fileName));
        default:
          return new Refusal(vscode.l10n.t('{0} is not a regular file; only regular text files can go along as context.', fileName));
      }
  }
}

/** What the user is asked about before a file goes along (see contextFileAccess.ts). */
interface Concerns {
  /** The local file's real path; undefined for other schemes (and an open document no longer on disk). */
  realPath: string | undefined;
  outside: boolean;
  secret: boolean;
}

async function concernsFor(uri: vscode.Uri, fileName: string): Promise<Concerns> {
  const byName: Concerns = { realPath: undefined, outside: false, secret: looksLikeSecretFile(fileName) };
  if (uri.scheme !== 'file') return byName;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  try {
    const concerns = await pathConcerns(uri.fsPath, folders);
    return { ...concerns, secret: concerns.secret || byName.secret };
  } catch (err) {
    // An open document whose file is gone still goes along as the editor holds it.
    if (openDocument(uri)) return byName;
    throw err;
  }
}

/**
 * The modal question before a file that usually holds secrets, or a link that leads outside the
 * workspace folders, goes along: only an explicit "Attach Anyway" attaches it.
 */
async function confirmAttach(fileName: string, concerns: Concerns): Promise<boolean> {
  const target = concerns.realPath;
  const attach = vscode.l10n.t('Attach Anyway');
  const options = { modal: true, detail: vscode.l10n.t("Its content will be sent to the model's provider with your next question.") };
  let choice: string | undefined;
  if (concerns.outside && target !== undefined && concerns.secret) {
    choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} leads outside the workspace folders, to {1}, which looks like it holds secrets (keys, passwords, tokens).', fileName, target),
      options,
      attach,
    );
  } else if (concerns.outside && target !== undefined) {
    choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} leads outside the workspace folders, to {1}.', fileName, target), options, attach);
  } else if (target !== undefined && !looksLikeSecretFile(fileName) && looksLikeSecretFile(target)) {
    choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} is a link to {1}, which looks like it holds secrets (keys, passwords, tokens).', fileName, target),
      options,
      attach,
    );
  } else {
    choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} looks like it holds secrets (keys, passwords, tokens).', fileName), options, attach);
  }
  return choice === attach;
}

function isOpenInTab(uri: vscode.Uri): boolean {
  return openEditorUris().some((u) => u.toString() === uri.toString());
}

/** Files open in editor tabs, the active group's active tab first. */
function openEditorUris(): vscode.Uri[] {
  const uris: vscode.Uri[] = [];
  const seen = new Set<string>();
  const groups = [vscode.window.tabGroups.activeTabGroup, ...vscode.window.tabGroups.all];
  for (const group of groups) {
    const tabs = group.activeTab ? [group.activeTab, ...group.tabs] : group.tabs;
    for (const tab of tabs) {
      if (!(tab.input instanceof vscode.TabInputText)) continue;
      const uri = tab.input.uri;
      if (!FILE_LIKE_SCHEMES.has(uri.scheme) || uri.scheme === 'untitled' || seen.has(uri.toString())) continue;
      seen.add(uri.toString());
      uris.push(uri);
    }
  }
  return uris;
}

function fileItem(uri: vscode.Uri): vscode.QuickPickItem & { uri: vscode.Uri } {
  const path = relativePath(uri);
  const slash = path.lastIndexOf('/');
  return {
    uri,
    label: slash === -1 ? path : path.slice(slash + 1),
    description: slash === -1 ? '' : path.slice(0, slash),
    iconPath: vscode.ThemeIcon.File,
  };
}

/**
 * files.exclude and search.exclude together: findFiles applies files.exclude only when given no
 * exclude at all, and search.exclude never, yet both hide what users do not mean to search.
 */
function excludeGlob(): string | undefined {
  const patterns = new Set<string>();
  for (const section of ['files', 'search']) {
    const excludes = vscode.workspace.getConfiguration(section).get<Record<string, unknown>>('exclude') ?? {};
    for (const [glob, on] of Object.entries(excludes)) if (on === true) patterns.add(glob);
  }
  return patterns.size ? `{${[...patterns].join(',')}}` : undefined;
}
