/**
 * The extension host's user-facing strings go through `vscode.l10n.t`; the pure modules take a
 * `Translate` that is English by default. These tests hold both: the English default formats as
 * `vscode.l10n.t` does, a translator sees every word of the status tooltip, and the host's source
 * shows no notification, quick pick or input box text that bypasses `vscode.l10n.t`.
 */
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRequester } from '../../src/platform/modelLimits';
import { formatTooltip } from '../../src/platform/statusText';
import { english, type Translate } from '../../src/shared/l10n';

const ROOT = join(__dirname, '..', '..', '..');

/** A "translation" that marks every message, so an untranslated word stands out. */
const marked: Translate = (message, ...args) => `«${english(message, ...args)}»`;

describe('l10n: the English default', () => {
  it('fills {0}, {1} … as vscode.l10n.t does, and leaves a placeholder without an argument alone', () => {
    assert.equal(english('Sidestream: {0} key saved.', 'OpenAI'), 'Sidestream: OpenAI key saved.');
    assert.equal(english('{1} then {0}, {0} again', 'a', 2), '2 then a, a again');
    assert.equal(english('no args {0}'), 'no args {0}');
    assert.equal(english('{0}', '{1}', 'x'), '{1}', 'an argument is not formatted again');
  });

  it('keeps the status tooltip and the requester in their English wording', () => {
    const m = { ttftMs: 120.4, headersMs: 80, tokensPerSecond: 45.25, liveTokensPerSecond: undefined, estimated: true, outputTokens: 230, bytes: 4096 };
    assert.equal(
      formatTooltip('gpt-x', 'OpenAI', m as never, 'stop'),
      [
        'Sidestream — OpenAI · gpt-x',
        'Time to first token: 120 ms',
        'Response headers after: 80 ms',
        'Throughput: ~45.3 tok/s (tokens counted locally, estimated)',
        'Output tokens: ~230',
        'Bytes received: 4096',
        'Finish: stop',
        'Click to open the Sidestream panel',
      ].join('\n'),
    );
    assert.equal(describeRequester('core', undefined), 'via VS Code chat');
    assert.equal(describeRequester('acme.helper', 'Acme Helper'), 'for Acme Helper');
  });

  it('hands every tooltip line and the requester to the translator', () => {
    const m = { ttftMs: 120, headersMs: 80, tokensPerSecond: 45, liveTokensPerSecond: undefined, estimated: false, outputTokens: 230, bytes: 4096 };
    for (const line of formatTooltip('gpt-x', 'OpenAI', m as never, 'stop', marked).split('\n')) assert.match(line, /^«.*»$/, line);
    assert.equal(describeRequester('core', undefined, marked), '«via VS Code chat»');
    assert.equal(describeRequester('acme.helper', undefined, marked), '«for acme.helper»');
  });
});

describe('l10n: the extension host source', () => {
  const files = [
    join('src', 'extension.ts'),
    ...['platform', 'features'].flatMap((dir) => readdirSync(join(ROOT, 'src', dir), { recursive: true, encoding: 'utf8' }).map((f) => join('src', dir, f))),
  ].filter((f) => f.endsWith('.ts'));
  const sources = files.map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

  it('shows notifications only with translated messages', () => {
    const bad: string[] = [];
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/show(?:Information|Warning|Error)Message\(\s*([^,)]{0,40})/g)) {
        if (!m[1]!.startsWith('vscode.l10n.t(')) bad.push(`${file}: ${m[0]}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('gives quick picks, input boxes and progress no literal title, prompt, placeholder or validation message', () => {
    const bad: string[] = [];
    for (const { file, text } of sources) {
      for (const m of text.matchAll(/\b(?:title|prompt|placeHolder|justification):\s*['"`]/g)) bad.push(`${file}: ${m[0]}`);
      for (const m of text.matchAll(/validateInput:[^\n]*\?\s*undefined\s*:\s*['"`]/g)) bad.push(`${file}: ${m[0]}`);
    }
    assert.deepEqual(bad, []);
  });
});
