/**
 * The chat's one running request and its phase — the one notion of "streaming" the context key,
 * the guards, the panel's `init` and the test API all read. A request is `resolving` (finding its
 * target), then `streaming`, then `ended` from the moment its answer ended (saved, the panel told)
 * until its clean-up ran; only the first two count as streaming.
 */
import * as vscode from 'vscode';
import type { RunningAnswer } from '../../platform/answerRunner';

export type RequestPhase = 'resolving' | 'streaming' | 'ended';

interface ActiveRequest {
  /** The answer's message id. */
  id: string;
  phase: RequestPhase;
  cts: vscode.CancellationTokenSource;
  done: Promise<void>;
  /** The running answer: text its session's coalescer holds is in the message but not yet posted. */
  answer?: RunningAnswer | undefined;
}

export class ChatRequests implements vscode.Disposable {
  private active: ActiveRequest | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a request starts, changes phase or is cleaned up. */
  readonly onDidChange = this.changed.event;
  /** Requests whose token source is not yet disposed (a leak check for the load tests). */
  liveRequests = 0;

  /** Whether an answer is being resolved or streamed: what the panel, the guards and the `sidestream.streaming` context key go by. */
  get streaming(): boolean {
    return this.active !== undefined && this.active.phase !== 'ended';
  }

  /** The id of the answer streaming now, if any. */
  get streamingId(): string | undefined {
    return this.streaming ? this.active?.id : undefined;
  }

  /**
   * Starts the request for answer `id`: `work` runs it with its token and reports its phases. The
   * returned promise resolves once `work` ended and the request was cleaned up.
   */
  start(id: string, work: (token: vscode.CancellationToken, request: { streaming(answer: RunningAnswer): void; ended(): void }) => Promise<void>): Promise<void> {
    const cts = new vscode.CancellationTokenSource();
    this.liveRequests++;
    const active: ActiveRequest = { id, phase: 'resolving', cts, done: Promise.resolve() };
    this.active = active;
    this.setPhase(active, 'resolving');
    const phases = {
      streaming: (answer: RunningAnswer) => {
        active.answer = answer;
        this.setPhase(active, 'streaming');
      },
      ended: () => this.setPhase(active, 'ended'),
    };
    active.done = work(cts.token, phases).finally(() => {
      cts.dispose();
      this.liveRequests--;
      if (this.active === active) this.active = undefined;
      this.setPhase(active, 'ended');
    });
    return active.done;
  }

  /** Posts what the running answer's coalescer holds (before the panel is sent the whole conversation). */
  flush(): void {
    if (this.streaming) this.active?.answer?.session.flush();
  }

  cancel(): void {
    this.active?.cts.cancel();
  }

  /** Cancels the running request and waits until it ended and was cleaned up. */
  async cancelAndWait(): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.cts.cancel();
    await active.done;
  }

  private setPhase(active: ActiveRequest, phase: RequestPhase): void {
    active.phase = phase;
    void vscode.commands.executeCommand('setContext', 'sidestream.streaming', this.streaming);
    this.changed.fire();
  }

  dispose(): void {
    this.active?.cts.cancel();
    this.changed.dispose();
  }
}
