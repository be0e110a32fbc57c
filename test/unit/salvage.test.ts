/**
 * Automatic salvage (src/core/salvage.ts): a stream that fails after text arrived is resumed with
 * the partial answer and joined at the seam without repeated text — through the real SDKs over
 * loopback against the simulator's fault scripts in each wire format, with continuations that go
 * straight on and ones that repeat the last words. Also what is never resumed, the bound of two
 * resumes, the figures over both parts, and the session's seams.
 */
import * as assert from 'node:assert/strict';
import { stream } from '../../src/core/adapter';
import { CancellationSource } from '../../src/core/cancellation';
import { CONTINUE_PROMPT } from '../../src/core/continuation';
import { makeFailure } from '../../src/core/errors';
import type { StreamEvent } from '../../src/core/events';
import { continuationModeFor, isResumable, SeamJoiner, withSalvage, type AnswerSeam } from '../../src/core/salvage';
import { StreamSession } from '../../src/core/session/StreamSession';
import type { SimFault } from '../../src/simulator/script';
import { drain, simRequest, type Target, useSimulator } from './helpers/coreHarness';

const ANSWER = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill, and nobody in the house says a word about it until supper.';

/** Joins `pieces` after `before` through a SeamJoiner, as a stream would. */
function join(before: string, pieces: string[]): { text: string; overlap: number } {
  const joiner = new SeamJoiner(before);
  let out = '';
  for (const piece of pieces) out += joiner.push(piece);
  out += joiner.end();
  return { text: before + out, overlap: joiner.overlap };
}

const chars = (s: string) => [...s];

describe('salvage: joining at the seam', () => {
  const cases: Array<{ name: string; before: string; continuation: string; joined: string }> = [
    { name: 'goes straight on', before: 'The quick brown', continuation: ' fox jumps.', joined: 'The quick brown fox jumps.' },
    { name: 'repeats the last word', before: 'The quick brown', continuation: ' brown fox jumps.', joined: 'The quick brown fox jumps.' },
    { name: 'repeats the last two words', before: 'The quick brown', continuation: ' quick brown fox jumps.', joined: 'The quick brown fox jumps.' },
    { name: 'starts over from the beginning', before: 'The quick brown', continuation: 'The quick brown fox jumps.', joined: 'The quick brown fox jumps.' },
    { name: 'sends again the whitespace a prefill lost', before: 'First paragraph.\n\n', continuation: '\n\nSecond one.', joined: 'First paragraph.\n\nSecond one.' },
    { name: 'a space trimmed from the prefill', before: 'over the ', continuation: ' lazy dog', joined: 'over the lazy dog' },
    { name: 'a word that merely begins like the end (no repeat)', before: 'Pick an', continuation: 'd choose.', joined: 'Pick and choose.' },
    { name: 'a word that begins with the last word (no repeat)', before: 'I said an', continuation: ' and more', joined: 'I said an and more' },
    { name: 'repeats a word cut at the break', before: 'Cursor **late', continuation: ' **latency** and more', joined: 'Cursor **latency** and more' },
    {
      name: 'repeats words ending mid-word',
      before: 'def f() -> float | None:\n    """Rat',
      continuation: ' | None:\n    """Rate over',
      joined: 'def f() -> float | None:\n    """Rate over',
    },
    { name: 'starts over after a short partial of punctuation', before: '---\n\n>', continuation: '---\n\n> Request', joined: '---\n\n> Request' },
    { name: 'punctuation that merely matches (no repeat)', before: '|:-----|------:|:-', continuation: '----:|\n| row', joined: '|:-----|------:|:-----:|\n| row' },
    { name: 'a continuation shorter than a possible repeat', before: 'Done. Really done', continuation: '.', joined: 'Done. Really done.' },
    {
      name: 'a repeat mid-word longer than 24 characters',
      before: 'alpha beta gamma delta epsilonzeta',
      continuation: 'beta gamma delta epsilonzeta eta',
      joined: 'alpha beta gamma delta epsilonzeta eta',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: in one piece and character by character`, () => {
      assert.equal(join(c.before, [c.continuation]).text, c.joined);
      assert.equal(join(c.before, chars(c.continuation)).text, c.joined);
    });
  }

  it('passes text on once it can no longer be a repeat (it does not hold the whole continuation)', () => {
    const joiner = new SeamJoiner('The quick brown');
    assert.equal(joiner.push(' b'), '');
    assert.equal(joiner.push('rown'), '');
    assert.equal(joiner.push(' fox'), ' fox');
    assert.equal(joiner.push(' and more'), ' and more');
    assert.equal(joiner.overlap, 6);
  });
});

describe('salvage: what is resumed', () => {
  it('transport and service failures with text are resumable; auth, bad request, content filter, protocol are not', () => {
    for (const kind of ['connection', 'idle-timeout', 'timeout', 'server', 'overloaded', 'provider'] as const) assert.equal(isResumable(makeFailure(kind, 'x')), true, kind);
    for (const kind of ['auth', 'bad-request', 'not-found', 'content-filter', 'protocol'] as const) assert.equal(isResumable(makeFailure(kind, 'x')), false, kind);
    assert.equal(isResumable(makeFailure('rate-limit', 'x', undefined, { retryAfterMs: 2000 })), true, 'short retry-after');
    assert.equal(isResumable(makeFailure('rate-limit', 'x', undefined, { retryAfterMs: 30_000 })), false, 'long retry-after');
    assert.equal(isResumable(makeFailure('rate-limit', 'x')), false, 'no retry-after');
  });

  it('prefill for Anthropic and local servers, the continue instruction elsewhere', () => {
    assert.equal(continuationModeFor({ api: 'anthropic', provider: 'anthropic' }), 'prefill');
    assert.equal(continuationModeFor({ api: 'openai-chat', provider: 'ollama' }), 'prefill');
    assert.equal(continuationModeFor({ api: 'openai-chat', provider: 'openai' }), 'follow-up');
    assert.equal(continuationModeFor({ api: 'openai-responses', provider: 'openai' }), 'follow-up');
  });
});

describe('salvage: against the simulator in each wire format', function () {
  this.timeout(20_000);
  const sim = useSimulator();

  const TARGETS: Target[] = ['openai-chat', 'openai-responses', 'anthropic', 'ollama'];
  const FAULTS: Array<{ name: string; fault: SimFault; kind: string }> = [
    { name: 'reset', fault: { kind: 'reset', afterTokens: 9 }, kind: 'connection' },
    { name: 'stall', fault: { kind: 'stall', afterTokens: 9 }, kind: 'idle-timeout' },
    { name: 'error event', fault: { kind: 'midstream-error', afterTokens: 9 }, kind: 'provider|overloaded' },
  ];

  async function run(target: Target, overlapWords: number, fault: SimFault, seams: AnswerSeam[] = []) {
    sim.enqueue({ text: ANSWER, fault }, { text: ANSWER, resumeOverlapWords: overlapWords });
    const source = withSalvage(stream, { onSeam: (seam) => seams.push(seam) });
    const summary = await drain(source(simRequest(sim, target, { idleTimeoutSeconds: 0.3, maxRetries: 0 }), undefined));
    return { summary, seams };
  }

  for (const target of TARGETS) {
    for (const { name, fault, kind } of FAULTS) {
      for (const overlapWords of [0, 3]) {
        it(`${target}: ${name} after 9 tokens, continuation ${overlapWords ? `repeating ${overlapWords} words` : 'going straight on'} → the whole answer, once`, async () => {
          const { summary, seams } = await run(target, overlapWords, fault);
          assert.equal(summary.error, undefined, summary.error?.error.message);
          assert.equal(summary.finish?.reason.unified, 'stop');
          assert.equal(summary.text, ANSWER, 'exactly the full answer: nothing lost, nothing twice');
          const log = sim.stats().requestsLog.filter((r) => r.api !== 'models');
          assert.equal(log.length, 2, 'one resume');
          const first = log[0]!.textSent;
          assert.ok(first.length > 0 && ANSWER.startsWith(first));
          assert.equal(seams.length, 1);
          const seam = seams[0]!;
          assert.equal(seam.offset, first.length, 'the seam sits where the first part ended');
          assert.match(seam.failure.kind, new RegExp(`^(${kind})$`));
          assert.ok(seam.resumeMs >= 0 && seam.attempts === 1);
          assert.equal(seam.mode, continuationModeFor(simRequest(sim, target)));
          // The resumed request carried the partial answer, as a prefill or with the continue instruction.
          const sent = JSON.stringify(log[1]!.messages);
          assert.ok(sent.includes(JSON.stringify(first.trimEnd()).slice(1, -1)), 'the partial answer was sent back');
          assert.equal(sent.includes(CONTINUE_PROMPT), seam.mode === 'follow-up');
          if (overlapWords) assert.ok(seam.overlapChars > 0, 'the repeated words were removed');
          // Figures over both parts: tokens of both, TTFT of the first.
          // (The first part's count is the tokenizer's when its usage never came, so only a bound.)
          assert.ok(summary.finish!.metrics.outputTokens! > log[1]!.tokensSent, 'tokens of both parts');
          assert.equal(summary.events.filter((e) => e.type === 'start').length, 1);
        });
      }
    }
  }

  it('openai-chat: a 5xx on the first resume, then a resume that works → one seam, two attempts', async () => {
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 7 } }, { fault: { kind: 'status', status: 503 } }, { text: ANSWER, resumeOverlapWords: 1 });
    const seams: AnswerSeam[] = [];
    const s = await drain(withSalvage(stream, { onSeam: (seam) => seams.push(seam) })(simRequest(sim, 'openai-chat', { maxRetries: 0 }), undefined));
    assert.equal(s.text, ANSWER);
    assert.equal(seams.length, 1);
    assert.equal(seams[0]!.attempts, 2);
    assert.ok(seams[0]!.resumeMs >= 450, `the second resume waits: ${seams[0]!.resumeMs}`);
  });

  it('a second failure after resumed text → a second seam; a third never comes (at most two resumes)', async () => {
    sim.enqueue(
      { text: ANSWER, fault: { kind: 'reset', afterTokens: 5 } },
      { text: ANSWER, fault: { kind: 'reset', afterTokens: 5 } },
      { text: ANSWER, fault: { kind: 'reset', afterTokens: 5 } },
      { text: ANSWER },
    );
    const seams: AnswerSeam[] = [];
    const s = await drain(withSalvage(stream, { onSeam: (seam) => seams.push(seam) })(simRequest(sim, 'anthropic', { maxRetries: 0 }), undefined));
    assert.equal(sim.stats().requestsLog.length, 3);
    assert.equal(seams.length, 2);
    assert.ok(seams[1]!.offset > seams[0]!.offset);
    assert.equal(s.error?.error.kind, 'connection');
    assert.match(s.error!.error.message, /after 2 automatic resumes/);
    assert.equal(s.error?.partialText, s.text);
    assert.ok(ANSWER.startsWith(s.text) && s.text.length > 0, 'everything that arrived is kept, in order, once');
  });

  it('never after a cancel: cancelling mid-stream ends as cancelled with one request', async () => {
    sim.enqueue({ text: ANSWER, tokensPerSecond: 30 });
    const cancel = new CancellationSource();
    const s = await drain(withSalvage(stream)(simRequest(sim, 'openai-chat'), cancel.token), (e) => {
      if (e.type === 'text-delta') cancel.cancel();
    });
    assert.equal(s.finish?.reason.unified, 'cancelled');
    assert.equal(sim.stats().requests, 1);
  });

  it('never after a length stop or a content filter (finishes, not failures)', async () => {
    for (const finishReason of ['length', 'content-filter'] as const) {
      sim.reset();
      sim.enqueue({ text: ANSWER, finishReason });
      const s = await drain(withSalvage(stream)(simRequest(sim, 'openai-chat'), undefined));
      assert.equal(s.finish?.reason.unified, finishReason);
      assert.equal(sim.stats().requests, 1);
    }
  });

  it('never after an authentication failure, nor before any text arrived', async () => {
    sim.enqueue({ fault: { kind: 'status', status: 401 } });
    const auth = await drain(withSalvage(stream)(simRequest(sim, 'openai-chat', { maxRetries: 0 }), undefined));
    assert.equal(auth.error?.error.kind, 'auth');
    sim.reset();
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 0 } });
    const empty = await drain(withSalvage(stream)(simRequest(sim, 'openai-chat', { maxRetries: 0 }), undefined));
    assert.equal(empty.error?.error.kind, 'connection');
    assert.equal(sim.stats().requests, 1);
  });

  it('off: the failure is reported as before', async () => {
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 5 } }, { text: ANSWER });
    const s = await drain(withSalvage(stream, { enabled: false })(simRequest(sim, 'openai-chat', { maxRetries: 0 }), undefined));
    assert.equal(s.error?.error.kind, 'connection');
    assert.equal(sim.stats().requests, 1);
  });

  it('figures: TTFT of the first part; tokens per second without the gap', async () => {
    sim.enqueue({ text: ANSWER, ttftMs: 150, tokensPerSecond: 100, fault: { kind: 'stall', afterTokens: 10 } }, { text: ANSWER, ttftMs: 400, tokensPerSecond: 100 });
    const events: StreamEvent[] = [];
    const s = await drain(withSalvage(stream)(simRequest(sim, 'openai-chat', { idleTimeoutSeconds: 0.5 }), undefined), (e) => events.push(e));
    assert.equal(s.text, ANSWER);
    const m = s.finish!.metrics;
    assert.ok(m.ttftMs! >= 140 && m.ttftMs! < 400, `TTFT of the first part, got ${m.ttftMs}`);
    // Counted over the whole time the gap would cut the rate to well under half; without it, ~100 tok/s.
    const wall = m.lastTokenMs! - m.ttftMs!;
    assert.ok(wall > 900, `the gap is in the wall time: ${wall}`);
    assert.ok(m.tokensPerSecond! > 60, `tokens per second without the gap: ${m.tokensPerSecond}`);
  });

  it('a session with autoResume: one answer, seams in the message at offsets of its text, a notice while resuming', async () => {
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 8 } }, { text: ANSWER, resumeOverlapWords: 2 });
    const notices: Array<string | undefined> = [];
    const message = { text: 'Earlier text. ', state: 'streaming' as const };
    const session = new StreamSession(simRequest(sim, 'openai-responses', { maxRetries: 0, continueFrom: 'Earlier text. ' }), {
      source: stream,
      providerLabel: 'Simulator',
      message,
      autoResume: true,
      onNotice: (n) => notices.push(n),
    });
    const result = await session.run();
    assert.equal(result.state, 'done');
    assert.equal(result.message.text, 'Earlier text. ' + ANSWER);
    assert.equal(result.seams.length, 1);
    const firstPart = sim.stats().requestsLog[0]!.textSent;
    assert.equal(result.seams[0]!.offset, 'Earlier text. '.length + firstPart.length);
    assert.deepEqual(result.message.seams, result.seams);
    assert.ok(
      notices.some((n) => n !== undefined && /connection broke: resuming \(1 of 2\)/i.test(n)),
      JSON.stringify(notices),
    );
    assert.equal(result.message.notice, undefined);
    assert.ok(result.stats!.outputTokens! > sim.stats().requestsLog[1]!.tokensSent, 'tokens of both parts');
  });

  it('a session without autoResume fails as before', async () => {
    sim.enqueue({ text: ANSWER, fault: { kind: 'reset', afterTokens: 8 } }, { text: ANSWER });
    const result = await new StreamSession(simRequest(sim, 'openai-chat', { maxRetries: 0 }), { source: stream, providerLabel: 'Simulator' }).run();
    assert.equal(result.state, 'error');
    assert.deepEqual(result.seams, []);
    assert.equal(sim.stats().requests, 1);
  });
});
