/**
 * `SimScript.chunkBytes` on scripted streams, seen from a bare node:http client: every body write
 * carries at most N bytes (so 1 splits every multibyte character), each goes out as its own socket
 * write, and the bytes join back into the same well-formed stream. Also the `sim-bytes-N` model part.
 */
import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { Simulator } from '../../src/simulator/Simulator';
import { scriptForModel } from '../../src/simulator/script';

const TEXT = 'héllo — 日本語 😀 naïve.';

interface RawResponse {
  /** Each decoded body piece as the HTTP parser delivered it. */
  pieces: Buffer[];
  /** How many reads the socket saw after the request went out. */
  socketReads: number;
}

function post(sim: Simulator, path: string, body: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${sim.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (d: Buffer) => pieces.push(d));
      res.on('end', () => resolve({ pieces, socketReads }));
      res.on('error', reject);
    });
    let socketReads = 0;
    req.on('socket', (socket) => socket.on('data', () => socketReads++));
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end(JSON.stringify(body));
  });
}

/** The text deltas of an OpenAI chat stream. */
function chatText(body: string): string {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string | null } }[] };
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return text;
}

describe('Simulator: chunkBytes on scripted streams', function () {
  this.timeout(15_000);
  const sim = new Simulator();
  before(async () => {
    await sim.start();
  });
  after(() => sim.stop());
  beforeEach(() => sim.reset());

  const chatBody = (model: string) => ({ model, stream: true, messages: [{ role: 'user', content: 'q' }] });

  it('chunkBytes 1: one byte per write, each its own socket write, multibyte characters split, same stream', async () => {
    sim.enqueue({ text: TEXT }, { text: TEXT, chunkBytes: 1 });
    const whole = await post(sim, '/v1/chat/completions', chatBody('m'));
    const cut = await post(sim, '/v1/chat/completions', chatBody('m'));
    const wholeBody = Buffer.concat(whole.pieces).toString('utf8');
    const cutBytes = Buffer.concat(cut.pieces);
    assert.equal(chatText(wholeBody), TEXT);
    assert.equal(chatText(cutBytes.toString('utf8')), TEXT);
    // Same framing apart from ids and timestamps.
    const shape = (body: string) => body.replace(/"(id|created)":("[^"]*"|\d+)/g, '"$1":_');
    assert.equal(shape(cutBytes.toString('utf8')), shape(wholeBody));
    assert.ok(
      cut.pieces.every((p) => p.length === 1),
      'every body piece is one byte',
    );
    assert.equal(cut.pieces.length, cutBytes.length);
    // Lone bytes of multibyte characters were delivered on their own.
    assert.ok(
      cut.pieces.some((p) => p[0]! >= 0x80),
      'UTF-8 continuation/lead bytes split out',
    );
    const record = sim.stats().requestsLog[1]!;
    assert.equal(record.bodyWrites, cutBytes.length);
    assert.ok(sim.stats().requestsLog[0]!.bodyWrites < 10);
    // A turn of the event loop between writes: the client reads them separately, not coalesced.
    assert.ok(cut.socketReads >= cutBytes.length / 2, `${cut.socketReads} socket reads for ${cutBytes.length} bytes`);
  });

  it('chunkBytes N caps every write at N bytes on all three formats, keyed by model name too', async () => {
    assert.deepEqual(scriptForModel('sim-bytes-3-tps-50'), { chunkBytes: 3, tokensPerSecond: 50 });
    assert.deepEqual(scriptForModel('sim-bytes-0'), {});
    for (const [path, body] of [
      ['/v1/chat/completions', chatBody('sim-bytes-3')],
      ['/v1/responses', { model: 'sim-bytes-3', stream: true, input: 'q' }],
      ['/v1/messages', { model: 'sim-bytes-3', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'q' }] }],
    ] as const) {
      sim.reset();
      const res = await post(sim, path, body);
      const total = res.pieces.reduce((n, p) => n + p.length, 0);
      assert.ok(
        res.pieces.every((p) => p.length <= 3),
        `${path}: pieces of at most 3 bytes`,
      );
      assert.ok(total > 100, `${path}: a whole answer (${total} bytes)`);
      const record = sim.stats().requestsLog[0]!;
      assert.ok(record.bodyWrites >= total / 3, `${path}: ${record.bodyWrites} writes for ${total} bytes`);
      assert.equal(record.completed, true);
    }
  });
});
