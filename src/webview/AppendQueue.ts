/**
 * Orders one message's `append` posts by `seq` and coalesces them until the next animation frame.
 * Duplicates are dropped; posts that arrive early wait for the missing ones, so text is never
 * reordered. A queue made from a snapshot knows the snapshot's revision: posts at or below it are
 * already in the snapshot's text and are dropped. Without one, the first post seen sets the
 * expected sequence.
 */
export interface AppendChunk {
  text: string;
  reasoning: string;
  /** Highest sequence number included. */
  seq: number;
}

export class AppendQueue {
  private expected: number | undefined;

  /** `rev`: the last seq the message's snapshot text already contains (0 = none). */
  constructor(rev?: number) {
    if (rev !== undefined) this.expected = rev + 1;
  }
  private readonly early = new Map<number, { text: string; reasoning: string }>();
  private text = '';
  private reasoning = '';
  private lastSeq: number | undefined;

  /** Accepts one post. Returns false when it was a duplicate and ignored. */
  push(seq: number, text: string, reasoning: string): boolean {
    if (this.expected === undefined) this.expected = seq;
    if (seq < this.expected || this.early.has(seq)) return false;
    if (seq > this.expected) {
      this.early.set(seq, { text, reasoning });
      return true;
    }
    this.accept(seq, text, reasoning);
    for (let next = this.early.get(this.expected); next; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      this.accept(this.expected, next.text, next.reasoning);
    }
    return true;
  }

  /** Whether there is in-order text waiting for a frame. */
  get hasPending(): boolean {
    return this.lastSeq !== undefined && (this.text.length > 0 || this.reasoning.length > 0 || this.taken !== this.lastSeq);
  }

  private taken: number | undefined;

  /** Takes the in-order text accumulated since the last call, if any. */
  take(): AppendChunk | undefined {
    if (!this.hasPending || this.lastSeq === undefined) return undefined;
    const chunk = { text: this.text, reasoning: this.reasoning, seq: this.lastSeq };
    this.text = '';
    this.reasoning = '';
    this.taken = this.lastSeq;
    return chunk;
  }

  /** At the end of a stream nothing more will come: release early posts in order, skipping gaps. */
  releaseGaps(): void {
    const seqs = [...this.early.keys()].sort((a, b) => a - b);
    for (const seq of seqs) {
      const post = this.early.get(seq)!;
      this.accept(seq, post.text, post.reasoning);
    }
    this.early.clear();
  }

  /**
   * A resumed message: the host's numbering continues after `rev` (what the webview has). Early
   * posts are released first; with `rev` unknown the next post seen sets the numbering.
   */
  resetNumbering(rev?: number): void {
    this.releaseGaps();
    this.expected = rev === undefined ? undefined : Math.max(rev, this.lastSeq ?? 0) + 1;
  }

  private accept(seq: number, text: string, reasoning: string): void {
    this.text += text;
    this.reasoning += reasoning;
    this.lastSeq = seq;
    this.expected = seq + 1;
  }
}
