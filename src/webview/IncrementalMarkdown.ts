/**
 * Streaming markdown renderer whose work per update does not grow with the length of the answer.
 *
 * The source is split into finished blocks and a live tail. Each update lexes only the tail (from the
 * start of the last unfinished block) with marked; every top-level token except the last non-blank
 * one is finished, because a following block has started, so it is rendered once (highlighted,
 * sanitized) and never touched again. The live tokens are re-rendered plain on each update. The
 * final DOM is byte-identical to {@link renderMarkdownOnce} of the same text.
 *
 * Finished blocks are grouped into chunk elements of {@link CHUNK_ELEMENTS} blocks; the live blocks
 * follow the chunks. The stylesheet gives each top-level child `content-visibility: auto`, and the
 * browser's per-frame bookkeeping for that grows with the number of such elements: chunks keep it to
 * one per 16 blocks (BENCHMARKS.md, B1). Chunking depends only on the sequence of rendered nodes, so
 * a one-shot render chunks the same way.
 */
import type { Token } from 'marked';
import { collectDefinitions, lexBlocks, normalizeNewlines, renderBlocks, type LinkTable } from './markdownBlocks';

/** Finished top-level blocks per chunk element. */
const CHUNK_ELEMENTS = 16;
const CHUNK_CLASS = 'md-chunk';

/** Top-level blocks finished in one update: their source and the DOM nodes they rendered to. */
interface FinishedBlock {
  raw: string;
  nodes: Node[];
  /** Link labels this block defined, so they can be withdrawn if the block is reopened. */
  defined: string[];
  /** Size of the link table when the block was rendered (forward references may need a re-render). */
  linksAtRender: number;
}

export class IncrementalMarkdown {
  private readonly blocks: FinishedBlock[] = [];
  private liveNodes: Node[] = [];
  /** Normalised text not yet in a finished block. */
  private tail = '';
  /** Everything received, normalised; only read on finish and resume, so the rope is never flattened per frame. */
  private source = '';
  /** A trailing `\r` held back until the next chunk shows whether it is half of a `\r\n`. */
  private pendingCr = false;
  private links: LinkTable = Object.create(null);
  private linkCount = 0;
  private finished = false;
  private received = 0;

  /** @param container The element whose children this renderer owns. */
  constructor(readonly container: HTMLElement) {}

  /** Number of characters received so far (before newline normalisation). */
  get length(): number {
    return this.received;
  }

  /** The full (newline-normalised) source received so far. */
  get text(): string {
    return this.source + (this.pendingCr ? '\n' : '');
  }

  /** Characters in the live tail that is re-lexed on each update (bounded by the last block's size). */
  get liveLength(): number {
    return this.tail.length;
  }

  /** Number of finished blocks, each rendered exactly once. */
  get finishedBlockCount(): number {
    return this.blocks.length;
  }

  /** Whether {@link finish} has run since the last {@link resume}. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Appends streamed text and re-renders the live tail. */
  append(text: string): void {
    if (text.length === 0) return;
    this.received += text.length;
    let chunk = (this.pendingCr ? '\r' : '') + text;
    this.pendingCr = chunk.endsWith('\r');
    if (this.pendingCr) chunk = chunk.slice(0, -1);
    chunk = normalizeNewlines(chunk);
    this.source += chunk;
    this.tail += chunk;
    this.render(false);
  }

  /** Marks the text complete: the remaining blocks are finished (highlighted) and forward references resolved. */
  finish(): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.source += '\n';
      this.tail += '\n';
    }
    this.render(true);
    this.resolveForwardReferences();
    this.finished = true;
  }

  /**
   * Reopens a finished message so more text can be appended (a "continue"): the last group of blocks
   * finished together goes back to the live tail, since the new text may extend its last block. (If
   * that group held several blocks, the earlier ones are finished, and rendered, once more.)
   */
  resume(): void {
    if (!this.finished) return;
    this.finished = false;
    let reopened = '';
    while (this.blocks.length > 0) {
      const block = this.blocks.pop()!;
      for (const node of block.nodes) removeFromChunk(node);
      for (const label of block.defined) {
        delete this.links[label];
        this.linkCount--;
      }
      reopened = block.raw + reopened;
      if (block.raw.trim().length > 0) break;
    }
    this.tail = reopened + this.tail;
    this.render(false);
  }

  private render(final: boolean): void {
    const { tokens } = lexBlocks(this.tail, this.links);
    const end = final ? tokens.length : this.finishedPrefix(tokens);
    let offset = 0;
    let done = 0;
    for (; done < end; done++) {
      // marked occasionally synthesises a newline into `raw`; stop finishing if raw and text disagree.
      if (!this.tail.startsWith(tokens[done].raw, offset)) break;
      offset += tokens[done].raw.length;
    }
    if (final) {
      // Whatever could not be split safely is finished together with the rest.
      done = tokens.length;
      offset = this.tail.length;
    }
    // Blocks finished in the same update are rendered and sanitized together: one DOMPurify pass.
    if (done > 0) this.finishBlocks(tokens.slice(0, done), this.tail.slice(0, offset));
    if (offset > 0) this.tail = this.tail.slice(offset);
    this.renderLive(final ? [] : tokens.slice(done));
  }

  /**
   * How many leading tokens are certainly finished: those before the last non-blank token whose first
   * line is complete. A block is only known to be over once the next block has started, and a
   * partial last line is ambiguous (`1` may become `1. item`, continuing a list; `-` may become a
   * list item, `--` a paragraph or `---` a rule), so it never decides anything.
   */
  private finishedPrefix(tokens: Token[]): number {
    const lastLineStart = this.tail.lastIndexOf('\n') + 1;
    let boundary = 0;
    let start = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (start >= lastLineStart) break;
      if (tokens[i].type !== 'space') boundary = i;
      start += tokens[i].raw.length;
    }
    return boundary;
  }

  private finishBlocks(tokens: Token[], raw: string): void {
    const defined: string[] = [];
    for (const token of tokens) {
      for (const def of collectDefinitions(token)) {
        if (!(def.tag in this.links)) {
          this.links[def.tag] = { href: def.href, title: def.title };
          this.linkCount++;
          defined.push(def.tag);
        }
      }
    }
    const fragment = renderBlocks(tokens, true);
    const nodes = Array.from(fragment.childNodes);
    appendChunked(this.container, nodes, this.liveNodes[0] ?? null);
    this.blocks.push({ raw, nodes, defined, linksAtRender: this.linkCount });
  }

  private renderLive(tokens: Token[]): void {
    for (const node of this.liveNodes) node.parentNode?.removeChild(node);
    if (tokens.length === 0) {
      this.liveNodes = [];
      return;
    }
    const fragment = renderBlocks(tokens, false);
    this.liveNodes = Array.from(fragment.childNodes);
    this.container.appendChild(fragment);
  }

  /**
   * A block may use a reference (`[text][label]`) whose definition only arrived later. A one-shot
   * render sees all definitions, so re-render just those blocks once, at the end.
   */
  private resolveForwardReferences(): void {
    let replaced = false;
    for (const block of this.blocks) {
      if (block.linksAtRender >= this.linkCount || !block.raw.includes('[')) continue;
      const { tokens } = lexBlocks(block.raw, this.links);
      const fragment = renderBlocks(tokens, true);
      const nodes = Array.from(fragment.childNodes);
      if (serialize(nodes) === serialize(block.nodes)) continue;
      const last = block.nodes[block.nodes.length - 1];
      const parent = last?.parentNode ?? this.container;
      const anchor = last?.nextSibling ?? null;
      parent.insertBefore(fragment, anchor);
      for (const node of block.nodes) node.parentNode?.removeChild(node);
      block.nodes = nodes;
      block.linksAtRender = this.linkCount;
      replaced = true;
    }
    // A re-rendered block may have a different number of elements: chunk everything afresh (rare, once).
    if (replaced) {
      const all = this.blocks.flatMap((b) => b.nodes);
      for (const chunk of Array.from(this.container.children)) if (chunk.classList.contains(CHUNK_CLASS)) chunk.remove();
      appendChunked(this.container, all, this.container.firstChild);
    }
  }
}

function serialize(nodes: Node[]): string {
  const holder = document.createElement('div');
  for (const node of nodes) holder.appendChild(node.cloneNode(true));
  return holder.innerHTML;
}

/** Renders a whole markdown text in one pass, exactly as the incremental renderer ends up. Returns HTML. */
export function renderMarkdownOnce(text: string): string {
  const holder = document.createElement('div');
  renderMarkdownInto(holder, text);
  return holder.innerHTML;
}

/** Replaces `container`'s children with the one-pass rendering of `text`. */
export function renderMarkdownInto(container: HTMLElement, text: string): void {
  const { tokens } = lexBlocks(normalizeNewlines(text), Object.create(null));
  const nodes = Array.from(renderBlocks(tokens, true).childNodes);
  container.replaceChildren();
  appendChunked(container, nodes, null);
}

/**
 * Appends finished nodes, in order, to the chunk just before `before` (or at the end), opening a new
 * chunk when an element would be the chunk's (CHUNK_ELEMENTS + 1)th. Text nodes never open a chunk,
 * so the result depends only on the sequence of elements, however the text nodes are split.
 */
function appendChunked(container: HTMLElement, nodes: Node[], before: Node | null): void {
  const previous = before ? before.previousSibling : container.lastChild;
  let chunk = previous instanceof HTMLElement && previous.classList.contains(CHUNK_CLASS) ? previous : undefined;
  for (const node of nodes) {
    if (!chunk || (node.nodeType === Node.ELEMENT_NODE && chunk.childElementCount >= CHUNK_ELEMENTS)) {
      chunk = document.createElement('div');
      chunk.className = CHUNK_CLASS;
      container.insertBefore(chunk, before);
    }
    chunk.appendChild(node);
  }
}

/** Removes a finished node, and its chunk once the chunk is empty. */
function removeFromChunk(node: Node): void {
  const chunk = node.parentNode;
  if (!chunk) return;
  chunk.removeChild(node);
  if (chunk instanceof HTMLElement && chunk.classList.contains(CHUNK_CLASS) && chunk.firstChild === null) chunk.remove();
}
