/**
 * Loads dist/features.js (src/features.ts) on first use, and registers commands whose handlers live
 * there: until one of them runs, each id has a stand-in that loads the bundle, lets it register the
 * real handlers in the stand-ins' place, then runs the real one with the same arguments.
 */
import * as vscode from 'vscode';
import type * as Features from '../features';

let features: typeof Features | undefined;

export function loadFeatures(): typeof Features {
  if (!features) {
    // esbuild marks this path external and emits dist/features.js beside dist/extension.js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    features = require('./features.js') as typeof Features;
  }
  return features;
}

/** A feature from dist/features.js: created on its first use, with its commands. */
export interface LazyFeature<T> extends vscode.Disposable {
  /** The feature, loading and creating it first if needed. */
  get(): T;
  /** The feature if something already created it (never loads it). */
  readonly loaded: T | undefined;
}

/**
 * Registers `ids` now with stand-ins. The first run of any of them (or the first `get()`) loads
 * dist/features.js and calls `create`, which must register every one of `ids` itself: the stand-ins
 * are disposed just before, and the stand-in that ran then runs the real command with its arguments.
 * If loading or `create` fails (before registering anything), the error reaches the caller (VS Code
 * shows it for a command) and the stand-ins stay or come back: the commands stay in the palette and
 * the next run tries again.
 */
export function lazyFeature<T>(
  ids: readonly string[],
  create: (features: typeof Features) => { value: T; disposables: vscode.Disposable[] },
  load: () => typeof Features = loadFeatures,
): LazyFeature<T> {
  let created: { value: T; disposables: vscode.Disposable[] } | undefined;
  const standIn = (id: string) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => {
      get();
      return vscode.commands.executeCommand(id, ...args);
    });
  let standIns = ids.map(standIn);
  const get = (): T => {
    if (created) return created.value;
    const features = load();
    for (const d of standIns) d.dispose();
    try {
      created = create(features);
    } catch (err) {
      standIns = [];
      for (const id of ids) {
        try {
          standIns.push(standIn(id));
        } catch {
          // `create` registered this one before it failed: its own handler stays.
        }
      }
      throw err;
    }
    return created.value;
  };
  return {
    get,
    get loaded() {
      return created?.value;
    },
    dispose() {
      for (const d of created?.disposables ?? standIns) d.dispose();
    },
  };
}
