/** Answers the stream tests share across suites (no test code: importing this registers no test). */

/**
 * The answer of the real VS Code runs (test/e2e/freshWindow.test.ts): 60 paragraphs, a numbered
 * list, one three-line ```ts block, about 3,000 tokens.
 */
export function freshWindowAnswer(): string {
  const paragraph = (i: number) =>
    `Paragraph ${i}: a streamed answer keeps its order, and every word of it arrives in the panel exactly once, never twice and never lost, whatever the timing between the host and the webview, so the final text is **exactly** what the model sent.`;
  return [
    'Sure — here is a short answer.',
    ...Array.from({ length: 30 }, (_, i) => paragraph(i + 1)),
    '1. Open the panel.\n2. Ask the question.\n3. Watch the answer stream.',
    '```ts\nexport function tokensPerSecond(tokens: number, ms: number): number {\n  return ms > 0 ? (tokens * 1000) / ms : 0;\n}\n```',
    ...Array.from({ length: 30 }, (_, i) => paragraph(i + 31)),
    'Done: that is the whole answer.',
  ].join('\n\n');
}
