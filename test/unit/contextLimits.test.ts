/**
 * The composer's context limits in plain Node, with the real tokenizer the extension counts with:
 * a long file is cut at a line boundary within the per-file limit and says so in a note; a huge
 * file never has more than a bounded prefix tokenized; binary content and secret-looking names are
 * recognized; chips carry what the panel shows.
 */
import * as assert from 'node:assert/strict';
import { countTokens } from '../../src/core/metrics';
import {
  chipFor,
  contextFileFor,
  CUT_CHARS_PER_TOKEN,
  cutToTokenLimit,
  formatCount,
  languageIdForPath,
  looksBinary,
  looksLikeSecretFile,
  MAX_ATTACHED_FILES,
  MAX_TOKENS_PER_FILE,
  truncatedNote,
} from '../../src/platform/contextLimits';

const count = (text: string) => countTokens(text, 'cl100k_base');
const lines = (n: number) => Array.from({ length: n }, (_, i) => `const value${i} = compute(${i}, "line ${i} of the file");`).join('\n');

describe('Context limits: cutting a long file', () => {
  it('documents limits a question can live with (8,000 tokens a file, 10 files)', () => {
    assert.equal(MAX_TOKENS_PER_FILE, 8_000);
    assert.equal(MAX_ATTACHED_FILES, 10);
  });

  it('sends a file under the limit whole, with its exact count and no note', () => {
    const text = lines(50);
    const cut = cutToTokenLimit(text, count);
    assert.equal(cut.text, text);
    assert.equal(cut.truncated, false);
    assert.equal(cut.tokens, count(text));
    assert.equal(truncatedNote(cut), undefined);
  });

  it('cuts a longer file at a line boundary, as close to the limit as whole lines go', () => {
    const text = lines(3_000);
    const cut = cutToTokenLimit(text, count);
    assert.equal(cut.truncated, true);
    assert.ok(cut.tokens <= MAX_TOKENS_PER_FILE, `${cut.tokens} tokens`);
    assert.ok(text.startsWith(cut.text), 'the cut is a prefix of the file');
    assert.equal(text[cut.text.length], '\n', 'the cut ends where a line ends');
    const nextLine = text.slice(0, text.indexOf('\n', cut.text.length + 1));
    assert.ok(count(nextLine) > MAX_TOKENS_PER_FILE, 'one more line would not have fit');
    assert.equal(cut.tokens, count(cut.text));
    assert.equal(cut.totalTokens, count(text));
    assert.equal(cut.totalEstimated, false);
  });

  it('writes the note with both counts, e.g. "cut to the first 7,998 of 23,412 tokens"', () => {
    const cut = cutToTokenLimit(lines(3_000), count);
    assert.equal(truncatedNote(cut), `cut to the first ${formatCount(cut.tokens)} of ${formatCount(cut.totalTokens)} tokens`);
    assert.match(truncatedNote(cut)!, /^cut to the first \d,\d{3} of \d{2},\d{3} tokens$/);
    const marked = truncatedNote(cut, (m, ...a) => `«${m}|${a.join('|')}»`);
    assert.equal(marked, `«cut to the first {0} of {1} tokens|${formatCount(cut.tokens)}|${formatCount(cut.totalTokens)}»`);
  });

  it('tokenizes a bounded prefix of a huge file only, and estimates its total ("of about …")', () => {
    const text = lines(60_000); // ~3.5 MB
    let counted = 0;
    const cut = cutToTokenLimit(text, (t) => {
      counted = Math.max(counted, t.length);
      return count(t);
    });
    assert.ok(counted <= MAX_TOKENS_PER_FILE * CUT_CHARS_PER_TOKEN, `tokenized ${counted} characters at once`);
    assert.equal(cut.truncated, true);
    assert.equal(cut.totalEstimated, true);
    assert.ok(cut.tokens <= MAX_TOKENS_PER_FILE);
    const exact = count(text);
    assert.ok(Math.abs(cut.totalTokens - exact) / exact < 0.1, `estimate ${cut.totalTokens} vs ${exact}`);
    assert.match(truncatedNote(cut)!, /^cut to the first [\d,]+ of about [\d,]+ tokens$/);
  });

  it('cuts a single over-long line (minified code) inside the line, never inside a surrogate pair', () => {
    const text = 'x=1;'.repeat(2_000) + 'ab😀 '.repeat(10_000);
    const cut = cutToTokenLimit(text, count, 3_000);
    assert.equal(cut.truncated, true);
    assert.ok(cut.tokens <= 3_000 && cut.tokens > 2_900, `${cut.tokens} tokens`);
    assert.ok(text.startsWith(cut.text));
    const last = cut.text.charCodeAt(cut.text.length - 1);
    assert.ok(!(last >= 0xd800 && last <= 0xdbff), 'ends on a whole character');
  });

  it('keeps a file whose long tokens run out the character budget first to its whole lines', () => {
    const text = Array.from({ length: 2_000 }, () => ' '.repeat(200)).join('\n'); // whitespace runs: few tokens per char
    const cut = cutToTokenLimit(text, count, 500);
    assert.equal(cut.truncated, true);
    assert.ok(cut.tokens <= 500);
    assert.equal(text[cut.text.length], '\n');
  });

  it('builds the ContextFile that is sent and saved: cut text, tokens and the note', () => {
    const file = contextFileFor('src/big.ts', 'typescript', lines(3_000), count);
    assert.equal(file.kind, 'file');
    assert.equal(file.fileName, 'src/big.ts');
    assert.equal(file.languageId, 'typescript');
    assert.equal(file.tokens, count(file.text));
    assert.match(file.truncatedNote!, /^cut to the first/);
    assert.equal(contextFileFor('a.ts', 'typescript', 'let a = 1;', count).truncatedNote, undefined);
  });
});

describe('Context limits: what may go along', () => {
  it('recognizes binary content by its NUL bytes', () => {
    assert.equal(looksBinary(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00])), true);
    assert.equal(looksBinary(new TextEncoder().encode('plain text\nwith ünïcödé')), false);
    assert.equal(looksBinary(new Uint8Array()), false);
  });

  it('asks before sending files that usually hold secrets', () => {
    for (const name of [
      '.env',
      '.env.local',
      'config/.env.production',
      'prod.env',
      'server.pem',
      'tls/private.KEY',
      'id_rsa',
      '/home/u/.ssh/id_ed25519',
      '.npmrc',
      '.pypirc',
      '.netrc',
      '.aws/credentials',
      'C:\\keys\\cert.pfx',
      'secrets.json',
    ]) {
      assert.equal(looksLikeSecretFile(name), true, name);
    }
    for (const name of ['.env.example', '.env.sample', 'src/env.ts', 'id_rsa.pub', 'keyboard.ts', 'README.md', 'package.json', 'src/keys.ts', 'environment.yml']) {
      assert.equal(looksLikeSecretFile(name), false, name);
    }
  });

  it('names the fence language from the extension when no editor knows it', () => {
    assert.equal(languageIdForPath('src/app.ts'), 'typescript');
    assert.equal(languageIdForPath('lib/x.PY'), 'python');
    assert.equal(languageIdForPath('Dockerfile'), 'dockerfile');
    assert.equal(languageIdForPath('.gitignore'), 'plaintext');
    assert.equal(languageIdForPath('notes.unknownext'), 'plaintext');
  });

  it('shows a chip with the file name, its path, tokens and note; the active file as a suggestion', () => {
    const snapshot = { kind: 'file' as const, fileName: 'src/deep/app.ts', languageId: 'typescript', text: 'x', tokens: 1234, truncatedNote: 'cut' };
    assert.deepEqual(chipFor({ id: 'file-1', fileName: 'src/deep/app.ts', snapshot }), {
      id: 'file-1',
      kind: 'file',
      label: 'app.ts',
      description: 'src/deep/app.ts',
      tokens: 1234,
      truncatedNote: 'cut',
      suggested: undefined,
    });
    const offered = chipFor({ id: 'active-2', fileName: 'README.md', snapshot: { tokens: 5, truncatedNote: undefined } }, true);
    assert.equal(offered.kind, 'activeFile');
    assert.equal(offered.suggested, true);
    assert.equal(offered.label, 'README.md');
  });
});
