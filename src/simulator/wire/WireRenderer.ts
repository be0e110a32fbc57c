import type { SimFinishReason, SimReasoningFormat, SimToolCall, SimToolShape } from '../script';

/** Which part of the answer a token belongs to. Segments always come in this order. */
export type Segment = 'reasoning' | 'commentary' | 'text' | 'tool';

/** The optional wire shapes a script asks for (see `SimScript`). */
export interface RenderShapes {
  reasoningFormat: SimReasoningFormat;
  redactedThinking: boolean;
  incompleteReason: string | undefined;
  unknownEvent: boolean;
  /** Whether the answer has a commentary message (Responses then marks each message's `phase`). */
  commentaryUsed: boolean;
}

/** What a renderer needs to know about the response it renders. */
export interface RenderContext {
  model: string;
  inputTokens: number;
  finishReason: SimFinishReason;
  /** Whether usage is reported (for OpenAI chat: also requested with `stream_options.include_usage`). */
  includeUsage: boolean;
  /** The first call (the one an `endless` tool fault streams into). */
  toolCall: SimToolCall;
  /** Every call of the answer, in order (`tool` tokens name theirs by index). */
  toolCalls: SimToolCall[];
  /** How Chat Completions frames the calls. */
  toolShape: SimToolShape;
  /** The first segment that will carry tokens, so a renderer can open it in its preamble. */
  firstSegment: Segment | undefined;
  shapes: RenderShapes;
}

/**
 * Renders one streamed response in one wire format, piece by piece, as the writer reaches each
 * point. Rendering lazily keeps per-stream counters (sequence numbers, usage) equal to what was
 * really sent, whatever fault cuts the stream short.
 */
export interface WireRenderer {
  readonly contentType: string;
  /** Sent with the headers, before the first token. */
  start(): string;
  /** One token, preceded by any structural events needed to switch segments (or, for `tool`, calls). */
  token(segment: Segment, text: string, call?: number): string;
  /** Closes the open segment and sends the terminal events (finish reason, usage, sentinel). */
  finish(): string;
  /** The format's in-band error, as the real service sends it mid-stream. */
  midstreamError(errorType: string | undefined, message: string | undefined): string;
  /** An event whose JSON is cut off, as a broken proxy would send it. */
  malformed(): string;
  /** Sent while waiting, so idle timers see bytes. */
  keepAlive(): string;
}

/** One SSE event: an optional `event:` line and one `data:` line. */
export function sse(event: string | undefined, data: unknown): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return (event === undefined ? '' : `event: ${event}\n`) + `data: ${payload}\n\n`;
}

let idCounter = 0;

/**
 * A unique, realistic-looking id with the service's prefix (`chatcmpl-`, `msg_`, …). Fixed length,
 * as the services' ids are, so the same script always renders to the same number of bytes: base-36
 * `Math.random()` digits alone are sometimes fewer than ten, and the counter grows a digit at 36.
 */
export function makeId(prefix: string): string {
  idCounter++;
  const random = Math.random().toString(36).slice(2, 12).padEnd(10, '0');
  return `${prefix}sim${Date.now().toString(36)}${idCounter.toString(36).padStart(4, '0')}${random}`;
}

/** Seconds since the epoch, as the services put in `created` fields. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
