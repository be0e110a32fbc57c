/** Copy Chat / Export Chat's Markdown: headings, verbatim text, context file names, one figures line per answer. */
import * as assert from 'node:assert/strict';
import { answerLine, chatMarkdown } from '../../src/features/chat/chatMarkdown';
import type { AssistantMessageView, MessageView } from '../../src/shared/protocol';

const stats = {
  provider: 'openai-compatible' as const,
  providerLabel: 'Simulator',
  model: 'sim-fast',
  ttftMs: 120.4,
  tokensPerSecond: 45.24,
  outputTokens: 312,
  estimated: true,
  finishReason: 'stop' as const,
};

describe('chatMarkdown', () => {
  it('writes the title, each question and answer verbatim (fences intact), context names and the figures line', () => {
    const answer = 'Use a loop:\n\n```ts\nfor (const x of xs) {\n  use(x);\n}\n```\n\n- done';
    const messages: MessageView[] = [
      {
        id: 'u1',
        role: 'user',
        text: 'How do I\niterate?',
        contextFiles: [
          { kind: 'file', fileName: 'src/app.ts', languageId: 'typescript', text: 'x' },
          { kind: 'selection', fileName: 'lib/a`b.ts', languageId: 'typescript', text: 'y' },
        ],
      },
      { id: 'a1', role: 'assistant', text: answer, state: 'done', stats },
      { id: 'u2', role: 'user', text: 'And then?' },
      {
        id: 'a2',
        role: 'assistant',
        text: 'Partly',
        state: 'error',
        stats: { ...stats, estimated: false, finishReason: undefined },
        error: { kind: 'connection', message: 'Connection reset\nby peer' },
      },
    ];
    assert.equal(
      chatMarkdown('How do I iterate?', messages),
      [
        '# How do I iterate?',
        '## You',
        'How do I\niterate?',
        'Context: `src/app.ts`, `` lib/a`b.ts ``',
        '## Sidestream',
        answer,
        '_Simulator · sim-fast — TTFT 120 ms · 45.2 tok/s · 312 tokens (estimated) · stop_',
        '## You',
        'And then?',
        '## Sidestream',
        'Partly',
        '_Simulator · sim-fast — TTFT 120 ms · 45.2 tok/s · 312 tokens · error: Connection reset by peer_',
      ].join('\n\n') + '\n',
    );
  });

  it('a cancelled answer, an answer without figures, an untitled chat, and underscores in the figures line', () => {
    const cancelled: AssistantMessageView = { id: 'a', role: 'assistant', text: '', state: 'cancelled' };
    assert.equal(answerLine(cancelled), 'cancelled');
    assert.equal(answerLine({ ...cancelled, state: 'error', error: { kind: 'auth', message: 'Bad key' } }), 'error: Bad key');
    const md = chatMarkdown(undefined, [
      { id: 'u', role: 'user', text: 'q' },
      { ...cancelled, stats: { ...stats, model: 'my_model', ttftMs: undefined, tokensPerSecond: undefined, outputTokens: undefined } },
    ]);
    assert.ok(md.startsWith('# Sidestream chat\n\n'), md);
    assert.ok(md.endsWith('## Sidestream\n\n_Simulator · my\\_model — cancelled_\n'), md);
  });
});
