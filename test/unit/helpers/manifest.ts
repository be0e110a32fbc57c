/**
 * package.json as the tests should see it: its user-facing strings are `%key%` placeholders whose
 * English text lives in package.nls.json (the manifest's translation bundle), so a test that reads
 * a title or a description resolves them first, as VS Code does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root, resolved from the compiled location (out/test/unit/helpers). */
export const MANIFEST_ROOT = join(__dirname, '..', '..', '..', '..');

/** A whole-string `%key%` placeholder, as VS Code's manifest localization matches it. */
export const NLS_PLACEHOLDER = /^%([^%\s]+)%$/;

/** package.json as written, placeholders and all. */
export function readRawManifest(): unknown {
  return JSON.parse(readFileSync(join(MANIFEST_ROOT, 'package.json'), 'utf8')) as unknown;
}

/** package.nls.json: key → English text. */
export function readNlsBundle(): Record<string, string> {
  return JSON.parse(readFileSync(join(MANIFEST_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
}

/** Every string value of `value` with `fn` applied, the structure otherwise copied. */
function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** package.json with every `%key%` replaced by its English text; a key missing from the bundle throws. */
export function readManifest<T = unknown>(): T {
  const nls = readNlsBundle();
  return mapStrings(readRawManifest(), (s) => {
    const m = NLS_PLACEHOLDER.exec(s);
    if (!m) return s;
    const text = nls[m[1]!];
    if (text === undefined) throw new Error(`package.json uses ${s}, which package.nls.json does not define`);
    return text;
  }) as T;
}

/** One settings category of `contributes.configuration` (an object, or an array of them). */
export interface SettingsCategory<S = Record<string, unknown>> {
  id?: string;
  title?: string;
  order?: number;
  properties: Record<string, S>;
}

/** Every contributed setting, from all categories of `contributes.configuration`. */
export function settingsOf<S = Record<string, unknown>>(manifest: { contributes: { configuration: SettingsCategory<S> | Array<SettingsCategory<S>> } }): Record<string, S> {
  const configuration = manifest.contributes.configuration;
  return Object.assign({}, ...(Array.isArray(configuration) ? configuration : [configuration]).map((c) => c.properties)) as Record<string, S>;
}

/** Every string in `value`, with its JSON path. */
export function strings(value: unknown, at = ''): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

/** Properties whose values are shown to the user, wherever they occur under `contributes`. */
export const USER_FACING = new Set([
  'title',
  'description',
  'markdownDescription',
  'displayName',
  'fullName',
  'category',
  'shortTitle',
  'contextualTitle',
  'deprecationMessage',
  'markdownDeprecationMessage',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'enumItemLabels',
  'altText',
]);

/** The user-facing strings of the manifest: top-level and under `contributes`, with their paths. */
export function userFacing(raw: Record<string, unknown>): Array<{ path: string; text: string }> {
  const found: Array<{ path: string; text: string }> = [];
  const capabilities = raw['capabilities'] as { untrustedWorkspaces?: { description?: string } } | undefined;
  for (const key of ['displayName', 'description'] as const) found.push({ path: key, text: raw[key] as string });
  if (capabilities?.untrustedWorkspaces?.description !== undefined)
    found.push({ path: 'capabilities.untrustedWorkspaces.description', text: capabilities.untrustedWorkspaces.description });
  const walk = (value: unknown, at: string, parentKey: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${at}[${i}]`, parentKey));
    if (!value || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      const path = `${at}.${k}`;
      // A view's `name` is its title; a chat participant's or command's `name` is an identifier.
      const shown = USER_FACING.has(k) || (k === 'name' && at.startsWith('contributes.views.'));
      if (shown && parentKey !== 'properties') found.push(...strings(v, path));
      else walk(v, path, k);
    }
  };
  walk(raw['contributes'], 'contributes', '');
  return found;
}
