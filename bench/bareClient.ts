/**
 * The reference client for B4/B5: `node:http` and a tiny SSE line parser reading an OpenAI Chat
 * Completions stream — the least a client can do. Sidestream's host path is compared against it.
 */
import * as http from 'node:http';

export interface BareResult {
  text: string;
  /** performance.now() when the first content delta was parsed. */
  firstContentAt: number | undefined;
  events: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Streams one chat completion; resolves at `[DONE]` or end of body. */
export function bareStream(baseUrl: string, model: string, userText: string, onFirst?: (at: number) => void): Promise<BareResult> {
  const url = new URL(baseUrl + '/chat/completions');
  const body = JSON.stringify({
    model,
    messages: [{ role: 'user', content: userText }],
    stream: true,
    stream_options: { include_usage: true },
  });
  return new Promise<BareResult>((resolve, reject) => {
    const result: BareResult = { text: '', firstContentAt: undefined, events: 0 };
    const req = http.request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        let done = false;
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            if (data === '[DONE]') {
              done = true;
              continue;
            }
            result.events++;
            const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> };
            const content = parsed.choices?.[0]?.delta?.content;
            if (content) {
              if (result.firstContentAt === undefined) {
                result.firstContentAt = performance.now();
                onFirst?.(result.firstContentAt);
              }
              result.text += content;
            }
          }
        });
        res.on('end', () => (done || res.statusCode === 200 ? resolve(result) : reject(new Error(`status ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
