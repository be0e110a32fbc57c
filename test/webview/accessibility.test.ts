/**
 * axe-core (WCAG 2.1 A/AA) on the real panel bundle in Chromium, in the light, dark and
 * high-contrast test themes: a conversation with a finished answer (code block, branch navigator),
 * a question with context files, a failed answer and the composer with context chips. No serious
 * or critical violation may remain; the violations are printed when there are.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { MessageStats } from '../../src/shared/protocol';
import { initMessage, sampleQuestion, SAMPLE_CONTEXT, SAMPLE_DIAGNOSIS, useChromium } from './helpers/panel';

const STATS: MessageStats = { model: 'gpt-4o-mini', providerLabel: 'OpenAI', ttftMs: 284, tokensPerSecond: 71.6, outputTokens: 386, estimated: false, finishReason: 'stop' };
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

describe('Accessibility: axe-core in the panel (Chromium)', function () {
  this.timeout(120_000);
  const chromium = useChromium();
  // axe's own bundle, evaluated in the page (page.evaluate is not subject to the page's CSP).
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`no serious or critical WCAG 2.1 A/AA violations (${theme})`, async () => {
      const panel = await chromium.openPanel(theme, { width: 440, height: 900 });
      await panel.post(
        initMessage(
          [
            sampleQuestion('How do I read a stream line by line?'),
            {
              id: 'a1',
              role: 'assistant',
              text: 'Split on newlines and keep the **partial** line:\n\n```ts\nconst lines = text.split("\\n"); // keep the rest\n```\n\nSee [the spec](https://streams.spec.whatwg.org/) and `TextDecoder`.',
              state: 'done',
              stats: STATS,
              branch: { index: 2, count: 3 },
            },
            { id: 'u2', role: 'user', text: 'And if it fails?' },
            {
              id: 'a2',
              role: 'assistant',
              text: 'Then keep the partial text and',
              state: 'error',
              error: { kind: 'connection', message: 'The connection was reset (ECONNRESET).' },
            },
          ],
          { chatId: 'c1', chatTitle: 'Reading streams' },
        ),
        SAMPLE_CONTEXT,
        // A Diagnose Server card: every status, a fix and its button.
        { type: 'diagnosis', card: SAMPLE_DIAGNOSIS },
      );
      await panel.page.waitForSelector('.diagnosis-card');
      await panel.page.waitForSelector('[data-id="a2"][data-state="error"]');
      await panel.page.fill('textarea.input', 'A draft question');
      // The message toolbars' buttons show on hover and focus; hover one answer so they are checked too.
      await panel.page.hover('[data-id="a1"] .markdown');
      await panel.page.evaluate(axeSource);
      const violations = await panel.page.evaluate(async (tags) => {
        const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Violation[] }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
      }, TAGS);
      const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      const report = blocking
        .map((v) => `${v.impact} ${v.id} (${v.help}) on ${v.nodes.length}:\n${v.nodes.map((n) => `  ${JSON.stringify(n.target)}: ${n.failureSummary ?? ''}`).join('\n')}`)
        .join('\n');
      if (violations.length > blocking.length)
        console.log(
          `      (${theme}: minor/moderate: ${violations
            .filter((v) => !blocking.includes(v))
            .map((v) => v.id)
            .join(', ')})`,
        );
      assert.equal(blocking.length, 0, `axe violations in the ${theme} theme:\n${report}`);
      await panel.page.close();
    });
  }
});
