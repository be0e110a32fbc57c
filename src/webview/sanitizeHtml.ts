/**
 * The one place rendered markdown HTML is cleaned before it reaches the DOM. The markdown renderer
 * already escapes raw HTML and drops unsafe links; DOMPurify is the second, independent layer with an
 * allow-list that matches exactly what the renderer produces, so anything else is removed.
 */
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'blockquote',
  'pre',
  'code',
  'em',
  'strong',
  'del',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'hr',
  'br',
  'span',
  'div',
  'button',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'align', 'start', 'type', 'data-action', 'aria-label', 'aria-hidden'];
/** Only web and mail links survive; everything else (javascript:, data:, vbscript:, relative) is dropped. */
const SAFE_HREF = /^(?:https?:|mailto:)/i;

let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  // DOMPurify's own URI check allows relative URLs; links must be absolute http(s) or mailto.
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A') {
      const href = node.getAttribute('href');
      if (href === null || !SAFE_HREF.test(href.trim())) node.removeAttribute('href');
    }
  });
}

/** Sanitizes an HTML string into a fragment owned by the current document. */
export function sanitizeToFragment(html: string): DocumentFragment {
  configure();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
}
