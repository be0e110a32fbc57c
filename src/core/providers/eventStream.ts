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
 */
import { createParser } from 'eventsource-parser';

/** One event: its `event:` name (if any) and its JSON data. */
export interface JsonEvent {
  event: string | undefined;
  data: unknown;
}

/** The SSE `data` OpenAI-style servers send last. */
const DONE = '[DONE]';

/**
 * Yields the events of each network chunk together, in wire order. Returns at `[DONE]` or at the
 * end of the body; throws whatever reading the body throws (abort, idle timeout, reset). Leaving
 * early — a `break`, a throw in the consumer, `[DONE]` — cancels the body, which closes the socket
 * unless the response had already ended.
 */
export async function* readJsonEvents(response: Response): AsyncGenerator<JsonEvent[], void, undefined> {
  if (!response.body) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let batch: JsonEvent[] = [];
  let done = false;
  // Data that is not JSON ends the stream after the good events before it are delivered.
  let malformed: SyntaxError | undefined;
  const parser = createParser({
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
  let ended = false;
  try {
    while (!done) {
      const read = await reader.read();
      if (read.done) {
        ended = true;
        // A server that leaves out the blank line after its last event still gets it delivered.
        parser.feed(decoder.decode() + '\n\n');
      } else {
        parser.feed(decoder.decode(read.value, { stream: true }));
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

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
