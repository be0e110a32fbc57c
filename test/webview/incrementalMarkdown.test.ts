/**
 * The incremental renderer, driven directly in real Chromium through `window.__sidestreamTest` (the test build's hook):
 * whatever the chunking, the result is byte-identical to a one-shot render, and only the last
 * block is ever re-lexed.
 */
import * as assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { generateAnswer } from '../../src/simulator/answers';
import { launchChromium, openPanel, startPageServer, type PageServer } from './helpers/panel';

const TRICKY: Record<string, string> = {
  mixed: [
    '# Title',
    '',
    'Some *intro* text with `code`, a [link](https://example.com) and [ref][r1].',
    '',
    '- item one',
    '- item two',
    '  - nested **bold**',
    '- item three',
    '',
    '3. third',
    '4. fourth',
    '',
    '| a | b |',
    '|---|:-:|',
    '| 1 | 2 |',
    '| 3 | 4 |',
    '',
    '```ts',
    'const x: number = 1;',
    'function f() { return x; }',
    '```',
    '',
    '> quote line',
    'continued',
    '',
    'Setext',
    '===',
    '',
    'Para before def.',
    '',
    '[r1]: https://ref.example.com "Ref title"',
    '',
    '- [ ] task',
    '- [x] done',
    '',
    '---',
    '',
    'Final paragraph with ![img](https://example.com/a.png) and <b>html</b>.',
    '',
    '```python',
    'def unterminated():',
    '    pass',
  ].join('\n'),
  forwardReferences: 'See [the docs][d] and [x].\n\nMore text here.\n\n> quoted [q]\n\n[d]: https://docs.example\n[x]: https://x.example "X"\n\n> [q]: https://q.example\n',
  fences: '```\ncode\n```\n```js\nmore\n````\n~~~\ntilde ```\n~~~\n\n    indented code\n    more\n\npara\n\n````md\n```inner```\n````\n',
  looseLists: '- a\n- b\n\n- c\n\n  para in c\n\n      code in c\n\nend\n\n1) one\n2) two\n\n* star\n+ plus\n',
  tables: '| a | b |\n|---|---|\n| 1 | 2 |\nrow without pipe\n\nafter\n\n| x |\n|---|\n\n|not|a|table|\n|--|\n',
  setext: 'Heading\n---\nPara\n===\n\nfoo\nbar\n---\n\n- - -\n',
  crlf: 'line1\r\nline2\r\n\r\n- x\r\n- y\r\n\r\n```\r\ncode\r\n```\r\n',
  html: '<div>\n*x*\n</div>\n\ntext <span>inline</span> and <code>raw <b>code</b></code>\n\n<!-- comment -->\n\n<pre>\npre *text*\n</pre>\n',
  inline: 'a  \nb\\\nc **bold _both_** ~~del~~ `` code ` tick `` www.example.com https://x.y/z?q=1&r=2 <https://auto.link> <me@example.com> &copy; &#x27; &nbsp;\n',
  nested: '> - quote list\n>   ```js\n>   let a = 1;\n>   ```\n> > deeper\n\n1. a\n   1. b\n      1. c\n         > q\n',
};

describe('IncrementalMarkdown (Chromium)', function () {
  let server: PageServer;
  let browser: Browser;
  let page: Page;

  before(async function () {
    this.timeout(60_000);
    server = await startPageServer();
    browser = await launchChromium();
    page = (await openPanel(browser, server)).page;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Streams `text` in the given chunk sizes (cycled) and returns [incremental, one-shot] HTML. */
  function renderBothWays(text: string, sizes: number[]): Promise<[string, string]> {
    return page.evaluate(
      ({ text, sizes }) => {
        const bench = window.__sidestreamTest!;
        const el = document.createElement('div');
        const md = new bench.IncrementalMarkdown(el);
        for (let i = 0, k = 0; i < text.length; k++) {
          const size = sizes[k % sizes.length];
          md.append(text.slice(i, i + size));
          i += size;
        }
        md.finish();
        return [el.innerHTML, bench.renderMarkdownOnce(text)] as [string, string];
      },
      { text, sizes },
    );
  }

  for (const [name, text] of Object.entries(TRICKY)) {
    it(`ends byte-identical to a one-shot render: ${name}`, async () => {
      for (const sizes of [[1], [2], [3, 1, 7], [13], [64]]) {
        const [incremental, once] = await renderBothWays(text, sizes);
        assert.equal(incremental, once, `chunk sizes ${sizes.join(',')}`);
      }
    });
  }

  it('one-shot render escapes raw HTML and resolves forward references', async () => {
    const html = await page.evaluate(
      (texts) => {
        const bench = window.__sidestreamTest!;
        return [bench.renderMarkdownOnce(texts[0]), bench.renderMarkdownOnce(texts[1])];
      },
      [TRICKY.html, TRICKY.forwardReferences],
    );
    assert.match(html[0], /&lt;div&gt;/);
    assert.doesNotMatch(html[0], /<div>|<span>|<b>/);
    assert.match(html[1], /<a href="https:\/\/docs.example">the docs<\/a>/);
    assert.match(html[1], /<a href="https:\/\/q.example">q<\/a>/);
  });

  it('re-lexes only the last block: the live tail stays small while the answer grows', async () => {
    const text = generateAnswer(7, 40_000);
    const result = await page.evaluate((text) => {
      const bench = window.__sidestreamTest!;
      const el = document.createElement('div');
      const md = new bench.IncrementalMarkdown(el);
      let maxLive = 0;
      for (let i = 0; i < text.length; i += 41) {
        md.append(text.slice(i, i + 41));
        maxLive = Math.max(maxLive, md.liveLength);
      }
      const blocksBeforeFinish = md.finishedBlockCount;
      md.finish();
      return { maxLive, blocksBeforeFinish, same: el.innerHTML === bench.renderMarkdownOnce(text) };
    }, text);
    // Blocks in the generated answer are at most a couple of thousand characters (adjacent lists merge).
    assert.ok(result.maxLive < 4_000, `live tail reached ${result.maxLive} chars`);
    assert.ok(result.blocksBeforeFinish > 100, `only ${result.blocksBeforeFinish} blocks finished while streaming`);
    assert.ok(result.same);
  });

  it('resume reopens the last block so a continuation extends it', async () => {
    const [incremental, once] = await page.evaluate(() => {
      const bench = window.__sidestreamTest!;
      const el = document.createElement('div');
      const md = new bench.IncrementalMarkdown(el);
      md.append('Intro.\n\n```js\nconst a');
      md.finish();
      md.resume();
      md.append(' = 1;\n```\n\nHello wor');
      md.finish();
      md.resume();
      md.append('ld\n\nNext');
      md.finish();
      return [el.innerHTML, bench.renderMarkdownOnce('Intro.\n\n```js\nconst a = 1;\n```\n\nHello world\n\nNext')];
    });
    assert.equal(incremental, once);
  });

  it('groups finished blocks in chunks of 16 across resumes and late link definitions, as a one-shot render does', async () => {
    // 70 blocks: references used early and defined only at the end (re-rendered on finish), and a
    // cut, finish and resume at a chunk boundary and inside a block.
    const blocks: string[] = [];
    for (let i = 0; i < 70; i++) {
      if (i % 9 === 0) blocks.push(`## Section ${i}`);
      else if (i % 7 === 0) blocks.push(`- item ${i}\n- see [late][l${i % 3}]`);
      else if (i % 11 === 0) blocks.push('```js\nconst x = ' + i + ';\n```');
      else blocks.push(`Paragraph ${i} with [a reference][l${i % 3}] and *emphasis*.`);
    }
    const text = blocks.join('\n\n') + '\n\n[l0]: https://a.example\n[l1]: https://b.example\n[l2]: https://c.example "C"\n';
    const cuts = [blocks.slice(0, 16).join('\n\n').length + 2, Math.floor(text.length / 2) + 3];
    const result = await page.evaluate(
      ({ text, cuts }) => {
        const bench = window.__sidestreamTest!;
        const el = document.createElement('div');
        const md = new bench.IncrementalMarkdown(el);
        let at = 0;
        for (const cut of [...cuts, text.length]) {
          for (; at < cut; at += 7) md.append(text.slice(at, Math.min(at + 7, cut)));
          at = cut;
          md.finish();
          if (cut < text.length) md.resume();
        }
        const chunks = Array.from(el.children);
        return {
          same: el.innerHTML === bench.renderMarkdownOnce(text),
          allChunks: chunks.every((c) => c.className === 'md-chunk'),
          sizes: chunks.map((c) => c.childElementCount),
          links: el.querySelectorAll('a[href="https://b.example"]').length,
        };
      },
      { text, cuts },
    );
    assert.ok(result.same, 'chunked incremental HTML differs from the one-shot render');
    assert.ok(result.allChunks, 'a finished block sits outside a chunk');
    assert.ok(result.sizes.length >= 4 && result.sizes.slice(0, -1).every((n) => n === 16), `chunk sizes ${result.sizes.join(',')}`);
    assert.ok(result.links > 5, 'late link definitions were not applied');
  });

  it('the naive reference renderer produces the same HTML', async () => {
    const text = generateAnswer(3, 5_000);
    const same = await page.evaluate((text) => {
      const bench = window.__sidestreamTest!;
      const el = document.createElement('div');
      const naive = new bench.NaiveRenderer(el);
      for (let i = 0; i < text.length; i += 500) naive.append(text.slice(i, i + 500));
      naive.finish();
      return el.innerHTML === bench.renderMarkdownOnce(text);
    }, text);
    assert.ok(same);
  });
});
