/**
 * marked 18 configured for the chat panel: block lexing with a carried-over link-definition table,
 * and a renderer that never emits raw HTML, remote images or unsafe links. Every rendered fragment
 * goes through DOMPurify before it reaches the DOM.
 */
import { Lexer, Parser, Renderer, type MarkedOptions, type Token, type Tokens } from 'marked';
import { escapeHtml, highlightCode } from './highlightCode';
import { sanitizeToFragment } from './sanitizeHtml';

/** Link reference definitions, keyed by normalised label, as marked stores them. */
export type LinkTable = Record<string, { href: string | null; title: string | null }>;

const SAFE_HREF = /^(?:https?:|mailto:)/i;

/** marked's renderer with the dangerous parts replaced by safe, inert equivalents. */
class SafeRenderer extends Renderer {
  constructor(private readonly highlight: boolean) {
    super();
  }

  /** Raw HTML (block or inline) is shown as text, never interpreted. */
  override html({ text, block }: Tokens.HTML | Tokens.Tag): string {
    const escaped = escapeHtml(text);
    return block ? `<p>${escaped.replace(/\n+$/, '')}</p>\n` : escaped;
  }

  /** Text inside a raw `<pre>`/`<code>` tag arrives unescaped from marked; escape it anyway. */
  override text(token: Tokens.Text | Tokens.Escape): string {
    if ('tokens' in token && token.tokens) return this.parser.parseInline(token.tokens);
    return escapeHtml(token.text);
  }

  override code({ text, lang }: Tokens.Code): string {
    const word = (lang ?? '').match(/^\S*/)?.[0] ?? '';
    const langClass = word.replace(/[^\w+#.-]/g, '');
    const body = highlightCode(text.replace(/\n$/, ''), word, this.highlight);
    const label = word ? escapeHtml(word) : 'text';
    return (
      `<div class="code-block"><div class="code-toolbar"><span class="code-lang">${label}</span>` +
      `<button type="button" class="code-action" data-action="copy" title="Copy" aria-label="Copy code">` +
      `<span class="codicon codicon-copy" aria-hidden="true"></span></button>` +
      `<button type="button" class="code-action" data-action="insert" title="Insert at Cursor" aria-label="Insert code at cursor">` +
      `<span class="codicon codicon-insert" aria-hidden="true"></span></button></div>` +
      `<pre><code class="hljs${langClass ? ` language-${langClass}` : ''}">${body}\n</code></pre></div>\n`
    );
  }

  override link({ href, title, tokens }: Tokens.Link): string {
    const inner = this.parser.parseInline(tokens);
    const target = (href ?? '').trim();
    if (!SAFE_HREF.test(target)) return `<span class="link-blocked" title="Link removed: only http(s) and mailto links are allowed">${inner}</span>`;
    const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
    return `<a href="${escapeHtml(target)}"${titleAttr}>${inner}</a>`;
  }

  /** Remote images are never loaded: the image becomes a text placeholder. */
  override image({ text }: Tokens.Image): string {
    const alt = text.trim() || 'image';
    return `<span class="image-placeholder">[image: ${escapeHtml(alt)} — remote images are not loaded]</span>`;
  }

  /** Task-list boxes are shown as symbols; no form controls in rendered content. */
  override checkbox({ checked }: Tokens.Checkbox): string {
    return `<span class="task-box" aria-hidden="true">${checked ? '☑' : '☐'}</span> `;
  }
}

function options(highlight: boolean): MarkedOptions {
  return { gfm: true, breaks: false, pedantic: false, silent: true, renderer: new SafeRenderer(highlight) };
}

const finishedParser = new Parser(options(true));
const liveParser = new Parser(options(false));
const lexerOptions: MarkedOptions = { gfm: true, breaks: false, pedantic: false, silent: true };

/** Normalises line endings the way marked does, so offsets into the text match token `raw`s. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/**
 * Lexes `src` into top-level block tokens. `links` seeds the reference-definition table (definitions
 * from blocks already finished); the returned table also holds any definitions found in `src`.
 */
export function lexBlocks(src: string, links: LinkTable): { tokens: Token[]; links: LinkTable } {
  const lexer = new Lexer({ ...lexerOptions });
  Object.assign(lexer.tokens.links, links);
  const tokens = lexer.lex(src);
  return { tokens, links: tokens.links as LinkTable };
}

/**
 * Renders top-level tokens to a sanitized fragment. Finished blocks get syntax highlighting; the
 * live (still streaming) block is rendered plain because it is re-rendered every frame.
 */
export function renderBlocks(tokens: Token[], finished: boolean): DocumentFragment {
  const parser = finished ? finishedParser : liveParser;
  return sanitizeToFragment(parser.parse(tokens));
}

/** Link definitions declared anywhere inside a block token (blockquotes and lists can hold them). */
export function collectDefinitions(token: Token, out: Tokens.Def[] = []): Tokens.Def[] {
  if (token.type === 'def') out.push(token as Tokens.Def);
  const children = (token as { tokens?: Token[] }).tokens;
  if (Array.isArray(children)) for (const child of children) collectDefinitions(child, out);
  const items = (token as { items?: Token[] }).items;
  if (token.type === 'list' && Array.isArray(items)) for (const item of items) collectDefinitions(item, out);
  return out;
}
