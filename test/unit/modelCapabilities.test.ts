/**
 * Model capabilities as each local server reports them, read over loopback from the simulator's
 * copies of the servers' own endpoints: whether a model calls tools, and the context window it is
 * LOADED with (Ollama /api/show + /api/ps, LM Studio /api/v0/models, llama.cpp /props, vLLM
 * /v1/models), plus the sentence a user gets when that window is too small for a request.
 */
import * as assert from 'node:assert/strict';
import { contextTooSmallMessage, discoverModelCapabilities, OLLAMA_DEFAULT_NUM_CTX, serverRoot } from '../../src/core/modelCapabilities';
import { Simulator } from '../../src/simulator/Simulator';

describe('core: model capabilities from the servers', function () {
  const sim = new Simulator({ models: ['qwen-ctx-8192', 'tiny-notools-ctx-2048', 'cold-unloaded'] });
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('the server root drops /v1 (and LM Studio’s /api/v0)', () => {
    assert.equal(serverRoot('http://127.0.0.1:11434/v1/'), 'http://127.0.0.1:11434');
    assert.equal(serverRoot('http://h:1234/api/v0'), 'http://h:1234');
    assert.equal(serverRoot('http://h:8080'), 'http://h:8080');
  });

  it('Ollama: tools from /api/show capabilities, the loaded window from /api/ps, the trained one from model_info', async () => {
    const caps = await discoverModelCapabilities({ provider: 'ollama', baseUrl: sim.openAIBaseUrl, model: 'qwen-ctx-8192' });
    assert.deepEqual(caps, { toolCalling: true, loadedContextTokens: 8192, trainedContextTokens: 131072, loaded: true, sources: ['/api/show', '/api/ps'] });
    const none = await discoverModelCapabilities({ provider: 'ollama', baseUrl: sim.openAIBaseUrl, model: 'tiny-notools-ctx-2048' });
    assert.equal(none.toolCalling, false);
    assert.equal(none.loadedContextTokens, 2048);
  });

  it('Ollama: a model not loaded will load with its Modelfile num_ctx, or Ollama’s default 4,096', async () => {
    const cold = await discoverModelCapabilities({ provider: 'ollama', baseUrl: sim.openAIBaseUrl, model: 'cold-unloaded' });
    assert.equal(cold.loaded, false);
    assert.equal(cold.loadedContextTokens, OLLAMA_DEFAULT_NUM_CTX);
  });

  it('LM Studio: tool_use capability, loaded_context_length (unknown while not loaded)', async () => {
    const caps = await discoverModelCapabilities({ provider: 'lmstudio', baseUrl: sim.openAIBaseUrl, model: 'qwen-ctx-8192' });
    assert.deepEqual(caps, { toolCalling: true, loadedContextTokens: 8192, trainedContextTokens: 131072, loaded: true, sources: ['/api/v0/models'] });
    const cold = await discoverModelCapabilities({ provider: 'lmstudio', baseUrl: sim.openAIBaseUrl, model: 'cold-unloaded' });
    assert.equal(cold.loaded, false);
    assert.equal(cold.loadedContextTokens, undefined);
  });

  it('llama.cpp: the slot’s n_ctx and the template’s tool support from /props', async () => {
    const caps = await discoverModelCapabilities({ provider: 'llamacpp', baseUrl: sim.openAIBaseUrl, model: 'any' });
    assert.equal(caps.loadedContextTokens, 8192);
    assert.equal(caps.toolCalling, true);
  });

  it('vLLM: max_model_len from /v1/models', async () => {
    const caps = await discoverModelCapabilities({ provider: 'vllm', baseUrl: sim.openAIBaseUrl, model: 'tiny-notools-ctx-2048' });
    assert.equal(caps.loadedContextTokens, 2048);
    assert.equal(caps.toolCalling, undefined, 'vLLM does not say whether its tool parser is on');
  });

  it('a server that does not answer gives unknowns, never a failure', async () => {
    const caps = await discoverModelCapabilities({ provider: 'ollama', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 500 });
    assert.deepEqual(caps, { toolCalling: undefined, loadedContextTokens: undefined, trainedContextTokens: undefined, loaded: undefined, sources: [] });
    const cloud = await discoverModelCapabilities({ provider: 'anthropic', baseUrl: 'https://api.anthropic.com', model: 'claude-sonnet-4-5' });
    assert.equal(cloud.toolCalling, true);
  });

  it('says, in words a user can act on, when the loaded window is too small for a request', async () => {
    const caps = await discoverModelCapabilities({ provider: 'ollama', baseUrl: sim.openAIBaseUrl, model: 'tiny-notools-ctx-2048' });
    assert.equal(contextTooSmallMessage('ollama', 'tiny', caps, 2000), undefined);
    assert.equal(
      contextTooSmallMessage('ollama', 'tiny', caps, 12_000),
      'tiny is loaded with a 2,048-token context window (the model supports 131,072), but this request needs about 12,000: the server would cut the start of the prompt. To fix it, set OLLAMA_CONTEXT_LENGTH=16384 for the Ollama server, or PARAMETER num_ctx in a Modelfile, and reload the model.',
    );
  });
});
