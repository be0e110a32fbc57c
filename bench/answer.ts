/**
 * The benchmark's answer text: deterministic markdown with headings, paragraphs, lists, tables,
 * quotes and fenced code in several languages — what a long coding answer looks like. Kept in the
 * bench (not shared with tests) so results stay comparable across runs.
 */
import { tokenize } from '../src/simulator/tokenize';

const WORDS = 'the stream parser token buffer request model latency answer reader chunk event signal abort retry window render frame block list table code fence value index offset cursor panel host message delta socket'.split(' ');

const CODE: Array<[string, string]> = [
  ['ts', 'export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {\n  const decoder = new TextDecoder();\n  let buffer = "";\n  for await (const chunk of body) {\n    buffer += decoder.decode(chunk, { stream: true });\n    let nl: number;\n    while ((nl = buffer.indexOf("\\n")) >= 0) {\n      yield buffer.slice(0, nl);\n      buffer = buffer.slice(nl + 1);\n    }\n  }\n  if (buffer) yield buffer;\n}'],
  ['python', 'def tokens_per_second(tokens: int, first_ms: float, last_ms: float) -> float | None:\n    """Rate over the answer, not the request."""\n    span = (last_ms - first_ms) / 1000\n    if span <= 0:\n        return None\n    return tokens / span\n\nprint(f"{tokens_per_second(512, 300.0, 9800.5):.1f} tok/s")'],
  ['json', '{\n  "model": "gpt-4o-mini",\n  "stream": true,\n  "stream_options": { "include_usage": true },\n  "messages": [{ "role": "user", "content": "Hello <b>there</b> & welcome" }]\n}'],
  ['bash', 'curl -N https://api.example.com/v1/chat \\\n  -H "Authorization: Bearer $KEY" \\\n  -d @request.json | grep --line-buffered "^data:"'],
  ['rust', 'fn main() {\n    let v: Vec<u32> = (1..=10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}'],
  ['go', 'func main() {\n\tch := make(chan string)\n\tgo func() { ch <- "hi" }()\n\tfmt.Println(<-ch)\n}'],
];

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    words.push(w);
  }
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1) + '.';
}

function block(rand: () => number, section: number): string {
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${'#'.repeat(2 + Math.floor(rand() * 2))} Section ${section}: ${sentence(rand).slice(0, 40)}`;
    case 1: {
      const lines: string[] = [];
      for (let i = 0, n = 2 + Math.floor(rand() * 4); i < n; i++) {
        lines.push(`- ${sentence(rand)}`);
        if (rand() < 0.3) lines.push(`  - nested ${sentence(rand)}`);
      }
      return lines.join('\n');
    }
    case 2: {
      const rows = ['| Name | Value | Notes |', '| --- | ---: | --- |'];
      for (let i = 0, n = 2 + Math.floor(rand() * 4); i < n; i++) rows.push(`| ${WORDS[i]} | ${Math.floor(rand() * 1000)} | ${sentence(rand).slice(0, 30)} |`);
      return rows.join('\n');
    }
    case 3:
      return `> ${sentence(rand)} ${sentence(rand)}`;
    case 4:
    case 5: {
      const [lang, code] = CODE[Math.floor(rand() * CODE.length)]!;
      return '```' + lang + '\n' + code + '\n```';
    }
    default:
      return Array.from({ length: 2 + Math.floor(rand() * 4) }, () => sentence(rand)).join(' ');
  }
}

/**
 * An answer of exactly `tokenCount` simulator tokens (the simulator's tokenizer: word pieces of at
 * most six characters), returned as its tokens so the bench can stream them.
 */
export function answerTokens(tokenCount: number, seed = 7): string[] {
  const rand = prng(seed);
  const parts: string[] = [];
  let estimate = 0;
  let section = 1;
  while (estimate < tokenCount * 1.1 + 50) {
    const b = block(rand, section++);
    parts.push(b);
    estimate += tokenize(b + '\n\n').length;
  }
  return tokenize(parts.join('\n\n')).slice(0, tokenCount);
}
