/**
 * What a question sends besides its text, in plain Node with the real tokenizer:
 * - the editor selection is cut like a file (at the per-file token limit, with the visible note);
 * - a follow-up does not re-send every earlier turn's files in full: each file goes in full once
 *   (the current question's files always, in full), earlier copies become a one-line reference, and
 *   earlier turns' files are sent in full only within a budget, newest first.
 */
import * as assert from 'node:assert/strict';
import { EARLIER_FILES_TOKEN_BUDGET, userTurnsWithContext } from '../../src/core/contextPrompt';
import { countTokens } from '../../src/core/metrics';
import type { ContextFile } from '../../src/shared/protocol';
import { contextFileFor, MAX_TOKENS_PER_FILE, selectionContextFor } from '../../src/platform/contextLimits';

const count = (text: string) => countTokens(text, 'cl100k_base');
const lines = (n: number, tag = 'file') => Array.from({ length: n }, (_, i) => `const ${tag}${i} = compute(${i}, "line ${i} of the ${tag}");`).join('\n');

function file(name: string, lineCount: number): ContextFile {
  return contextFileFor(name, 'typescript', lines(lineCount, name.replace(/\W/g, '')), count);
}

describe('Context: the selection is cut like a file', () => {
  it('a selection over the per-file limit is cut at a line boundary with the visible note, and stays a selection', () => {
    const selected = lines(3_000, 'sel');
    const context = selectionContextFor('src/big.ts', 'typescript', selected, count);
    assert.equal(context.kind, 'selection');
    assert.equal(context.fileName, 'src/big.ts');
    assert.ok(context.text.length < selected.length, 'the selection was cut');
    assert.ok(selected.startsWith(context.text), 'cut from the start');
    assert.ok((context.tokens ?? Infinity) <= MAX_TOKENS_PER_FILE, `at most the limit: ${context.tokens}`);
    assert.match(context.truncatedNote ?? '', /^cut to the first [\d,]+ of [\d,]+ tokens$/);
  });

  it('a short selection is sent whole, counted, without a note', () => {
    const context = selectionContextFor('src/a.ts', 'typescript', 'const a = 1;', count);
    assert.deepEqual(context, { kind: 'selection', fileName: 'src/a.ts', languageId: 'typescript', text: 'const a = 1;', tokens: count('const a = 1;'), truncatedNote: undefined });
  });
});

describe('Context: a follow-up sends earlier turns’ files once', () => {
  const a = file('src/a.ts', 40);
  const b = file('src/b.ts', 40);

  it('the current question’s files are always in full', () => {
    const [first] = userTurnsWithContext([{ text: 'Explain', files: [a, b] }]);
    assert.ok(first!.includes(a.text) && first!.includes(b.text));
  });

  it('a file attached again in the new question is sent in full there only; the earlier copy is a reference', () => {
    const a2 = { ...a, text: `${a.text}\n// edited` };
    const [earlier, current] = userTurnsWithContext([
      { text: 'Explain a', files: [a] },
      { text: 'And now?', files: [a2] },
    ]);
    assert.ok(current!.includes(a2.text), 'the current content in full');
    assert.ok(!earlier!.includes(a.text), 'the earlier copy is not re-sent');
    assert.match(earlier!, /`src\/a\.ts` was attached here; not re-sent/);
    assert.ok(earlier!.startsWith('Explain a'), 'the earlier question itself is kept');
  });

  it('the same file attached in several earlier turns goes in full once (the latest copy)', () => {
    const turns = userTurnsWithContext([
      { text: 'One', files: [a] },
      { text: 'Two', files: [a] },
      { text: 'Three', files: [] },
    ]);
    const fullCopies = turns.filter((t) => t.includes(a.text)).length;
    assert.equal(fullCopies, 1);
    assert.ok(turns[1]!.includes(a.text), 'the latest attachment keeps the content');
    assert.ok(!turns[0]!.includes(a.text));
  });

  it('earlier turns’ files beyond the budget are references, newest kept first; the request stays bounded however long the chat', () => {
    const big = Array.from({ length: 12 }, (_, i) => file(`src/f${i}.ts`, 3_000));
    for (const f of big) assert.ok((f.tokens ?? 0) > 7_000);
    const turns = userTurnsWithContext([...big.map((f, i) => ({ text: `Q${i}`, files: [f] })), { text: 'Summarise', files: [] }]);
    const full = big.filter((f, i) => turns[i]!.includes(f.text));
    const sentTokens = full.reduce((sum, f) => sum + (f.tokens ?? 0), 0);
    assert.ok(sentTokens <= EARLIER_FILES_TOKEN_BUDGET, `${sentTokens} tokens of earlier files`);
    assert.ok(full.length >= 1, 'the newest earlier file is still there');
    assert.ok(turns[11]!.includes(big[11]!.text), 'the newest first');
    assert.ok(!turns[0]!.includes(big[0]!.text), 'the oldest is a reference');
    assert.match(turns[0]!, /`src\/f0\.ts` was attached here; not re-sent/);
    const total = turns.reduce((sum, t) => sum + t.length, 0);
    assert.ok(total < big.reduce((sum, f) => sum + f.text.length, 0) / 3, 'far less than every file again');
  });

  it('selections are told apart by their text: two different selections of one file both go', () => {
    const s1 = selectionContextFor('src/a.ts', 'typescript', 'const one = 1;', count);
    const s2 = selectionContextFor('src/a.ts', 'typescript', 'const two = 2;', count);
    const [first, second] = userTurnsWithContext([
      { text: 'First', files: [s1] },
      { text: 'Second', files: [s2] },
    ]);
    assert.ok(first!.includes('const one = 1;'));
    assert.ok(second!.includes('const two = 2;'));
  });
});
