/**
 * What activation does not need: the Compare Models panel, the metrics view and the chat history
 * commands. esbuild bundles this entry as dist/features.js, which the extension requires the first
 * time one of their commands runs (src/panel/featureLoader.ts), so activation parses only the
 * smaller dist/extension.js.
 *
 * Modules with state the whole extension shares (the cancel hooks, the answer recorder, the
 * settings log, the loaded core) are not copied into this bundle: esbuild points its imports of
 * them at the extension bundle's own instances (`hostModules` in src/extension.ts).
 */
export { CompareController, fastestColumns } from './panel/CompareController';
export { CompareRunStore } from './panel/CompareRunStore';
export { registerCompareCommands } from './panel/compareCommands';
export { registerChatCommands } from './panel/chatCommands';
export { registerMetricsView } from './panel/MetricsPanel';
