/**
 * The panel's side of the streaming core's second pass, through the real extension in the real
 * extension host against the simulator: the Anthropic thinking budget setting asks for extended
 * thinking, the thinking streams into the answer's reasoning, and its signed block goes back with the
 * next turn; the wire API can be chosen for the OpenAI-compatible server; a failed stream's figures
 * are the final count of what arrived, however fast it came.
 */
import * as assert from 'node:assert/strict';
import { Simulator } from '../../src/simulator/Simulator';
import { baseUrlFor, generations, lastAssistant, setSetting, simLog, suiteKeys, useHostSuite, useWire, useSimulatorModel } from './helpers/hostKit';

describe('Reasoning, wire API and final figures in the panel', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('reasoning'), freshEachTest: true });

  it('sidestream.anthropic.thinkingBudget asks for thinking, streams it as reasoning, and sends the signed block back next turn', async () => {
    await useWire('anthropic', baseUrlFor('anthropic', sim));
    await setSetting('anthropic.thinkingBudget', 2048);
    const reasoning = 'The user wants a number. Three hundred ninety-one is the product of 17 and 23.';
    sim.enqueue({ text: 'It is 391.', reasoning, tokensPerSecond: 400 });
    await suite.api.ask('What is 17 × 23?');
    const first = lastAssistant(suite.api);
    assert.equal(first.state, 'done', JSON.stringify(first));
    assert.equal(first.text, 'It is 391.');
    assert.equal(first.reasoning, reasoning, "the thinking did not reach the answer's reasoning");
    assert.ok(
      first.stats?.firstAnswerTokenMs !== undefined && first.stats.ttftMs !== undefined && first.stats.firstAnswerTokenMs >= first.stats.ttftMs,
      `no first-answer-token figure: ${JSON.stringify(first.stats)}`,
    );
    const [request] = generations(sim, 'anthropic');
    assert.deepEqual((request!.reasoningParams?.thinking as Record<string, unknown>) ?? undefined, { type: 'enabled', budget_tokens: 2048 });

    sim.reset();
    sim.enqueue({ text: 'Yes.', tokensPerSecond: 400 });
    await suite.api.ask('Are you sure?');
    const [next] = generations(sim, 'anthropic');
    const turns = next!.messages as Array<{ role: string; content: unknown }>;
    const assistantTurn = turns.find((t) => t.role === 'assistant');
    assert.ok(Array.isArray(assistantTurn?.content), `the assistant turn was sent without its blocks: ${JSON.stringify(assistantTurn)}`);
    const blocks = assistantTurn.content as Array<Record<string, unknown>>;
    const thinking = blocks.find((b) => b.type === 'thinking');
    assert.ok(
      thinking && thinking.thinking === reasoning && typeof thinking.signature === 'string' && thinking.signature.length > 0,
      `the signed thinking block was not sent back: ${JSON.stringify(blocks)}`,
    );
    assert.ok(
      blocks.some((b) => b.type === 'text' && b.text === 'It is 391.'),
      'the answer text was not sent back',
    );
  });

  it('without a budget (0, the default) no thinking is asked for', async () => {
    await useWire('anthropic', baseUrlFor('anthropic', sim));
    await setSetting('anthropic.thinkingBudget', 0);
    sim.enqueue({ text: 'Plain.' });
    await suite.api.ask('Plain question');
    const [request] = generations(sim, 'anthropic');
    assert.equal(request!.reasoningParams?.thinking, undefined);
    assert.equal(lastAssistant(suite.api).text, 'Plain.');
  });

  it("sidestream.openaiCompatible.api = responses talks to the server's /responses", async () => {
    await useSimulatorModel(sim);
    await setSetting('openaiCompatible.api', 'responses');
    sim.enqueue({ text: 'Answered over the Responses API.' });
    await suite.api.ask('Which API?');
    assert.equal(lastAssistant(suite.api).text, 'Answered over the Responses API.');
    assert.equal(generations(sim, 'openai-responses').length, 1, 'the request did not go to /responses');
    assert.equal(generations(sim, 'openai-chat').length, 0);
  });

  for (const tokensPerSecond of [10, 400, 5_000]) {
    it(`a stream that fails mid-way at ${tokensPerSecond} tok/s ends with the count of all that arrived`, async () => {
      await useWire('openai-chat', baseUrlFor('openai-chat', sim));
      // The failure must end the answer: no automatic resume (the count of a resumed one is in resume.test.ts).
      await setSetting('autoResume', false);
      const text = Array.from({ length: 80 }, () => 'cat').join(' ');
      sim.enqueue({ text, tokensPerSecond, fault: { kind: 'midstream-error', afterTokens: 30, message: 'The model crashed.' } });
      await suite.api.ask(`Fail at ${tokensPerSecond} tok/s`);
      const answer = lastAssistant(suite.api);
      assert.equal(answer.state, 'error', JSON.stringify(answer));
      const [request] = generations(sim, 'openai-chat');
      assert.equal(answer.text, request!.textSent, 'the panel lost or added text');
      assert.equal(
        answer.stats?.outputTokens,
        request!.tokensSent,
        `outputTokens ${answer.stats?.outputTokens} for ${request!.tokensSent} tokens sent: ${JSON.stringify(answer.stats)}`,
      );
      assert.equal(answer.stats?.finishReason, 'error');
    });
  }
});
