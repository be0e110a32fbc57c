import { assertNever } from '../../shared/assertNever';
import type { SimFinishReason } from '../script';
import { makeId, sse, type RenderContext, type Segment, type WireRenderer } from './WireRenderer';

/** Anthropic's `stop_reason` for each finish reason. */
export function anthropicStopReason(reason: SimFinishReason): string {
  switch (reason) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'content-filter':
      return 'refusal';
    case 'tool-calls':
      return 'tool_use';
    default:
      return assertNever(reason, 'finish reason');
  }
}

// The real API sends these two payloads with spaces after the colons (anthropic/01, /04, /06).
const PING = 'event: ping\ndata: {"type": "ping"}\n\n';
const SIGNATURE = 'EqQBCkgIBxABGAIiQL5sim0nLyAT3stS1gNaTuReoFtheSIMULAT0rNotAReALSIgnatureAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

const REDACTED_DATA = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPsimREDACTEDsimREDACTEDsimREDACTEDsim==';

/**
 * Messages API events as api.anthropic.com sends them (anthropic/01, /03, /04 captures):
 * `message_start` with input tokens and `output_tokens: 1`, `content_block_start`, `ping`,
 * `content_block_delta`s, `content_block_stop`, `message_delta` with `stop_reason` and the output
 * token count, `message_stop`. Thinking is a `thinking` block closed by a `signature_delta`.
 */
export class AnthropicRenderer implements WireRenderer {
  readonly contentType = 'text/event-stream; charset=utf-8';
  private readonly id = makeId('msg_01');
  private segment: Segment | undefined;
  private index = -1;
  private outputTokens = 0;
  private call = 0;

  constructor(private readonly ctx: RenderContext) {}

  start(): string {
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.ctx.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: this.ctx.inputTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 1,
        service_tier: 'standard',
      },
    };
    let out = sse('message_start', { type: 'message_start', message });
    // An event type newer than any client here knows.
    if (this.ctx.shapes.unknownEvent) out += sse('sim_future_event', { type: 'sim_future_event', detail: 'ignored' });
    if (this.ctx.firstSegment !== undefined) out += this.openBlock(this.ctx.firstSegment) + PING;
    return out;
  }

  token(segment: Segment, text: string, call = 0): string {
    this.outputTokens++;
    let out = '';
    if (segment !== this.segment || (segment === 'tool' && call !== this.call)) {
      out += this.closeBlock();
      this.call = call;
      out += this.openBlock(segment);
    }
    if (segment === 'tool' && text === '') return out;
    return out + sse('content_block_delta', { type: 'content_block_delta', index: this.index, delta: this.delta(segment, text) });
  }

  finish(): string {
    const delta = { stop_reason: anthropicStopReason(this.ctx.finishReason), stop_sequence: null };
    return this.closeBlock() + sse('message_delta', { type: 'message_delta', delta, usage: { output_tokens: this.outputTokens } }) + sse('message_stop', { type: 'message_stop' });
  }

  midstreamError(errorType: string | undefined, message: string | undefined): string {
    const type = JSON.stringify(errorType ?? 'overloaded_error');
    const text = JSON.stringify(message ?? 'Overloaded');
    return `event: error\ndata: {"type": "error", "error": {"type": ${type}, "message": ${text}}}\n\n`;
  }

  malformed(): string {
    const payload = JSON.stringify({ type: 'content_block_delta', index: Math.max(this.index, 0), delta: { type: 'text_delta', text: 'x' } });
    return `event: content_block_delta\ndata: ${payload.slice(0, payload.indexOf('"text":"') + 8)}\n\n`;
  }

  keepAlive(): string {
    return PING;
  }

  private delta(segment: Segment, text: string): Record<string, string> {
    switch (segment) {
      case 'reasoning':
        return { type: 'thinking_delta', thinking: text };
      case 'commentary':
      case 'text':
        return { type: 'text_delta', text };
      case 'tool':
        return { type: 'input_json_delta', partial_json: text };
      default:
        return assertNever(segment, 'segment');
    }
  }

  private openBlock(segment: Segment): string {
    this.segment = segment;
    this.index++;
    const start = (block: Record<string, unknown>) => sse('content_block_start', { type: 'content_block_start', index: this.index, content_block: block });
    switch (segment) {
      case 'reasoning': {
        if (!this.ctx.shapes.redactedThinking) return start({ type: 'thinking', thinking: '' });
        // Reasoning flagged by the safety systems arrives encrypted, in a block of its own.
        const redacted = start({ type: 'redacted_thinking', data: REDACTED_DATA }) + sse('content_block_stop', { type: 'content_block_stop', index: this.index });
        this.index++;
        return redacted + start({ type: 'thinking', thinking: '' });
      }
      case 'commentary':
      case 'text':
        return start({ type: 'text', text: '' });
      case 'tool': {
        const call = this.ctx.toolCalls[this.call] ?? this.ctx.toolCall;
        return (
          start({ type: 'tool_use', id: call.id ?? makeId('toolu_01'), name: call.name, input: {} }) +
          sse('content_block_delta', { type: 'content_block_delta', index: this.index, delta: { type: 'input_json_delta', partial_json: '' } })
        );
      }
      default:
        return assertNever(segment, 'segment');
    }
  }

  private closeBlock(): string {
    if (this.segment === undefined) return '';
    let out = '';
    if (this.segment === 'reasoning') {
      out += sse('content_block_delta', { type: 'content_block_delta', index: this.index, delta: { type: 'signature_delta', signature: SIGNATURE } });
    }
    this.segment = undefined;
    return out + sse('content_block_stop', { type: 'content_block_stop', index: this.index });
  }
}
