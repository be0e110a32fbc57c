import { tokenize } from './tokenize';

/**
 * Realistic markdown answers the simulator streams when a script gives no text: headings, lists,
 * a table, fenced TypeScript/Python/bash and inline code, so the panel's renderer is exercised
 * the way a real answer would exercise it.
 */
export const CANNED_ANSWERS: readonly string[] = [
  [
    '## Debouncing in TypeScript',
    '',
    'A debounce delays a call until the caller has been quiet for `waitMs` milliseconds. It is the',
    'right tool for search boxes and resize handlers, where only the **last** event matters.',
    '',
    '```ts',
    'export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number) {',
    '  let timer: ReturnType<typeof setTimeout> | undefined;',
    '  return (...args: A): void => {',
    '    if (timer !== undefined) clearTimeout(timer);',
    '    timer = setTimeout(() => fn(...args), waitMs);',
    '  };',
    '}',
    '```',
    '',
    'A few things to keep in mind:',
    '',
    '1. The returned function drops the return value of `fn`; use a promise if you need it.',
    '2. Clear the timer when the component is disposed, or the last call fires after teardown.',
    '3. For scroll handlers prefer **throttle**, which runs at most once per interval.',
    '',
    '| Technique | Runs | Good for |',
    '| --- | --- | --- |',
    '| debounce | once, after the burst | search input, autosave |',
    '| throttle | at most every N ms | scroll, mousemove |',
    '| requestAnimationFrame | once per frame | visual updates |',
    '',
  ].join('\n'),
  [
    '### Reading a large CSV file in Python',
    '',
    "Don't load the whole file with `readlines()`: iterate instead, so memory stays flat no matter",
    'how big the file is.',
    '',
    '```python',
    'import csv',
    'from collections import Counter',
    '',
    'def count_by_country(path: str) -> Counter[str]:',
    '    counts: Counter[str] = Counter()',
    '    with open(path, newline="", encoding="utf-8") as f:',
    '        for row in csv.DictReader(f):',
    '            counts[row["country"]] += 1',
    '    return counts',
    '',
    'if __name__ == "__main__":',
    '    for country, n in count_by_country("users.csv").most_common(5):',
    '        print(f"{country:<12} {n:>8}")',
    '```',
    '',
    '- `newline=""` lets the `csv` module handle quoted line breaks itself.',
    '- `Counter.most_common(5)` sorts once at the end, not on every row.',
    '- If you need columns as numbers, look at **pandas** with `chunksize=` instead.',
    '',
    '> Tip: `python -X importtime script.py` shows whether the import of pandas is what is slow.',
    '',
  ].join('\n'),
  [
    '## Finding what changed between two releases',
    '',
    'Git can answer this directly. Start with the commit list, then narrow down by path:',
    '',
    '```bash',
    '# commits in v2.1.0 that are not in v2.0.0',
    'git log --oneline v2.0.0..v2.1.0',
    '',
    '# only the files that changed, with a change summary',
    'git diff --stat v2.0.0 v2.1.0 -- src/',
    '',
    '# who touched the parser, and when',
    'git log --format="%h %an %ad %s" --date=short v2.0.0..v2.1.0 -- src/parser.ts',
    '```',
    '',
    'Useful flags:',
    '',
    '- `--no-merges` hides merge commits.',
    '- `-S "functionName"` finds commits that added or removed a string (the *pickaxe*).',
    '- `--first-parent` follows only the main line of a merge-heavy history.',
    '',
    'If a regression appeared somewhere in that range, `git bisect start v2.1.0 v2.0.0` will find',
    'the exact commit in about `log2(n)` steps.',
    '',
  ].join('\n'),
  [
    '# Choosing between `Map` and a plain object',
    '',
    'Both store key/value pairs, but they are built for different jobs.',
    '',
    '| | `Map` | `Object` |',
    '| --- | --- | --- |',
    '| Key types | any value | strings and symbols |',
    '| Order | insertion order | mostly insertion order |',
    '| Size | `map.size` | `Object.keys(o).length` |',
    '| Frequent add/delete | fast | can deopt |',
    '| JSON | needs conversion | native |',
    '',
    'Use a `Map` for caches and lookups keyed by objects:',
    '',
    '```ts',
    'const cache = new Map<string, Promise<Response>>();',
    '',
    'function fetchOnce(url: string): Promise<Response> {',
    '  let pending = cache.get(url);',
    '  if (!pending) {',
    '    pending = fetch(url);',
    '    cache.set(url, pending);',
    '  }',
    '  return pending;',
    '}',
    '```',
    '',
    'Use a plain object for **records** with a fixed shape, such as parsed configuration, where',
    'TypeScript can check every property name.',
    '',
  ].join('\n'),
  [
    '## Why `await` in a loop is slow',
    '',
    'Each `await` inside a `for` loop waits for the previous request before starting the next one,',
    'so ten requests of 200 ms take two seconds.',
    '',
    '```ts',
    '// sequential: ~n × latency',
    'for (const id of ids) {',
    '  results.push(await load(id));',
    '}',
    '',
    '// concurrent: ~1 × latency',
    'const results = await Promise.all(ids.map((id) => load(id)));',
    '```',
    '',
    'When there are thousands of ids, cap the concurrency instead of starting everything at once:',
    '',
    '```ts',
    'async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {',
    '  const out: R[] = new Array(items.length);',
    '  let next = 0;',
    '  const worker = async () => {',
    '    while (next < items.length) {',
    '      const i = next++;',
    '      out[i] = await fn(items[i]);',
    '    }',
    '  };',
    '  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));',
    '  return out;',
    '}',
    '```',
    '',
    '- `Promise.all` rejects on the first failure; use `Promise.allSettled` to keep partial results.',
    '- Keep the order of `results` equal to the order of `ids` by writing to `out[i]`.',
    '',
  ].join('\n'),
];

/** Reasoning text for scripts and model names that ask for reasoning without giving any. */
/** The commentary message a `sim-commentary` answer starts with (Responses sends it as its own item). */
export const CANNED_COMMENTARY = 'Got it — I will check the relevant docs first, then answer.';

export const CANNED_REASONING =
  'The user is asking a programming question. I should give a short explanation first, then a ' +
  'complete code example they can paste, and finish with the pitfalls that usually bite people.';

/** FNV-1a: a tiny stable hash, so the same question always gets the same canned answer. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The canned answer for a question; the same question always picks the same answer. */
export function pickAnswer(lastUserMessage: string): string {
  return CANNED_ANSWERS[hash(lastUserMessage) % CANNED_ANSWERS.length] ?? '';
}

/** A long answer (all canned answers) for throughput runs. */
export function longAnswer(): string {
  return CANNED_ANSWERS.join('\n');
}

/** A small seeded PRNG (mulberry32), so generated text and chunkings reproduce from their seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the stream parser token buffer request model latency answer reader chunk event signal abort retry window render frame block list table code fence value index offset cursor panel host message'.split(
    ' ',
  );

const CODE: Array<[string, string]> = [
  [
    'ts',
    'export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {\n  const decoder = new TextDecoder();\n  let buffer = "";\n  for await (const chunk of body) {\n    buffer += decoder.decode(chunk, { stream: true });\n    let nl: number;\n    while ((nl = buffer.indexOf("\\n")) >= 0) {\n      yield buffer.slice(0, nl);\n      buffer = buffer.slice(nl + 1);\n    }\n  }\n  if (buffer) yield buffer;\n}',
  ],
  [
    'python',
    'def tokens_per_second(tokens: int, first_ms: float, last_ms: float) -> float | None:\n    """Rate over the answer, not the request."""\n    span = (last_ms - first_ms) / 1000\n    if span <= 0:\n        return None\n    return tokens / span\n\nprint(f"{tokens_per_second(512, 300.0, 9800.5):.1f} tok/s")',
  ],
  [
    'json',
    '{\n  "model": "gpt-4o-mini",\n  "stream": true,\n  "stream_options": { "include_usage": true },\n  "messages": [{ "role": "user", "content": "Hello <b>there</b> & welcome" }]\n}',
  ],
  ['bash', 'curl -N https://api.example.com/v1/chat \\\n  -H "Authorization: Bearer $KEY" \\\n  -d @request.json | grep --line-buffered "^data:"'],
  ['rust', 'fn main() {\n    let v: Vec<u32> = (1..=10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}'],
  ['', 'plain text block\n  with indentation <not html>\n\tand a tab'],
  ['go', 'func main() {\n\tch := make(chan string)\n\tgo func() { ch <- "hi" }()\n\tfmt.Println(<-ch)\n}'],
];

function sentence(rand: () => number): string {
  const n = 6 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = WORDS[Math.floor(rand() * WORDS.length)]!;
    const r = rand();
    if (r < 0.05) w = `**${w}**`;
    else if (r < 0.09) w = `*${w}*`;
    else if (r < 0.13) w = `\`${w}()\``;
    else if (r < 0.15) w = `[${w}](https://example.com/${w})`;
    else if (r < 0.16) w = `~~${w}~~`;
    words.push(w);
  }
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

function paragraph(rand: () => number): string {
  const n = 2 + Math.floor(rand() * 4);
  return Array.from({ length: n }, () => sentence(rand)).join(' ');
}

/**
 * A generated answer of at least `targetChars` characters: deterministic markdown for a seed, with
 * headings, paragraphs, lists, task lists, tables, quotes, rules and fenced code in several
 * languages — what a long coding answer looks like. The one generator the webview tests, the e2e
 * tests and the benchmarks share; a longer target for the same seed extends the same text.
 */
export function generateAnswer(seed: number, targetChars: number): string {
  const rand = mulberry32(seed);
  const parts: string[] = [];
  let size = 0;
  let section = 1;
  while (size < targetChars) {
    const kind = Math.floor(rand() * 9);
    let block: string;
    switch (kind) {
      case 0:
        block = `${'#'.repeat(1 + Math.floor(rand() * 3))} Section ${section++}: ${sentence(rand).slice(0, 40)}`;
        break;
      case 1: {
        const items = 2 + Math.floor(rand() * 4);
        const lines: string[] = [];
        for (let i = 0; i < items; i++) {
          lines.push(`- ${sentence(rand)}`);
          if (rand() < 0.3) lines.push(`  - nested ${sentence(rand)}`);
        }
        block = lines.join('\n');
        break;
      }
      case 2: {
        const items = 2 + Math.floor(rand() * 4);
        block = Array.from({ length: items }, (_, i) => `${i + 1}. ${sentence(rand)}`).join('\n');
        break;
      }
      case 3: {
        const rows = 2 + Math.floor(rand() * 4);
        const lines = ['| Name | Value | Notes |', '|:-----|------:|:-----:|'];
        for (let i = 0; i < rows; i++) lines.push(`| \`row${i}\` | ${Math.floor(rand() * 1000)} | ${sentence(rand).slice(0, 30)} |`);
        block = lines.join('\n');
        break;
      }
      case 4:
      case 5: {
        const [lang, code] = CODE[Math.floor(rand() * CODE.length)]!;
        block = '```' + lang + '\n' + code + '\n```';
        break;
      }
      case 6:
        block = `> ${sentence(rand)}\n> ${sentence(rand)}`;
        break;
      case 7:
        block = rand() < 0.5 ? '---' : `- [ ] ${sentence(rand)}\n- [x] ${sentence(rand)}`;
        break;
      default:
        block = paragraph(rand);
    }
    parts.push(block);
    size += block.length + 2;
  }
  return parts.join('\n\n') + '\n';
}

/**
 * A generated answer (see {@link generateAnswer}) of exactly `tokenCount` simulator tokens (word
 * pieces of at most six characters, the simulator's tokenizer), as its tokens, for streaming them.
 */
export function answerTokens(tokenCount: number, seed = 7): string[] {
  for (let chars = tokenCount * 4 + 200; ; chars *= 2) {
    const tokens = tokenize(generateAnswer(seed, chars));
    if (tokens.length >= tokenCount) return tokens.slice(0, tokenCount);
  }
}
