/**
 * A chat's messages as a tree: Regenerate adds a sibling answer, Edit a sibling question, and
 * nothing the user saw is ever dropped by either. The panel shows one path from the root down,
 * following at each message the child picked last (`active`), or the newest child. Pure: no
 * `vscode` import, unit-tested in plain Node.
 *
 * The tree holds the very message objects it is given: the stream session updates the assistant
 * message in place, and the path the controller shows is made of the same objects.
 */
import type { BranchInfo, MessageView } from '../../shared/protocol';

/** The key of the root level in `active` (top-level messages have no parent). */
const ROOT = '';

/** The tree as it is written to disk: nodes parents-first, and the child picked under each parent. */
export interface ChatTreeData {
  nodes: Array<{ message: MessageView; parent?: string | undefined }>;
  active: Record<string, string>;
}

interface Node {
  message: MessageView;
  parent: string | undefined;
  children: string[];
}

/** The picked branches, with their JSON kept until the next change. */
class ActiveMap extends Map<string, string> {
  json: string | undefined;

  override set(key: string, value: string): this {
    this.json = undefined;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.json = undefined;
    return super.delete(key);
  }

  override clear(): void {
    this.json = undefined;
    super.clear();
  }
}

export class ChatTree {
  private readonly nodes = new Map<string, Node>();
  private readonly roots: string[] = [];
  private readonly active = new ActiveMap();

  /** Rebuilds a tree from disk, skipping nodes whose parent is missing (a damaged file loses a branch, not the chat). */
  static fromData(data: Partial<ChatTreeData> | undefined): ChatTree {
    const tree = new ChatTree();
    for (const n of Array.isArray(data?.nodes) ? data.nodes : []) {
      if (!n || typeof n.message?.id !== 'string' || tree.nodes.has(n.message.id)) continue;
      if (n.parent !== undefined && !tree.nodes.has(n.parent)) continue;
      tree.attach(n.message, n.parent);
    }
    for (const [parent, child] of Object.entries(data?.active ?? {})) {
      if (typeof child === 'string' && tree.nodes.get(child)?.parent === (parent === ROOT ? undefined : parent)) tree.active.set(parent, child);
    }
    return tree;
  }

  /** A linear conversation (as saved before chats had branches). */
  static fromPath(messages: readonly MessageView[]): ChatTree {
    const tree = new ChatTree();
    let parent: string | undefined;
    for (const m of messages) {
      if (tree.nodes.has(m.id)) continue;
      tree.add(m, parent);
      parent = m.id;
    }
    return tree;
  }

  toData(map: (m: MessageView) => MessageView = (m) => m): ChatTreeData {
    const nodes: ChatTreeData['nodes'] = [];
    this.forEachNode((message, parent) => nodes.push(parent === undefined ? { message: map(message) } : { message: map(message), parent }));
    return { nodes, active: this.activeData() };
  }

  /** Every message with its parent's id, in the order of {@link toData} (parents before children, so `fromData` can attach every node as it reads it). */
  forEachNode(visit: (message: MessageView, parent: string | undefined) => void): void {
    const walk = (id: string): void => {
      const n = this.nodes.get(id)!;
      visit(n.message, n.parent);
      n.children.forEach(walk);
    };
    this.roots.forEach(walk);
  }

  /** The branch picked under each message, as {@link toData} writes it. */
  activeData(): ChatTreeData['active'] {
    return Object.fromEntries(this.active);
  }

  /** `JSON.stringify(activeData())`, kept until a branch is picked again (saves while streaming reuse it). */
  activeJson(): string {
    return (this.active.json ??= JSON.stringify(this.activeData()));
  }

  get size(): number {
    return this.nodes.size;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  get(id: string): MessageView | undefined {
    return this.nodes.get(id)?.message;
  }

  parentOf(id: string): MessageView | undefined {
    const parent = this.nodes.get(id)?.parent;
    return parent === undefined ? undefined : this.nodes.get(parent)?.message;
  }

  /** Adds `message` under `parent` (undefined: top level) and makes it the shown branch there. */
  add(message: MessageView, parent: string | undefined): void {
    if (this.nodes.has(message.id)) throw new Error(`message ${message.id} is already in the chat`);
    if (parent !== undefined && !this.nodes.has(parent)) throw new Error(`no message ${parent} to answer`);
    this.attach(message, parent);
    this.active.set(parent ?? ROOT, message.id);
  }

  /**
   * Adds `message` under `parent` as an alternative that is not shown (another window's turn, merged
   * in): the branch shown at `parent` stays the one shown now. False when it cannot go in (its id is
   * taken, or its parent is not in this tree).
   */
  graft(message: MessageView, parent: string | undefined): boolean {
    if (this.nodes.has(message.id) || (parent !== undefined && !this.nodes.has(parent))) return false;
    const key = parent ?? ROOT;
    const level = parent === undefined ? this.roots : this.nodes.get(parent)!.children;
    if (level.length) {
      const picked = this.active.get(key);
      this.active.set(key, picked !== undefined && level.includes(picked) ? picked : level[level.length - 1]!);
    }
    this.attach(message, parent);
    return true;
  }

  /** The messages shown: from the top, at each level the picked (else the newest) child. */
  path(): MessageView[] {
    const out: MessageView[] = [];
    let level = this.roots;
    let key = ROOT;
    while (level.length) {
      const picked = this.active.get(key);
      const id = picked !== undefined && level.includes(picked) ? picked : level[level.length - 1]!;
      const node = this.nodes.get(id)!;
      out.push(node.message);
      level = node.children;
      key = id;
    }
    return out;
  }

  /** The alternatives of `id`, itself included, oldest first. */
  siblings(id: string): string[] {
    const node = this.nodes.get(id);
    if (!node) return [];
    return node.parent === undefined ? this.roots : this.nodes.get(node.parent)!.children;
  }

  /** "index/count" of a message with alternatives; undefined for one without. */
  branchInfo(id: string): BranchInfo | undefined {
    const siblings = this.siblings(id);
    return siblings.length > 1 ? { index: siblings.indexOf(id) + 1, count: siblings.length } : undefined;
  }

  /**
   * Shows the previous (-1) or next (1) alternative of `id`, and below it the path that
   * alternative showed last. Returns the alternative, or undefined when there is none that way.
   */
  switchBranch(id: string, delta: -1 | 1): MessageView | undefined {
    const node = this.nodes.get(id);
    if (!node) return undefined;
    const siblings = this.siblings(id);
    const target = siblings[siblings.indexOf(id) + delta];
    if (target === undefined) return undefined;
    this.active.set(node.parent ?? ROOT, target);
    return this.nodes.get(target)!.message;
  }

  /**
   * Keeps the tree at most `max` messages: drops whole branches off the shown path, oldest first,
   * then, if the path alone is longer, its oldest messages. Returns how many messages went.
   */
  prune(max: number): number {
    let dropped = 0;
    if (this.nodes.size <= max) return 0;
    const onPath = new Set(this.path().map((m) => m.id));
    for (const id of [...this.nodes.keys()]) {
      if (this.nodes.size <= max) break;
      const node = this.nodes.get(id);
      if (!node || onPath.has(id) || (node.parent !== undefined && !onPath.has(node.parent))) continue;
      dropped += this.remove(id);
    }
    while (this.nodes.size > max && this.roots.length) {
      // Only the path is left: its first message goes, and its one child becomes the top.
      const first = this.roots[0]!;
      const node = this.nodes.get(first)!;
      this.roots.splice(0, 1, ...node.children);
      for (const child of node.children) this.nodes.get(child)!.parent = undefined;
      const next = this.active.get(first);
      this.active.delete(first);
      if (next !== undefined) this.active.set(ROOT, next);
      this.nodes.delete(first);
      dropped++;
    }
    return dropped;
  }

  private attach(message: MessageView, parent: string | undefined): void {
    this.nodes.set(message.id, { message, parent, children: [] });
    (parent === undefined ? this.roots : this.nodes.get(parent)!.children).push(message.id);
  }

  /** Removes `id` and everything below it; returns how many messages went. */
  private remove(id: string): number {
    const node = this.nodes.get(id);
    if (!node) return 0;
    let count = 1;
    for (const child of [...node.children]) count += this.remove(child);
    const siblings = this.siblings(id);
    siblings.splice(siblings.indexOf(id), 1);
    const key = node.parent ?? ROOT;
    if (this.active.get(key) === id) this.active.delete(key);
    this.active.delete(id);
    this.nodes.delete(id);
    return count;
  }
}
