/**
 * A second, informational reference for B4/B5: the `openai` SDK used directly (one client, default
 * fetch), so the report can tell what the SDK itself costs from what Sidestream adds on top.
 */
import * as path from 'node:path';
import type OpenAIType from 'openai';
import { ROOT } from './simProcess';

const clients = new Map<string, OpenAIType>();

export async function sdkStream(baseUrl: string, model: string, userText: string): Promise<{ text: string; firstContentAt: number | undefined }> {
  let client = clients.get(baseUrl);
  if (!client) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { OpenAI } = require(path.join(ROOT, 'node_modules', 'openai')) as typeof import('openai');
    client = new OpenAI({ apiKey: 'bench', baseURL: baseUrl, maxRetries: 0 });
    clients.set(baseUrl, client);
  }
  const result = { text: '', firstContentAt: undefined as number | undefined };
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: userText }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta?.content;
    if (content) {
      result.firstContentAt ??= performance.now();
      result.text += content;
    }
  }
  return result;
}
