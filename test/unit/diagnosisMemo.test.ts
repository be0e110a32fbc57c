/**
 * What Diagnose Server remembers for Select Model (src/platform/diagnosisMemo.ts): per provider,
 * base URL (a trailing slash does not matter) and model; the newest replaces the older; bounded.
 */
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { lastDiagnosis, rememberDiagnosis } from '../../src/platform/diagnosisMemo';

/** The part of a Memento the memo uses, in memory. */
function memento(): vscode.Memento {
  const values = new Map<string, unknown>();
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => {
      values.set(key, value);
    },
  } as vscode.Memento;
}

describe('diagnosis memo (Select Model marks)', () => {
  it('keeps what the last diagnosis of a model found, per server and model', async () => {
    const state = memento();
    await rememberDiagnosis(state, 'ollama', 'http://127.0.0.1:11434/v1/', 'llama3.2', { problems: 2, lines: ['a', 'b'], at: 1 });
    assert.deepEqual(lastDiagnosis(state, 'ollama', 'http://127.0.0.1:11434/v1', 'llama3.2'), { problems: 2, lines: ['a', 'b'], at: 1 });
    assert.equal(lastDiagnosis(state, 'ollama', 'http://127.0.0.1:11434/v1', 'qwen3'), undefined);
    assert.equal(lastDiagnosis(state, 'lmstudio', 'http://127.0.0.1:11434/v1', 'llama3.2'), undefined);
    await rememberDiagnosis(state, 'ollama', 'http://127.0.0.1:11434/v1', 'llama3.2', { problems: 0, lines: [], at: 2 });
    assert.equal(lastDiagnosis(state, 'ollama', 'http://127.0.0.1:11434/v1', 'llama3.2')?.problems, 0, 'a newer diagnosis does not replace the older');
  });

  it('keeps at most 100 servers and models, dropping the oldest', async () => {
    const state = memento();
    for (let i = 0; i < 105; i++) await rememberDiagnosis(state, 'ollama', 'http://h/v1', `m${i}`, { problems: 1, lines: [], at: i });
    assert.equal(lastDiagnosis(state, 'ollama', 'http://h/v1', 'm0'), undefined);
    assert.equal(lastDiagnosis(state, 'ollama', 'http://h/v1', 'm4'), undefined);
    assert.equal(lastDiagnosis(state, 'ollama', 'http://h/v1', 'm5')?.at, 5);
    assert.equal(lastDiagnosis(state, 'ollama', 'http://h/v1', 'm104')?.at, 104);
  });
});
