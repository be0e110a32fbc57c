/**
 * VS Code's own chat, both ways, in the real extension host with real counterparts installed
 * beside Sidestream as .vsix files (test/extensions/, built by the runner):
 * - `lm-consumer` uses Sidestream's models through `vscode.lm` as any extension would: lists them,
 *   streams, cancels (the simulator sees the client close the socket), gets typed errors, counts
 *   tokens — and never sees a key.
 * - `lm-provider` offers a model (vendor `sidestream-test`) streaming from the simulator: Sidestream
 *   with provider `vscode-lm`, and `auto` with nothing else, streams it into the panel and cancels it.
 * - the `@sidestream` participant's handler, called directly (code-server's chat view needs a
 *   signed-in chat to send a request), streams Markdown, stops on its token, reports figures, /explain.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { SidestreamChatMetadata } from '../../src/features/vscodeChat/participant';
import { Simulator } from '../../src/simulator/Simulator';
import type { ConsumerToolLoopArgs, ConsumerToolLoopResult } from '../extensions/lm-consumer/src/extension';
import {
  asAssistant,
  chatRequest,
  delay,
  freshChat,
  generations,
  recordingStream,
  resetSettings,
  setEnvKeys,
  setSetting,
  simLog,
  useHostSuite,
  waitFor,
  waitForStreamingText,
  withTimeout,
  useSimulatorModel,
  consumerAsk,
  LM_CONSUMER,
} from './helpers/hostKit';
import { observeDialogs, type ObservedDialogs } from './helpers/dialogs';

const CANARY = `sk-lmcanary-QQ7${randomBytes(10).toString('hex')}`;
const ANSWER = 'Streaming through the Language Model API works, token by token.';
const LONG = Array.from({ length: 60 }, (_, i) => `Part ${i + 1} of a long answer.`).join(' ');
const CONSUMER = LM_CONSUMER;
const PROVIDER = 'sidestream-test.lm-provider';

interface ListedModel {
  id: string;
  name: string;
  vendor: string;
  maxInputTokens: number;
  toolCalling: boolean | undefined;
  json: string;
}

function consumerToolLoop(args: ConsumerToolLoopArgs): Promise<ConsumerToolLoopResult> {
  return withTimeout(Promise.resolve(vscode.commands.executeCommand<ConsumerToolLoopResult>('sidestreamConsumer.toolLoop', args)), 30_000, `consumer tool loop ${args.modelId}`);
}

async function consumerModels(): Promise<ListedModel[]> {
  return vscode.commands.executeCommand<ListedModel[]>('sidestreamConsumer.listModels');
}

describe('Language models: VS Code chat, both ways', function () {
  this.timeout(90_000);
  const sim = new Simulator({ log: simLog });
  /** Wants the canary key: a request it accepts proves the key went where it belongs. */
  const keyedSim = new Simulator({ log: simLog, apiKey: CANARY });
  /** A local server (Ollama's slot): tells what each model can do and the window it is loaded with. */
  const localSim = new Simulator({ log: simLog, models: ['sim-model', 'sim-notools', 'sim-small-ctx-1024'] });
  const suite = useHostSuite({
    sims: [sim, keyedSim, localSim],
    cleanUp: async () => {
      await vscode.commands.executeCommand('sidestreamTestProvider.configure', undefined).then(undefined, () => undefined);
    },
  });

  /** The consumer spends keys: the "user" allows it (the key-access test asks for itself). */
  let dialogs: ObservedDialogs | undefined;
  before(async () => {
    for (const id of [CONSUMER, PROVIDER]) {
      const ext = vscode.extensions.getExtension(id);
      assert.ok(ext, `test extension ${id} is not installed (the runner installs it as a .vsix)`);
      await ext.activate();
    }
    dialogs = observeDialogs();
    dialogs.answer = 'Allow';
  });
  after(async () => {
    dialogs?.dispose();
    await suite.api.keyAccess.forget([CONSUMER]);
  });

  describe('Sidestream as a provider (vendor sidestream), used by another extension', () => {
    let restoreEnv = (): void => undefined;

    before(async () => {
      await resetSettings();
      restoreEnv = setEnvKeys(CANARY, CANARY);
      await setSetting('openai.baseUrl', keyedSim.openAIBaseUrl);
      await setSetting('anthropic.baseUrl', keyedSim.anthropicBaseUrl);
    });

    after(async () => {
      restoreEnv();
      await resetSettings();
    });

    beforeEach(() => {
      sim.reset();
      keyedSim.reset();
    });

    it('lists the reachable models with honest limits, and announces a change when the settings change', async () => {
      const before = await consumerModels();
      assert.ok(
        before.some((m) => m.id === 'openai/gpt-4.1-mini'),
        `no OpenAI model with a key set: ${before.map((m) => m.id).join(', ')}`,
      );
      assert.ok(
        before.some((m) => m.id === 'anthropic/claude-sonnet-4-5'),
        'no Anthropic model with a key set',
      );
      assert.ok(!before.some((m) => m.id.startsWith('openai-compatible/')), 'an OpenAI-compatible model without a base URL');
      for (const m of before) assert.equal(m.vendor, 'sidestream');
      const gpt = before.find((m) => m.id === 'openai/gpt-4.1-mini')!;
      // Context window 1,047,576 less the 4,096 tokens Sidestream lets an answer have.
      assert.equal(gpt.maxInputTokens, 1_047_576 - 4096);

      const changesBefore = await vscode.commands.executeCommand<number>('sidestreamConsumer.modelChanges');
      await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
      const changed = await pollAsync('the consumer to see a model change', 10_000, async () =>
        (await vscode.commands.executeCommand<number>('sidestreamConsumer.modelChanges')) > changesBefore ? true : undefined,
      );
      assert.ok(changed);
      const after = await consumerModels();
      const simModels = after.filter((m) => m.id.startsWith('openai-compatible/'));
      assert.deepEqual(simModels.map((m) => m.name).sort(), ['sim-demo', 'sim-fast', 'sim-model', 'sim-reasoning', 'sim-slow']);
      // The simulator reports no context length: 8,192 assumed, less the answer's 4,096.
      assert.equal(simModels[0]!.maxInputTokens, 8192 - 4096);

      // Nothing a model shows another extension carries a key or a URL.
      const everything = JSON.stringify(after);
      assert.ok(!everything.includes(CANARY), 'a key is in the model information');
      assert.ok(!everything.includes('127.0.0.1'), 'a URL is in the model information');
    });

    it('streams a request from another extension through the core, tagged with who asked', async () => {
      await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
      sim.enqueue({ text: ANSWER, tokensPerSecond: 200 });
      const result = await consumerAsk({ modelId: 'openai-compatible/sim-model', prompt: 'Stream something.' });
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.text, ANSWER);
      assert.ok(result.fragments > 3, `expected the answer in many fragments, got ${result.fragments}`);
      const [record] = generations(sim, 'openai-chat');
      assert.ok(record, 'the simulator got no request');
      assert.equal(record.model, 'sim-model');
      assert.match(JSON.stringify(record.messages), /Stream something\./);
      // The status bar shows this request's figures, and for whom.
      const status = suite.api.snapshot().statusBarText;
      assert.match(status, /TTFT \d+ ms/, status);
      assert.match(status, /for Sidestream LM Consumer \(test\)/, status);
    });

    it('asks before another extension spends a key: Deny is remembered, a dismissed question asks again, Always Allow is remembered', async () => {
      const ask = () => consumerAsk({ modelId: 'openai/gpt-4.1-mini', prompt: 'Spend my key.' });
      const questions = () => dialogs!.modal().filter((q) => /wants to use your OpenAI key/.test(q.message));
      await suite.api.keyAccess.forget([CONSUMER]);
      dialogs!.asked.length = 0;

      dialogs!.answer = 'Deny';
      const denied = await ask();
      assert.equal(denied.error?.code, 'NoPermissions', JSON.stringify(denied.error));
      assert.match(denied.error.message, /did not allow this extension to use your OpenAI key/);
      assert.equal(questions().length, 1);
      assert.match(questions()[0]!.message, /Sidestream LM Consumer \(test\)/, 'the question names the extension');
      assert.deepEqual(questions()[0]!.buttons, ['Allow', 'Always Allow', 'Deny']);
      assert.deepEqual(suite.api.keyAccess.remembered(), { [CONSUMER]: 'denied' });
      // Remembered: refused without asking again, and nothing was sent.
      assert.equal((await ask()).error?.code, 'NoPermissions');
      assert.equal(questions().length, 1);
      assert.equal(generations(keyedSim, 'openai-chat').length, 0, 'a request went out without the user allowing it');

      // Dismissed (Escape): refused this time, asked again next time.
      await suite.api.keyAccess.forget([CONSUMER]);
      dialogs!.answer = undefined;
      assert.equal((await ask()).error?.code, 'NoPermissions');
      assert.deepEqual(suite.api.keyAccess.remembered(), {});
      dialogs!.answer = 'Always Allow';
      keyedSim.enqueue({ text: ANSWER });
      const allowed = await ask();
      assert.equal(allowed.error, undefined, JSON.stringify(allowed.error));
      assert.equal(allowed.text, ANSWER);
      assert.equal(questions().length, 3);
      assert.deepEqual(suite.api.keyAccess.remembered(), { [CONSUMER]: 'always' });
      keyedSim.enqueue({ text: ANSWER });
      assert.equal((await ask()).text, ANSWER);
      assert.equal(questions().length, 3, 'asked again after Always Allow');
      // A server without a key costs nothing: no question.
      await suite.api.keyAccess.forget([CONSUMER]);
      await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
      sim.enqueue({ text: ANSWER });
      assert.equal((await consumerAsk({ modelId: 'openai-compatible/sim-model', prompt: 'Free.' })).text, ANSWER);
      assert.equal(questions().length, 3);
      dialogs!.answer = 'Allow';
    });

    it("cancelling the caller's token mid-stream closes the socket", async () => {
      await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
      sim.enqueue({ text: LONG, tokensPerSecond: 40 });
      const result = await consumerAsk({ modelId: 'openai-compatible/sim-model', prompt: 'Cancel me.', cancelAfterChars: 40 });
      assert.equal(result.cancelled, true);
      assert.ok(result.text.length < LONG.length, 'the whole answer arrived');
      assert.ok(LONG.startsWith(result.text));
      const [record] = generations(sim, 'openai-chat');
      assert.ok(record);
      const closed = await sim.waitForClose(record.id, 5_000);
      assert.equal(closed.closedBy, 'client', 'the server, not the client, closed the socket');
      assert.equal(closed.completed, false);
    });

    it("a failure is a LanguageModelError with Sidestream's one-line message, never the key", async () => {
      // OpenAI's 401 echoes the key it got; Sidestream's message must not.
      keyedSim.enqueue({
        fault: {
          kind: 'status',
          status: 401,
          body: JSON.stringify({ error: { message: `Incorrect API key provided: ${CANARY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }),
          headers: { 'content-type': 'application/json' },
        },
      });
      const auth = await consumerAsk({ modelId: 'openai/gpt-4.1-mini', prompt: 'Fail with 401.' });
      assert.ok(auth.error, 'no error');
      assert.equal(auth.error.isLanguageModelError, true, JSON.stringify(auth.error));
      assert.equal(auth.error.code, 'NoPermissions');
      assert.match(auth.error.message, /OpenAI rejected the request \(401\)/);
      assert.ok(!auth.error.json.includes(CANARY), `the key reached the other extension: ${auth.error.json}`);
      assert.doesNotMatch(auth.error.json, /QQ7[0-9a-f]{6,}/);

      keyedSim.enqueue({ fault: { kind: 'status', status: 500 } }, { fault: { kind: 'status', status: 500 } }, { fault: { kind: 'status', status: 500 } });
      const server = await consumerAsk({ modelId: 'openai/gpt-4.1-mini', prompt: 'Fail with 500.' });
      assert.ok(server.error);
      assert.equal(server.error.isLanguageModelError, true);
      assert.equal(server.error.causeCode, 'server', JSON.stringify(server.error));
      assert.match(server.error.message, /500/);
      assert.ok(!server.error.json.includes(CANARY));

      // And with the right key, the request goes through to the keyed server.
      keyedSim.enqueue({ text: ANSWER });
      const ok = await consumerAsk({ modelId: 'anthropic/claude-sonnet-4-5', prompt: 'Succeed.' });
      assert.equal(ok.error, undefined, JSON.stringify(ok.error));
      assert.equal(ok.text, ANSWER);
      assert.equal(generations(keyedSim, 'anthropic')[0]?.status, 200);
    });

    it("counts tokens with the project's tokenizer (gpt-tokenizer, cl100k)", async () => {
      // Short words and symbols: a tokenizer's count is far from any characters-per-token estimate.
      const text = 'a b c d e f g h ✓ ✓ ✓ 1 2 3 4 5';
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const expected = (require('gpt-tokenizer/cjs/encoding/cl100k_base') as { countTokens(t: string): number }).countTokens(text);
      assert.notEqual(expected, Math.ceil(text.length / 4), 'the sample text cannot tell a tokenizer from an estimate');
      const counted = await vscode.commands.executeCommand<number>('sidestreamConsumer.countTokens', 'openai/gpt-4.1-mini', text);
      assert.equal(counted, expected);
    });
  });

  describe("agent mode: another extension's tools through Sidestream's models", () => {
    const REASONING = 'First the weather, then the note.';
    const CALLS = [
      { name: 'get_weather', arguments: '{"city": "Zürich"}' },
      { name: 'read_note', arguments: '{"title": "groceries"}' },
    ];
    const SHAPES: Array<{
      shape: string;
      modelId: string;
      server: () => Simulator;
      wire: 'openai-chat' | 'openai-responses' | 'anthropic';
      textForm?: 'hermes';
      setUp(): Promise<void>;
    }> = [
      {
        shape: 'OpenAI Chat',
        modelId: 'openai-compatible/sim-model',
        server: () => sim,
        wire: 'openai-chat',
        setUp: async () => setSetting('openaiCompatible.api', 'chat'),
      },
      {
        shape: 'OpenAI Responses',
        modelId: 'openai-compatible/sim-model',
        server: () => sim,
        wire: 'openai-responses',
        setUp: async () => setSetting('openaiCompatible.api', 'responses'),
      },
      { shape: 'Anthropic', modelId: 'anthropic/claude-sonnet-4-5', server: () => keyedSim, wire: 'anthropic', setUp: async () => undefined },
      {
        shape: 'a local model that writes its calls as text (Ollama)',
        modelId: 'ollama/sim-model',
        server: () => localSim,
        wire: 'openai-chat',
        textForm: 'hermes',
        setUp: async () => undefined,
      },
    ];
    let restoreEnv = (): void => undefined;

    before(async () => {
      await resetSettings();
      restoreEnv = setEnvKeys(CANARY, CANARY);
      await setSetting('anthropic.baseUrl', keyedSim.anthropicBaseUrl);
      await setSetting('openaiCompatible.baseUrl', sim.openAIBaseUrl);
      await setSetting('ollama.baseUrl', localSim.openAIBaseUrl);
    });

    after(async () => {
      restoreEnv();
      await resetSettings();
    });

    beforeEach(() => {
      for (const s of [sim, keyedSim, localSim]) s.reset();
    });

    it('every model says it can call tools unless its server says otherwise; a local model has its loaded window', async () => {
      const models = await pollAsync('the local server to be listed with what it can do', 10_000, async () => {
        const listed = await consumerModels();
        return listed.some((m) => m.id === 'ollama/sim-notools' && m.toolCalling === false) ? listed : undefined;
      });
      const byId = new Map(models.map((m) => [m.id, m]));
      for (const id of ['openai-compatible/sim-model', 'anthropic/claude-sonnet-4-5', 'openai/gpt-4.1-mini', 'ollama/sim-model', 'ollama/sim-small-ctx-1024']) {
        assert.equal(byId.get(id)?.toolCalling, true, `${id}: ${JSON.stringify(byId.get(id))}`);
      }
      // Loaded with 32,768 tokens (the server's /api/ps), less the answer's 4,096; not the 8,192 assumed.
      assert.equal(byId.get('ollama/sim-model')?.maxInputTokens, 32_768 - 4096);
      assert.equal(byId.get('ollama/sim-small-ctx-1024')?.maxInputTokens, 1024 - 512);
    });

    for (const { shape, modelId, server, wire, textForm, setUp } of SHAPES) {
      it(`${shape}: each call with its scripted arguments, the results sent back, the final answer; thinking and usage parts`, async () => {
        await setUp();
        const recordsBefore = suite.api.metrics.records().length;
        const target = server();
        target.enqueue({ reasoning: REASONING, toolCalls: CALLS, ...(textForm ? { textForm } : {}) }, { useTools: true });
        const result = await consumerToolLoop({ modelId, prompt: 'What is the weather in Zürich, and what is on my groceries note?' });
        assert.equal(result.error, undefined, JSON.stringify(result.error));
        assert.deepEqual(result.classes, { thinking: true, data: true }, 'VS Code 1.139 has the thinking and data part classes');
        assert.equal(result.steps.length, 2, JSON.stringify(result.steps));
        const [first, second] = result.steps as [ConsumerToolLoopResult['steps'][number], ConsumerToolLoopResult['steps'][number]];
        assert.deepEqual(
          first.toolCalls.map((c) => ({ name: c.name, input: c.input })),
          [
            { name: 'get_weather', input: { city: 'Zürich' } },
            { name: 'read_note', input: { title: 'groceries' } },
          ],
        );
        const ids = first.toolCalls.map((c) => c.callId);
        assert.ok(ids.every((id) => id.length > 0) && new Set(ids).size === 2, `call ids: ${ids.join(', ')}`);
        // A call written as text is a call, never printed (the line break between two written calls stays).
        assert.equal(first.text.trim(), '', `text beside the calls: ${JSON.stringify(first.text)}`);
        assert.equal(first.thinking, REASONING);
        assert.ok(first.order.indexOf('thinking') < first.order.indexOf('tool-call'), first.order.join(' '));
        assert.equal(first.order.at(-1), 'data:usage', `usage comes last: ${first.order.join(' ')}`);
        assert.equal(first.usage.length, 1);
        const usage = first.usage[0] as { prompt_tokens: number; completion_tokens: number };
        assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));

        assert.equal(second.toolCalls.length, 0);
        assert.match(second.text, /Sunny, 21 °C in Zürich\./);
        assert.match(second.text, /buy milk and bread/);
        assert.equal(result.answer, second.text);
        assert.equal(second.order.at(-1), 'data:usage');

        const records = generations(target, wire);
        assert.equal(records.length, 2, `requests: ${records.length}`);
        assert.deepEqual(
          (records[0]!.tools ?? []).map((t) => JSON.stringify(t).match(/"name":"(\w+)"/)?.[1]),
          ['get_weather', 'read_note'],
        );
        assert.deepEqual(records[1]!.toolResults, [
          { callId: ids[0], name: 'get_weather', content: 'Sunny, 21 °C in Zürich.' },
          { callId: ids[1], name: 'read_note', content: 'Note "groceries": buy milk and bread.' },
        ]);
        // Each step is recorded with who called and how it ended.
        const steps = await waitFor('both steps in the metrics store', 5_000, () => {
          const recorded = suite.api.metrics.records().slice(recordsBefore);
          return recorded.length >= 2 ? recorded : undefined;
        });
        assert.deepEqual(
          steps.map((r) => [r.source, r.caller, r.finish]),
          [
            ['lm-provider', CONSUMER, 'tool-calls'],
            ['lm-provider', CONSUMER, 'stop'],
          ],
        );
        assert.ok(
          steps.every((r) => r.promptTokens !== undefined && r.promptTokens > 0),
          JSON.stringify(steps),
        );

        // The thinking part in the history is never sent back as answer text.
        assert.ok(!JSON.stringify(records[1]!.messages).includes(REASONING), `thinking sent back: ${JSON.stringify(records[1]!.messages)}`);
      });
    }

    it("the consumer's Stop mid-thinking closes the socket (Anthropic)", async () => {
      keyedSim.enqueue({ reasoning: LONG, text: LONG, tokensPerSecond: 40 });
      const result = await consumerToolLoop({ modelId: 'anthropic/claude-sonnet-4-5', prompt: 'Think long.', cancelAfterChars: 40 });
      assert.equal(result.cancelled, true);
      assert.ok(result.steps[0]!.thinking.length > 0 && result.steps[0]!.thinking.length < LONG.length);
      const [record] = generations(keyedSim, 'anthropic');
      const closed = await keyedSim.waitForClose(record!.id, 5_000);
      assert.equal(closed.closedBy, 'client', 'the server, not the client, closed the socket');
      assert.equal(closed.completed, false);
    });

    it('a local model loaded with too small a window for the request: a failure that says what to do, nothing sent', async () => {
      const result = await consumerToolLoop({ modelId: 'ollama/sim-small-ctx-1024', prompt: 'word '.repeat(700) });
      assert.ok(result.error, 'no error');
      assert.equal(result.error.isLanguageModelError, true);
      assert.equal(result.error.causeCode, 'context-too-small', JSON.stringify(result.error));
      assert.match(result.error.message, /sim-small-ctx-1024 is loaded with a 1,024-token context window/);
      assert.match(result.error.message, /OLLAMA_CONTEXT_LENGTH/);
      assert.equal(generations(localSim, 'openai-chat').length, 0, 'the request was sent anyway');
    });
  });

  describe('the @sidestream chat participant (handler in the real extension host)', () => {
    beforeEach(async () => {
      await useSimulatorModel(sim);
      sim.reset();
    });

    it('streams Markdown from the current Sidestream model and reports TTFT and tok/s in its footer', async () => {
      sim.enqueue({ text: ANSWER, tokensPerSecond: 200 });
      const chat = recordingStream();
      const result = await suite.api.chatParticipantHandler(chatRequest('Hello from the chat.'), { history: [] }, chat.stream, new vscode.CancellationTokenSource().token);
      const metadata = (result as vscode.ChatResult).metadata as SidestreamChatMetadata;
      assert.ok(chat.parts.length > 3, `expected streamed parts, got ${chat.parts.length}`);
      assert.ok(chat.text.startsWith(ANSWER), chat.text);
      assert.match(chat.text, /---\n\*Simulator · sim-model · TTFT \d+ ms · [\d.]+ tok\/s · \d+ tokens\*/);
      assert.equal(metadata.finishReason, 'stop');
      assert.equal(metadata.answer, ANSWER);
      assert.ok(metadata.ttftMs !== undefined && metadata.ttftMs > 0);
      assert.ok(metadata.tokensPerSecond !== undefined && metadata.tokensPerSecond > 0);
      assert.match(suite.api.snapshot().statusBarText, /via VS Code chat/);
      const [record] = generations(sim, 'openai-chat');
      assert.match(JSON.stringify(record?.messages), /Hello from the chat\./);
    });

    it("the chat's Stop (its token) closes the socket", async () => {
      sim.enqueue({ text: LONG, tokensPerSecond: 40 });
      const chat = recordingStream();
      const cts = new vscode.CancellationTokenSource();
      const pending = suite.api.chatParticipantHandler(chatRequest('A long one.'), { history: [] }, chat.stream, cts.token);
      await waitFor('some streamed Markdown', 15_000, () => (chat.text.length > 30 ? true : undefined));
      cts.cancel();
      const result = (await withTimeout(Promise.resolve(pending), 5_000, 'the handler after Stop')) as vscode.ChatResult;
      assert.equal((result.metadata as SidestreamChatMetadata).finishReason, 'cancelled');
      const [record] = generations(sim, 'openai-chat');
      const closed = await sim.waitForClose(record!.id, 5_000);
      assert.equal(closed.closedBy, 'client');
      assert.equal(closed.completed, false);
    });

    it('/explain sends the editor selection', async () => {
      // Python: opening TypeScript would start the TypeScript server, which the test does not need.
      const code = 'def add(a, b):\n    return a + b';
      const doc = await vscode.workspace.openTextDocument({ content: `# before\n${code}\n# after\n`, language: 'python' });
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(1, 0, 2, 16);
      sim.enqueue({ text: 'It adds two numbers.' });
      const chat = recordingStream();
      const result = (await suite.api.chatParticipantHandler(
        chatRequest('', 'explain'),
        { history: [] },
        chat.stream,
        new vscode.CancellationTokenSource().token,
      )) as vscode.ChatResult;
      assert.equal((result.metadata as SidestreamChatMetadata).answer, 'It adds two numbers.');
      const sent = JSON.stringify(generations(sim, 'openai-chat')[0]?.messages);
      assert.ok(sent.includes(JSON.stringify(code).slice(1, -1)), `the selection was not sent: ${sent}`);
      assert.ok(!sent.includes('# before') && !sent.includes('# after'), 'more than the selection was sent');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it("a failure is shown with Sidestream's one-line message", async () => {
      sim.enqueue({ fault: { kind: 'status', status: 404 } });
      const chat = recordingStream();
      const result = (await suite.api.chatParticipantHandler(chatRequest('Fail.'), { history: [] }, chat.stream, new vscode.CancellationTokenSource().token)) as vscode.ChatResult;
      assert.match(result.errorDetails?.message ?? '', /not found/i);
      assert.equal((result.metadata as SidestreamChatMetadata).finishReason, 'error');
    });
  });

  describe("another extension's model (vendor sidestream-test) in Sidestream's panel", () => {
    before(async () => {
      await resetSettings();
      await vscode.commands.executeCommand('sidestreamTestProvider.configure', sim.openAIBaseUrl);
    });

    after(async () => {
      await vscode.commands.executeCommand('sidestreamTestProvider.configure', undefined);
    });

    beforeEach(async () => {
      await freshChat(suite.api);
      sim.reset();
    });

    for (const setting of ['vscode-lm', 'auto'] as const) {
      it(`provider ${setting}: streams its answer into the panel, figures marked estimated`, async () => {
        await setSetting('provider', setting === 'auto' ? undefined : setting);
        sim.enqueue({ text: ANSWER, tokensPerSecond: 100 });
        const answer = asAssistant(await withTimeout(suite.api.ask('Through the other extension, please.'), 30_000, 'the answer'));
        assert.equal(answer.state, 'done', JSON.stringify(answer));
        assert.equal(answer.text, ANSWER);
        assert.equal(answer.stats?.model, 'sidestream-test-model');
        assert.equal(answer.stats?.estimated, true, 'the token count is not marked estimated');
        assert.ok(answer.stats?.ttftMs !== undefined);
        assert.match(suite.api.snapshot().statusBarText, /~[\d.]+ tok\/s/, suite.api.snapshot().statusBarText);
        const [record] = generations(sim, 'openai-chat');
        assert.ok(record, 'the other extension never reached the simulator');
        assert.match(JSON.stringify(record.messages), /Through the other extension/);
      });
    }

    it("Cancel stops it: the other extension's socket is closed", async () => {
      await setSetting('provider', 'vscode-lm');
      sim.enqueue({ text: LONG, tokensPerSecond: 40 });
      const pending = suite.api.ask('A long answer through the other extension.');
      await waitForStreamingText(suite.api, 20);
      await vscode.commands.executeCommand('sidestream.cancel');
      const answer = asAssistant(await withTimeout(pending, 5_000, 'ask() after cancel'));
      assert.equal(answer.state, 'cancelled');
      assert.ok(answer.text.length > 0 && answer.text.length < LONG.length);
      const [record] = generations(sim, 'openai-chat');
      const closed = await sim.waitForClose(record!.id, 5_000);
      assert.equal(closed.closedBy, 'client');
      assert.equal(closed.completed, false);
      await delay(100);
    });

    it('a model that stops sending ends as an idle-timeout failure, the text so far kept, its request cancelled', async () => {
      await setSetting('provider', 'vscode-lm');
      await setSetting('idleTimeoutSeconds', 1);
      // The stall must end the answer: no automatic resume.
      await setSetting('autoResume', false);
      try {
        sim.enqueue({ text: LONG, tokensPerSecond: 0, fault: { kind: 'stall', afterTokens: 5 } });
        const answer = asAssistant(await withTimeout(suite.api.ask('A model that goes quiet.'), 20_000, 'the answer of a model that stopped sending'));
        assert.equal(answer.state, 'error', JSON.stringify(answer));
        assert.equal(answer.error?.kind, 'idle-timeout');
        assert.match(answer.error?.message ?? '', /1 s/);
        assert.ok(answer.text.length > 0 && LONG.startsWith(answer.text), `the text so far is kept: ${JSON.stringify(answer.text)}`);
        const [record] = generations(sim, 'openai-chat');
        const closed = await sim.waitForClose(record!.id, 5_000);
        assert.equal(closed.closedBy, 'client', 'the other extension was told to stop (its socket closed)');
      } finally {
        await setSetting('idleTimeoutSeconds', undefined);
        await setSetting('autoResume', undefined);
      }
    });

    it('a model that never stops sending is stopped at the output cap: length, the text kept, a note', async () => {
      await setSetting('provider', 'vscode-lm');
      await setSetting('maxOutputTokens', 1000);
      try {
        sim.enqueue({ text: LONG, tokensPerSecond: 0, fault: { kind: 'endless', afterTokens: 5, pieceChars: 1024, megabytes: 16 } });
        const answer = asAssistant(await withTimeout(suite.api.ask('A model that never stops.'), 30_000, 'the answer of a model that never stops'));
        assert.equal(answer.state, 'done', JSON.stringify(answer.error));
        assert.equal(answer.stats?.finishReason, 'length');
        assert.match(answer.stats?.note ?? '', /^Stopped after [\d,]+ characters: the server kept sending \(the output limit was 1,000 tokens\)/);
        assert.ok(answer.text.startsWith(LONG.slice(0, 10)) && answer.text.length >= 256 * 1024, `the text so far is kept (${answer.text.length} characters)`);
        assert.ok(answer.text.length < 256 * 1024 + 64 * 1024, `stopped near the cap (${answer.text.length} characters)`);
        // The request is cancelled at the cap, but VS Code queues what the providing extension
        // reported, so it may have read the simulator's whole answer already: only this side is bounded.
      } finally {
        await setSetting('maxOutputTokens', undefined);
      }
    });
  });
});

async function pollAsync<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await delay(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
