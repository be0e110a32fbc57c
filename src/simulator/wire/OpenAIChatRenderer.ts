import { assertNever } from '../../shared/assertNever';
import type { SimFinishReason } from '../script';
import { makeId, sse, unixSeconds, type RenderContext, type Segment, type WireRenderer } from './WireRenderer';

/** OpenAI's own word for each finish reason. */
export function chatFinishReason(reason: SimFinishReason): string {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return assertNever(reason, 'finish reason');
  }
}

/**
 * Chat Completions chunks as api.openai.com sends them (openai-chat/01 and /05 captures): a
 * role-only first chunk, one delta per token, an empty-delta chunk with `finish_reason`, a usage
 * chunk with `choices: []` when usage was requested (every chunk then carries `usage: null`),
 * and `data: [DONE]`. Reasoning goes out as llama.cpp's `reasoning_content` deltas, as Mistral's
 * content parts, or inline in `<think>` tags (`SimScript.reasoningFormat`).
 */
export class OpenAIChatRenderer implements WireRenderer {
  readonly contentType = 'text/event-stream; charset=utf-8';
  private readonly id = makeId('chatcmpl-');
  private readonly created = unixSeconds();
  private segment: Segment | undefined;
  private outputTokens = 0;
  private reasoningTokens = 0;
  /** The call whose fragments are streaming, and the arguments held back for it (vLLM, Ollama shapes). */
  private openCall: number | undefined;
  private heldArguments = '';
  private readonly opened = new Set<number>();

  constructor(private readonly ctx: RenderContext) {}

  start(): string {
    const first = this.chunk({ role: 'assistant', content: '', refusal: null }, null);
    return this.ctx.shapes.unknownEvent ? first + this.unknownEvent() : first;
  }

  token(segment: Segment, text: string, call = 0): string {
    this.outputTokens++;
    let out = '';
    const previous = this.segment;
    if (segment !== 'tool' || call !== this.openCall) out += this.closeCall();
    if (segment !== previous) this.segment = segment;
    const format = this.ctx.shapes.reasoningFormat;
    switch (segment) {
      case 'reasoning':
        this.reasoningTokens++;
        if (format === 'content-parts') return out + this.chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text }] }] }, null);
        if (format === 'think-tags') {
          // The tag is cut across two deltas, as a model emitting it token by token does.
          if (previous !== 'reasoning') out += this.chunk({ content: '<thi' }, null);
          return out + this.chunk({ content: previous !== 'reasoning' ? `nk>${text}` : text }, null);
        }
        if (format === 'reasoning') return out + this.chunk({ reasoning: text }, null);
        return out + this.chunk({ reasoning_content: text }, null);
      case 'commentary':
      case 'text': {
        let content = text;
        if (format === 'think-tags' && previous === 'reasoning') {
          out += this.chunk({ content: '</th' }, null);
          content = `ink>\n\n${text}`;
        }
        if (format === 'content-parts') return out + this.chunk({ content: [{ type: 'text', text: content }] }, null);
        return out + this.chunk({ content }, null);
      }
      case 'tool':
        return out + this.toolToken(call, text);
      default:
        return assertNever(segment, 'segment');
    }
  }

  /** One argument piece of call `n`, opening the call first when this is its first piece, in the script's shape. */
  private toolToken(n: number, text: string): string {
    const shape = this.ctx.toolShape;
    const index = shape === 'sparse' ? n * 2 + 1 : n;
    const fragment = (fields: Record<string, unknown>) => this.chunk({ tool_calls: [{ index, ...fields }] }, null);
    let out = '';
    this.openCall = n;
    if (!this.opened.has(n)) {
      this.opened.add(n);
      const call = this.ctx.toolCalls[n] ?? this.ctx.toolCall;
      const head = { id: call.id ?? makeId('call_'), type: 'function' };
      switch (shape) {
        case 'llamacpp':
          // The first argument piece rides with the name (llama.cpp): a client that only reads
          // arguments from later fragments loses the `{`.
          return fragment({ ...head, function: { name: call.name, arguments: text } });
        case 'vllm':
          out += fragment({ ...head, function: { name: call.name } });
          break;
        case 'whole':
          this.heldHead = { ...head, name: call.name };
          break;
        default:
          out += fragment({ ...head, function: { name: call.name, arguments: '' } });
      }
    }
    if (shape === 'vllm' || shape === 'whole') {
      this.heldArguments += text;
      return out;
    }
    return text === '' ? out : out + fragment({ function: { arguments: text } });
  }

  /** Ends the streaming call: the arguments held back go out now (vLLM's late fragment, Ollama's whole call). */
  private closeCall(): string {
    const n = this.openCall;
    if (n === undefined) return '';
    this.openCall = undefined;
    const shape = this.ctx.toolShape;
    const args = this.heldArguments;
    this.heldArguments = '';
    if (shape === 'vllm') return this.chunk({ tool_calls: [{ index: n, function: { arguments: args } }] }, null);
    if (shape === 'whole' && this.heldHead) {
      const { name, ...head } = this.heldHead;
      this.heldHead = undefined;
      return this.chunk({ tool_calls: [{ index: n, ...head, function: { name, arguments: args } }] }, null);
    }
    return '';
  }

  private heldHead: { id: string; type: string; name: string } | undefined;

  /** A `reference` content part (as Mistral sends with citations), which no client here knows. */
  unknownEvent(): string {
    return this.chunk({ content: [{ type: 'reference', reference_ids: [1] }] }, null);
  }

  finish(): string {
    let out = this.closeCall() + this.chunk({}, chatFinishReason(this.ctx.finishReason));
    if (this.ctx.includeUsage) {
      const usage = {
        prompt_tokens: this.ctx.inputTokens,
        completion_tokens: this.outputTokens,
        total_tokens: this.ctx.inputTokens + this.outputTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: this.reasoningTokens,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      };
      out += sse(undefined, { ...this.envelope(), choices: [], usage });
    }
    return out + 'data: [DONE]\n\n';
  }

  midstreamError(errorType: string | undefined, message: string | undefined): string {
    // Byte-for-byte the shape of the real gpt-4.1 capture (openai-chat/05), spaces included.
    const body = {
      message: message ?? 'The server had an error while processing your request. Sorry about that!',
      type: errorType ?? 'server_error',
    };
    return `data: {"error": {"message": ${JSON.stringify(body.message)}, "type": ${JSON.stringify(body.type)}}}\n\n`;
  }

  malformed(): string {
    const head = JSON.stringify({ ...this.envelope(), choices: [{ index: 0, delta: { content: 'x' } }] });
    return `data: ${head.slice(0, head.indexOf('"content":"') + 11)}\n\n`;
  }

  keepAlive(): string {
    return ': keep-alive\n\n';
  }

  private envelope(): Record<string, unknown> {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.ctx.model,
      service_tier: 'default',
      system_fingerprint: 'fp_sim',
    };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null): string {
    const choices = [{ index: 0, delta, logprobs: null, finish_reason: finishReason }];
    const usage = this.ctx.includeUsage ? { usage: null } : {};
    return sse(undefined, { ...this.envelope(), choices, ...usage });
  }
}
