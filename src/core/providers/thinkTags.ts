/**
 * Splits reasoning written inline as `<think>…</think>` at the start of the content (DeepSeek-R1,
 * Qwen3 and other reasoning models served raw through Ollama, llama.cpp or vLLM without a reasoning
 * parser) out of the answer, as it streams. A tag may be cut anywhere across chunks (`<thi` + `nk>`),
 * so a possible partial tag is held back until the next chunk decides it — and only that: the rest
 * streams through at once. Only a block that opens the answer counts; a `<think>` later in the
 * answer is text (a model explaining the tag must not lose its answer).
 */

const OPEN = '<think>';
const CLOSE = '</think>';

/** One piece of split output. */
export interface SplitPiece {
  kind: 'text' | 'reasoning';
  text: string;
}

/** Splits one answer's content stream; feed every content delta in order, then {@link ThinkTagSplitter.end}. */
export class ThinkTagSplitter {
  private state: 'start' | 'thinking' | 'after-think' | 'answer' = 'start';
  private held = '';

  /** The pieces `text` resolves to now (possibly none while a tag is undecided). */
  push(text: string): SplitPiece[] {
    if (this.state === 'answer') return text ? [{ kind: 'text', text }] : [];
    this.held += text;
    const out: SplitPiece[] = [];
    if (this.state === 'start') {
      const trimmed = this.held.trimStart();
      // Whitespace only, or a prefix of `<think>`: undecided until more arrives.
      if (trimmed === '' || (trimmed.length < OPEN.length && OPEN.startsWith(trimmed))) return out;
      if (!trimmed.startsWith(OPEN)) {
        this.state = 'answer';
        return this.release('text', out);
      }
      this.state = 'thinking';
      this.held = trimmed.slice(OPEN.length);
    }
    if (this.state === 'thinking') {
      const close = this.held.indexOf(CLOSE);
      if (close < 0) {
        // Hold back only what could be the start of `</think>`.
        const keep = partialSuffix(this.held, CLOSE);
        const reasoning = this.held.slice(0, this.held.length - keep);
        this.held = this.held.slice(this.held.length - keep);
        if (reasoning) out.push({ kind: 'reasoning', text: reasoning });
        return out;
      }
      const reasoning = this.held.slice(0, close);
      if (reasoning) out.push({ kind: 'reasoning', text: reasoning });
      this.held = this.held.slice(close + CLOSE.length);
      this.state = 'after-think';
    }
    // The models put blank lines between the block and the answer: they are not part of the answer.
    const answer = this.held.replace(/^\s+/, '');
    if (answer === '') {
      this.held = '';
      return out;
    }
    this.held = answer;
    this.state = 'answer';
    return this.release('text', out);
  }

  /** The stream ended: whatever is held goes out (an unclosed block is reasoning). */
  end(): SplitPiece[] {
    const kind = this.state === 'thinking' ? 'reasoning' : 'text';
    if (this.state === 'after-think') this.held = '';
    return this.release(kind, []);
  }

  private release(kind: SplitPiece['kind'], out: SplitPiece[]): SplitPiece[] {
    if (this.held) out.push({ kind, text: this.held });
    this.held = '';
    return out;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of `tag`. */
function partialSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}
