/**
 * Numeric settings have bounds: package.json gives each a minimum and a maximum (so the Settings
 * editor refuses nonsense), the settings reader clamps whatever a settings.json holds to the same
 * bounds, and the core clamps what it turns into a timer (Node's setTimeout fires at once for a
 * delay above 2^31−1 ms: an idle timeout of 1e10 s used to fail every answer immediately).
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { createObservedFetch } from '../../src/core/observedFetch';
import { NUMERIC_SETTINGS, clampNumericSetting } from '../../src/core/settingsPolicy';
import { drain, simRequest, useSimulator } from './helpers/coreHarness';
import { readRawManifest } from './helpers/manifest';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.';

interface SettingSchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
}

function numericManifestSettings(): Array<[string, SettingSchema]> {
  const raw = readRawManifest() as { contributes: { configuration: { properties: Record<string, SettingSchema> } | Array<{ properties: Record<string, SettingSchema> }> } };
  const sections = Array.isArray(raw.contributes.configuration) ? raw.contributes.configuration : [raw.contributes.configuration];
  const out: Array<[string, SettingSchema]> = [];
  for (const section of sections) {
    for (const [key, schema] of Object.entries(section.properties)) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (types.includes('number') || types.includes('integer')) out.push([key, schema]);
    }
  }
  return out;
}

describe('settings: every number has bounds', () => {
  it('every numeric setting in package.json has a minimum and a maximum, the same the reader clamps to', () => {
    const numeric = numericManifestSettings();
    assert.ok(numeric.length >= 3, 'the manifest has numeric settings');
    for (const [key, schema] of numeric) {
      assert.equal(typeof schema.minimum, 'number', `${key} has no minimum`);
      assert.equal(typeof schema.maximum, 'number', `${key} has no maximum`);
      const bounds = NUMERIC_SETTINGS[key.replace(/^sidestream\./, '') as keyof typeof NUMERIC_SETTINGS];
      assert.ok(bounds, `${key} is clamped by the settings reader`);
      assert.equal(schema.minimum, bounds.minimum, `${key} minimum`);
      assert.equal(schema.maximum, bounds.maximum, `${key} maximum`);
      assert.equal(schema.default, bounds.default, `${key} default`);
    }
    for (const key of Object.keys(NUMERIC_SETTINGS))
      assert.ok(
        numeric.some(([k]) => k === `sidestream.${key}`),
        `${key} is in the manifest`,
      );
  });

  it('the settings reader clamps an idle timeout of 1e10 s (and other nonsense) into range', () => {
    const idle = clampNumericSetting('idleTimeoutSeconds', 1e10);
    assert.equal(idle, NUMERIC_SETTINGS.idleTimeoutSeconds.maximum);
    assert.ok(idle * 1000 <= 2 ** 31 - 1, 'the idle timeout fits a timer');
    assert.equal(clampNumericSetting('idleTimeoutSeconds', 0), NUMERIC_SETTINGS.idleTimeoutSeconds.minimum);
    assert.equal(clampNumericSetting('idleTimeoutSeconds', 'soon'), NUMERIC_SETTINGS.idleTimeoutSeconds.default);
    assert.equal(clampNumericSetting('idleTimeoutSeconds', Number.POSITIVE_INFINITY), NUMERIC_SETTINGS.idleTimeoutSeconds.maximum);
    assert.equal(clampNumericSetting('maxOutputTokens', 1e12), NUMERIC_SETTINGS.maxOutputTokens.maximum);
    assert.equal(clampNumericSetting('maxOutputTokens', 12.7), 12);
    assert.equal(clampNumericSetting('maxOutputTokens', -5), 1);
    assert.equal(clampNumericSetting('anthropic.thinkingBudget', 1e12), NUMERIC_SETTINGS['anthropic.thinkingBudget'].maximum);
    assert.equal(clampNumericSetting('anthropic.thinkingBudget', undefined), 0);
  });
});

describe('core: a huge idle timeout still times nothing out early', function () {
  this.timeout(15_000);
  const sim = useSimulator();

  for (const target of ['openai-chat', 'anthropic'] as const) {
    it(`${target}: an idle timeout of 1e10 s does not fail the answer at once`, async () => {
      sim.enqueue({ text: ANSWER, tokensPerSecond: 200, ttftMs: 50 });
      const s = await drain(stream(simRequest(sim, target, { idleTimeoutSeconds: 1e10 })));
      assert.equal(s.error, undefined, `no failure: ${JSON.stringify(s.error?.error)}`);
      assert.equal(s.finish?.reason.unified, 'stop');
      assert.equal(s.text, ANSWER);
    });
  }

  it('the observed fetch clamps its timers: a 1e13 ms idle timeout lets a slow body through', async () => {
    sim.enqueue({ text: ANSWER, tokensPerSecond: 100, ttftMs: 50 });
    const fetch = createObservedFetch({ idleTimeoutMs: 1e13, headersTimeoutMs: 1e13, maxRetries: 0, observer: {} });
    const res = await fetch(`${sim.openAIBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = await res.text();
    assert.ok(body.includes('[DONE]'), 'the whole body arrived');
  });
});
