/**
 * The reference "naive" streaming renderer for benchmarks: re-renders the whole message on every
 * delta, as most chat UIs do. Same markdown pipeline and output as {@link IncrementalMarkdown}, so
 * the two differ only in how much work each update does.
 */
import { renderMarkdownInto } from './IncrementalMarkdown';

export class NaiveRenderer {
  private source = '';

  constructor(readonly container: HTMLElement) {}

  get length(): number {
    return this.source.length;
  }

  /** Appends text and re-renders everything from the start. */
  append(text: string): void {
    this.source += text;
    renderMarkdownInto(this.container, this.source);
  }

  /** Nothing is deferred, so finishing only renders once more for symmetry with the incremental API. */
  finish(): void {
    renderMarkdownInto(this.container, this.source);
  }
}
