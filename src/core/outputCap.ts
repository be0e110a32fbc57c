/**
 * The client-side cap on one answer's size. A server that ignores the output limit and keeps
 * sending valid events (a broken local server, a runaway model behind a gateway that drops
 * `max_tokens`) would otherwise grow the answer's text, reasoning and tool-call arguments without
 * bound in the extension host. The adapter counts all three against this cap in one place and,
 * when it is reached, stops reading (which closes the connection) and ends the answer as `length`
 * with the text so far kept and {@link outputCapNote} saying why.
 *
 * The measure is characters (UTF-16 code units, what the strings hold): counting them costs
 * nothing per delta, and memory is at most two bytes each.
 */
import type { ChatRequest } from './request';

/** Characters allowed per token of the output limit: 4 × the limit × ~4 characters a token. */
export const OUTPUT_CHARS_PER_TOKEN = 16;
/** The least any answer may reach before the cap stops it (256 Ki characters), whatever the limit. */
export const MIN_OUTPUT_CHARS = 256 * 1024;
/** The most any answer may reach (8 Mi characters), whatever the limit, or with none set. */
export const MAX_OUTPUT_CHARS = 8 * 1024 * 1024;

/**
 * The cap for `request`: 16 characters per token of its output limit (the Anthropic thinking budget
 * added, since the request's `max_tokens` is raised by it), at least {@link MIN_OUTPUT_CHARS}, at
 * most {@link MAX_OUTPUT_CHARS}. No limit set: the ceiling.
 */
export function outputCapChars(request: Pick<ChatRequest, 'maxOutputTokens' | 'reasoning'>): number {
  const limit = request.maxOutputTokens;
  if (limit === undefined || !Number.isFinite(limit) || limit <= 0) return MAX_OUTPUT_CHARS;
  const budget = request.reasoning?.budgetTokens ?? 0;
  const tokens = limit + (Number.isFinite(budget) && budget > 0 ? budget : 0);
  return Math.min(MAX_OUTPUT_CHARS, Math.max(MIN_OUTPUT_CHARS, tokens * OUTPUT_CHARS_PER_TOKEN));
}

/** Why an answer stopped at the cap, for the user: what happened, that nothing was lost, what to do. */
export function outputCapNote(chars: number, maxOutputTokens: number | undefined): string {
  const limit =
    maxOutputTokens !== undefined && Number.isFinite(maxOutputTokens) && maxOutputTokens > 0
      ? `the output limit was ${formatCount(maxOutputTokens)} tokens`
      : 'no output limit was set';
  return `Stopped after ${formatCount(chars)} characters: the server kept sending (${limit}). The answer so far is kept; Continue asks for more.`;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
