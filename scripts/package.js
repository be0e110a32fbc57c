#!/usr/bin/env node
// `npm run package`: a production build, then a .vsix with @vscode/vsce. The repository has no
// public home for README images yet, and vsce refuses relative image links without one, so the
// VSIX gets a copy of README.md whose screenshot is a relative link to the image shipped inside it.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['esbuild.js', '--production']);
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const forVsix = readme.replace(/!\[([^\]]*)\]\((?!https?:)([^)]+)\)/g, '[$1]($2)');
fs.mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'dist', 'README.vsix.md'), forVsix);
run(process.execPath, [
  path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies',
  '--no-rewrite-relative-links',
  '--allow-missing-repository',
  '--readme-path',
  'dist/README.vsix.md',
  '--out',
  'sidestream.vsix',
]);
