import { assertNever } from '../../shared/assertNever';
import { makeId, sse, unixSeconds, type RenderContext, type Segment, type WireRenderer } from './WireRenderer';

type Item = Record<string, unknown>;

/**
 * Responses API events as api.openai.com sends them (openai-responses/01 and /04 captures):
 * `event:` + `data:` lines with a running `sequence_number`, output items opened and closed
 * around their deltas, and `response.completed` (or `response.incomplete`) carrying usage.
 * Reasoning is a `reasoning` output item with `response.reasoning_summary_text.delta` events; a
 * commentary message is its own `message` item before the final one (`phase`).
 */
export class OpenAIResponsesRenderer implements WireRenderer {
  readonly contentType = 'text/event-stream; charset=utf-8';
  private readonly id = makeId('resp_');
  private readonly createdAt = unixSeconds();
  private sequence = 0;
  private segment: Segment | undefined;
  private outputIndex = -1;
  private itemId = '';
  private callId = '';
  private call = 0;
  private callName = '';
  private segmentText = '';
  private readonly output: Item[] = [];
  private outputTokens = 0;
  private reasoningTokens = 0;

  constructor(private readonly ctx: RenderContext) {}

  start(): string {
    const response = this.response('in_progress', []);
    let out = this.event('response.created', { response }) + this.event('response.in_progress', { response });
    // A newer event type than any client here knows (the real API adds them now and then).
    if (this.ctx.shapes.unknownEvent) out += this.event('response.sim_future.delta', { output_index: 0, delta: 'ignored' });
    return out;
  }

  token(segment: Segment, text: string, call = 0): string {
    this.outputTokens++;
    let out = '';
    if (segment !== this.segment || (segment === 'tool' && call !== this.call)) {
      out += this.closeSegment();
      this.call = call;
      out += this.openSegment(segment);
    }
    this.segmentText += text;
    const base = { item_id: this.itemId, output_index: this.outputIndex };
    switch (segment) {
      case 'reasoning':
        this.reasoningTokens++;
        return out + this.event('response.reasoning_summary_text.delta', { ...base, summary_index: 0, delta: text });
      case 'commentary':
      case 'text':
        return out + this.event('response.output_text.delta', { ...base, content_index: 0, delta: text, logprobs: [] });
      case 'tool':
        return text === '' ? out : out + this.event('response.function_call_arguments.delta', { ...base, delta: text });
      default:
        return assertNever(segment, 'segment');
    }
  }

  finish(): string {
    const out = this.closeSegment();
    const usage = this.ctx.includeUsage
      ? {
          input_tokens: this.ctx.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: this.outputTokens,
          output_tokens_details: { reasoning_tokens: this.reasoningTokens },
          total_tokens: this.ctx.inputTokens + this.outputTokens,
        }
      : null;
    const reason = this.ctx.finishReason;
    if (reason === 'length' || reason === 'content-filter') {
      const incomplete = { reason: reason === 'length' ? (this.ctx.shapes.incompleteReason ?? 'max_output_tokens') : 'content_filter' };
      const response = { ...this.response('incomplete', this.output), incomplete_details: incomplete, usage };
      return out + this.event('response.incomplete', { response });
    }
    const response = { ...this.response('completed', this.output), completed_at: unixSeconds(), usage };
    return out + this.event('response.completed', { response });
  }

  midstreamError(errorType: string | undefined, message: string | undefined): string {
    const code = errorType ?? 'server_error';
    const text = message ?? 'The server had an error while processing your request. Sorry about that!';
    // The nested shape of the real capture (openai-responses/04), then `response.failed`.
    const error = this.event('error', { error: { type: code, code, message: text, param: null } });
    const response = { ...this.response('failed', this.output), error: { code, message: text } };
    return error + this.event('response.failed', { response });
  }

  malformed(): string {
    const payload = JSON.stringify({ type: 'response.output_text.delta', item_id: this.itemId, output_index: 0, content_index: 0, delta: 'x' });
    return `event: response.output_text.delta\ndata: ${payload.slice(0, payload.indexOf('"delta":"') + 9)}\n\n`;
  }

  keepAlive(): string {
    return ': keep-alive\n\n';
  }

  private openSegment(segment: Segment): string {
    this.segment = segment;
    this.segmentText = '';
    this.outputIndex++;
    const outputIndex = this.outputIndex;
    switch (segment) {
      case 'reasoning': {
        this.itemId = makeId('rs_');
        const item = { id: this.itemId, type: 'reasoning', summary: [] };
        const part = { type: 'summary_text', text: '' };
        return (
          this.event('response.output_item.added', { item, output_index: outputIndex }) +
          this.event('response.reasoning_summary_part.added', { item_id: this.itemId, output_index: outputIndex, part, summary_index: 0 })
        );
      }
      case 'commentary':
      case 'text': {
        this.itemId = makeId('msg_');
        // A commentary message comes before the final answer, each its own item (gpt-5 codex models).
        const phase = this.ctx.shapes.commentaryUsed ? { phase: segment === 'commentary' ? 'commentary' : 'final_answer' } : {};
        const item = { id: this.itemId, type: 'message', status: 'in_progress', content: [], ...phase, role: 'assistant' };
        const part = { type: 'output_text', annotations: [], logprobs: [], text: '' };
        return (
          this.event('response.output_item.added', { item, output_index: outputIndex }) +
          this.event('response.content_part.added', { content_index: 0, item_id: this.itemId, output_index: outputIndex, part })
        );
      }
      case 'tool': {
        const call = this.ctx.toolCalls[this.call] ?? this.ctx.toolCall;
        this.itemId = makeId('fc_');
        this.callId = call.id ?? makeId('call_');
        this.callName = call.name;
        const item = { id: this.itemId, type: 'function_call', status: 'in_progress', arguments: '', call_id: this.callId, name: this.callName };
        return this.event('response.output_item.added', { item, output_index: outputIndex });
      }
      default:
        return assertNever(segment, 'segment');
    }
  }

  private closeSegment(): string {
    const segment = this.segment;
    if (segment === undefined) return '';
    this.segment = undefined;
    const text = this.segmentText;
    const base = { item_id: this.itemId, output_index: this.outputIndex };
    const status = this.ctx.finishReason === 'length' || this.ctx.finishReason === 'content-filter' ? 'incomplete' : 'completed';
    switch (segment) {
      case 'reasoning': {
        const part = { type: 'summary_text', text };
        const item = { id: this.itemId, type: 'reasoning', summary: [part] };
        this.output.push(item);
        return (
          this.event('response.reasoning_summary_text.done', { ...base, summary_index: 0, text }) +
          this.event('response.reasoning_summary_part.done', { ...base, part, summary_index: 0 }) +
          this.event('response.output_item.done', { item, output_index: this.outputIndex })
        );
      }
      case 'commentary':
      case 'text': {
        const part = { type: 'output_text', annotations: [], logprobs: [], text };
        const phase = this.ctx.shapes.commentaryUsed ? { phase: segment === 'commentary' ? 'commentary' : 'final_answer' } : {};
        const item = { id: this.itemId, type: 'message', status, content: [part], ...phase, role: 'assistant' };
        this.output.push(item);
        return (
          this.event('response.output_text.done', { content_index: 0, ...base, logprobs: [], text }) +
          this.event('response.content_part.done', { content_index: 0, ...base, part }) +
          this.event('response.output_item.done', { item, output_index: this.outputIndex })
        );
      }
      case 'tool': {
        const item = { id: this.itemId, type: 'function_call', status: 'completed', arguments: text, call_id: this.callId, name: this.callName };
        this.output.push(item);
        return (
          this.event('response.function_call_arguments.done', { ...base, arguments: text }) + this.event('response.output_item.done', { item, output_index: this.outputIndex })
        );
      }
      default:
        return assertNever(segment, 'segment');
    }
  }

  private response(status: string, output: Item[]): Record<string, unknown> {
    return {
      id: this.id,
      object: 'response',
      created_at: this.createdAt,
      status,
      background: false,
      completed_at: null,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      model: this.ctx.model,
      output: [...output],
      parallel_tool_calls: true,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: false,
      temperature: 1.0,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: 'auto',
      tools: [],
      top_p: 1.0,
      truncation: 'disabled',
      usage: null,
      user: null,
      metadata: {},
    };
  }

  /** Every Responses event repeats its type in the payload and ends with the running sequence number. */
  private event(type: string, fields: Record<string, unknown>): string {
    return sse(type, { type, ...fields, sequence_number: this.sequence++ });
  }
}
