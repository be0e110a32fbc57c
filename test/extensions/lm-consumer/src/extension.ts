/**
 * A test extension that consumes Sidestream's language models exactly as any other extension
 * would: `vscode.lm.selectChatModels({ vendor: 'sidestream' })`, `sendRequest`, its own
 * cancellation token, `countTokens`. The extension-host suite drives it through its commands and
 * reads back plain JSON results. Built into a .vsix and installed beside Sidestream by the runner.
 */
import * as vscode from 'vscode';

const VENDOR = 'sidestream';

export interface ConsumerAskArgs {
  modelId: string;
  prompt: string;
  /** Cancels the caller's token once this many characters have arrived. */
  cancelAfterChars?: number;
  modelOptions?: Record<string, unknown>;
}

export interface ConsumerAskResult {
  text: string;
  /** Epoch ms (performance.timeOrigin + now, the simulator's clock) just before sendRequest. */
  startedAt: number;
  /** Epoch ms when the first fragment reached this extension. */
  firstFragmentAt: number | undefined;
  fragments: number;
  cancelled: boolean;
  error?: { isLanguageModelError: boolean; name: string; code: string | undefined; message: string; causeCode: string | undefined; json: string };
}

let changes = 0;

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.lm.onDidChangeChatModels(() => changes++),
    vscode.commands.registerCommand('sidestreamConsumer.modelChanges', () => changes),
    vscode.commands.registerCommand('sidestreamConsumer.listModels', async () => {
      const models = await vscode.lm.selectChatModels({ vendor: VENDOR });
      return models.map((m) => ({
        id: m.id,
        name: m.name,
        vendor: m.vendor,
        family: m.family,
        version: m.version,
        maxInputTokens: m.maxInputTokens,
        // Everything the model object shows another extension, own and inherited enumerable fields.
        json: JSON.stringify(m, (_k, v: unknown) => (typeof v === 'function' ? undefined : v)),
      }));
    }),
    vscode.commands.registerCommand('sidestreamConsumer.countTokens', async (modelId: string, text: string) => {
      const [model] = await vscode.lm.selectChatModels({ vendor: VENDOR, id: modelId });
      if (!model) throw new Error(`no model ${modelId}`);
      return model.countTokens(text);
    }),
    vscode.commands.registerCommand('sidestreamConsumer.ask', async (args: ConsumerAskArgs): Promise<ConsumerAskResult> => {
      const [model] = await vscode.lm.selectChatModels({ vendor: VENDOR, id: args.modelId });
      if (!model) throw new Error(`no model ${args.modelId}`);
      const cts = new vscode.CancellationTokenSource();
      const result: ConsumerAskResult = { text: '', startedAt: epochNow(), firstFragmentAt: undefined, fragments: 0, cancelled: false };
      try {
        const response = await model.sendRequest(
          [vscode.LanguageModelChatMessage.User(args.prompt)],
          { justification: 'Sidestream test', modelOptions: args.modelOptions },
          cts.token,
        );
        for await (const fragment of response.text) {
          result.firstFragmentAt ??= epochNow();
          result.text += fragment;
          result.fragments++;
          if (args.cancelAfterChars !== undefined && result.text.length >= args.cancelAfterChars && !result.cancelled) {
            result.cancelled = true;
            cts.cancel();
          }
        }
      } catch (err) {
        const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
        result.error = {
          isLanguageModelError: err instanceof vscode.LanguageModelError,
          name: String(e.name),
          code: e.code,
          message: String(e.message),
          causeCode: e.cause?.code,
          json: JSON.stringify({ ...e, message: e.message, stack: (err as Error).stack }),
        };
      } finally {
        cts.dispose();
      }
      return result;
    }),
  );
}
