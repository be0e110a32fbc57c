/**
 * B16: automatic salvage over the simulator's fault scripts. Every wire format (OpenAI Chat with the
 * continue instruction, a local server's Chat with a prefill, OpenAI Responses, Anthropic with a
 * prefill) × every mid-stream fault (connection reset, stall, error event, error event then a 503
 * on the first resume, two resets) × where it breaks × how the model continues (straight on,
 * repeating one or three words, starting over). Through the core's real `stream()` and SDKs over
 * loopback, wrapped in `withSalvage`, exactly as the panel, the provider and the CLI run it.
 *
 * Figures: the share of answers that end complete with no user action; the share with any
 * duplicated (or lost) text, compared with the simulator's full answer character for character;
 * the extra output tokens spent against starting over.
 */
import { stream } from '../src/core/adapter';
import { CONTINUE_PROMPT } from '../src/core/continuation';
import type { WireApi, ProviderId } from '../src/core/events';
import type { ChatRequest } from '../src/core/request';
import { withSalvage, type AnswerSeam } from '../src/core/salvage';
import { generateAnswer } from '../src/simulator/answers';
import type { SimFault, SimScript } from '../src/simulator/script';
import { Simulator } from '../src/simulator/Simulator';
import { countTokens } from '../src/simulator/tokenize';
import type { BenchOptions, BenchResult, Check } from './common';
import { fmt } from './common';

interface Format {
  name: string;
  provider: ProviderId;
  api: WireApi;
}

const FORMATS: Format[] = [
  { name: 'OpenAI Chat (continue instruction)', provider: 'openai', api: 'openai-chat' },
  { name: 'local Chat (prefill)', provider: 'ollama', api: 'openai-chat' },
  { name: 'OpenAI Responses (continue instruction)', provider: 'openai', api: 'openai-responses' },
  { name: 'Anthropic (prefill)', provider: 'anthropic', api: 'anthropic' },
];

interface Fault {
  name: string;
  /** The scripts before the one that answers the last resume. */
  scripts: (afterTokens: number) => SimScript[];
}

const FAULTS: Fault[] = [
  { name: 'reset', scripts: (n) => [{ fault: { kind: 'reset', afterTokens: n } }] },
  { name: 'stall', scripts: (n) => [{ fault: { kind: 'stall', afterTokens: n } }] },
  { name: 'error event', scripts: (n) => [{ fault: { kind: 'midstream-error', afterTokens: n } }] },
  { name: 'overloaded event', scripts: (n) => [{ fault: { kind: 'midstream-error', afterTokens: n, errorType: 'overloaded_error', message: 'Overloaded' } }] },
  {
    name: 'error event, then a 503 on the first resume',
    scripts: (n) => [{ fault: { kind: 'midstream-error', afterTokens: n } }, { fault: { kind: 'status', status: 503 } as SimFault }],
  },
  {
    name: 'reset, then a reset in the resumed part',
    scripts: (n) => [{ fault: { kind: 'reset', afterTokens: n } }, { fault: { kind: 'reset', afterTokens: 12 }, resumeOverlapWords: 1 }],
  },
];

/** Where the first part breaks, in tokens. */
const CUTS = [3, 25, 90];
/** How the model continues: words repeated (1000: it starts the answer over). */
const OVERLAPS = [0, 1, 3, 1000];
/** Pieces of fewer simulator tokens than this one is not a fair "start over" comparison; the answer is ~220 tokens. */
const ANSWER_CHARS = 1100;

/** The share of a count, as a percentage string. */
const pct = (part: number, whole: number) => `${fmt((part / whole) * 100, 1)} %`;

export async function benchSalvage(opts: BenchOptions): Promise<BenchResult> {
  const sim = new Simulator();
  await sim.start();
  const checks: Check[] = [];
  let total = 0;
  let complete = 0;
  let duplicated = 0;
  let lost = 0;
  let seamsTotal = 0;
  let salvageExtraOutput = 0;
  let restartExtraOutput = 0;
  let salvageExtraInput = 0;
  let restartExtraInput = 0;
  let fullTokensAll = 0;
  let resumeMsSum = 0;
  const failures: string[] = [];
  const cuts = opts.smoke ? [25] : CUTS;
  const overlaps = opts.smoke ? [0, 3] : OVERLAPS;
  let seed = 1600;
  try {
    for (const format of FORMATS) {
      for (const fault of FAULTS) {
        for (const cut of cuts) {
          for (const overlap of overlaps) {
            sim.reset();
            const text = generateAnswer(seed++, ANSWER_CHARS);
            const scripts = fault.scripts(cut).map((s) => ({ ...s, text, resumeOverlapWords: s.resumeOverlapWords ?? overlap }));
            sim.enqueue(...scripts, { text, resumeOverlapWords: overlap });
            const question = `Question ${seed}: explain streaming with an example.`;
            const request: ChatRequest = {
              provider: format.provider,
              api: format.api,
              baseUrl: format.api === 'anthropic' ? sim.anthropicBaseUrl : sim.openAIBaseUrl,
              apiKey: 'sk-bench-key',
              model: 'sim-model',
              messages: [{ role: 'user', content: question }],
              idleTimeoutSeconds: 0.25,
              maxRetries: 0,
            };
            const seams: AnswerSeam[] = [];
            let answer = '';
            let ended = '';
            for await (const event of withSalvage(stream, { onSeam: (s) => seams.push(s) })(request, undefined)) {
              if (event.type === 'text-delta') answer += event.text;
              if (event.type === 'finish') ended = event.reason.unified;
              if (event.type === 'error') ended = `error: ${event.error.message}`;
            }
            total++;
            const label = `${format.name} / ${fault.name} / cut ${cut} / overlap ${overlap}`;
            if (ended === 'stop' && answer === text) complete++;
            else failures.push(`${label}: ${ended}`);
            const verdict = compareWithFull(answer, text);
            if (verdict === 'duplicated') duplicated++;
            if (verdict === 'lost') lost++;
            seamsTotal += seams.length;
            for (const seam of seams) resumeMsSum += seam.resumeMs;
            const log = sim.stats().requestsLog.filter((r) => r.api !== 'models');
            const full = countTokens(text);
            const sent = log.reduce((sum, r) => sum + r.tokensSent, 0);
            const wasted = log.slice(0, -1).reduce((sum, r) => sum + r.tokensSent, 0);
            fullTokensAll += full;
            salvageExtraOutput += sent - full;
            restartExtraOutput += wasted;
            const prompt = countTokens(question) + 6;
            // Each resume sends the question again plus the partial (and the continue instruction).
            for (const record of log.slice(1)) {
              const partialTokens = countTokens(JSON.stringify(record.messages ?? '')) - countTokens(JSON.stringify(question));
              salvageExtraInput += Math.max(0, partialTokens) + prompt;
              restartExtraInput += prompt;
            }
          }
        }
      }
    }
  } finally {
    await sim.stop();
  }
  const completeShare = complete / total;
  checks.push(
    { name: 'B16 no answer has duplicated text at a seam (vs the simulator’s full answer)', ok: duplicated === 0, detail: duplicated ? `${duplicated} of ${total}` : undefined },
    { name: 'B16 no answer lost text at a seam', ok: lost === 0, detail: lost ? `${lost} of ${total}` : undefined },
    { name: 'B16 every answer broken by a resumable fault ends complete', ok: complete === total, detail: failures.slice(0, 3).join('; ') || undefined },
  );
  const extraVsRestart = restartExtraOutput > 0 ? salvageExtraOutput / restartExtraOutput : 0;
  opts.log(
    `B16 ${total} answers: complete ${pct(complete, total)}, duplicated ${pct(duplicated, total)}, lost ${pct(lost, total)}, ${seamsTotal} seams (mean resume ${fmt(resumeMsSum / Math.max(1, seamsTotal), 0)} ms); extra output tokens: salvage ${salvageExtraOutput} (${pct(salvageExtraOutput, fullTokensAll)} of the answers), starting over ${restartExtraOutput} (${pct(restartExtraOutput, fullTokensAll)}); extra input tokens: salvage ${salvageExtraInput}, starting over ${restartExtraInput}`,
  );
  return {
    id: 'B16',
    title: 'Automatic salvage: answers cut mid-stream, in each wire format',
    measured: `${pct(complete, total)} complete with no user action; ${pct(duplicated, total)} with duplicated text at a seam (${total} answers)`,
    reference: `extra output tokens vs starting over: ${salvageExtraOutput} vs ${restartExtraOutput}`,
    ratio: `${fmt(extraVsRestart * 100, 1)} % of starting over's extra output`,
    target: '0 % duplicated text at the seam; every resumable break ends complete',
    met: opts.smoke ? undefined : duplicated === 0 && lost === 0 && completeShare === 1,
    checks,
    figures: {
      answers: total,
      complete,
      duplicated,
      lost,
      seams: seamsTotal,
      meanResumeMs: resumeMsSum / Math.max(1, seamsTotal),
      salvageExtraOutputTokens: salvageExtraOutput,
      restartExtraOutputTokens: restartExtraOutput,
      salvageExtraInputTokens: salvageExtraInput,
      restartExtraInputTokens: restartExtraInput,
      fullAnswerTokens: fullTokensAll,
    },
    method: `The simulator in process; ${FORMATS.length} wire formats (${FORMATS.map((f) => f.name).join(', ')}) × ${FAULTS.length} faults (${FAULTS.map((f) => f.name).join('; ')}) × breaks after ${cuts.join(', ')} tokens × continuations repeating ${overlaps.map((o) => (o === 1000 ? 'the whole partial' : `${o} words`)).join(', ')}: ${total} generated markdown answers of ~${ANSWER_CHARS} characters, each through the core's stream() (real SDKs, loopback HTTP, idle timeout 0.25 s, no SDK retries) wrapped in withSalvage. An answer is complete when it finished with \`stop\` and its text equals the simulator's full answer character for character; any other text is duplicated (more than the answer at a seam) or lost. Tokens are the simulator's: starting over would spend the broken parts again (their tokens); salvage spends only what the model repeated at the seams. The continue instruction is "${CONTINUE_PROMPT.slice(0, 40)}…".`,
    notes: [
      `Extra output tokens: salvage ${salvageExtraOutput} (${pct(salvageExtraOutput, fullTokensAll)} of the answers' ${fullTokensAll}), starting over ${restartExtraOutput} (${pct(restartExtraOutput, fullTokensAll)}).`,
      `Extra input tokens (each resume sends the question and the partial answer): salvage ${salvageExtraInput}, starting over ${restartExtraInput}.`,
      `${seamsTotal} seams; mean time from the failure to the resumed text ${fmt(resumeMsSum / Math.max(1, seamsTotal), 0)} ms (the stall's 0.25 s idle timeout is before the failure; the second resume waits 0.5 s).`,
    ],
  };
}

/**
 * The answer against the simulator's full text: the same, a prefix of it (an answer that ended
 * early), `duplicated` (where it first differs, it goes on with text the answer already had) or
 * `lost` (anything else: text skipped or garbled).
 */
export function compareWithFull(answer: string, full: string): 'exact' | 'prefix' | 'duplicated' | 'lost' {
  if (answer === full) return 'exact';
  if (full.startsWith(answer)) return 'prefix';
  let d = 0;
  while (d < answer.length && answer[d] === full[d]) d++;
  const next = answer.slice(d, d + 8);
  return full.slice(0, d).includes(next) ? 'duplicated' : 'lost';
}
