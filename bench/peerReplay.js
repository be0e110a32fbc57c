#!/usr/bin/env node
/**
 * Replays the peer recordings (real streams recorded by other projects, kept outside this repo in
 * ../shared/fixtures/peer) through the built CLI, `node dist/cli.js ask --json --show-reasoning`,
 * against the wire simulator in its own process, and checks each against what the recording itself
 * says: the answer text and the reasoning exactly, the finish reason, and the output/input token
 * usage (or, for a recording
 * that ends in an error, that the CLI reports a failure with the text before it).
 *
 *   npm run build && node bench/peerReplay.js [DIR] [--verbose]
 *
 * The expected values are read from the recording by a deliberately small decoder here, not by the
 * core's own providers, so a mapping bug in the core cannot hide in both. Prints one line per
 * recording and `N of M right`; exits 1 when any is wrong. Needs no network beyond loopback.
 */
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const DIR = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(ROOT, '..', 'shared', 'fixtures', 'peer'));

/** The SSE body a recording is served as: raw `.sse` as is, `.jsonl` framed as its API frames it. */
function bodyOf(name, source) {
  const sse = path.join(DIR, `${name}.sse`);
  if (fs.existsSync(sse)) return fs.readFileSync(sse, 'utf8');
  const lines = fs
    .readFileSync(path.join(DIR, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (source.api === 'chat') return lines.map((l) => `data: ${l}\n\n`).join('') + 'data: [DONE]\n\n';
  return lines.map((l) => `event: ${JSON.parse(l).type}\ndata: ${l}\n\n`).join('');
}

/** The JSON payloads of an SSE body, with their `event:` names. */
function eventsOf(body) {
  const events = [];
  for (const block of body.replace(/\r\n/g, '\n').split(/\n\n+/)) {
    let event;
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) continue;
    const text = data.join('\n');
    if (text === '[DONE]') break;
    events.push({ event, data: JSON.parse(text) });
  }
  return events;
}

const CHAT_FINISH = { stop: 'stop', length: 'length', tool_calls: 'tool-calls', function_call: 'tool-calls', content_filter: 'content-filter' };
const ANTHROPIC_STOP = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
  pause_turn: 'other',
};

/** What the recording says the answer is: { text, finish, outputTokens, inputTokens } or { error: true, text }. */
function expected(api, events) {
  if (api === 'chat') {
    let text = '';
    let finish;
    let refused = false;
    let usage;
    let reasoning = '';
    const flat = (v) => (typeof v === 'string' ? v : Array.isArray(v) ? v.map(flat).join('') : v && typeof v === 'object' ? flat(v.text ?? '') : '');
    for (const { event, data } of events) {
      if (event === 'error' || data.error || data.object === 'error') return { error: true, text };
      for (const choice of data.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        const delta = choice.delta ?? {};
        const r = delta.reasoning_content ?? delta.reasoning;
        if (typeof r === 'string') reasoning += r;
        const content = delta.content;
        if (typeof content === 'string') text += content;
        else if (Array.isArray(content)) {
          for (const part of content) {
            if (part.type === 'text') text += part.text;
            if (part.type === 'thinking') reasoning += flat(part.thinking);
          }
        }
        if (typeof choice.delta?.refusal === 'string') {
          refused = true;
          text += choice.delta.refusal;
        }
        if (choice.finish_reason) finish = CHAT_FINISH[choice.finish_reason] ?? 'other';
      }
      if (data.usage && typeof data.usage.completion_tokens === 'number') usage = data.usage;
    }
    if (!finish) return { error: true, text };
    return { text, reasoning, finish: refused ? 'content-filter' : finish, outputTokens: usage?.completion_tokens, inputTokens: usage?.prompt_tokens };
  }
  if (api === 'responses') {
    // What streamed: output_text (and refusal) deltas, each output item its own paragraph.
    let text = '';
    let item;
    let reasoning = '';
    let reasoningPart;
    for (const { event, data } of events) {
      const type = data.type ?? event;
      if (type === 'response.reasoning_summary_text.delta' || type === 'response.reasoning_text.delta') {
        const part = `${data.output_index ?? data.item_id}:${type}:${data.summary_index ?? data.content_index}`;
        if (reasoningPart !== undefined && part !== reasoningPart && reasoning !== '') reasoning += '\n\n';
        reasoningPart = part;
        reasoning += data.delta;
      }
      if (type === 'response.output_text.delta' || type === 'response.refusal.delta') {
        // output_index, not item_id: some gateways send a new item_id with every event.
        const id = data.output_index ?? data.item_id;
        if (item !== undefined && id !== item && text !== '') text += '\n\n';
        item = id;
        text += data.delta;
      }
      if (type === 'error' || type === 'response.failed' || event === 'error') return { error: true, text };
      if (type === 'response.completed' || type === 'response.incomplete') {
        const response = data.response;
        let finish = 'stop';
        if (response.status === 'incomplete') {
          const reason = String(response.incomplete_details?.reason ?? '');
          finish = /content.?filter/i.test(reason) ? 'content-filter' : /max|len|token/i.test(reason) ? 'length' : 'other';
        } else if ((response.output ?? []).some((o) => o.type === 'function_call')) finish = 'tool-calls';
        return { text, reasoning, finish, outputTokens: response.usage?.output_tokens, inputTokens: response.usage?.input_tokens };
      }
    }
    return { error: true, text };
  }
  let text = '';
  let finish;
  let outputTokens;
  let inputTokens;
  let reasoning = '';
  let blocks = 0;
  for (const { event, data } of events) {
    if (event === 'error' || data.type === 'error') return { error: true, text };
    if (data.type === 'content_block_start' && (data.content_block?.type === 'thinking' || data.content_block?.type === 'redacted_thinking')) {
      if (blocks++ > 0 && reasoning !== '') reasoning += '\n\n';
      if (data.content_block.type === 'redacted_thinking') reasoning += '[Part of the reasoning was redacted by Anthropic.]';
      else reasoning += data.content_block.thinking ?? '';
    }
    if (data.type === 'content_block_delta' && data.delta?.type === 'thinking_delta') reasoning += data.delta.thinking;
    if (data.type === 'message_start') inputTokens = data.message?.usage?.input_tokens;
    if (data.type === 'content_block_start' && data.content_block?.type === 'text') text += data.content_block.text ?? '';
    if (data.type === 'content_block_delta' && data.delta?.type === 'text_delta') text += data.delta.text;
    if (data.type === 'message_delta') {
      finish = ANTHROPIC_STOP[data.delta?.stop_reason] ?? 'other';
      outputTokens = data.usage?.output_tokens ?? outputTokens;
      inputTokens = data.usage?.input_tokens ?? inputTokens;
    }
    if (data.type === 'message_stop') return { text, reasoning, finish, outputTokens, inputTokens };
  }
  return { error: true, text };
}

function startSimulator() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'simulator.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, origin: JSON.parse(line).origin });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`simulator exited (${code})`)));
  });
}

function runCli(cliArgs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...cliArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENAI_API_KEY: 'sk-peer', ANTHROPIC_API_KEY: 'sk-ant-peer' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function main() {
  if (!fs.existsSync(DIR)) {
    console.log(`peer recordings not found at ${DIR}: nothing to replay`);
    return 0;
  }
  const names = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.source.json'))
    .map((f) => f.slice(0, -'.source.json'.length))
    .sort();
  const { child, origin } = await startSimulator();
  let right = 0;
  try {
    for (const name of names) {
      const source = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.source.json`), 'utf8'));
      const body = bodyOf(name, source);
      const want = expected(source.api, eventsOf(body));
      const enqueue = await fetch(`${origin}/__sim/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ fault: { kind: 'raw', contentType: 'text/event-stream; charset=utf-8', body } }),
      });
      if (!enqueue.ok) throw new Error(`enqueue failed: ${enqueue.status}`);
      const provider = source.api === 'anthropic' ? 'anthropic' : source.provider;
      const baseUrl = source.api === 'anthropic' ? origin : `${origin}/v1`;
      const cliArgs = ['ask', '--provider', provider, '--base-url', baseUrl, '--model', 'peer-model', '--json', '--show-reasoning'];
      if (source.api === 'responses') cliArgs.push('--api', 'responses');
      // The simulator is not the provider's own service: its key goes there only when named.
      if (provider === 'openai' || provider === 'anthropic') cliArgs.push('--api-key-env', provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY');
      cliArgs.push('Replay');
      const { code, stdout: printed, stderr } = await runCli(cliArgs);
      // --show-reasoning: `[reasoning]\n…\n[/reasoning]\n` before the answer on stdout.
      let stdout = printed;
      let reasoningShown = '';
      if (printed.startsWith('[reasoning]\n')) {
        const end = printed.indexOf('[/reasoning]\n');
        reasoningShown = printed.slice('[reasoning]\n'.length, end);
        stdout = printed.slice(end + '[/reasoning]\n'.length);
      }
      const lines = stderr.trim().split('\n');
      let json;
      try {
        json = JSON.parse(lines[lines.length - 1]);
      } catch {
        json = undefined;
      }
      const problems = [];
      if (!json) problems.push(`no JSON line on stderr: ${stderr.slice(0, 200)}`);
      else if (want.error) {
        if (!json.error) problems.push(`expected a failure, got finish ${json.finishReason}`);
        if (code !== 1) problems.push(`exit ${code}, expected 1`);
        const shown = stdout.endsWith('\n') && !want.text.endsWith('\n') ? stdout.slice(0, -1) : stdout;
        if (shown !== want.text) problems.push(`partial text differs: ${JSON.stringify(shown.slice(0, 80))} vs ${JSON.stringify(want.text.slice(0, 80))}`);
      } else {
        const shown = want.text === '' || want.text.endsWith('\n') ? stdout : stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
        if (shown !== want.text) {
          let at = 0;
          while (at < shown.length && shown[at] === want.text[at]) at++;
          problems.push(`text differs at ${at}: got ${JSON.stringify(shown.slice(at, at + 40))}, want ${JSON.stringify(want.text.slice(at, at + 40))}`);
        }
        if (json.error) problems.push(`failed: ${json.error.kind}: ${json.error.message}`);
        const wantReasoning = want.reasoning ?? '';
        const gotReasoning = reasoningShown.endsWith('\n') && !wantReasoning.endsWith('\n') ? reasoningShown.slice(0, -1) : reasoningShown;
        if (gotReasoning !== wantReasoning) {
          let at = 0;
          while (at < gotReasoning.length && gotReasoning[at] === wantReasoning[at]) at++;
          problems.push(`reasoning differs at ${at}: got ${JSON.stringify(gotReasoning.slice(at, at + 40))}, want ${JSON.stringify(wantReasoning.slice(at, at + 40))}`);
        }
        if (json.finishReason !== want.finish) problems.push(`finish ${json.finishReason}, want ${want.finish}`);
        if (want.outputTokens !== undefined && json.outputTokens !== want.outputTokens) problems.push(`outputTokens ${json.outputTokens}, want ${want.outputTokens}`);
        if (want.outputTokens !== undefined && json.tokensEstimated) problems.push('tokens estimated although usage was reported');
        if (want.inputTokens !== undefined && 'inputTokens' in json && json.inputTokens !== want.inputTokens)
          problems.push(`inputTokens ${json.inputTokens}, want ${want.inputTokens}`);
      }
      if (problems.length === 0) right++;
      const what = want.error
        ? 'error'
        : `${want.finish}, ${want.outputTokens ?? '?'} tok, ${want.text.length} chars${want.reasoning ? `, ${want.reasoning.length} reasoning chars` : ''}`;
      console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name} (${source.api}: ${what})${problems.length ? `\n       ${problems.join('\n       ')}` : ''}`);
      if (verbose && json) console.log(`       ${JSON.stringify(json)}`);
    }
  } finally {
    child.kill('SIGTERM');
  }
  console.log(`${right} of ${names.length} right`);
  return right === names.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
