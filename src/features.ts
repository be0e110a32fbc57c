/**
 * What activation does not need: the Compare Models panel, the metrics view and the chat history
 * commands. esbuild bundles this entry as dist/features.js, which the extension requires the first
 * time one of their commands runs (src/platform/featureLoader.ts), so activation parses only the
 * smaller dist/extension.js.
 *
 * Each feature gets the services with state it needs passed in (src/platform/services.ts), never
 * by importing a module with state: this bundle has its own copy of every module it imports.
 */
export { CompareController, fastestColumns } from './features/compare/CompareController';
export { CompareRunStore } from './features/compare/CompareRunStore';
export { compareFeature } from './features/compare/compareCommands';
export { chatHistoryFeature } from './features/chat/historyCommands';
export { createMetricsView } from './features/metrics/MetricsPanel';
export { diagnoseFeature } from './features/diagnose/diagnoseFeature';
