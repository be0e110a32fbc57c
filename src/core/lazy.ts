/**
 * Lazy loaders for the heavy dependencies. Extension activation must not pay for parsing the SDKs or
 * the tokenizer's rank tables, so nothing in the core imports them at module load: they are
 * `require`d the first time a request (or a token count) actually needs them.
 */

type OpenAIModule = typeof import('openai');
type AnthropicModule = typeof import('@anthropic-ai/sdk');
type TokenizerModule = typeof import('gpt-tokenizer/cjs/encoding/cl100k_base');

/**
 * Which BPE vocabulary to count tokens with. Only cl100k ships: counting is the fallback for
 * providers that report no usage (OpenAI always does), and o200k's tables would add 1 MB to the VSIX.
 */
export type TokenizerEncoding = 'cl100k_base';

let openai: OpenAIModule | undefined;
let anthropic: AnthropicModule | undefined;
const tokenizers = new Map<TokenizerEncoding, TokenizerModule>();

/** The `openai` package, loaded on first use. */
export function loadOpenAI(): OpenAIModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (openai ??= require('openai') as OpenAIModule);
}

/** The `@anthropic-ai/sdk` package, loaded on first use. */
export function loadAnthropic(): AnthropicModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (anthropic ??= require('@anthropic-ai/sdk') as AnthropicModule);
}

/** A `gpt-tokenizer` encoding, loaded on first use. */
export function loadTokenizer(encoding: TokenizerEncoding): TokenizerModule {
  let module = tokenizers.get(encoding);
  if (!module) {
    // A literal path so the bundler can see it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('gpt-tokenizer/cjs/encoding/cl100k_base') as TokenizerModule;
    tokenizers.set(encoding, module);
  }
  return module;
}

/** True once an SDK module has been loaded (lets tests prove activation stays lazy). */
export function isLoaded(name: 'openai' | 'anthropic' | 'tokenizer'): boolean {
  switch (name) {
    case 'openai':
      return openai !== undefined;
    case 'anthropic':
      return anthropic !== undefined;
    case 'tokenizer':
      return tokenizers.size > 0;
  }
}
