#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (256×256, the size the Marketplace asks for) in the
// Chromium the tests use (playwright-core). Run by hand after editing the SVG: node scripts/render-icon.js
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..');
const SIZE = 256;

(async () => {
  const executablePath = process.env.SIDESTREAM_CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
    const svg = fs.readFileSync(path.join(ROOT, 'media', 'icon.svg'), 'utf8');
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg.replace(/<svg /, `<svg style="display:block;width:${SIZE}px;height:${SIZE}px" `)}</body></html>`,
    );
    await page.screenshot({ path: path.join(ROOT, 'media', 'icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
