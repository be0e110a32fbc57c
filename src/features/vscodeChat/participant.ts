/**
 * The `@sidestream` chat participant: answers in VS Code's chat with the model Sidestream's panel
 * would use (its provider resolution), streamed as Markdown through the same `StreamSession` as the panel.
 * The chat's Stop cancels the token, which closes the socket. The footer and the result metadata
 * carry TTFT and tok/s, as the panel's footer does. `/explain` explains the editor's selection.
 */
import * as vscode from 'vscode';
import type { StreamMetricsSnapshot } from '../../core/events';
import type { ChatMessage } from '../../core/request';
import { mergeRepeatedRoles } from '../../core/turns';
import { questionWithContext } from '../../core/contextPrompt';
import type { AnswerRunner } from '../../platform/answerRunner';
import { selectionContextFor } from '../../platform/contextLimits';
import { loadCore } from '../../platform/coreLoader';
import type { ProviderResolver } from '../../platform/ProviderResolver';
import { readSettings } from '../../platform/settings';
import { formatFigures } from '../../shared/figures';

export const PARTICIPANT_ID = 'sidestream.chat';

/** What a `@sidestream` answer reports in `ChatResult.metadata`. */
export interface SidestreamChatMetadata {
  provider: string;
  model: string;
  finishReason: string;
  ttftMs: number | undefined;
  tokensPerSecond: number | undefined;
  outputTokens: number | undefined;
  estimated: boolean;
  /** The answer without its footer: the next turn's history sends this back. */
  answer: string;
}

export interface ParticipantDeps {
  resolver: ProviderResolver;
  runner: AnswerRunner;
}

/** The handler, exported on its own so the extension-host tests can call it (the chat view needs a signed-in chat). */
export function createParticipantHandler(deps: ParticipantDeps): vscode.ChatRequestHandler {
  return async (request, context, response, token): Promise<vscode.ChatResult> => {
    const question = questionFor(request);
    if (!question.ok) {
      response.markdown(question.message);
      return { metadata: { finishReason: 'no-selection' } };
    }
    const settings = readSettings();
    const resolution = await deps.resolver.resolve(settings, token);
    if (!resolution.ok) {
      response.markdown(`${resolution.reason}\n\n${vscode.l10n.t('Run **Sidestream: Select Provider** to choose one.')}`);
      return { errorDetails: { message: resolution.reason } };
    }
    const provider = resolution.provider;
    // The one answer runner, as the panel's; every delta goes out at once (VS Code's chat view
    // draws the Markdown stream itself).
    let thinking = false;
    let answered = false;
    const running = deps.runner.run(
      {
        consumer: 'participant',
        target: provider,
        logName: `@sidestream${request.command ? ` /${request.command}` : ''}`,
        settings,
        messages: mergeRepeatedRoles([...historyOf(context), { role: 'user', content: question.text }]),
        statusBar: { requester: vscode.l10n.t('via VS Code chat') },
        coalesceMs: 0,
        onAppend: (append) => {
          if (append.text) {
            answered = true;
            response.markdown(append.text);
          } else if (append.reasoning && !thinking && !answered) {
            thinking = true;
            response.progress(vscode.l10n.t('Thinking…'));
          }
        },
        // A retry's wait or an automatic resume after the stream broke: said while it lasts.
        onNotice: (notice) => {
          if (notice) response.progress(notice);
        },
      },
      token,
    );
    const result = await running.done;
    const answer = result.message.text;
    const metrics = result.metrics;
    const failure = result.state === 'error' ? (result.error?.message ?? vscode.l10n.t('The request failed.')) : undefined;
    const finishReason = result.state === 'cancelled' ? 'cancelled' : result.finishReason;
    const metadata: SidestreamChatMetadata = {
      provider: provider.label,
      model: provider.model,
      finishReason: failure ? 'error' : finishReason,
      ttftMs: metrics?.ttftMs,
      tokensPerSecond: metrics?.tokensPerSecond,
      outputTokens: metrics?.outputTokens,
      estimated: metrics?.estimated ?? false,
      answer,
    };
    response.markdown(footer(metadata, metrics));
    return failure ? { errorDetails: { message: failure }, metadata } : { metadata };
  };
}

/** Registers `@sidestream` (declared in `contributes.chatParticipants`). */
export function registerChatParticipant(extensionUri: vscode.Uri, handler: vscode.ChatRequestHandler): vscode.Disposable {
  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
  return participant;
}

/** The footer line: `Simulator · sim-model · TTFT 120 ms · 45.2 tok/s · 230 tokens`, as the panel shows it. */
export function footer(m: SidestreamChatMetadata, metrics: StreamMetricsSnapshot | undefined): string {
  const parts = [m.provider, m.model];
  const figures = metrics ? formatFigures(metrics, false) : '';
  if (figures) parts.push(figures);
  if (m.outputTokens !== undefined) parts.push(vscode.l10n.t('{0} tokens', `${m.estimated ? '~' : ''}${m.outputTokens}`));
  if (m.finishReason !== 'stop') parts.push(m.finishReason);
  return `\n\n---\n*${parts.join(' · ')}*\n`;
}

function questionFor(request: vscode.ChatRequest): { ok: true; text: string } | { ok: false; message: string } {
  if (request.command !== 'explain') return { ok: true, text: request.prompt };
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  if (!editor || !selection.trim()) return { ok: false, message: vscode.l10n.t('Select some code in the editor first, then ask `@sidestream /explain`.') };
  const ask = request.prompt.trim() ? request.prompt.trim() : 'Explain what this code does.';
  // Cut like an attached file: at the per-file token limit, with the note.
  const count = (t: string): number => loadCore().countTokens(t, 'cl100k_base');
  const context = selectionContextFor(vscode.workspace.asRelativePath(editor.document.uri), editor.document.languageId, selection, count, (message, ...args) =>
    vscode.l10n.t(message, ...args),
  );
  return { ok: true, text: questionWithContext(ask, [context]) };
}

/** This participant's earlier turns in the chat, as the core's messages (answers without their footers). */
function historyOf(context: vscode.ChatContext): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const turn of context.history) {
    if (turn.participant !== PARTICIPANT_ID) continue;
    if (turn instanceof vscode.ChatRequestTurn) out.push({ role: 'user', content: turn.prompt });
    else if (turn instanceof vscode.ChatResponseTurn) {
      const answer = (turn.result.metadata as Partial<SidestreamChatMetadata> | undefined)?.answer;
      if (answer) out.push({ role: 'assistant', content: answer });
    }
  }
  return out;
}
