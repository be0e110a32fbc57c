/**
 * Syntax highlighting for finished code blocks. Only highlight.js's core and a fixed set of common
 * languages are bundled to keep the webview small; auto-detection is off because it runs every
 * grammar over the text, which is far too slow for long answers.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const languages = {
  bash,
  c,
  cpp,
  csharp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  kotlin,
  markdown,
  php,
  python,
  ruby,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, grammar] of Object.entries(languages)) {
  hljs.registerLanguage(name, grammar);
}

/** Escapes text for use in HTML text or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' } as Record<string, string>)[ch]};`);
}

/** The registered grammar name for a fence's language word (aliases such as `ts` resolve), if bundled. */
export function resolveLanguage(lang: string): string | undefined {
  const language = lang ? hljs.getLanguage(lang) : undefined;
  if (!language) return undefined;
  // getLanguage resolves aliases but returns the grammar object; find its registered name.
  return hljs.listLanguages().find((name) => hljs.getLanguage(name) === language);
}

/**
 * HTML for the inside of a `<code>` element: highlighted spans when the language is bundled and
 * `highlight` is set, otherwise the escaped text.
 */
export function highlightCode(text: string, lang: string, highlight: boolean): string {
  const language = highlight ? resolveLanguage(lang) : undefined;
  if (!language) return escapeHtml(text);
  try {
    return hljs.highlight(text, { language, ignoreIllegals: true }).value;
  } catch {
    return escapeHtml(text);
  }
}
