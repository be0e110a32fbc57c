#!/usr/bin/env node
// `npm run l10n`: writes l10n/bundle.l10n.json, the English runtime bundle VS Code's `l10n` folder
// holds, from the source: the first argument of every `vscode.l10n.t('…')` call, and of every
// `t('…')` / `translate('…')` call in the pure modules that take a `Translate` (src/shared/l10n.ts).
// A translation is l10n/bundle.l10n.<locale>.json, keyed by the same English text.
// `node scripts/l10n.js --check` exits 1 when the bundle is out of date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'l10n', 'bundle.l10n.json');
const CALLEES = new Set(['vscode.l10n.t', 't', 'translate']);
/** Host code (it runs in the extension host, where vscode.l10n.t translates). */
const DIRS = ['src'];
const SKIP = [path.join('src', 'webview'), path.join('src', 'core'), path.join('src', 'simulator'), path.join('src', 'cli.ts')];

function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (SKIP.some((s) => path.relative(ROOT, full) === s)) return [];
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every message the source hands to a translator, with where it is. */
function extract(files = DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
  const messages = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isCallExpression(node) && CALLEES.has(node.expression.getText(source)) && node.arguments.length) {
        const first = node.arguments[0];
        if (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) {
          const { line } = source.getLineAndCharacterOfPosition(first.getStart(source));
          if (!messages.has(first.text)) messages.set(first.text, `${path.relative(ROOT, file)}:${line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return messages;
}

/**
 * Translator calls whose message is not a literal, as `file:line: call`. A pass-through wrapper
 * (`(message, ...args) => vscode.l10n.t(message, ...args)`) is allowed: its callers' literals are
 * extracted where they are written.
 */
function nonLiteralCalls(files = DIRS.flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
  const found = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isCallExpression(node) && CALLEES.has(node.expression.getText(source)) && node.arguments.length) {
        const first = node.arguments[0];
        const literal = ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first);
        const passThrough = ts.isIdentifier(first) && first.text === 'message';
        if (!literal && !passThrough) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          found.push(`${path.relative(ROOT, file)}:${line + 1}: ${node.getText(source).slice(0, 80)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The bundle as written: message → itself, sorted. */
function englishBundle(messages = extract()) {
  return Object.fromEntries([...messages.keys()].sort().map((m) => [m, m]));
}

function main(argv) {
  const bundle = `${JSON.stringify(englishBundle(), null, 2)}\n`;
  if (argv.includes('--check')) {
    const current = fs.existsSync(BUNDLE) ? fs.readFileSync(BUNDLE, 'utf8') : '';
    if (current !== bundle) {
      console.error('l10n/bundle.l10n.json is out of date: run npm run l10n');
      process.exit(1);
    }
    return;
  }
  fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
  fs.writeFileSync(BUNDLE, bundle);
  console.log(`l10n/bundle.l10n.json: ${Object.keys(JSON.parse(bundle)).length} messages`);
}

module.exports = { extract, englishBundle, nonLiteralCalls, BUNDLE };
if (require.main === module) main(process.argv.slice(2));
