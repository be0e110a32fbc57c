/**
 * Loads the streaming core (adapter, SDKs, tokenizer) on first use, so activation pays nothing for
 * it. In the bundle the core is its own file, dist/core.js; `require` is only called when a
 * request or a model listing needs it.
 */
import type * as Core from '../core';

let core: typeof Core | undefined;

export function loadCore(): typeof Core {
  if (!core) {
    // esbuild marks this path external and emits dist/core.js beside dist/extension.js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    core = require('./core.js') as typeof Core;
  }
  return core;
}

/** The core if something already loaded it; never loads it (for diagnostics). */
export function loadedCore(): typeof Core | undefined {
  return core;
}
