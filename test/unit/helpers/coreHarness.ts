/**
 * Helpers for the streaming-core tests: build requests against the simulator, drain a stream into
 * a summary, and load wire captures from test/fixtures/wire.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FinishReason, ReasoningBlock, StreamEvent, StreamFailure, StreamMetricsSnapshot, ToolCall, Usage } from '../../../src/core/events';
import type { ChatRequest } from '../../../src/core/request';
import { Simulator } from '../../../src/simulator/Simulator';

/** test/fixtures/wire, resolved from the compiled location (out/test/unit/helpers). */
export const WIRE_FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'wire');

export function readWireFixture(relativePath: string): string {
  return readFileSync(join(WIRE_FIXTURES, relativePath), 'utf8');
}

/** A fake but key-shaped secret, so scrubbing is tested against something realistic. */
export const TEST_KEY = 'sk-test-0123456789abcdefSECRET';

export type Target = 'openai-chat' | 'openai-responses' | 'anthropic' | 'ollama' | 'llamacpp' | 'vllm';

/** A request aimed at the simulator speaking `target`. */
export function simRequest(sim: Simulator, target: Target, overrides: Partial<ChatRequest> = {}): ChatRequest {
  const base: ChatRequest = (() => {
    switch (target) {
      case 'openai-chat':
        return { provider: 'openai', api: 'openai-chat', baseUrl: sim.openAIBaseUrl, apiKey: TEST_KEY } as ChatRequest;
      case 'openai-responses':
        return { provider: 'openai', api: 'openai-responses', baseUrl: sim.openAIBaseUrl, apiKey: TEST_KEY } as ChatRequest;
      case 'anthropic':
        return { provider: 'anthropic', api: 'anthropic', baseUrl: sim.anthropicBaseUrl, apiKey: TEST_KEY } as ChatRequest;
      case 'ollama':
      case 'llamacpp':
      case 'vllm':
        return { provider: target, api: 'openai-chat', baseUrl: sim.openAIBaseUrl } as ChatRequest;
    }
  })();
  return { ...base, model: 'sim-model', messages: [{ role: 'user', content: 'Say hello' }], ...overrides };
}

/** Everything a stream produced, folded. */
export interface StreamSummary {
  events: StreamEvent[];
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  terminalCount: number;
  finish: { reason: FinishReason; usage: Usage; metrics: StreamMetricsSnapshot; reasoningBlocks: ReasoningBlock[] | undefined } | undefined;
  error: { error: StreamFailure; partialText: string; metrics: StreamMetricsSnapshot; usage: Usage } | undefined;
  /** Reasoning deltas flagged as a redacted-block placeholder. */
  redactedReasoning: number;
  metricsEvents: StreamMetricsSnapshot[];
}

/** Drains a stream; `onEvent` may act mid-stream (e.g. cancel). Bounded by `maxEvents`. */
export async function drain(events: AsyncIterable<StreamEvent>, onEvent?: (event: StreamEvent, index: number) => void, maxEvents = 100_000): Promise<StreamSummary> {
  const summary: StreamSummary = {
    events: [],
    text: '',
    reasoning: '',
    toolCalls: [],
    terminalCount: 0,
    finish: undefined,
    error: undefined,
    metricsEvents: [],
    redactedReasoning: 0,
  };
  for await (const event of events) {
    summary.events.push(event);
    assert.ok(summary.events.length <= maxEvents, 'too many events');
    assert.equal(summary.terminalCount, 0, `event after the terminal event: ${event.type}`);
    switch (event.type) {
      case 'text-delta':
        summary.text += event.text;
        break;
      case 'reasoning-delta':
        summary.reasoning += event.text;
        if (event.redacted) summary.redactedReasoning++;
        break;
      case 'tool-call':
        summary.toolCalls.push(event.toolCall);
        break;
      case 'metrics':
        summary.metricsEvents.push(event.metrics);
        break;
      case 'finish':
        summary.terminalCount++;
        summary.finish = { reason: event.reason, usage: event.usage, metrics: event.metrics, reasoningBlocks: event.reasoningBlocks };
        break;
      case 'error':
        summary.terminalCount++;
        summary.error = { error: event.error, partialText: event.partialText, metrics: event.metrics, usage: event.usage };
        break;
      case 'start':
      case 'usage':
        break;
    }
    onEvent?.(event, summary.events.length - 1);
  }
  assert.equal(summary.terminalCount, 1, 'exactly one terminal event');
  assert.equal(summary.events[0]?.type, 'start', 'starts with start');
  return summary;
}

/** The failure of a stream that must have failed. */
export function failureOf(summary: StreamSummary): StreamFailure {
  assert.ok(summary.error, `expected an error, got finish ${JSON.stringify(summary.finish?.reason)} with text ${JSON.stringify(summary.text)}`);
  return summary.error.error;
}

/** Waits (bounded) until `check` passes. */
export async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A simulator for the enclosing mocha `describe`: started before its tests, stopped after them,
 * and reset (script queue and records) before each.
 */
export function useSimulator(): Simulator {
  const sim = new Simulator();
  before(async () => {
    await sim.start();
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());
  return sim;
}
