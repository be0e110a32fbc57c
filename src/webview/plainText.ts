/**
 * The text a rendered answer reads as, without rendering it: what a message far off screen keeps in
 * the DOM (see ChatView's virtual messages) so find-in-page, select-all + copy and screen readers
 * still reach it. Markdown syntax goes (fences, emphasis markers, link targets); words, code and
 * table cells stay, one block per paragraph.
 */
import { Lexer, type Token } from 'marked';

const lexerOptions = { gfm: true, breaks: false, pedantic: false, silent: true };

/** Plain text of a markdown answer: blocks separated by a blank line. */
export function markdownPlainText(markdown: string): string {
  if (!markdown) return '';
  let tokens: Token[];
  try {
    tokens = new Lexer({ ...lexerOptions }).lex(markdown);
  } catch {
    return markdown;
  }
  const blocks: string[] = [];
  for (const token of tokens) {
    const text = blockText(token).trim();
    if (text) blocks.push(text);
  }
  return blocks.join('\n\n');
}

function blockText(token: Token): string {
  switch (token.type) {
    case 'space':
    case 'hr':
    case 'def':
      return '';
    case 'code':
      return token.text;
    case 'list':
      return (token.items as Token[]).map((item) => blockChildren(item)).join('\n');
    case 'table': {
      const row = (cells: Array<{ tokens: Token[] }>) => cells.map((c) => inlineText(c.tokens)).join('\t');
      return [row(token.header), ...(token.rows as Array<Array<{ tokens: Token[] }>>).map(row)].join('\n');
    }
    case 'blockquote':
    case 'list_item':
      return blockChildren(token);
    case 'html':
      return token.text;
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? inlineText(token.tokens) : 'text' in token ? String(token.text) : '';
  }
}

function blockChildren(token: Token): string {
  const children = (token as { tokens?: Token[] }).tokens ?? [];
  return children
    .map((child) => (isInline(child) ? inlineText([child]) : blockText(child)))
    .filter((t) => t.length > 0)
    .join('\n');
}

function isInline(token: Token): boolean {
  return token.type === 'text' && !('tokens' in token && token.tokens && token.tokens.some((t) => !isInlineType(t.type)));
}

function isInlineType(type: string): boolean {
  return ['text', 'strong', 'em', 'codespan', 'del', 'link', 'image', 'br', 'escape', 'html'].includes(type);
}

function inlineText(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.type === 'br') out += '\n';
    else if (t.type === 'image') out += `[image: ${t.text || 'image'}]`;
    else if ('tokens' in t && Array.isArray(t.tokens) && t.tokens.length) out += inlineText(t.tokens);
    else if (t.type === 'escape' || t.type === 'codespan' || t.type === 'text' || t.type === 'html') out += decodeEntities(t.text);
    else if ('text' in t) out += String(t.text);
  }
  return out;
}

/** marked escapes `&<>"'` in codespan text; the reader wants the characters. */
function decodeEntities(text: string): string {
  return text.includes('&') ? text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _) : text;
}
