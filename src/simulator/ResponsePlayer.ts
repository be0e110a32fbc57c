import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { errorBody, errorHeaders, type ErrorFamily } from './errorBody';
import type { SimFault, SimScript } from './script';
import type { SimRequestRecord } from './SimStats';
import type { Segment, WireRenderer } from './wire/WireRenderer';

/** Epoch ms with sub-ms precision, comparable across processes. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after the event loop has had a turn (I/O included). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One token of the planned answer. */
export interface PlannedToken {
  segment: Segment;
  text: string;
  /** For a `tool` token: which of the answer's calls it belongs to (default 0). */
  call?: number;
}

/** Unpaced streams are written in batches of this many tokens, yielding between batches. */
const UNPACED_BATCH = 32;

/**
 * How far behind schedule the writer may be before it shifts the schedule instead of bursting.
 * When the process stalls (a blocked event loop, e.g. a client in the same process loading a
 * module), dumping the whole backlog in one write would end the stream before the stalled client
 * can react; a real server that stalls resumes its pace, so the schedule moves on instead.
 */
const MAX_CATCH_UP_MS = 100;

const PROXY_HTML =
  '<!DOCTYPE html>\n<html>\n<head><title>Sign in to continue</title></head>\n<body>\n' +
  '<h1>Network login required</h1>\n<p>Your connection is being checked by the corporate proxy. ' +
  'Please sign in to continue.</p>\n</body>\n</html>\n';

/**
 * Plays one script onto one HTTP response: waits, sends headers, paces tokens by absolute time
 * from the first token (token i is due at t0 + i·1000/tps, and everything due goes out in one
 * write; never early, and after a stall of more than MAX_CATCH_UP_MS the schedule shifts rather
 * than bursting), records what it sent when, and applies the fault. Stops as soon as the
 * response closes.
 */
export class ResponsePlayer {
  private closed = false;
  private wake: (() => void) | undefined;
  private lastWriteAt = 0;
  private transform: (chunk: string) => string = (chunk) => chunk;
  /** Largest socket write in bytes (`SimScript.chunkBytes`); undefined writes each chunk whole. */
  private chunkBytes: number | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly record: SimRequestRecord,
    private readonly onProgress: () => void,
    /** Marks the coming close as the server's doing (reset), before the socket goes. */
    private readonly markServerClose: () => void,
  ) {
    res.once('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  /** Plays the script. `plan` is only called for scripts that stream tokens. */
  async play(script: SimScript, family: ErrorFamily, details: { model?: string | undefined }, plan: () => { renderer: WireRenderer; tokens: PlannedToken[] }): Promise<void> {
    await this.sleepUntil(preciseNow() + (script.headersDelayMs ?? 0), undefined);
    if (this.closed) return;
    this.chunkBytes = script.chunkBytes !== undefined && script.chunkBytes > 0 ? Math.floor(script.chunkBytes) : undefined;
    const fault = script.fault;
    if (fault?.kind === 'status') return this.sendStatus(fault, family, details.model);
    if (fault?.kind === 'html-200') return this.sendWhole(200, { 'content-type': 'text/html; charset=utf-8' }, PROXY_HTML);
    if (fault?.kind === 'raw') return this.sendRaw(fault);
    if (fault?.kind === 'no-event-lines') this.transform = (chunk) => chunk.replace(/^event:.*\n/gm, '');
    const { renderer, tokens } = plan();
    await this.stream(script, fault, renderer, tokens, family);
  }

  private async stream(script: SimScript, fault: SimFault | undefined, renderer: WireRenderer, tokens: PlannedToken[], family: ErrorFamily): Promise<void> {
    const requestId = family === 'anthropic' ? { 'request-id': `req_011sim${this.record.id}` } : { 'x-request-id': `req_sim${this.record.id}` };
    this.res.writeHead(200, { 'content-type': renderer.contentType, 'cache-control': 'no-cache', ...requestId });
    this.record.status = 200;
    this.record.headersSentAt = preciseNow();
    await this.write(renderer.start());

    const after = fault !== undefined && 'afterTokens' in fault ? fault.afterTokens : undefined;
    const stopAt = after !== undefined ? Math.min(Math.max(0, after), tokens.length) : tokens.length;
    const tps = script.tokensPerSecond ?? 0;
    let t0 = this.record.headersSentAt + (script.ttftMs ?? 0);
    const every = script.keepAliveEveryMs;
    const keepAlive = every !== undefined && every > 0 ? { every, text: () => renderer.keepAlive() } : undefined;
    let sent = 0;
    while (sent < stopAt && !this.closed) {
      const now = preciseNow();
      let due = sent;
      const lag = tps > 0 ? now - (t0 + (sent * 1000) / tps) : 0;
      if (lag > MAX_CATCH_UP_MS) t0 += lag - MAX_CATCH_UP_MS;
      if (now >= t0) due = tps > 0 ? Math.min(stopAt, Math.floor(((now - t0) * tps) / 1000) + 1) : Math.min(stopAt, sent + UNPACED_BATCH);
      if (due > sent) {
        let chunk = '';
        let text = '';
        for (let i = sent; i < due; i++) {
          const token = tokens[i]!;
          chunk += renderer.token(token.segment, token.text, token.call);
          if (token.segment === 'text') text += token.text;
        }
        await this.write(chunk);
        if (this.closed) return;
        const at = preciseNow();
        this.record.firstTokenAt ??= at;
        this.record.lastTokenAt = at;
        for (let i = sent; i < due; i++) this.record.tokenTimes.push(at);
        this.record.tokensSent = due;
        this.record.textSent += text;
        sent = due;
        this.onProgress();
        if (tps <= 0) await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const next = tps > 0 ? t0 + (sent * 1000) / tps : t0;
      await this.sleepUntil(next, keepAlive);
    }
    if (this.closed) return;
    await this.endWithFault(fault, renderer);
  }

  private async endWithFault(fault: SimFault | undefined, renderer: WireRenderer): Promise<void> {
    switch (fault?.kind) {
      case undefined:
      case 'no-event-lines':
        await this.write(renderer.finish());
        this.res.end();
        return;
      case 'midstream-error':
        await this.write(renderer.midstreamError(fault.errorType, fault.message));
        this.res.end();
        return;
      case 'no-terminal':
        this.res.end();
        return;
      case 'malformed-json':
        await this.write(renderer.malformed());
        this.res.end();
        return;
      case 'reset': {
        // Let the tokens already written reach the kernel, then cut the connection mid-body.
        await new Promise<void>((resolve) => this.res.write('', () => resolve()));
        this.markServerClose();
        this.res.socket?.destroy();
        return;
      }
      case 'endless-line':
        await this.writeEndlessLine(fault.megabytes ?? 64);
        if (this.closed) return;
        this.res.end();
        return;
      case 'endless':
        await this.writeEndless(fault, renderer);
        if (this.closed) return;
        await this.write(renderer.finish());
        this.res.end();
        return;
      case 'stall':
        // Headers and some tokens are out; send nothing more and hold the socket until the client leaves.
        this.onProgress();
        return;
      case 'status':
      case 'html-200':
      case 'raw':
        return; // Handled before streaming.
      default: {
        const unknown: never = fault;
        throw new Error(`Unknown fault ${JSON.stringify(unknown)}`);
      }
    }
  }

  private sendStatus(fault: Extract<SimFault, { kind: 'status' }>, family: ErrorFamily, model: string | undefined): void {
    const body = fault.body ?? errorBody(family, fault.status, { model });
    const headers = { ...errorHeaders(family), ...(fault.headers ?? {}) };
    this.sendWhole(fault.status, headers, body);
  }

  /** Sends a whole response at once; it counts as completed when the body is flushed. */
  private sendWhole(status: number, headers: Record<string, string>, body: string): void {
    this.res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    this.record.status = status;
    this.record.headersSentAt = preciseNow();
    this.res.end(body);
  }

  private async sendRaw(fault: Extract<SimFault, { kind: 'raw' }>): Promise<void> {
    const contentType = fault.contentType ?? 'text/event-stream; charset=utf-8';
    const bytes = Buffer.from(fault.body, 'utf8');
    const chunks: Buffer[] = [];
    if (fault.chunkBytes !== undefined && fault.chunkBytes > 0) {
      for (let i = 0; i < bytes.length; i += fault.chunkBytes) chunks.push(bytes.subarray(i, i + fault.chunkBytes));
    } else if (fault.chunkDelayMs !== undefined) {
      const separator = contentType.includes('ndjson') ? /(?<=\n)/ : /(?<=\r\n\r\n|\n\n|\r\r)/;
      for (const part of fault.body.split(separator)) if (part !== '') chunks.push(Buffer.from(part, 'utf8'));
    } else {
      chunks.push(bytes);
    }
    this.res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
    this.record.status = 200;
    this.record.headersSentAt = preciseNow();
    for (let i = 0; i < chunks.length && !this.closed; i++) {
      if (i > 0 && fault.chunkDelayMs) await this.sleepUntil(preciseNow() + fault.chunkDelayMs, undefined);
      else if (i > 0 && fault.chunkBytes) await nextTurn();
      if (this.closed) return;
      this.res.write(chunks[i]);
      this.record.bodyWrites++;
      this.record.firstTokenAt ??= preciseNow();
      this.record.lastTokenAt = preciseNow();
      this.onProgress();
    }
    if (!this.closed) this.res.end();
  }

  /** Writes one scheduled chunk: whole, or in `chunkBytes` slices that each get their own socket write. */
  private async write(chunk: string): Promise<void> {
    if (this.closed || chunk === '') return;
    const data = this.transform(chunk);
    if (this.chunkBytes === undefined) {
      this.res.write(data);
      this.record.bodyWrites++;
      this.lastWriteAt = preciseNow();
      return;
    }
    const bytes = Buffer.from(data, 'utf8');
    for (let i = 0; i < bytes.length; i += this.chunkBytes) {
      // A turn of the event loop per slice, so slices are not coalesced into one TCP segment.
      await nextTurn();
      if (this.closed) return;
      this.res.write(bytes.subarray(i, i + this.chunkBytes));
      this.record.bodyWrites++;
      this.lastWriteAt = preciseNow();
    }
  }

  /** Writes `data: ` and `megabytes` MB of `x` without a line break, 64 KB at a time, as fast as the socket drains. */
  private async writeEndlessLine(megabytes: number): Promise<void> {
    const piece = Buffer.alloc(64 * 1024, 'x');
    const total = Math.round(megabytes * 1024 * 1024);
    this.record.endlessLineBytes = 0;
    this.res.write('data: ');
    for (let written = 0; written < total && !this.closed;) {
      const slice = piece.subarray(0, Math.min(piece.length, total - written));
      const flushed = this.res.write(slice);
      written += slice.length;
      this.record.bodyWrites++;
      this.lastWriteAt = preciseNow();
      if (!flushed) await this.drainOrClose();
      if (!this.closed) this.record.endlessLineBytes = written;
    }
  }

  /**
   * Writes `fault.segment` events of `fault.pieceChars` characters, 16 to a socket write, as fast as
   * the socket drains, until the client leaves (or `fault.megabytes` were written).
   */
  private async writeEndless(fault: Extract<SimFault, { kind: 'endless' }>, renderer: WireRenderer): Promise<void> {
    const segment = fault.segment ?? 'text';
    const words = 'and it keeps going ';
    const pieceChars = Math.max(1, Math.floor(fault.pieceChars ?? 1024));
    const piece = words.repeat(Math.ceil(pieceChars / words.length)).slice(0, pieceChars);
    const limit = fault.megabytes !== undefined ? Math.round(fault.megabytes * 1024 * 1024) : Number.POSITIVE_INFINITY;
    this.record.endlessBytes = 0;
    let written = 0;
    while (written < limit && !this.closed) {
      let chunk = '';
      for (let i = 0; i < 16; i++) chunk += renderer.token(segment, piece);
      const data = Buffer.from(this.transform(chunk), 'utf8');
      const flushed = this.res.write(data);
      written += data.length;
      this.record.bodyWrites++;
      this.record.tokensSent += 16;
      this.lastWriteAt = preciseNow();
      this.record.firstTokenAt ??= this.lastWriteAt;
      this.record.lastTokenAt = this.lastWriteAt;
      if (!flushed) await this.drainOrClose();
      else await nextTurn();
      if (!this.closed) this.record.endlessBytes = written;
    }
    this.onProgress();
  }

  /** Resolves when the socket takes more data, or the response closed. */
  private drainOrClose(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** Waits until `target` (or the close), sending keep-alives when the line has been quiet too long. */
  private async sleepUntil(target: number, keepAlive: { every: number; text: () => string } | undefined): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const now = preciseNow();
      if (now >= target) return;
      let wakeAt = target;
      if (keepAlive) {
        const keepAliveAt = this.lastWriteAt + keepAlive.every;
        if (keepAliveAt <= now) {
          await this.write(keepAlive.text());
          continue;
        }
        wakeAt = Math.min(wakeAt, keepAliveAt);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => {
            this.wake = undefined;
            resolve();
          },
          Math.max(1, Math.ceil(wakeAt - now)),
        );
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }
}
