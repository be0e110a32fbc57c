/**
 * Every user-visible string goes through localization, and German is complete:
 * - the English runtime bundle (l10n/bundle.l10n.json) is what the source hands to `vscode.l10n.t`
 *   and the pure modules' `Translate` (scripts/l10n.js), and every such call passes a literal;
 * - each translation (package.nls.<locale>.json, l10n/bundle.l10n.<locale>.json) has every key,
 *   keeps every `{0}` placeholder, `$(icon)` and command link, and translates something;
 * - a pseudo-locale built here from the English bundles leaves no English in the manifest's
 *   user-facing strings (so none is a literal instead of `%key%`) nor in what the pure modules
 *   produce through a translator that, like VS Code, falls back to English for a missing key.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRequester } from '../../src/platform/modelLimits';
import { chatMarkdown } from '../../src/features/chat/chatMarkdown';
import { truncatedNote } from '../../src/platform/contextLimits';
import { formatTooltip } from '../../src/platform/statusText';
import { english, type Translate } from '../../src/shared/l10n';
import { MANIFEST_ROOT, NLS_PLACEHOLDER, readNlsBundle, readRawManifest, userFacing } from './helpers/manifest';

const ROOT = MANIFEST_ROOT;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const l10n = require(path.join(ROOT, 'scripts', 'l10n.js')) as {
  extract(): Map<string, string>;
  englishBundle(): Record<string, string>;
  nonLiteralCalls(): string[];
  BUNDLE: string;
};
const readJson = (file: string): Record<string, string> => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, string>;
const runtimeBundle = readJson('l10n/bundle.l10n.json');
const manifestBundle = readNlsBundle();

/** The locales that have a translation, from the files present. */
const locales = fs
  .readdirSync(path.join(ROOT, 'l10n'))
  .map((f) => /^bundle\.l10n\.([a-z]{2}(?:-[a-z]+)?)\.json$/i.exec(f)?.[1])
  .filter((l): l is string => l !== undefined);

/** What must survive translation unchanged: placeholders, codicons, command links, setting ids. */
function fixedParts(text: string): string[] {
  return [...text.matchAll(/\{\d+\}|\$\([a-z-]+\)|\(command:[^)]+\)|`[^`]+`|\bsidestream\.[\w.]+/g)].map((m) => m[0]).sort();
}

// A pseudo-locale: every letter outside placeholders and fixed parts becomes an accented look-alike,
// and the whole message is wrapped in ⟦ ⟧, so English left anywhere stands out.
const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][i]!]),
);
function pseudo(text: string): string {
  const keep = /(\{\d+\}|\$\([a-z-]+\)|\(command:[^)]+\)|`[^`]+`|\bsidestream\.[\w.]+|https?:\/\/\S+)/g;
  return `⟦${text
    .split(keep)
    .map((part, i) => (i % 2 ? part : part.replace(/[A-Za-z]/g, (c) => ACCENTED[c] ?? c)))
    .join('')}⟧`;
}
const pseudoBundle = (bundle: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(bundle).map(([k, v]) => [k, pseudo(v)]));

/** A translator as VS Code's: the bundle's text, or the English message when the key is missing. */
function translatorFor(bundle: Record<string, string>, missing: string[]): Translate {
  return (message, ...args) => {
    if (!(message in bundle)) missing.push(message);
    return english(bundle[message] ?? message, ...args);
  };
}

/** English words (three ASCII letters or more) outside the ⟦ ⟧ spans and the `allowed` values. */
function englishLeft(text: string, allowed: readonly string[]): string[] {
  let rest = text.replace(/⟦[^⟧]*⟧/g, ' ');
  for (const a of allowed) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{3,}/g) ?? [];
}

describe('l10n bundles: the English runtime bundle', () => {
  it('is up to date with the source (npm run l10n)', () => {
    assert.deepEqual(runtimeBundle, l10n.englishBundle());
    assert.ok(Object.keys(runtimeBundle).length > 100, `${Object.keys(runtimeBundle).length} messages`);
  });

  it('gets a literal message from every translator call (anything else cannot be extracted or translated)', () => {
    assert.deepEqual(l10n.nonLiteralCalls(), []);
  });

  it('is wired in the manifest (package.json "l10n") and shipped with the translations (.vscodeignore)', () => {
    assert.equal((readRawManifest() as { l10n?: string }).l10n, './l10n');
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!l10n/**') && ignore.includes('!package.nls.*.json'), '.vscodeignore keeps l10n/ and package.nls.<locale>.json');
  });
});

describe('l10n bundles: translations', () => {
  it('include German, for the manifest and the runtime', () => {
    assert.ok(locales.includes('de'), `locales: ${locales.join(', ')}`);
    assert.ok(fs.existsSync(path.join(ROOT, 'package.nls.de.json')));
  });

  for (const [kind, english, fileFor] of [
    ['runtime', runtimeBundle, (l: string) => `l10n/bundle.l10n.${l}.json`],
    ['manifest', manifestBundle, (l: string) => `package.nls.${l}.json`],
  ] as const) {
    it(`${kind}: every locale has exactly the English keys, keeps placeholders, icons and command links, and translates`, () => {
      for (const locale of locales) {
        const translated = readJson(fileFor(locale));
        assert.deepEqual(Object.keys(translated).sort(), Object.keys(english).sort(), `${fileFor(locale)} keys`);
        const problems: string[] = [];
        let same = 0;
        for (const [key, text] of Object.entries(english)) {
          const t = translated[key]!;
          if (typeof t !== 'string' || !t.trim()) problems.push(`${key}: empty`);
          else if (JSON.stringify(fixedParts(t)) !== JSON.stringify(fixedParts(text))) problems.push(`${key}: ${fixedParts(t).join(' ')} ≠ ${fixedParts(text).join(' ')}`);
          if (t === text) same++;
        }
        assert.deepEqual(problems, []);
        // Names (Sidestream, Simulator, Chat) stay as they are; most messages change.
        assert.ok(same < Object.keys(english).length * 0.1, `${fileFor(locale)}: ${same} of ${Object.keys(english).length} messages left in English`);
      }
    });
  }

  it('catches a translation that drops a placeholder (the check can fail)', () => {
    assert.notDeepEqual(fixedParts('Kein API-Schlüssel.'), fixedParts('No {0} API key. Run "Sidestream: Set API Key" or set {1}.'));
    assert.notDeepEqual(fixedParts('[Öffnen](command:x)'), fixedParts('[Open](command:sidestream.ask)'));
  });
});

describe('l10n: a pseudo-locale leaves no English showing', () => {
  it('in the manifest: every user-facing string of package.json resolves through package.nls', () => {
    const bundle = pseudoBundle(manifestBundle);
    const left: string[] = [];
    for (const { path: at, text } of userFacing(readRawManifest() as Record<string, unknown>)) {
      const m = NLS_PLACEHOLDER.exec(text);
      const shown = m ? (bundle[m[1]!] ?? text) : text;
      // Brand names are the same in every language.
      const words = englishLeft(shown, ['Sidestream']);
      if (words.length) left.push(`${at}: ${shown}`);
    }
    assert.deepEqual(left, []);
  });

  it('catches a literal in the manifest (the check can fail)', () => {
    const raw = { displayName: '%extension.displayName%', description: 'Stream answers', contributes: { commands: [{ title: 'Ask a Question' }] } };
    const found = userFacing(raw).filter(({ text }) => englishLeft(NLS_PLACEHOLDER.test(text) ? pseudo(text) : text, []).length);
    assert.deepEqual(
      found.map((f) => f.path),
      ['description', 'contributes.commands[0].title'],
    );
  });

  it('in the status tooltip, the requester, the cut-file note and an exported chat', () => {
    const missing: string[] = [];
    const t = translatorFor(pseudoBundle(runtimeBundle), missing);
    const metrics = { ttftMs: 120, headersMs: 80, tokensPerSecond: 45.25, liveTokensPerSecond: undefined, estimated: true, outputTokens: 230, bytes: 4096 };
    const shown: Array<[string, string | undefined, string[]]> = [
      ['tooltip', formatTooltip('gpt-x', 'OpenAI', metrics as never, 'stop', t), ['gpt', 'OpenAI', 'stop', 'tok/s']],
      ['requester (chat)', describeRequester('core', undefined, t), []],
      ['requester (extension)', describeRequester('acme.helper', 'Acme Helper', t), ['Acme', 'Helper']],
      ['cut note', truncatedNote({ text: 'x', tokens: 7998, truncated: true, totalTokens: 23412, totalEstimated: false }, t), []],
      ['cut note (estimated)', truncatedNote({ text: 'x', tokens: 7998, truncated: true, totalTokens: 23412, totalEstimated: true }, t), []],
    ];
    const chat = chatMarkdown(
      undefined,
      [
        { id: 'u1', role: 'user', text: 'Q', contextFiles: [{ fileName: 'a.ts', languageId: 'typescript', text: 'x', tokens: 1 }] },
        {
          id: 'a1',
          role: 'assistant',
          text: 'A',
          state: 'cancelled',
          stats: { providerLabel: 'OpenAI', model: 'm1', ttftMs: 100, tokensPerSecond: 10, outputTokens: 5, estimated: true },
        },
      ] as never,
      t,
    );
    shown.push(['exported chat', chat, ['a.ts', 'OpenAI', 'm1', 'tok/s', 'TTFT', 'Sidestream']]);
    for (const [what, text, allowed] of shown) {
      assert.ok(text, `${what} is shown`);
      assert.deepEqual(englishLeft(text, allowed), [], `${what}: ${text}`);
    }
    assert.deepEqual(missing, [], 'messages the runtime bundle lacks (they would show in English)');
  });
});

describe('l10n: the extension host source', () => {
  // Strings shown to the user that bypass vscode.l10n.t. "Simulator" names Sidestream's own test
  // server, and the status bar recognises it by that name: kept as it is, like a provider's name.
  const KNOWN_UNWRAPPED = ["src/platform/ProviderResolver.ts: label = 'Simulator'"];

  it('assigns no literal English to a label, detail, description, tooltip, placeholder, text, title or message', () => {
    const files = [
      'src/extension.ts',
      'src/features.ts',
      ...['platform', 'features'].flatMap((d) => fs.readdirSync(path.join(ROOT, 'src', d), { recursive: true, encoding: 'utf8' }).map((f) => `src/${d}/${f}`)),
    ].filter((f) => f.endsWith('.ts') && fs.existsSync(path.join(ROOT, f)));
    const found: string[] = [];
    for (const file of files) {
      for (const m of fs
        .readFileSync(path.join(ROOT, file), 'utf8')
        .matchAll(/\b(?:label|detail|description|tooltip|placeholder|placeHolder|text|title|message)\s*[:=]\s*(['"`])([A-Za-z][^'"`]*)\1?/g)) {
        // "Sidestream · <provider>": the brand and a provider's name, the same in every language.
        if (/^Sidestream · \$\{/.test(m[2]!)) continue;
        found.push(`${file}: ${m[0]}`);
      }
    }
    assert.deepEqual(
      found.filter((f) => !KNOWN_UNWRAPPED.includes(f)),
      [],
    );
  });
});
