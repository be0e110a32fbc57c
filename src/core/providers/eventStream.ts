/**
 * Reads a streaming response's body as server-sent events, for every provider.
 *
 * The SDKs still make the request: base URL, headers, auth, retries with back-off, HTTP errors as
 * typed `APIError`s, the abort signal (`asResponse()` returns once the headers are in). The body
 * is decoded here with `eventsource-parser`, a spec-conformant SSE parser that works on decoded
 * text synchronously: one `feed()` per network chunk parses every event in it. The SDKs' own
 * stream iterators cost three async-generator hops and a UTF-8 decode per event, which made them
 * 2–3× the cost of a bare client at local-server speeds (BENCHMARKS.md, B5); here a network
 * chunk's events arrive together, as one batch.
 *
 * Same framing as the SDKs: `data: [DONE]` ends the stream (later events are ignored), an event
 * still open when the body ends is delivered once, and data that is not JSON fails with a
 * `SyntaxError`. Unlike them, an event is delivered whether or not it has an `event:` line: each
 * provider reads the event type from the JSON (proxies that drop `event:` lines stay readable).
 *
 * Two things the parser reports besides events are used: an `error:` line (llama.cpp's legacy
 * mid-stream error, an unknown SSE field the spec says to ignore) through its `onError`
 * `unknown-field` report, and its buffer bound ({@link MAX_SSE_BUFFER_CHARS}): a server that never
 * ends a line or an event fails with a one-line `protocol` error instead of growing memory.
 */
import { createParser, type ParseError } from 'eventsource-parser';
import { protocolFailure } from '../errors';

/** One event: its `event:` name (if any) and its JSON data. */
export interface JsonEvent {
  event: string | undefined;
  data: unknown;
}

/** The SSE `data` OpenAI-style servers send last. */
const DONE = '[DONE]';

/**
 * The most text (UTF-16 code units, so about as many bytes for JSON) one unfinished line plus one
 * unfinished event may hold before reading stops: 8 Mi. The largest real event is a Responses
 * `response.completed` repeating the whole answer — under 1 MB for a 128k-token answer — so a
 * stream over the bound is not an event stream (or a broken server); the bound keeps the reader's
 * memory at a few times 8 MB instead of the whole body.
 */
export const MAX_SSE_BUFFER_CHARS = 8 * 1024 * 1024;

/** The SSE field llama.cpp (before 2025-09) sent mid-stream errors in. */
const ERROR_FIELD = 'error';

/** What {@link readJsonEvents} needs besides the response. */
export interface ReadJsonEventsOptions {
  /** Who sent the stream (the base URL), for the message of a stream over the buffer bound. */
  source?: string;
  /** Called with the value of every `error:` line (llama.cpp's legacy mid-stream error). */
  onErrorField?(value: string): void;
  /** Overrides {@link MAX_SSE_BUFFER_CHARS} (tests). */
  maxBufferChars?: number;
}

/**
 * Yields the events of each network chunk together, in wire order. Returns at `[DONE]` or at the
 * end of the body; throws whatever reading the body throws (abort, idle timeout, reset). Leaving
 * early — a `break`, a throw in the consumer, `[DONE]` — cancels the body, which closes the socket
 * unless the response had already ended.
 */
export async function* readJsonEvents(response: Response, options: ReadJsonEventsOptions = {}): AsyncGenerator<JsonEvent[], void, undefined> {
  if (!response.body) return;
  const maxBufferSize = options.maxBufferChars ?? MAX_SSE_BUFFER_CHARS;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let batch: JsonEvent[] = [];
  let done = false;
  // Data that is not JSON, or a stream over the buffer bound, ends the stream after the good events
  // before it are delivered.
  let malformed: Error | undefined;
  const onErrorField = options.onErrorField;
  const parser = createParser({
    maxBufferSize,
    onError(error: ParseError) {
      if (error.type === 'unknown-field') {
        if (error.field === ERROR_FIELD && !done) onErrorField?.(error.value ?? '');
      } else if (error.type === 'max-buffer-size-exceeded' && !done) {
        done = true;
        malformed = overBound(options.source, maxBufferSize);
      }
    },
    onEvent(message) {
      if (done) return;
      if (message.data === DONE) {
        done = true;
        return;
      }
      try {
        batch.push({ event: message.event, data: JSON.parse(message.data) });
      } catch {
        done = true;
        malformed = new SyntaxError(`an event's data is not JSON: ${clip(message.data)}`);
      }
    },
  });
  const errorLines = onErrorField ? new ErrorLineHoldback() : undefined;
  let ended = false;
  try {
    while (!done) {
      const read = await reader.read();
      if (read.done) {
        ended = true;
        // A server that leaves out the blank line after its last event still gets it delivered.
        parser.feed((errorLines?.flush() ?? '') + decoder.decode() + '\n\n');
      } else {
        const text = decoder.decode(read.value, { stream: true });
        parser.feed(errorLines ? errorLines.take(text) : text);
        if (errorLines && errorLines.heldChars > maxBufferSize && !done) {
          done = true;
          malformed = overBound(options.source, maxBufferSize);
        }
      }
      if (batch.length > 0) {
        const events = batch;
        batch = [];
        yield events;
      }
      if (malformed) throw malformed;
      if (ended) return;
    }
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * eventsource-parser drops an unfinished line that cannot become a standard field (`data`, `event`,
 * `id`, `retry`, a comment) instead of buffering it, so an `error:` line cut by a network read would
 * vanish without a report. This keeps back a chunk's unfinished last line while it may be one, and
 * hands it over with the next chunk. Only the new chunk is searched for a line end, so a long held
 * line costs no rescans; {@link heldChars} lets the reader apply the buffer bound to it.
 */
class ErrorLineHoldback {
  private held = '';
  /** Whether the text fed so far ended at a line start. */
  private atLineStart = true;

  /** Length of the line kept back. */
  get heldChars(): number {
    return this.held.length;
  }

  /** The text to feed now (the rest is kept back). */
  take(chunk: string): string {
    const lastBreak = Math.max(chunk.lastIndexOf('\n'), chunk.lastIndexOf('\r'));
    if (lastBreak < 0) {
      if (this.held) {
        this.held += chunk;
        return '';
      }
      if (!this.atLineStart) return chunk;
    }
    const text = this.held + chunk;
    this.held = '';
    const tailStart = text.length - (chunk.length - lastBreak - 1);
    const tail = lastBreak < 0 ? text : text.slice(tailStart);
    if (tail.length > 0 && isErrorFieldStart(tail)) {
      this.held = tail;
      this.atLineStart = true;
      return text.slice(0, text.length - tail.length);
    }
    this.atLineStart = tail.length === 0;
    return text;
  }

  /** The held text, at the end of the body. */
  flush(): string {
    const held = this.held;
    this.held = '';
    return held;
  }
}

/** Whether `line` (from a line start, no line end) is, or may still become, an `error:` field line. */
function isErrorFieldStart(line: string): boolean {
  const name = `${ERROR_FIELD}:`;
  return line.length < name.length ? name.startsWith(line) : line.startsWith(name);
}

/** The failure for a stream that went over the buffer bound. */
function overBound(source: string | undefined, maxChars: number): Error {
  return protocolFailure(
    `${source ?? 'The server'} sent more than ${formatChars(maxChars)} without ending a line or an event, so this is not a usable event stream; reading stopped (the text so far is kept) — check the base URL and the server.`,
  );
}

function formatChars(count: number): string {
  return count >= 1024 * 1024 && count % (1024 * 1024) === 0 ? `${count / (1024 * 1024)} MiB` : `${count} characters`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
