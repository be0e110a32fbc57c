/**
 * A test extension that provides a language model (vendor `sidestream-test`) as another
 * extension such as Copilot would: its replies stream from an OpenAI-compatible server (the
 * wire simulator) with `fetch`, and its token cancels that fetch. It offers no model until
 * `sidestreamTestProvider.configure(baseUrl)` points it at a server (and none after
 * `configure(undefined)`), so it never changes what Sidestream's other tests resolve.
 */
import * as vscode from 'vscode';

export const TEST_MODEL_ID = 'sidestream-test-model';

class SimulatorBackedProvider implements vscode.LanguageModelChatProvider {
  baseUrl: string | undefined;
  /** Which simulator model to ask for (its name selects pacing and faults). */
  simModel = 'sim-model';
  readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;

  provideLanguageModelChatInformation(): vscode.LanguageModelChatInformation[] {
    if (!this.baseUrl) return [];
    return [{ id: TEST_MODEL_ID, name: 'Sidestream Test Model', family: 'sidestream-test', version: '1', maxInputTokens: 8000, maxOutputTokens: 2000, capabilities: {} }];
  }

  async provideLanguageModelChatResponse(
    _model: vscode.LanguageModelChatInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    _options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    if (!this.baseUrl) throw vscode.LanguageModelError.NotFound('not configured');
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    try {
      const body = {
        model: this.simModel,
        stream: true,
        messages: messages.map((m) => ({
          role: m.role === vscode.LanguageModelChatMessageRole.Assistant ? 'assistant' : 'user',
          content: m.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join(''),
        })),
      };
      const res = await fetch(`${this.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      if (!res.ok || !res.body) throw new Error(`simulator answered ${res.status}`);
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line.startsWith('data:')) continue;
          const data = line.slice(5).trim();
          if (data === '[DONE]') return;
          const content = (JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta?.content;
          if (content) progress.report(new vscode.LanguageModelTextPart(content));
        }
      }
    } catch (err) {
      if (token.isCancellationRequested) return;
      throw err;
    } finally {
      sub.dispose();
    }
  }

  async provideTokenCount(_model: vscode.LanguageModelChatInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    const plain = typeof text === 'string' ? text : text.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
    return Math.ceil(plain.length / 4);
  }
}

export function activate(context: vscode.ExtensionContext): void {
  const provider = new SimulatorBackedProvider();
  context.subscriptions.push(
    provider.changed,
    vscode.lm.registerLanguageModelChatProvider('sidestream-test', provider),
    vscode.commands.registerCommand('sidestreamTestProvider.configure', (baseUrl: string | undefined, simModel?: string) => {
      provider.baseUrl = baseUrl?.replace(/\/+$/, '');
      provider.simModel = simModel ?? 'sim-model';
      provider.changed.fire();
    }),
  );
}
