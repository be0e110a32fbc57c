/**
 * Continue-from-partial: how a request asks the model to carry on from text it already produced.
 * Providers that support an assistant prefill get the partial as the trailing assistant turn; the
 * others get it as an assistant turn followed by a user turn asking to continue. Either way, the
 * stream then carries only the new text.
 */
import type { ChatMessage } from './request';

/** The follow-up turn for providers without assistant prefill. */
export const CONTINUE_PROMPT = 'Continue exactly where you left off. Do not repeat anything you already wrote and do not add any preamble; start with the very next character.';

export type ContinuationMode = 'prefill' | 'follow-up';

/** The messages to send for `messages` continued from `continueFrom` (unchanged when there is nothing to continue). */
export function withContinuation(messages: readonly ChatMessage[], continueFrom: string | undefined, mode: ContinuationMode): ChatMessage[] {
  if (!continueFrom) return [...messages];
  switch (mode) {
    case 'prefill':
      return [...messages, { role: 'assistant', content: continueFrom }];
    case 'follow-up':
      return [...messages, { role: 'assistant', content: continueFrom }, { role: 'user', content: CONTINUE_PROMPT }];
  }
}
