/** Tiny DOM helpers: elements are built with properties and text only, never from HTML strings. */

type Attrs = Record<string, string | boolean | undefined>;

/** Creates an element with attributes (`false`/`undefined` omitted) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string | undefined>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child !== undefined) el.append(child);
  }
  return el;
}

/** A codicon glyph, hidden from screen readers (the button around it carries the label). */
export function icon(name: string): HTMLSpanElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

/** A `<button type="button">` with an optional icon and a visible label. */
export function button(opts: { label: string; icon?: string; className?: string; title?: string }): HTMLButtonElement {
  const el = h('button', { type: 'button', class: opts.className, title: opts.title ?? opts.label, 'aria-label': opts.label });
  if (opts.icon) el.append(icon(opts.icon));
  el.append(h('span', { class: 'button-label' }, opts.label));
  return el;
}

/** An icon-only `<button type="button">`: the label is its accessible name and tooltip. */
export function iconButton(opts: { label: string; icon: string; action: string; className?: string }): HTMLButtonElement {
  const el = h('button', { type: 'button', class: opts.className ?? 'icon-button', title: opts.label, 'aria-label': opts.label, 'data-action': opts.action });
  el.append(icon(opts.icon));
  return el;
}

/** Text only screen readers get (e.g. what a tooltip says), kept out of the visual layout. */
export function srOnly(text: string): HTMLSpanElement {
  return h('span', { class: 'visually-hidden' }, text);
}
