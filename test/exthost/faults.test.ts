/**
 * The fault matrix, through the real extension in the real extension host: for each wire format
 * (OpenAI Chat, OpenAI Responses, Anthropic) and each way a request can go wrong, what the user
 * sees in the conversation (partial text kept, state, error kind, a one-line message naming the
 * cause), that Retry recovers, that no promise rejection escapes and that no socket is left open.
 * The model is the wire simulator running in this process, reached over loopback HTTP.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { SidestreamApi } from '../../src/api';
import type { FailureKind } from '../../src/core/events';
import type { AssistantMessageView } from '../../src/shared/protocol';
import type { SimScript } from '../../src/simulator/script';
import { Simulator } from '../../src/simulator/Simulator';
import {
  simLog,
  suiteKeys,
  useHostSuite,
  allRequestsClosed,
  asAssistant,
  baseUrlFor,
  baseUrlKey,
  forEachWire,
  freshChat,
  generations,
  lastAssistant,
  setSetting,
  waitFor,
  withTimeout,
  type Wire,
} from './helpers/hostKit';

/** Twelve simulator tokens; faults "after 3 tokens" leave "Alpha beta gamma". */
const TEXT = 'Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu.';
const RECOVERED = 'Recovered answer after the fault.';
const IDLE_SECONDS = 1;
/** Only models listed by the simulator (or `sim-…` names) exist: others get a real-shaped 404. */
const LISTED = ['sim-model'];

interface Ctx {
  wire: Wire;
  sim: Simulator;
  api: SidestreamApi;
  closedPort: number;
}

interface FaultCase {
  name: string;
  wires?: readonly Wire[];
  /** Enqueued before the ask. */
  scripts?: SimScript[];
  /** Settings that break the request; the Retry runs with the suite's normal settings again. */
  baseUrl?: (ctx: Ctx) => string;
  model?: string;
  /** Runs while the request is in flight (e.g. cancels during a back-off). */
  during?: (ctx: Ctx) => Promise<void>;
  state: AssistantMessageView['state'];
  kind?: FailureKind | ((wire: Wire) => FailureKind);
  /** What the one-line error message must say. */
  message?: RegExp;
  /** The text the user keeps: what the simulator streamed before the fault, or nothing. */
  partial: 'streamed' | 'none' | 'full';
  /** Generation requests the simulator must have seen (retries included). */
  attempts?: number;
  /** A notice the message must have shown while it waited. */
  notice?: RegExp;
}

const status = (code: number, headers?: Record<string, string>): SimScript => ({ fault: { kind: 'status', status: code, ...(headers ? { headers } : {}) } });

const CASES: FaultCase[] = [
  { name: '401 bad key', scripts: [status(401)], state: 'error', kind: 'auth', message: /401.*API key/, partial: 'none', attempts: 1 },
  { name: '403 forbidden', scripts: [status(403)], state: 'error', kind: 'auth', message: /403/, partial: 'none', attempts: 1 },
  { name: '404 unknown model', scripts: [status(404)], state: 'error', kind: 'not-found', message: /"sim-model".*404|404.*"sim-model"/, partial: 'none', attempts: 1 },
  { name: '400 bad request', scripts: [status(400)], state: 'error', kind: 'bad-request', message: /400/, partial: 'none', attempts: 1 },
  {
    name: '429 with retry-after-ms, then success',
    scripts: [status(429, { 'retry-after-ms': '200' }), { text: TEXT }],
    state: 'done',
    partial: 'full',
    attempts: 2,
    notice: /Rate limited \(429\): retrying/,
  },
  {
    name: '429 with Retry-After: 3600 (capped at 60 s, told, cancellable)',
    scripts: [status(429, { 'retry-after': '3600' })],
    during: async ({ api, sim, wire }) => {
      const notice = await waitFor('the rate-limit notice', 10_000, () => lastAssistantOrUndefined(api)?.notice);
      assert.match(notice, /Rate limited \(429\): retrying in 60 s/, 'the Retry-After wait is not capped at 60 s in the notice');
      const started = Date.now();
      await vscode.commands.executeCommand('sidestream.cancel');
      await waitFor('the cancelled state', 3_000, () => (lastAssistantOrUndefined(api)?.state === 'cancelled' ? true : undefined));
      assert.ok(Date.now() - started < 2_000, `cancel during the back-off took ${Date.now() - started} ms`);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(generations(sim, wire).length, 1, 'a retry was sent after the cancel');
    },
    state: 'cancelled',
    partial: 'none',
    attempts: 1,
  },
  {
    name: '500 three times (2 retries, then a server failure)',
    scripts: [{ ...status(500, { 'retry-after-ms': '50' }), times: 3 }],
    state: 'error',
    kind: 'server',
    message: /server error \(500\)/,
    partial: 'none',
    attempts: 3,
    notice: /Server answered 500: retrying/,
  },
  {
    name: '529 overloaded three times',
    scripts: [{ ...status(529, { 'retry-after-ms': '50' }), times: 3 }],
    state: 'error',
    kind: 'overloaded',
    message: /overloaded \(529\)/,
    partial: 'none',
    attempts: 3,
  },
  {
    name: 'error event mid-stream after some text',
    scripts: [{ text: TEXT, fault: { kind: 'midstream-error', afterTokens: 3 } }],
    state: 'error',
    // The simulator sends each service's realistic error: Anthropic's is an overload.
    kind: (wire) => (wire === 'anthropic' ? 'overloaded' : 'provider'),
    message: /mid-stream|overloaded/,
    partial: 'streamed',
    attempts: 1,
  },
  {
    name: 'connection reset after some text',
    scripts: [{ text: TEXT, fault: { kind: 'reset', afterTokens: 3 } }],
    state: 'error',
    kind: 'connection',
    message: /broke mid-answer/,
    partial: 'streamed',
    attempts: 1,
  },
  {
    name: 'stall right after the headers (idle timeout)',
    scripts: [{ text: TEXT, fault: { kind: 'stall', afterTokens: 0 } }],
    state: 'error',
    kind: 'idle-timeout',
    message: new RegExp(`No data for ${IDLE_SECONDS} s`),
    partial: 'none',
    attempts: 1,
  },
  {
    name: 'stall after some text (idle timeout)',
    scripts: [{ text: TEXT, fault: { kind: 'stall', afterTokens: 3 } }],
    state: 'error',
    kind: 'idle-timeout',
    message: new RegExp(`No data for ${IDLE_SECONDS} s`),
    partial: 'streamed',
    attempts: 1,
  },
  {
    name: 'end of stream without the terminal event',
    scripts: [{ text: TEXT, fault: { kind: 'no-terminal', afterTokens: 3 } }],
    state: 'error',
    kind: 'protocol',
    message: /ended without/,
    partial: 'streamed',
    attempts: 1,
  },
  {
    name: 'malformed JSON chunk',
    scripts: [{ text: TEXT, fault: { kind: 'malformed-json', afterTokens: 3 } }],
    state: 'error',
    kind: 'protocol',
    message: /malformed/i,
    partial: 'streamed',
    attempts: 1,
  },
  {
    // The events are read by their JSON `type`, so a proxy that drops `event:` lines does not break the answer.
    name: 'Anthropic stream without event: lines (a rewriting proxy) still streams',
    wires: ['anthropic'],
    scripts: [{ text: TEXT, fault: { kind: 'no-event-lines' } }],
    state: 'done',
    partial: 'full',
    attempts: 1,
  },
  {
    name: 'HTML page with status 200 instead of a stream',
    scripts: [{ fault: { kind: 'html-200' } }],
    state: 'error',
    kind: 'protocol',
    message: /HTML page instead of an event stream/,
    partial: 'none',
    attempts: 1,
  },
  {
    name: 'nothing listening at the base URL',
    baseUrl: ({ wire, closedPort }) => (wire === 'anthropic' ? `http://127.0.0.1:${closedPort}` : `http://127.0.0.1:${closedPort}/v1`),
    state: 'error',
    kind: 'connection',
    message: /Could not connect to http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/,
    partial: 'none',
    attempts: 0,
  },
  {
    name: 'a base URL that is not a URL',
    baseUrl: () => 'api.example.com without a scheme',
    state: 'error',
    kind: 'bad-request',
    message: /Invalid base URL/,
    partial: 'none',
    attempts: 0,
  },
  {
    name: 'a model the provider lists nowhere',
    model: 'gpt-nonexistent-model-9',
    state: 'error',
    kind: 'not-found',
    message: /"gpt-nonexistent-model-9".*404/,
    partial: 'none',
    attempts: 1,
  },
];

function lastAssistantOrUndefined(api: SidestreamApi): AssistantMessageView | undefined {
  const last = api.snapshot().messages.at(-1);
  return last?.role === 'assistant' ? last : undefined;
}

/** A loopback port that nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Faults: what the user sees, per wire format', function () {
  this.timeout(60_000);
  const sim = new Simulator({ log: simLog, models: LISTED, strictModels: true });
  // The cloud providers need a key; the simulator here accepts any.
  const suite = useHostSuite({ sims: [sim], keys: suiteKeys('fault') });
  let port = 0;

  before(async () => {
    port = await closedPort();
    // What a failure looks like when nothing heals it: automatic resume (resume.test.ts) is off here,
    // so a mid-stream reset, stall or error event ends as a failure with the partial text kept.
    await setSetting('autoResume', false);
  });

  forEachWire(
    sim,
    (wire) => {
      for (const c of CASES.filter((k) => !k.wires || k.wires.includes(wire))) {
        it(c.name, async () => {
          const ctx: Ctx = { wire, sim, api: suite.api, closedPort: port };
          await freshChat(suite.api);
          sim.reset();
          if (c.scripts) sim.enqueue(...c.scripts);
          if (c.baseUrl) await setSetting(baseUrlKey(wire), c.baseUrl(ctx));
          if (c.model) await setSetting('model', c.model);
          const notices: string[] = [];
          const listener = suite.api.onDidChange(() => {
            const n = lastAssistantOrUndefined(suite.api)?.notice;
            if (n && notices.at(-1) !== n) notices.push(n);
          });
          try {
            const pending = suite.api.ask(`Fault case: ${c.name}`);
            if (c.during) await c.during(ctx);
            await withTimeout(pending, 30_000, 'the answer');
          } finally {
            listener.dispose();
            if (c.baseUrl) await setSetting(baseUrlKey(wire), baseUrlFor(wire, sim));
            if (c.model) await setSetting('model', 'sim-model');
          }

          const answer = lastAssistant(suite.api);
          const detail = JSON.stringify({ state: answer.state, error: answer.error, text: answer.text });
          assert.equal(answer.state, c.state, detail);
          assert.equal(answer.notice, undefined, 'a notice outlived the request');
          const attempts = generations(sim, wire);
          if (c.attempts !== undefined) assert.equal(attempts.length, c.attempts, `generation requests seen by the simulator: ${detail}`);
          const streamed = attempts.map((r) => r.textSent).join('');
          switch (c.partial) {
            case 'none':
              assert.equal(answer.text, '', detail);
              break;
            case 'streamed':
              assert.ok(streamed.length > 0, 'the simulator streamed nothing before the fault');
              assert.equal(answer.text, streamed, 'the text streamed before the fault is not kept as it arrived');
              break;
            case 'full':
              assert.equal(answer.text, TEXT, detail);
              break;
          }
          if (c.state === 'error') {
            assert.ok(answer.error, `no error shown: ${detail}`);
            const kind = typeof c.kind === 'function' ? c.kind(wire) : c.kind;
            assert.equal(answer.error.kind, kind, detail);
            assert.doesNotMatch(answer.error.message, /[\r\n]/, 'the error message is not one line');
            assert.ok(answer.error.message.length <= 400, `error message too long: ${answer.error.message}`);
            if (c.message) assert.match(answer.error.message, c.message);
          } else {
            assert.equal(answer.error, undefined, detail);
          }
          if (c.notice)
            assert.ok(
              notices.some((n) => c.notice!.test(n)),
              `no notice matching ${c.notice} (saw ${JSON.stringify(notices)})`,
            );
          // Every exchange is over: nothing is left hanging on the server.
          await allRequestsClosed(sim);

          // Retry, as the panel's Retry button does, with a healthy server: the answer arrives.
          sim.reset();
          sim.enqueue({ text: RECOVERED });
          await withTimeout(suite.api.retry(answer.id), 20_000, 'retry');
          const retried = lastAssistant(suite.api);
          assert.equal(retried.state, 'done', JSON.stringify(retried));
          assert.equal(retried.text, RECOVERED);
          assert.equal(suite.api.snapshot().messages.filter((m) => m.role === 'assistant').length, 1, 'Retry did not replace the failed answer on the shown path');
          // The failed answer is not lost: it is the earlier branch of the retried one.
          assert.deepEqual(asAssistant(suite.api.currentChat().messages.at(-1)).branch, { index: 2, count: 2 });
          await suite.api.switchBranch(retried.id, -1);
          assert.equal(lastAssistant(suite.api).id, answer.id, 'the failed answer is not reachable after Retry');
          await suite.api.switchBranch(answer.id, 1);
          assert.equal(generations(sim, wire).length, 1);
          await allRequestsClosed(sim);
        });
      }
    },
    { idleTimeoutSeconds: IDLE_SECONDS },
  );
});
