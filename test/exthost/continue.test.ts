/**
 * Continue, through the real extension in the real extension host, on each wire format: an answer
 * cut by Cancel, by a failure (connection reset) and by `length` is resumed in the SAME message
 * (same id), which gets the rest appended and ends `done`. The simulator proves what was sent:
 * Anthropic gets the partial answer as an assistant prefill (the last turn); OpenAI (cloud Chat
 * and Responses) gets it as an assistant turn followed by a user turn asking to continue.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import { CONTINUE_PROMPT } from '../../src/core/continuation';
import type { AssistantMessageView } from '../../src/shared/protocol';
import type { SimScript } from '../../src/simulator/script';
import { Simulator } from '../../src/simulator/Simulator';
import {
  asAssistant,
  forEachWire,
  generations,
  lastAssistant,
  recordedTurns,
  setSetting,
  simLog,
  suiteKeys,
  useHostSuite,
  waitForStreamingText,
  withTimeout,
  type Wire,
} from './helpers/hostKit';

const FULL = Array.from({ length: 40 }, (_, i) => `Step ${i + 1} of the answer.`).join(' ');
/** What a `length` stop delivers first: a token-aligned prefix of FULL. */
const FIRST_PART = FULL.slice(0, FULL.indexOf(' Step 9 '));

interface Cut {
  name: string;
  script: SimScript;
  /** Brings the answer to its cut state; resolves with the cut message. */
  cut(api: SidestreamApi, pending: Promise<unknown>): Promise<AssistantMessageView>;
  state: AssistantMessageView['state'];
}

const CUTS: Cut[] = [
  {
    name: 'cut by Cancel',
    script: { text: FULL, tokensPerSecond: 40 },
    async cut(api, pending) {
      await waitForStreamingText(api, 20);
      await vscode.commands.executeCommand('sidestream.cancel');
      await withTimeout(pending, 5_000, 'ask() after cancel');
      return lastAssistant(api);
    },
    state: 'cancelled',
  },
  {
    name: 'cut by a failure (connection reset)',
    script: { text: FULL, fault: { kind: 'reset', afterTokens: 12 } },
    async cut(api, pending) {
      await withTimeout(pending, 15_000, 'ask() with a reset');
      return lastAssistant(api);
    },
    state: 'error',
  },
  {
    name: 'cut by length',
    script: { text: FIRST_PART, finishReason: 'length' },
    async cut(api, pending) {
      await withTimeout(pending, 15_000, 'ask() cut by length');
      const answer = lastAssistant(api);
      assert.equal(answer.stats?.finishReason, 'length');
      return answer;
    },
    state: 'done',
  },
];

describe('Continue a cut answer', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('continue'), freshEachTest: true });

  // Continue by hand is what is tested: automatic resume would heal the reset cut by itself (resume.test.ts).
  before(async () => {
    await setSetting('autoResume', false);
  });

  forEachWire(sim, (wire) => {
    for (const c of CUTS) {
      it(`${c.name}: Continue appends to the same message`, async () => {
        const question = `Continue test (${c.name})`;
        sim.enqueue(c.script);
        const pending = suite.api.ask(question);
        const cut = await c.cut(suite.api, pending);
        assert.equal(cut.state, c.state, JSON.stringify(cut));
        const partial = cut.text;
        assert.ok(partial.length > 0 && partial.length < FULL.length && FULL.startsWith(partial), `unexpected partial text: ${JSON.stringify(partial)}`);
        await sim.waitForClose(generations(sim, wire)[0]!.id, 5_000);

        sim.reset();
        sim.enqueue(continuationScript(wire, partial));
        await withTimeout(suite.api.continueAnswer(cut.id), 20_000, 'continueAnswer');

        const messages = suite.api.snapshot().messages;
        assert.equal(messages.length, 2, 'Continue added a message instead of extending the cut one');
        const continued = asAssistant(messages[1]);
        assert.equal(continued.id, cut.id, 'Continue did not keep the message id');
        assert.equal(continued.state, 'done', JSON.stringify(continued));
        assert.equal(continued.error, undefined);
        assert.equal(continued.text, FULL, 'the continued text is not the partial answer plus the rest');

        const [request] = generations(sim, wire);
        assert.ok(request, 'no continuation request reached the simulator');
        const turns = recordedTurns(request);
        if (wire === 'anthropic') {
          // Prefill: the partial answer is the trailing assistant turn.
          assert.deepEqual(turns.slice(-2), [
            { role: 'user', text: question },
            { role: 'assistant', text: partial },
          ]);
        } else {
          // OpenAI cloud has no prefill: the partial answer, then a user turn asking to continue.
          assert.deepEqual(turns.slice(-3), [
            { role: 'user', text: question },
            { role: 'assistant', text: partial },
            { role: 'user', text: CONTINUE_PROMPT },
          ]);
        }
        await sim.waitForClose(request.id, 5_000);
      });
    }
  });
});

/**
 * The script for the continuation request. With a prefill the simulator streams only what follows
 * the prefill (as the real API does), so it gets the whole answer; without one it gets the rest.
 */
function continuationScript(wire: Wire, partial: string): SimScript {
  return wire === 'anthropic' ? { text: FULL } : { text: FULL.slice(partial.length) };
}
