import * as vscode from 'vscode';
import type { StreamEvent } from '../core/events';
import type { ChatRequest } from '../core/request';
import { loadCore } from './coreLoader';

/**
 * Streams from a model offered through VS Code's Language Model API (e.g. Copilot) into the same
 * event union the core uses. There are no bytes to observe here, so TTFT is measured at the first
 * fragment and output tokens are counted with the core's tokenizer (flagged estimated).
 */
export async function* streamLanguageModel(chatModel: vscode.LanguageModelChat, request: ChatRequest, token: vscode.CancellationToken): AsyncIterable<StreamEvent> {
  const core = loadCore();
  const metrics = new core.StreamMetrics(chatModel.id);
  yield { type: 'start', provider: 'vscode-lm', model: chatModel.id };
  const messages = [
    ...(request.systemPrompt ? [vscode.LanguageModelChatMessage.User(request.systemPrompt)] : []),
    ...request.messages.map((m) => (m.role === 'user' ? vscode.LanguageModelChatMessage.User(m.content) : vscode.LanguageModelChatMessage.Assistant(m.content))),
    ...(request.continueFrom
      ? [vscode.LanguageModelChatMessage.Assistant(request.continueFrom), vscode.LanguageModelChatMessage.User('Continue exactly where you left off, without repeating anything.')]
      : []),
  ];
  let partial = '';
  let lastMetricsAt = 0;
  try {
    const response = await chatModel.sendRequest(messages, { justification: vscode.l10n.t('Sidestream answers the question you asked in its panel.') }, token);
    metrics.markHeaders();
    for await (const fragment of response.text) {
      if (token.isCancellationRequested) break;
      partial += fragment;
      metrics.addDelta(fragment);
      yield { type: 'text-delta', text: fragment };
      if (performance.now() - lastMetricsAt >= 100) {
        lastMetricsAt = performance.now();
        yield { type: 'metrics', metrics: metrics.snapshot() };
      }
    }
    const snapshot = metrics.snapshot(true);
    yield {
      type: 'finish',
      reason: token.isCancellationRequested ? { unified: 'cancelled', raw: undefined } : { unified: 'stop', raw: undefined },
      usage: { inputTokens: undefined, outputTokens: snapshot.outputTokens },
      metrics: snapshot,
    };
  } catch (err) {
    if (token.isCancellationRequested) {
      const snapshot = metrics.snapshot(true);
      yield { type: 'finish', reason: { unified: 'cancelled', raw: undefined }, usage: { inputTokens: undefined, outputTokens: snapshot.outputTokens }, metrics: snapshot };
      return;
    }
    const message = err instanceof vscode.LanguageModelError ? `${chatModel.name}: ${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
    const kind =
      err instanceof vscode.LanguageModelError && err.code === vscode.LanguageModelError.NoPermissions().code
        ? 'auth'
        : err instanceof vscode.LanguageModelError && err.code === vscode.LanguageModelError.NotFound().code
          ? 'not-found'
          : 'provider';
    const snapshot = metrics.snapshot(true);
    yield {
      type: 'error',
      error: { kind, message, retryable: kind === 'provider' },
      partialText: partial,
      metrics: snapshot,
      usage: { inputTokens: undefined, outputTokens: snapshot.outputTokens },
    };
  }
}
