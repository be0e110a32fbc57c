/** The streaming core's public API. Nothing here imports `vscode`. */
export {
  stream,
  listModels,
  resolveEndpoint,
  defaultBaseUrl,
  CancelledError,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  METRICS_INTERVAL_MS,
} from './adapter';
export type { ModelListConfig } from './adapter';
export { CancellationSource, isCancelled, liveCancellationListeners, toAbortSignal } from './cancellation';
export type { Cancellation, CancellationTokenLike } from './cancellation';
export { assertNever } from './events';
export type { FailureKind, FinishReason, ProviderId, StreamEvent, StreamFailure, StreamMetricsSnapshot, ToolCall, UnifiedFinishReason, Usage, WireApi } from './events';
export { classifyError, scrubSecrets, StreamFailureError, RETRY_AFTER_CAP_MS, providerLabel, isLocalProvider, IdleTimeoutError } from './errors';
export { nextWithin } from './idleTimeout';
export { outputCapChars, outputCapNote } from './outputCap';
export { StreamMetrics, countTokens, encodingForModel } from './metrics';
export { CONTINUE_PROMPT } from './continuation';
export { BASE_URL_SETTING } from './settingsPolicy';
export {
  PROVIDER_CATALOG,
  PROVIDER_IDS,
  PROVIDER_SETTINGS,
  SELECT_PROVIDER_ORDER,
  URL_PROVIDERS,
  OPENAI_WIRE_PROVIDERS,
  KEYED_PROVIDERS,
  providerInfo,
  isProviderId,
  wireApiFor,
} from './providerCatalog';
export type { ProviderInfo, ProviderPlace, ProviderSetting, UrlProvider, OpenAIWireProvider, KeyedProvider } from './providerCatalog';
export type { ChatMessage, ChatRequest, HistoryToolCall, HistoryToolResult, ToolChoice, ToolDefinition } from './request';
export type { RawToolCall } from './events';
export { checkToolCall, ToolCallAccumulator } from './toolCalls';
export { TextToolCallParser, looksForTextToolCalls } from './textToolCalls';
export { toCoreRequestMessages, toCoreTools, partKindByShape, CANCELLED_RESULT, VSCODE_ROLE, VSCODE_TOOL_MODE } from './toolParts';
export type { LeftOut, ToCoreOptions, VsCodeMessageLike, VsCodePartKind, VsCodeToolLike } from './toolParts';
export { discoverModelCapabilities, contextTooSmallMessage, OLLAMA_DEFAULT_NUM_CTX } from './modelCapabilities';
export type { CapabilityQuery, ModelCapabilities } from './modelCapabilities';
export { StreamSession, endMessage, retryNotice, resumeNotice } from './session/StreamSession';
export { withSalvage, isResumable, SeamJoiner, continuationModeFor, combineMetrics, addUsage, MAX_RESUMES } from './salvage';
export type { AnswerSeam, ResumeAttempt, SalvageOptions } from './salvage';
export type {
  AnswerError,
  AnswerState,
  AnswerStats,
  SessionAppend,
  SessionLogLevel,
  SessionMessage,
  SessionResult,
  StreamSessionOptions,
  StreamSource,
} from './session/StreamSession';
export { DeltaCoalescer } from './session/DeltaCoalescer';
export type { CoalescedDelta } from './session/DeltaCoalescer';

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
