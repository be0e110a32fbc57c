/**
 * Reading a response body with a size cap. Error bodies and model lists come from servers the user
 * points Sidestream at; one that sends an endless (or enormous) body must not fill the extension
 * host's memory or hang the request. The cap is checked on the bytes as they arrive, and reading
 * stops there: the body is cancelled, which closes the connection.
 */

/** The most of an error answer's body that is read (the SDKs build the error message from it). */
export const ERROR_BODY_MAX_BYTES = 64 * 1024;
/** The most of a model list (`GET /models`) that is read: thousands of models fit in far less. */
export const MODEL_LIST_MAX_BYTES = 4 * 1024 * 1024;

/** A body went over its cap; reading stopped there. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly what: string,
    readonly maxBytes: number,
  ) {
    super(`The ${what} is larger than ${formatBytes(maxBytes)}; reading stopped there.`);
    this.name = 'BodyTooLargeError';
  }
}

/** "4 MiB", "64 KiB", "100 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Reads at most `maxBytes` of `response`'s body; the rest is not read (the body is cancelled, which
 * closes the connection). `truncated` says whether there was more.
 */
export async function readBytesCapped(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  let ended = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) {
        ended = true;
        break;
      }
      const room = maxBytes - total;
      if (read.value.byteLength > room) {
        if (room > 0) chunks.push(read.value.subarray(0, room));
        total += Math.max(0, room);
        truncated = true;
        break;
      }
      chunks.push(read.value);
      total += read.value.byteLength;
    }
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { bytes, truncated };
}

/** The body as text, at most `maxBytes` of it (a UTF-8 character cut at the end is dropped). */
export async function readTextCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBytesCapped(response, maxBytes);
  return { text: new TextDecoder().decode(bytes, { stream: truncated }), truncated };
}

/** The body as JSON; rejects with {@link BodyTooLargeError} (naming `what`) when it is over `maxBytes`. */
export async function readJsonCapped(response: Response, maxBytes: number, what: string): Promise<unknown> {
  const { text, truncated } = await readTextCapped(response, maxBytes);
  if (truncated) throw new BodyTooLargeError(what, maxBytes);
  return JSON.parse(text) as unknown;
}
