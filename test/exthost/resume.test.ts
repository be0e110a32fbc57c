/**
 * Automatic resume (issue 28) through the real extension in the real extension host, against the
 * wire simulator over loopback: a stream cut mid-answer heals itself in the panel (one complete
 * answer, exactly the simulator's text, nothing repeated at the seam, the seam saved with the chat
 * and sent again when the panel is re-synced), `sidestream.autoResume: false` leaves the partial
 * failed answer for Continue, and another extension using Sidestream's model through `vscode.lm`
 * — and `@sidestream` — get one complete answer across a reset.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SidestreamChatMetadata } from '../../src/features/vscodeChat/participant';
import type { SimScript } from '../../src/simulator/script';
import { Simulator } from '../../src/simulator/Simulator';
import {
  asAssistant,
  chatRequest,
  forEachWire,
  generations,
  recordingStream,
  setSetting,
  simLog,
  suiteKeys,
  useHostSuite,
  withTimeout,
  useSimulatorModel,
  consumerAsk,
  LM_CONSUMER,
} from './helpers/hostKit';

/** The simulator's whole answer: what the user must end up with, exactly once. */
const TEXT = Array.from({ length: 24 }, (_, i) => `Sentence ${i + 1} of the healed answer.`).join(' ');
const CUT_AFTER = 20;
/** The first request breaks after CUT_AFTER tokens; the resume repeats the last two words (as models do), which must be left out. */
const CUT_THEN_RESUME: SimScript[] = [
  { text: TEXT, fault: { kind: 'reset', afterTokens: CUT_AFTER } },
  { text: TEXT, resumeOverlapWords: 2 },
];
const CONSUMER = LM_CONSUMER;

describe('Automatic resume: a cut stream heals itself', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog });
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('resume'), freshEachTest: true });

  forEachWire(sim, (wire) => {
    it('a connection reset mid-answer: one complete answer, nothing repeated, the seam saved with the chat and re-sent to the panel', async () => {
      sim.enqueue(...CUT_THEN_RESUME);
      const answer = asAssistant(await withTimeout(suite.api.ask('Heal a reset, please.'), 30_000, 'the answer'));
      const detail = JSON.stringify({ state: answer.state, error: answer.error, text: answer.text });
      assert.equal(answer.state, 'done', detail);
      assert.equal(answer.error, undefined, detail);
      assert.equal(answer.text, TEXT, 'the healed answer is not exactly the simulator’s answer (lost or repeated text at the seam)');
      const requests = generations(sim, wire);
      assert.equal(requests.length, 2, 'one resume request');
      const cut = requests[0]!.textSent;
      assert.ok(cut.length > 0 && TEXT.startsWith(cut), `the first part: ${JSON.stringify(cut)}`);
      // The resume asked for the rest with the partial answer (prefill or the continue instruction).
      assert.ok(JSON.stringify(requests[1]!.messages).includes(JSON.stringify(cut).slice(1, -1)), 'the resume did not carry the partial answer');
      assert.equal(answer.seams?.length, 1, `seams: ${JSON.stringify(answer.seams)}`);
      const seam = answer.seams![0]!;
      assert.equal(seam.offset, cut.length, 'the seam is not where the first part ended');
      assert.equal(seam.failure.kind, 'connection');
      assert.ok(seam.overlapChars > 0, 'the words the resume repeated were not recognised as a repeat');
      assert.ok(seam.resumeMs >= 0 && seam.attempts === 1, JSON.stringify(seam));
      assert.equal(answer.notice, undefined, 'the resume notice outlived the answer');

      // Saved with the chat: reopened from disk, the panel's init carries the seam again.
      const chatId = suite.api.currentChat().id;
      await suite.api.newChat();
      assert.equal(await suite.api.openChat(chatId), true, 'the chat could not be reopened');
      const reopened = asAssistant(suite.api.currentChat().messages.at(-1));
      assert.equal(reopened.text, TEXT);
      assert.deepEqual(reopened.seams, answer.seams, 'the reopened chat lost its seam');
    });

    it('sidestream.autoResume false: the partial answer stays, failed, and Continue finishes it', async () => {
      await setSetting('autoResume', false);
      try {
        sim.enqueue(CUT_THEN_RESUME[0]!);
        const answer = asAssistant(await withTimeout(suite.api.ask('Do not heal this one.'), 30_000, 'the answer'));
        assert.equal(answer.state, 'error', JSON.stringify(answer));
        assert.equal(answer.error?.kind, 'connection');
        const requests = generations(sim, wire);
        assert.equal(requests.length, 1, 'a resume was asked for with sidestream.autoResume off');
        assert.equal(answer.text, requests[0]!.textSent, 'the partial text is not kept as it arrived');
        assert.equal(answer.seams, undefined);
        // Continue (the failed answer's button) resumes it by hand.
        sim.reset();
        sim.enqueue({ text: TEXT });
        await withTimeout(suite.api.continueAnswer(answer.id), 20_000, 'Continue');
        const continued = asAssistant(suite.api.snapshot().messages.at(-1));
        assert.equal(continued.state, 'done', JSON.stringify(continued));
        assert.equal(continued.text, TEXT);
      } finally {
        await setSetting('autoResume', undefined);
      }
    });
  });

  describe('VS Code chat: another extension (vscode.lm) and @sidestream', () => {
    before(async () => {
      const ext = vscode.extensions.getExtension(CONSUMER);
      assert.ok(ext, `test extension ${CONSUMER} is not installed (the runner installs it as a .vsix)`);
      await ext.activate();
    });

    beforeEach(async () => {
      await useSimulatorModel(sim);
      sim.reset();
    });

    it('a caller of Sidestream’s language model gets one complete answer across a reset, not an error', async () => {
      sim.enqueue(...CUT_THEN_RESUME);
      const result = await consumerAsk({ modelId: 'openai-compatible/sim-model', prompt: 'Heal a reset for another extension.' });
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.cancelled, false);
      assert.equal(result.text, TEXT, 'the caller got lost or repeated text');
      assert.equal(generations(sim, 'openai-chat').length, 2, 'one resume request');
    });

    it('@sidestream streams one complete answer across a reset', async () => {
      sim.enqueue(...CUT_THEN_RESUME);
      const chat = recordingStream();
      const progress: string[] = [];
      (chat.stream as unknown as { progress(value: string): void }).progress = (value) => progress.push(value);
      const result = await suite.api.chatParticipantHandler(chatRequest('Heal a reset in the chat.'), { history: [] }, chat.stream, new vscode.CancellationTokenSource().token);
      const metadata = (result as vscode.ChatResult).metadata as SidestreamChatMetadata;
      assert.equal((result as vscode.ChatResult).errorDetails, undefined, JSON.stringify(result));
      assert.equal(metadata.answer, TEXT);
      assert.equal(metadata.finishReason, 'stop');
      // Everything before the footer is the answer, exactly once.
      assert.equal(chat.text.slice(0, chat.text.lastIndexOf('---')).trim(), TEXT, chat.text);
      assert.ok(
        progress.some((p) => /connection broke: resuming \(1 of 2\)/i.test(p)),
        `the chat was not told the answer is being resumed: ${JSON.stringify(progress)}`,
      );
      assert.equal(generations(sim, 'openai-chat').length, 2, 'one resume request');
    });
  });
});
