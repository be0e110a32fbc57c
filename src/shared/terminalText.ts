/**
 * Text from a model or a server made safe to print on a terminal: escape sequences (CSI such as
 * `ESC [ 31 m`, OSC such as a window-title `ESC ] 0 ; … BEL`, DCS/SOS/PM/APC strings, two-byte
 * `ESC x`) are removed whole, and every other C0 control, DEL and C1 control is dropped; newlines
 * and tabs are kept. A carriage return is dropped too (CRLF becomes LF): alone, it lets text
 * overwrite what was printed before it. Streamed text arrives in pieces, so {@link TerminalText}
 * keeps its place inside a sequence split across pieces. No `vscode` import.
 */

const ESC = 0x1b;
const BEL = 0x07;
/** A CSI sequence longer than this is not one: what was held back is dropped and text resumes. */
const MAX_CSI = 64;
/** A string sequence (OSC, DCS, …) longer than this is not one: its content is given back as text. */
const MAX_STRING = 4096;

type State = 'text' | 'esc' | 'csi' | 'string' | 'string-esc';

/** Whether `code` is a control character that never reaches the terminal (tab and newline do). */
function isDropped(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
}

/** A filter for one stream of text: `push` each piece, `end` once at the end. */
export class TerminalText {
  private state: State = 'text';
  private csiLength = 0;
  /** The content of the string sequence being skipped, given back if it never ends. */
  private held = '';

  /** The printable part of `piece` (a sequence it ends inside is held until the next piece). */
  push(piece: string): string {
    let out = '';
    for (const char of piece) {
      const code = char.codePointAt(0)!;
      switch (this.state) {
        case 'text':
          if (code === ESC) this.state = 'esc';
          else if (!isDropped(code)) out += char;
          break;
        case 'esc':
          if (char === '[') {
            this.state = 'csi';
            this.csiLength = 0;
          } else if (char === ']' || char === 'P' || char === 'X' || char === '^' || char === '_') {
            this.state = 'string';
            this.held = '';
          } else if (code !== ESC) {
            // A two-character sequence (ESC c, ESC 7, …): both dropped; a control after ESC is dropped as well.
            this.state = 'text';
          }
          break;
        case 'csi':
          if (code >= 0x40 && code <= 0x7e) this.state = 'text';
          else if (code >= 0x20 && code <= 0x3f && ++this.csiLength <= MAX_CSI) break;
          else {
            // Not a CSI after all: what follows is text again.
            this.state = 'text';
            if (!isDropped(code) && code !== ESC) out += char;
            else if (code === ESC) this.state = 'esc';
          }
          break;
        case 'string':
        case 'string-esc':
          if (code === BEL || (this.state === 'string-esc' && char === '\\')) {
            this.state = 'text';
            this.held = '';
          } else if (code === ESC) {
            this.state = 'string-esc';
          } else {
            this.state = 'string';
            this.held += char;
            if (this.held.length > MAX_STRING) out += this.giveBack();
          }
          break;
      }
    }
    return out;
  }

  /** What a sequence left open at the end held back (a string's content, as text); resets the filter. */
  end(): string {
    const rest = this.state === 'string' || this.state === 'string-esc' ? this.giveBack() : '';
    this.state = 'text';
    return rest;
  }

  /** An unterminated string sequence was text after all: its content, filtered, and back to text. */
  private giveBack(): string {
    const held = this.held;
    this.held = '';
    this.state = 'text';
    return stripControls(held);
  }
}

/** `text` with escape sequences and control characters removed (newlines and tabs kept). */
export function stripControls(text: string): string {
  const filter = new TerminalText();
  return filter.push(text) + filter.end();
}
