/**
 * readJsonEvents: the one SSE body reader every provider uses (eventsource-parser underneath).
 * Fed real `Response` bodies split at awkward places; the end-to-end paths over loopback are in
 * coreFixtures (every wire capture) and coreChunking (one-byte writes).
 */
import * as assert from 'node:assert/strict';
import { StreamFailureError } from '../../src/core/errors';
import { readJsonEvents, type JsonEvent } from '../../src/core/providers/eventStream';

interface Body {
  response: Response;
  /** Why the body was cancelled, once it was. */
  cancelled: () => { reason: unknown } | undefined;
  /** How many chunks were pulled. */
  pulled: () => number;
}

/** A response whose body delivers `chunks` (strings are UTF-8 encoded; byte arrays go as they are). */
function body(chunks: Array<string | Uint8Array>, options: { thenError?: Error; keepOpen?: boolean } = {}): Body {
  const encoder = new TextEncoder();
  let index = 0;
  let cancelled: { reason: unknown } | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (index < chunks.length) {
          const chunk = chunks[index++];
          controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
          return;
        }
        if (options.thenError) controller.error(options.thenError);
        else if (!options.keepOpen) controller.close();
        // keepOpen: never settles, like a server that goes on after [DONE].
        else return new Promise<void>(() => undefined);
      },
      cancel(reason) {
        cancelled = { reason };
      },
    },
    { highWaterMark: 0 },
  );
  return { response: new Response(stream, { headers: { 'content-type': 'text/event-stream' } }), cancelled: () => cancelled, pulled: () => index };
}

async function collect(response: Response): Promise<{ batches: JsonEvent[][]; error: unknown }> {
  const batches: JsonEvent[][] = [];
  try {
    for await (const batch of readJsonEvents(response)) batches.push(batch);
    return { batches, error: undefined };
  } catch (error) {
    return { batches, error };
  }
}

const data = (value: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(value)}\n\n`;

describe('readJsonEvents: SSE bodies into JSON events', () => {
  it('delivers the events of one network chunk as one batch, in order, with their event names', async () => {
    const { response } = body([data({ n: 1 }) + data({ n: 2 }, 'delta') + data({ n: 3 }), data({ n: 4 })]);
    const { batches, error } = await collect(response);
    assert.equal(error, undefined);
    assert.deepEqual(batches, [
      [
        { event: undefined, data: { n: 1 } },
        { event: 'delta', data: { n: 2 } },
        { event: undefined, data: { n: 3 } },
      ],
      [{ event: undefined, data: { n: 4 } }],
    ]);
  });

  it('joins events split anywhere, a multibyte character split between chunks included', async () => {
    const text = 'naïve 日本 🦊';
    const bytes = new TextEncoder().encode(data({ text }) + data({ text: 'two' }));
    // One byte per chunk: every split point, including inside the 4-byte emoji.
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    const { batches, error } = await collect(body(chunks).response);
    assert.equal(error, undefined);
    assert.deepEqual(
      batches.flat().map((e) => e.data),
      [{ text }, { text: 'two' }],
    );
  });

  it('reads CRLF framing, `data:` without a space, multi-line data and ignores comments and unknown fields', async () => {
    const raw = ': keep-alive\r\n\r\ndata:{"a":\r\ndata: 1}\r\nid: 7\r\nretry: 10\r\n\r\n: OPENROUTER PROCESSING\n\nevent: x\ndata: {"b":2}\n\n';
    const { batches } = await collect(body([raw]).response);
    assert.deepEqual(batches.flat(), [
      { event: undefined, data: { a: 1 } },
      { event: 'x', data: { b: 2 } },
    ]);
  });

  it('stops at data: [DONE] and cancels the body, ignoring anything after it', async () => {
    const b = body([data({ n: 1 }) + 'data: [DONE]\n\n' + data({ n: 2 })], { keepOpen: true });
    const { batches, error } = await collect(b.response);
    assert.equal(error, undefined);
    assert.deepEqual(
      batches.flat().map((e) => e.data),
      [{ n: 1 }],
    );
    assert.ok(b.cancelled(), 'a body that stays open after [DONE] is cancelled, not waited on');
  });

  it('delivers a last event whose blank line never came, once', async () => {
    const { batches } = await collect(body([data({ n: 1 }), 'data: {"n":2}']).response);
    assert.deepEqual(
      batches.flat().map((e) => e.data),
      [{ n: 1 }, { n: 2 }],
    );
  });

  it('fails non-JSON data with a SyntaxError after delivering the good events of the same chunk', async () => {
    const b = body([data({ n: 1 }) + 'data: {"n": 2\n\n' + data({ n: 3 }), data({ n: 4 })]);
    const { batches, error } = await collect(b.response);
    assert.deepEqual(
      batches.flat().map((e) => e.data),
      [{ n: 1 }],
    );
    assert.ok(error instanceof SyntaxError, String(error));
    assert.match(error.message, /not JSON: \{"n": 2/);
    assert.ok(b.cancelled(), 'the rest of the body is cancelled');
  });

  it('passes on an error from the body (reset, abort, idle timeout) after the events before it', async () => {
    const failure = new Error('socket hang up');
    const { batches, error } = await collect(body([data({ n: 1 })], { thenError: failure }).response);
    assert.deepEqual(
      batches.flat().map((e) => e.data),
      [{ n: 1 }],
    );
    assert.equal(error, failure);
  });

  it('cancels the body when the consumer leaves early, and not when the body ended by itself', async () => {
    const early = body([data({ n: 1 }), data({ n: 2 }), data({ n: 3 })], { keepOpen: true });
    for await (const batch of readJsonEvents(early.response)) {
      assert.deepEqual(batch[0].data, { n: 1 });
      break;
    }
    assert.ok(early.cancelled(), 'cancelled on break');
    assert.equal(early.pulled(), 1, 'nothing more was read');

    const whole = body([data({ n: 1 })]);
    await collect(whole.response);
    assert.equal(whole.cancelled(), undefined, 'a finished body is not cancelled');
  });

  it('reads nothing from a response without a body', async () => {
    const { batches, error } = await collect(new Response(null, { status: 200 }));
    assert.equal(error, undefined);
    assert.deepEqual(batches, []);
  });
});

/** Runs readJsonEvents with an `error:` field listener; returns the fields, events and error. */
async function collectErrorFields(chunks: Array<string | Uint8Array>, maxBufferChars?: number) {
  const fields: string[] = [];
  const events: unknown[] = [];
  let error: unknown;
  try {
    for await (const batch of readJsonEvents(body(chunks).response, { onErrorField: (value) => fields.push(value), maxBufferChars })) {
      for (const event of batch) events.push(event.data);
    }
  } catch (caught) {
    error = caught;
  }
  return { fields, events, error };
}

describe("readJsonEvents: llama.cpp's legacy `error:` field (eventsource-parser's unknown-field report)", () => {
  it('reports an `error:` line cut between two network reads', async () => {
    const { fields, events } = await collectErrorFields(['data: {"a":1}\n\nerr', 'or: {"message":"boom"}\n\ndata: [DONE]\n\n']);
    assert.deepEqual(fields, ['{"message":"boom"}']);
    assert.deepEqual(events, [{ a: 1 }]);
  });

  it('reports `error:` fields however the bytes are split, only at line starts, and an unfinished last one at the end', async () => {
    const text =
      'error: first\r\ndata: {"e":"error: not a field"}\n\n: comment error: no\n' + 'data: {"x":1}\rerror:{"message":"b\u00f6\u00f6m \u2603"}\r\nxerror: no\nerror:\n\nerror: last';
    const bytes = new TextEncoder().encode(text);
    const expected = ['first', '{"message":"b\u00f6\u00f6m \u2603"}', '', 'last'];
    const fieldsOf = async (chunks: Uint8Array[]) => {
      const { fields, events, error } = await collectErrorFields(chunks);
      assert.equal(error, undefined);
      assert.deepEqual(events, [{ e: 'error: not a field' }, { x: 1 }]);
      return fields;
    };
    assert.deepEqual(await fieldsOf([bytes]), expected);
    // Every single split point, then every pair of split points close together (names and
    // multi-byte characters cut anywhere, chunks shorter than the name).
    for (let a = 0; a <= bytes.length; a++) {
      assert.deepEqual(await fieldsOf([bytes.subarray(0, a), bytes.subarray(a)]), expected, `split at ${a}`);
      for (let b = a; b <= Math.min(bytes.length, a + 8); b++) {
        assert.deepEqual(await fieldsOf([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]), expected, `split at ${a}, ${b}`);
      }
    }
    assert.deepEqual(await fieldsOf(Array.from(bytes, (byte) => Uint8Array.of(byte))), expected, 'one byte at a time');
  });
});

describe('readJsonEvents: the buffer bound', () => {
  const bound = 1024;
  const long = (prefix: string) => [prefix, 'x'.repeat(600), 'x'.repeat(600), 'x'.repeat(600)];

  for (const [what, prefix, withErrorField] of [
    ['a data line', 'data: ', false],
    ['a data line, error: fields watched', 'data: ', true],
    ['an error: line', 'error: ', true],
  ] as const) {
    it(`${what} longer than the bound → a one-line protocol failure after the events before it, the rest unread`, async () => {
      const b = body([data({ n: 1 }), ...long(prefix), 'x'.repeat(600), '\n\n' + data({ n: 2 })], { keepOpen: true });
      const fields: string[] = [];
      const events: unknown[] = [];
      let error: unknown;
      try {
        const options = { source: 'http://127.0.0.1:9/v1', maxBufferChars: bound, ...(withErrorField ? { onErrorField: (v: string) => fields.push(v) } : {}) };
        for await (const batch of readJsonEvents(b.response, options)) for (const event of batch) events.push(event.data);
      } catch (caught) {
        error = caught;
      }
      assert.deepEqual(events, [{ n: 1 }]);
      assert.deepEqual(fields, []);
      assert.ok(error instanceof StreamFailureError, String(error));
      assert.equal(error.failure.kind, 'protocol');
      assert.equal(
        error.message,
        'http://127.0.0.1:9/v1 sent more than 1024 characters without ending a line or an event, so this is not a usable event stream; reading stopped (the text so far is kept) — check the base URL and the server.',
      );
      assert.ok(b.cancelled(), 'the body is cancelled');
      assert.ok(b.pulled() < 6, `stopped reading at the bound (${b.pulled()} chunks)`);
    });
  }

  it('many data lines of one event (no blank line) count too', async () => {
    const lines = Array.from({ length: 40 }, () => `data: ${'y'.repeat(40)}\n`);
    const { error } = await collectErrorFields(lines, bound);
    assert.ok(error instanceof StreamFailureError, String(error));
  });

  it('lines and events up to the bound pass', async () => {
    const value = 'z'.repeat(bound - 20);
    const { events, error } = await collectErrorFields([`data: ${JSON.stringify({ value })}\n\n`, data({ n: 2 })], bound);
    assert.equal(error, undefined);
    assert.deepEqual(events, [{ value }, { n: 2 }]);
  });
});
