import * as vscode from 'vscode';
import type { StreamEvent } from '../core/events';
import { withContinuation } from '../core/continuation';
import type { ChatRequest } from '../core/request';
import { loadCore } from './coreLoader';

/**
 * Streams from a model offered through VS Code's Language Model API (e.g. Copilot) into the same
 * event union the core uses. There are no bytes to observe here, so TTFT is measured at the first
 * fragment and output tokens are counted with the core's tokenizer (flagged estimated). A model
 * that sends nothing for the idle timeout (`sidestream.idleTimeoutSeconds`, as for the HTTP
 * providers) ends as an `idle-timeout` failure with the text so far kept, and its request is
 * cancelled (the providing extension's token fires).
 */
export async function* streamLanguageModel(chatModel: vscode.LanguageModelChat, request: ChatRequest, token: vscode.CancellationToken): AsyncIterable<StreamEvent> {
  const core = loadCore();
  const metrics = new core.StreamMetrics(chatModel.id);
  yield { type: 'start', provider: 'vscode-lm', model: chatModel.id };
  // Continue: the partial answer, then the one continue prompt (src/core/continuation.ts).
  const messages = [
    ...(request.systemPrompt ? [vscode.LanguageModelChatMessage.User(request.systemPrompt)] : []),
    ...withContinuation(request.messages, request.continueFrom, 'follow-up').map((m) =>
      m.role === 'user' ? vscode.LanguageModelChatMessage.User(m.content) : vscode.LanguageModelChatMessage.Assistant(m.content),
    ),
  ];
  let partial = '';
  let lastMetricsAt = 0;
  // Our own token for the request, cancelled by the user's or by the idle timeout.
  const requestSource = new vscode.CancellationTokenSource();
  const linked = token.onCancellationRequested(() => requestSource.cancel());
  if (token.isCancellationRequested) requestSource.cancel();
  const idleMs = (request.idleTimeoutSeconds ?? core.DEFAULT_IDLE_TIMEOUT_SECONDS) * 1000;
  // The same client-side output cap as the HTTP providers (src/core/outputCap.ts).
  const outputCap = core.outputCapChars(request);
  let capped = false;
  try {
    const response = await chatModel.sendRequest(messages, { justification: vscode.l10n.t('Sidestream answers the question you asked in its panel.') }, requestSource.token);
    metrics.markHeaders();
    const fragments = response.text[Symbol.asyncIterator]();
    for (;;) {
      const next = await core.nextWithin(fragments, idleMs);
      if (next.done) break;
      const fragment = next.value;
      if (token.isCancellationRequested) break;
      partial += fragment;
      metrics.addDelta(fragment);
      yield { type: 'text-delta', text: fragment };
      if (performance.now() - lastMetricsAt >= 100) {
        lastMetricsAt = performance.now();
        yield { type: 'metrics', metrics: metrics.snapshot() };
      }
      if (partial.length >= outputCap) {
        // A model that never stops: tell its extension to stop, keep what arrived.
        capped = true;
        requestSource.cancel();
        break;
      }
    }
    const snapshot = metrics.snapshot(true);
    const cancelled = token.isCancellationRequested;
    yield {
      type: 'finish',
      reason: cancelled ? { unified: 'cancelled', raw: undefined } : capped ? { unified: 'length', raw: undefined } : { unified: 'stop', raw: undefined },
      usage: { inputTokens: undefined, outputTokens: snapshot.outputTokens },
      metrics: snapshot,
      ...(capped && !cancelled ? { note: core.outputCapNote(partial.length, request.maxOutputTokens) } : {}),
    };
  } catch (err) {
    if (err instanceof core.IdleTimeoutError && !token.isCancellationRequested) {
      // Tell the providing extension to stop; what arrived is kept in the failure.
      requestSource.cancel();
      const snapshot = metrics.snapshot(true);
      const seconds = Math.round((err.idleMs / 1000) * 10) / 10;
      yield {
        type: 'error',
        error: {
          kind: 'idle-timeout',
          message: vscode.l10n.t(
            '{0} sent nothing for {1} s and was stopped; the answer so far is kept. Try again, or raise "sidestream.idleTimeoutSeconds".',
            chatModel.name,
            seconds,
          ),
          retryable: true,
        },
        partialText: partial,
        metrics: snapshot,
        usage: { inputTokens: undefined, outputTokens: snapshot.outputTokens },
      };
      return;
    }
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
  } finally {
    linked.dispose();
    requestSource.dispose();
  }
}
