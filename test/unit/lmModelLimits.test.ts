/**
 * What Sidestream tells other extensions about the models it offers (src/platform/modelLimits.ts):
 * limits from what a server reports, ids that route back to one provider, who asked.
 */
import * as assert from 'node:assert/strict';
import { ASSUMED_CONTEXT_TOKENS, describeRequester, modelInfoId, modelLimits, parseModelInfoId, reportedContext } from '../../src/platform/modelLimits';

describe('language model information (src/platform/modelLimits)', () => {
  it('reads the context length each server kind reports', () => {
    assert.equal(reportedContext({ id: 'm', max_model_len: 32768 }), 32768); // vLLM
    assert.equal(reportedContext({ id: 'm', meta: { n_ctx_train: 131072 } }), 131072); // llama.cpp
    assert.equal(reportedContext({ id: 'm', context_length: 200000 }), 200000); // gateways
    assert.equal(reportedContext({ id: 'm', owned_by: 'library' }), undefined); // Ollama, LM Studio
    assert.equal(reportedContext({ id: 'm', max_model_len: 'big' }), undefined);
  });

  it("limits: output is the smaller of the model's and the setting, input is the rest of the window", () => {
    assert.deepEqual(modelLimits(1_047_576, 32_768, 4096), { maxInputTokens: 1_047_576 - 4096, maxOutputTokens: 4096, known: true });
    assert.deepEqual(modelLimits(128_000, 16_384, 100_000), { maxInputTokens: 128_000 - 16_384, maxOutputTokens: 16_384, known: true });
    const unknown = modelLimits(undefined, undefined, 4096);
    assert.equal(unknown.known, false);
    assert.equal(unknown.maxInputTokens + unknown.maxOutputTokens, ASSUMED_CONTEXT_TOKENS);
    // A small window never gives its whole size to the answer.
    assert.deepEqual(modelLimits(2048, undefined, 4096), { maxInputTokens: 1024, maxOutputTokens: 1024, known: true });
  });

  it('model ids route back to their provider; foreign ids do not', () => {
    assert.equal(modelInfoId('ollama', 'qwen3:8b'), 'ollama/qwen3:8b');
    assert.deepEqual(parseModelInfoId('ollama/qwen3:8b'), { provider: 'ollama', model: 'qwen3:8b' });
    assert.deepEqual(parseModelInfoId('openai-compatible/openai/gpt-oss-20b'), { provider: 'openai-compatible', model: 'openai/gpt-oss-20b' });
    assert.equal(parseModelInfoId('copilot/gpt-4o'), undefined);
    assert.equal(parseModelInfoId('gpt-4o'), undefined);
    assert.equal(parseModelInfoId('openai/'), undefined);
  });

  it("says who asked: an extension by name, or VS Code's chat", () => {
    assert.equal(describeRequester('core', undefined), 'via VS Code chat');
    // VS Code 1.139's chat (Ask and Agent) asks under its built-in chat extension's id.
    assert.equal(describeRequester('GitHub.copilot-chat', 'GitHub Copilot Chat'), 'via VS Code chat');
    assert.equal(describeRequester('acme.helper', 'Acme Helper'), 'for Acme Helper');
    assert.equal(describeRequester('acme.helper', undefined), 'for acme.helper');
    assert.equal(describeRequester(undefined, undefined), undefined);
  });
});
