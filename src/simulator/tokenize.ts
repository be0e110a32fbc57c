/**
 * The simulator's stand-in tokenizer: word pieces of at most six characters, each with its
 * leading whitespace. Deterministic and lossless (the pieces join back to the input), and close
 * enough to a BPE's piece count for pacing. The `u` flag keeps surrogate pairs whole.
 */
const TOKEN = /\s*\S{1,6}|\s+/gu;

/** Splits text into the pieces the simulator streams; `tokenize(t).join('') === t`. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

/** How many pieces `tokenize` makes, used for the input-token counts the simulator reports. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
