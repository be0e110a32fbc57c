/**
 * A chat at the store's bound, for the long-chat tests and B14: 400 messages (200 questions, 200
 * answers of realistic length, 250–750 tokens of the simulator's markdown with code), seeded.
 */
import type { MessageView } from '../../src/shared/protocol';
import { answerTokens, mulberry32 } from '../../src/simulator/answers';

export const LONG_CHAT_MESSAGES = 400;

export function longChat(prefix = 'm', messages = LONG_CHAT_MESSAGES, seed = 14): MessageView[] {
  const rand = mulberry32(seed);
  const out: MessageView[] = [];
  for (let i = 0; out.length < messages; i++) {
    out.push({ id: `${prefix}q${i}`, role: 'user', text: `Question ${i + 1} (${prefix}): how does part ${i + 1} of the streaming renderer work?` });
    const tokens = 250 + Math.floor(rand() * 500);
    out.push({
      id: `${prefix}a${i}`,
      role: 'assistant',
      text: answerTokens(tokens, 1000 + i).join(''),
      state: 'done',
      stats: { model: 'sim-model', providerLabel: 'Simulator', ttftMs: 300, tokensPerSecond: 120, outputTokens: tokens, estimated: false, finishReason: 'stop' },
    });
  }
  return out.slice(0, messages);
}
