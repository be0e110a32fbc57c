/** The streaming core's public API. Nothing here imports `vscode`. */
export { stream, listModels, resolveEndpoint, defaultBaseUrl, CancelledError, DEFAULT_IDLE_TIMEOUT_SECONDS, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_RETRIES, METRICS_INTERVAL_MS } from './adapter';
export type { ModelListConfig } from './adapter';
export { CancellationSource, liveCancellationListeners, toAbortSignal } from './cancellation';
export type { CancellationTokenLike } from './cancellation';
export { assertNever } from './events';
export type {
  FailureKind,
  FinishReason,
  ProviderId,
  StreamEvent,
  StreamFailure,
  StreamMetricsSnapshot,
  ToolCall,
  UnifiedFinishReason,
  Usage,
  WireApi,
} from './events';
export { classifyError, scrubSecrets, StreamFailureError, RETRY_AFTER_CAP_MS, providerLabel, isLocalProvider } from './errors';
export { StreamMetrics, countTokens, encodingForModel } from './metrics';
export { CONTINUE_PROMPT } from './continuation';
export { CLOUD_DEFAULTS, LOCAL_SERVER_DEFAULTS } from './request';
export type { ChatMessage, ChatRequest } from './request';

import type { WireApi } from './events';
import { loadAnthropic, loadOpenAI } from './lazy';

/**
 * Loads the SDK a wire format needs ahead of the first request (the panel calls it once it is open
 * and idle), so the first answer's TTFT is not spent parsing SDK modules.
 */
export function warmUp(api: WireApi): void {
  if (api === 'anthropic') loadAnthropic();
  else loadOpenAI();
}
