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

/** A tool loop: the request offers {@link TOOLS}; each call is run here and its result sent back, until an answer without calls. */
export interface ConsumerToolLoopArgs {
  modelId: string;
  prompt: string;
  toolMode?: 'auto' | 'required';
  /** At most this many requests (default 4). */
  maxSteps?: number;
  /** Cancels the caller's token once this many characters (text and thinking) of the first step have arrived. */
  cancelAfterChars?: number;
}

/** What one request of the loop received, part by part. */
export interface ConsumerToolStep {
  text: string;
  thinking: string;
  toolCalls: Array<{ callId: string; name: string; input: unknown }>;
  /** Each `usage` data part, parsed. */
  usage: unknown[];
  /** The kind of every part, in order (`text`, `thinking`, `tool-call`, `data:<mime>`, `unknown`). */
  order: string[];
}

export interface ConsumerToolLoopResult {
  steps: ConsumerToolStep[];
  /** The last step's text. */
  answer: string;
  cancelled: boolean;
  /** Whether this VS Code has the thinking and data part classes. */
  classes: { thinking: boolean; data: boolean };
  error?: ConsumerAskResult['error'];
}

/** The consumer's two tools, and what each returns. */
export const TOOLS: vscode.LanguageModelChatTool[] = [
  {
    name: 'get_weather',
    description: 'The current weather in a city.',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'read_note',
    description: "Reads one of the user's notes by its title.",
    inputSchema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
  },
];

export function runTool(name: string, input: unknown): string {
  const args = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (name === 'get_weather') return `Sunny, 21 °C in ${String(args.city)}.`;
  if (name === 'read_note') return `Note "${String(args.title)}": buy milk and bread.`;
  return `No tool named ${name}.`;
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
        toolCalling: (m as { capabilities?: { supportsToolCalling?: boolean } }).capabilities?.supportsToolCalling,
        // Everything the model object shows another extension, own and inherited enumerable fields.
        json: JSON.stringify(m, (_k, v: unknown) => (typeof v === 'function' ? undefined : v)),
      }));
    }),
    vscode.commands.registerCommand('sidestreamConsumer.countTokens', async (modelId: string, text: string) => {
      const [model] = await vscode.lm.selectChatModels({ vendor: VENDOR, id: modelId });
      if (!model) throw new Error(`no model ${modelId}`);
      return model.countTokens(text);
    }),
    vscode.commands.registerCommand('sidestreamConsumer.toolLoop', (args: ConsumerToolLoopArgs) => toolLoop(args)),
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
        result.error = describeError(err);
      } finally {
        cts.dispose();
      }
      return result;
    }),
  );
}

function describeError(err: unknown): NonNullable<ConsumerAskResult['error']> {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  return {
    isLanguageModelError: err instanceof vscode.LanguageModelError,
    name: String(e.name),
    code: e.code,
    message: String(e.message),
    causeCode: e.cause?.code,
    json: JSON.stringify({ ...e, message: e.message, stack: (err as Error).stack }),
  };
}

/** The part classes newer than the typed API, where this VS Code has them. */
function partClasses(): { Thinking: (new (value: string) => unknown) | undefined; Data: (abstract new (...args: never[]) => { mimeType: string; data: Uint8Array }) | undefined } {
  const api = vscode as unknown as Record<string, unknown>;
  return {
    Thinking: typeof api.LanguageModelThinkingPart === 'function' ? (api.LanguageModelThinkingPart as new (value: string) => unknown) : undefined,
    Data: typeof api.LanguageModelDataPart === 'function' ? (api.LanguageModelDataPart as abstract new (...args: never[]) => { mimeType: string; data: Uint8Array }) : undefined,
  };
}

async function toolLoop(args: ConsumerToolLoopArgs): Promise<ConsumerToolLoopResult> {
  const [model] = await vscode.lm.selectChatModels({ vendor: VENDOR, id: args.modelId });
  if (!model) throw new Error(`no model ${args.modelId}`);
  const { Thinking, Data } = partClasses();
  const result: ConsumerToolLoopResult = { steps: [], answer: '', cancelled: false, classes: { thinking: Thinking !== undefined, data: Data !== undefined } };
  const messages: vscode.LanguageModelChatMessage[] = [vscode.LanguageModelChatMessage.User(args.prompt)];
  const cts = new vscode.CancellationTokenSource();
  try {
    for (let n = 0; n < (args.maxSteps ?? 4); n++) {
      const step: ConsumerToolStep = { text: '', thinking: '', toolCalls: [], usage: [], order: [] };
      result.steps.push(step);
      const thinkingParts: unknown[] = [];
      const response = await model.sendRequest(
        messages,
        {
          justification: 'Sidestream test',
          tools: TOOLS,
          toolMode: args.toolMode === 'required' ? vscode.LanguageModelChatToolMode.Required : vscode.LanguageModelChatToolMode.Auto,
        },
        cts.token,
      );
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelTextPart) {
          step.text += part.value;
          step.order.push('text');
        } else if (Thinking && part instanceof Thinking) {
          const value = (part as { value: string | string[] }).value;
          step.thinking += Array.isArray(value) ? value.join('') : value;
          thinkingParts.push(part);
          step.order.push('thinking');
        } else if (part instanceof vscode.LanguageModelToolCallPart) {
          step.toolCalls.push({ callId: part.callId, name: part.name, input: part.input });
          step.order.push('tool-call');
        } else if (Data && part instanceof Data) {
          step.order.push(`data:${part.mimeType}`);
          if (part.mimeType === 'usage') step.usage.push(JSON.parse(new TextDecoder().decode(part.data)));
        } else {
          step.order.push('unknown');
        }
        if (n === 0 && args.cancelAfterChars !== undefined && !result.cancelled && step.text.length + step.thinking.length >= args.cancelAfterChars) {
          result.cancelled = true;
          cts.cancel();
        }
      }
      if (result.cancelled || step.toolCalls.length === 0) break;
      // The assistant's turn as it came (thinking, text, calls), then the results, ids kept.
      const assistant: unknown[] = [...thinkingParts];
      if (step.text) assistant.push(new vscode.LanguageModelTextPart(step.text));
      for (const call of step.toolCalls) assistant.push(new vscode.LanguageModelToolCallPart(call.callId, call.name, call.input as object));
      messages.push(vscode.LanguageModelChatMessage.Assistant(assistant as vscode.LanguageModelTextPart[]));
      messages.push(
        vscode.LanguageModelChatMessage.User(
          step.toolCalls.map((call) => new vscode.LanguageModelToolResultPart(call.callId, [new vscode.LanguageModelTextPart(runTool(call.name, call.input))])),
        ),
      );
    }
    result.answer = result.steps.at(-1)?.text ?? '';
  } catch (err) {
    result.error = describeError(err);
  } finally {
    cts.dispose();
  }
  return result;
}
