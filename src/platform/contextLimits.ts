/**
 * The pure half of the composer's context (no `vscode` import, unit-tested in plain Node): the
 * limits on what may go along with a question, the cut of a long file, the chip a file shows, and
 * which files are refused (binary) or need the user's explicit confirmation (secrets).
 *
 * Limits, chosen so a question with context still fits the smallest context windows people use
 * (8k–32k local models) and a slip of the mouse cannot send a whole repository:
 * - {@link MAX_TOKENS_PER_FILE} = 8,000 tokens per file: a longer file is cut at a line boundary
 *   and carries a visible note ("cut to the first 7,998 of 23,412 tokens") on its chip, in the
 *   prompt and in the saved question.
 * - {@link MAX_ATTACHED_FILES} = 10 files per question.
 * - {@link MAX_FILE_BYTES} = 10 MB: a larger file is refused before it is read (reading it whole,
 *   possibly over a remote connection, to keep 8,000 tokens of it is never worth it).
 * Token counts use the cl100k tokenizer (the caller passes the count): an estimate for other
 * vocabularies, close enough for "will this fit".
 */
import type { ContextChip, ContextFile } from '../shared/protocol';
import { english, type Translate } from '../shared/l10n';

export const MAX_TOKENS_PER_FILE = 8_000;
export const MAX_ATTACHED_FILES = 10;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * The cut looks at most this many characters per allowed token: no tokenizer run ever sees more
 * than `limit × 8` characters (64k for 8,000 tokens), however large the file. Source code averages
 * 3–4 characters per token; a prefix this long that still fits is cut at its last line anyway.
 */
export const CUT_CHARS_PER_TOKEN = 8;

/** Whole files up to this many characters are counted exactly; longer ones are estimated from the cut's rate. */
export const EXACT_TOTAL_CHARS = 400_000;

export type CountTokens = (text: string) => number;

export interface CutResult {
  /** The text to send: the whole text, or its first lines up to the limit. */
  text: string;
  /** Tokens of `text`. */
  tokens: number;
  truncated: boolean;
  /** Tokens of the whole text (exact, or estimated when `totalEstimated`); equals `tokens` when not truncated. */
  totalTokens: number;
  totalEstimated: boolean;
}

/**
 * `text` cut to at most `limit` tokens at a line boundary (a single first line longer than the
 * limit is cut inside the line, never inside a surrogate pair). Counts only bounded prefixes, so a
 * multi-megabyte file costs what a 64k-character one does (plus one exact count up to {@link EXACT_TOTAL_CHARS}).
 */
export function cutToTokenLimit(text: string, count: CountTokens, limit = MAX_TOKENS_PER_FILE): CutResult {
  // A token is at least one character: text no longer than the limit in characters always fits.
  if (text.length <= limit) {
    const tokens = count(text);
    return { text, tokens, truncated: false, totalTokens: tokens, totalEstimated: false };
  }
  const prefixChars = Math.min(text.length, limit * CUT_CHARS_PER_TOKEN);
  const prefix = text.slice(0, prefixChars);
  const prefixTokens = count(prefix);
  if (prefixChars === text.length && prefixTokens <= limit) {
    return { text, tokens: prefixTokens, truncated: false, totalTokens: prefixTokens, totalEstimated: false };
  }

  let end: number | undefined;
  if (prefixTokens <= limit) {
    // The character budget ran out before the token budget (long tokens): end at its last line.
    const lastNewline = prefix.lastIndexOf('\n');
    end = lastNewline > 0 ? lastNewline + 1 : prefixChars;
  } else {
    // The largest line end whose prefix fits: counts grow with the prefix, so a binary search works.
    const lineEnds: number[] = [];
    for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) lineEnds.push(i + 1);
    end = largestFitting(
      lineEnds.length,
      (i) => lineEnds[i]!,
      (e) => count(prefix.slice(0, e)) <= limit,
    );
    // The first line alone is over the limit (minified code): cut inside it.
    end ??=
      largestFitting(
        prefixChars,
        (i) => i + 1,
        (e) => count(prefix.slice(0, e)) <= limit,
      ) ?? 0;
  }
  if (end > 0 && end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  const cut = prefix.slice(0, end).replace(/\r?\n$/, '');
  const tokens = count(cut);
  if (text.length <= EXACT_TOTAL_CHARS) return { text: cut, tokens, truncated: true, totalTokens: count(text), totalEstimated: false };
  // Beyond that, the whole file's count is an estimate at the prefix's rate: it is only shown.
  const estimate = Math.round((text.length * prefixTokens) / prefixChars);
  return { text: cut, tokens, truncated: true, totalTokens: Math.max(estimate, tokens + 1), totalEstimated: true };
}

/** The largest `at(i)`, i < length, for which `fits` holds (`at` ascends; `fits` is true, then false). */
function largestFitting(length: number, at: (i: number) => number, fits: (item: number) => boolean): number | undefined {
  let lo = 0;
  let hi = length - 1;
  let best: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const item = at(mid);
    if (fits(item)) {
      best = item;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Thousands separators as in the example ("8,000"): stable whatever the host's locale. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The visible note of a cut file, e.g. "cut to the first 7,998 of 23,412 tokens"; undefined when not cut. */
export function truncatedNote(cut: CutResult, t: Translate = english): string | undefined {
  if (!cut.truncated) return undefined;
  return cut.totalEstimated
    ? t('cut to the first {0} of about {1} tokens', formatCount(cut.tokens), formatCount(cut.totalTokens))
    : t('cut to the first {0} of {1} tokens', formatCount(cut.tokens), formatCount(cut.totalTokens));
}

/** True for content with a NUL byte: images, archives, compiled files, UTF-16 text. Never sent. */
export function looksBinary(bytes: Uint8Array): boolean {
  return bytes.indexOf(0) !== -1;
}

/** Names of templates that are meant to be shared (`.env.example`): not secrets. */
const SHAREABLE_SUFFIX = /\.(example|sample|template|dist|defaults?)$/i;

/**
 * Files that usually hold keys, passwords or tokens: attaching one needs an explicit, modal yes.
 * Matched on the file name only (any folder), case-insensitively.
 */
export function looksLikeSecretFile(path: string): boolean {
  const name = (path.split(/[\\/]/).pop() ?? path).toLowerCase();
  if (SHAREABLE_SUFFIX.test(name)) return false;
  if (name === '.env' || name.startsWith('.env.') || name.endsWith('.env')) return true;
  if (/^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/.test(name)) return true; // private keys (not the .pub)
  if (/\.(pem|key|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg)$/.test(name)) return true;
  return [
    '.npmrc',
    '.yarnrc.yml',
    '.pypirc',
    '.netrc',
    '_netrc',
    '.git-credentials',
    '.htpasswd',
    '.pgpass',
    'credentials',
    'credentials.json',
    'secrets.json',
    'secrets.yaml',
    'secrets.yml',
    'service-account.json',
    '.dockercfg',
  ].includes(name);
}

/** Language ids for the fence when the file is not open in an editor (which knows better). */
const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescriptreact',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascriptreact',
  json: 'json',
  jsonc: 'jsonc',
  md: 'markdown',
  py: 'python',
  rb: 'ruby',
  go: 'go',
  rs: 'rust',
  java: 'java',
  kt: 'kotlin',
  swift: 'swift',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  php: 'php',
  sh: 'shellscript',
  bash: 'shellscript',
  zsh: 'shellscript',
  ps1: 'powershell',
  yml: 'yaml',
  yaml: 'yaml',
  toml: 'toml',
  xml: 'xml',
  html: 'html',
  css: 'css',
  scss: 'scss',
  less: 'less',
  sql: 'sql',
  vue: 'vue',
  svelte: 'svelte',
  lua: 'lua',
  dart: 'dart',
  scala: 'scala',
  r: 'r',
  txt: 'plaintext',
};

export function languageIdForPath(path: string): string {
  const name = (path.split(/[\\/]/).pop() ?? path).toLowerCase();
  if (name === 'dockerfile') return 'dockerfile';
  if (name === 'makefile') return 'makefile';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'plaintext';
  return LANGUAGE_BY_EXTENSION[name.slice(dot + 1)] ?? 'plaintext';
}

/** What the host keeps for an attached file between attaching and sending. */
export interface AttachedFile {
  id: string;
  /** Workspace-relative path. */
  fileName: string;
  languageId: string;
  /** The file as last read (already cut): sent if the file cannot be read again at send time. */
  snapshot: ContextFile;
}

/** The chip of an attached file, or of the active file offered (`suggested`). */
export function chipFor(file: Pick<AttachedFile, 'id' | 'fileName'> & { snapshot: Pick<ContextFile, 'tokens' | 'truncatedNote'> }, suggested = false): ContextChip {
  return {
    id: file.id,
    kind: suggested ? 'activeFile' : 'file',
    label: file.fileName.split(/[\\/]/).pop() || file.fileName,
    description: file.fileName,
    tokens: file.snapshot.tokens ?? 0,
    truncatedNote: file.snapshot.truncatedNote,
    suggested: suggested || undefined,
  };
}

/** The ContextFile sent and saved for `text` read from `fileName`: cut to the limit, counted, noted. */
export function contextFileFor(fileName: string, languageId: string, text: string, count: CountTokens, t: Translate = english, limit = MAX_TOKENS_PER_FILE): ContextFile {
  const cut = cutToTokenLimit(text, count, limit);
  return { kind: 'file', fileName, languageId, text: cut.text, tokens: cut.tokens, truncatedNote: truncatedNote(cut, t) };
}

/**
 * The editor selection as context: cut like a file (at the per-file token limit, at a line boundary,
 * with the same visible note), so a selection of a whole huge file costs no more than attaching it.
 */
export function selectionContextFor(fileName: string, languageId: string, text: string, count: CountTokens, t: Translate = english, limit = MAX_TOKENS_PER_FILE): ContextFile {
  return { ...contextFileFor(fileName, languageId, text, count, t, limit), kind: 'selection' };
}
