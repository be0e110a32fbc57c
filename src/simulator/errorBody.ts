import { makeId } from './wire/WireRenderer';

/** The two error-body families: OpenAI (also used by the OpenAI-compatible servers) and Anthropic. */
export type ErrorFamily = 'openai' | 'anthropic';

export interface ErrorDetails {
  /** Overrides the realistic default message for the status. */
  message?: string | undefined;
  /** The requested model, quoted in not-found messages. */
  model?: string | undefined;
  /** The path, quoted in OpenAI's "Invalid URL" message. */
  route?: string | undefined;
}

interface OpenAIError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** OpenAI's error for a status, worded as api.openai.com words it. */
function openAIError(status: number, d: ErrorDetails): OpenAIError {
  const e = (message: string, type: string, code: string | null = null, param: string | null = null): OpenAIError => ({
    message: d.message ?? message,
    type,
    param,
    code,
  });
  switch (status) {
    case 400:
      return e("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'invalid_request_error', 'empty_array', 'messages');
    case 401:
      return e('Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key');
    case 403:
      return e('Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory');
    case 404:
      if (d.route) return e(`Invalid URL (${d.route})`, 'invalid_request_error');
      return e(`The model \`${d.model ?? 'unknown'}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
    case 429:
      return e(
        `Rate limit reached for ${d.model ?? 'gpt-4o'} in organization org-sim on tokens per min (TPM): Limit 30000, Used 29532, Requested 1200. Please try again in 1.464s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'tokens',
        'rate_limit_exceeded',
      );
    case 500:
      return e('The server had an error while processing your request. Sorry about that!', 'server_error');
    case 502:
    case 503:
    case 529:
      return e('The engine is currently overloaded, please try again later', 'server_error');
    default:
      return e(`Request failed with status ${status}.`, status >= 500 ? 'server_error' : 'invalid_request_error');
  }
}

/** Anthropic's error type and message for a status, as api.anthropic.com words them. */
function anthropicError(status: number, d: ErrorDetails): { type: string; message: string } {
  const e = (type: string, message: string) => ({ type, message: d.message ?? message });
  switch (status) {
    case 400:
      return e('invalid_request_error', 'messages: at least one message is required');
    case 401:
      return e('authentication_error', 'invalid x-api-key');
    case 403:
      return e('permission_error', 'Your API key does not have permission to use the specified resource.');
    case 404:
      return e('not_found_error', d.route ? 'Not Found' : `model: ${d.model ?? 'unknown'}`);
    case 413:
      return e('request_too_large', 'Request exceeds the maximum allowed number of bytes.');
    case 429:
      return e(
        'rate_limit_error',
        'This request would exceed the rate limit for your organization (sim) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.',
      );
    case 500:
      return e('api_error', 'Internal server error');
    case 529:
      return e('overloaded_error', 'Overloaded');
    default:
      return e(status >= 500 ? 'api_error' : 'invalid_request_error', `Request failed with status ${status}.`);
  }
}

/** The JSON error body the real service sends with an HTTP error status. */
export function errorBody(family: ErrorFamily, status: number, details: ErrorDetails = {}): string {
  if (family === 'anthropic') {
    return JSON.stringify({ type: 'error', error: anthropicError(status, details), request_id: makeId('req_011') });
  }
  return JSON.stringify({ error: openAIError(status, details) }, null, 2) + '\n';
}

/** Headers that go with an error body; a request id, as both services send one. */
export function errorHeaders(family: ErrorFamily): Record<string, string> {
  return family === 'anthropic'
    ? { 'content-type': 'application/json', 'request-id': makeId('req_011') }
    : { 'content-type': 'application/json; charset=utf-8', 'x-request-id': makeId('req_') };
}
