/**
 * Coalesces streamed deltas into few `postMessage` calls. The first delta after a quiet spell is
 * posted at once (so first paint is not delayed); later ones are gathered and posted at most once
 * per `intervalMs`. Text is never dropped or reordered: `flush()` posts whatever is pending.
 * No `vscode` import: used by StreamSession, tested in plain Node.
 */
export interface CoalescedDelta {
  text: string;
  reasoning: string;
}

export class DeltaCoalescer {
  private text = '';
  private reasoning = '';
  private lastPostAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly post: (delta: CoalescedDelta) => void,
    private readonly intervalMs = 20,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(text: string, reasoning = ''): void {
    this.text += text;
    this.reasoning += reasoning;
    if (this.timer) return;
    const wait = this.lastPostAt + this.intervalMs - this.now();
    if (wait <= 0) {
      this.flush();
    } else {
      this.timer = setTimeout(() => this.flush(), wait);
    }
  }

  /** Posts everything pending now. Safe to call at any time. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.text && !this.reasoning) return;
    const delta = { text: this.text, reasoning: this.reasoning };
    this.text = '';
    this.reasoning = '';
    this.lastPostAt = this.now();
    this.post(delta);
  }

  dispose(): void {
    this.flush();
  }
}
