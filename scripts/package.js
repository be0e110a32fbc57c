#!/usr/bin/env node
// `npm run package`: a production build, then sidestream.vsix with @vscode/vsce.
//
// README images: every image the README shows is shipped in the VSIX (.vscodeignore keeps
// media/*.png), and the packaged README keeps its relative image links, so VS Code's extension page
// shows them from the installed extension, offline. Other relative links (docs/, BENCHMARKS.md,
// CONTRIBUTING.md are not in the VSIX) point at the repository's copy (package.json `homepage`'s
// repository), so no link in the packaged README leads to a file the VSIX leaves out.
//
//   npm run package                    the VSIX (images relative, shipped inside)
//   npm run package -- --marketplace   for a Marketplace upload: images as absolute URLs of the
//                                      repository's files too (the Marketplace page cannot reach
//                                      files inside the VSIX)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** The repository's web address (https://github.com/owner/name), from package.json. */
function repositoryUrl(pkg) {
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!url) throw new Error('package.json has no repository');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** Relative targets of markdown images (`![alt](target)`) in `markdown`. */
function imageTargets(markdown) {
  return [...markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** Relative targets of markdown links that are not images (`[text](target)`), without their #fragment. */
function linkTargets(markdown) {
  return [...markdown.matchAll(/(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)]
    .map((m) => m[1])
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.replace(/#.*$/, ''));
}

/**
 * The README as packaged: relative links to files the VSIX does not ship become links to the
 * repository's copy (`blob/HEAD`); images stay relative (shipped) unless `imagesBase` is given.
 */
function readmeForVsix(markdown, { shipped, repository, imagesBase }) {
  const link = (target) => (shipped.has(target.replace(/#.*$/, '')) ? target : `${repository}/blob/HEAD/${target}`);
  return markdown.replace(/(!?)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?((?:\s+"[^"]*")?)\s*\)/g, (whole, bang, text, target, title) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return whole;
    if (bang) return imagesBase ? `![${text}](${imagesBase}/${target}${title})` : whole;
    return `[${text}](${link(target)}${title})`;
  });
}

/** The files `vsce ls` would package (after .vscodeignore). */
function packagedFiles() {
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vsce ls failed: ${r.stderr}`);
  return new Set(
    r.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

function main(argv) {
  const marketplace = argv.includes('--marketplace');
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const repository = repositoryUrl(pkg);
  run(process.execPath, ['esbuild.js', '--production']);
  const shipped = packagedFiles();
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const missing = imageTargets(readme).filter((t) => !shipped.has(t));
  if (missing.length) {
    console.error(`README images the VSIX would leave out (add them to .vscodeignore): ${missing.join(', ')}`);
    process.exit(1);
  }
  const forVsix = readmeForVsix(readme, { shipped, repository, imagesBase: marketplace ? `${repository}/raw/HEAD` : undefined });
  fs.mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'dist', 'README.vsix.md'), forVsix);
  run(process.execPath, [
    path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--no-dependencies',
    '--no-rewrite-relative-links',
    '--readme-path',
    'dist/README.vsix.md',
    '--out',
    'sidestream.vsix',
  ]);
}

module.exports = { repositoryUrl, imageTargets, linkTargets, readmeForVsix, packagedFiles };
if (require.main === module) main(process.argv.slice(2));
