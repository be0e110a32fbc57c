/** Generates long, realistic assistant answers (markdown + code) for streaming tests. */
import { mulberry32 } from './webviewHarness';

const WORDS = 'the stream parser token buffer request model latency answer reader chunk event signal abort retry window render frame block list table code fence value index offset cursor panel host message'.split(' ');

const CODE: Array<[string, string]> = [
  ['ts', 'export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {\n  const decoder = new TextDecoder();\n  let buffer = "";\n  for await (const chunk of body) {\n    buffer += decoder.decode(chunk, { stream: true });\n    let nl: number;\n    while ((nl = buffer.indexOf("\\n")) >= 0) {\n      yield buffer.slice(0, nl);\n      buffer = buffer.slice(nl + 1);\n    }\n  }\n  if (buffer) yield buffer;\n}'],
  ['python', 'def tokens_per_second(tokens: int, first_ms: float, last_ms: float) -> float | None:\n    """Rate over the answer, not the request."""\n    span = (last_ms - first_ms) / 1000\n    if span <= 0:\n        return None\n    return tokens / span\n\nprint(f"{tokens_per_second(512, 300.0, 9800.5):.1f} tok/s")'],
  ['json', '{\n  "model": "gpt-4o-mini",\n  "stream": true,\n  "stream_options": { "include_usage": true },\n  "messages": [{ "role": "user", "content": "Hello <b>there</b> & welcome" }]\n}'],
  ['bash', 'curl -N https://api.example.com/v1/chat \\\n  -H "Authorization: Bearer $KEY" \\\n  -d @request.json | grep --line-buffered "^data:"'],
  ['rust', 'fn main() {\n    let v: Vec<u32> = (1..=10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}'],
  ['', 'plain text block\n  with indentation <not html>\n\tand a tab'],
  ['go', 'func main() {\n\tch := make(chan string)\n\tgo func() { ch <- "hi" }()\n\tfmt.Println(<-ch)\n}'],
];

function sentence(rand: () => number): string {
  const n = 6 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = WORDS[Math.floor(rand() * WORDS.length)];
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

/** Markdown of roughly `targetChars` characters: headings, paragraphs, lists, tables, quotes and code. */
export function makeLongAnswer(seed: number, targetChars: number): string {
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
        const [lang, code] = CODE[Math.floor(rand() * CODE.length)];
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
