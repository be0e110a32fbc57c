/**
 * Features loaded on first use, with their commands: until one of a feature's commands runs, each id
 * has a stand-in that loads the feature's bundle, creates the feature, registers its real handlers in
 * the stand-ins' place, then runs the real one with the same arguments. The loader registers every
 * command itself, after the feature was created: a feature whose loading or creation fails leaves its
 * stand-ins (never a half-registered set), the error reaches the caller, and the next run tries again.
 */
import * as vscode from 'vscode';

/** What creating a feature gives the loader: the feature, a handler for each of its command ids, what to dispose with it. */
export interface FeatureParts<T> {
  value: T;
  commands: Readonly<Record<string, (...args: never[]) => unknown>>;
  disposables?: vscode.Disposable[] | undefined;
}

/** A feature created on first use, with its commands. */
export interface LazyFeature<T> extends vscode.Disposable {
  /** The feature, loading and creating it first if needed. */
  get(): T;
  /** The feature if something already created it (never loads it). */
  readonly loaded: T | undefined;
}

/**
 * Registers `ids` now with stand-ins. The first run of any of them (or the first `get()`) calls
 * `load` then `create`, whose `commands` must be exactly `ids`; the loader then swaps the stand-ins
 * for the real handlers, and the stand-in that ran runs the real command with its arguments.
 */
export function lazyFeature<F, T>(ids: readonly string[], load: () => F, create: (features: F) => FeatureParts<T>): LazyFeature<T> {
  let created: { value: T; disposables: vscode.Disposable[] } | undefined;
  const standIn = (id: string) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => {
      get();
      return vscode.commands.executeCommand(id, ...args);
    });
  let standIns = ids.map(standIn);
  const get = (): T => {
    if (created) return created.value;
    const parts = create(load());
    const given = Object.keys(parts.commands).sort();
    if (given.join() !== [...ids].sort().join()) {
      for (const d of parts.disposables ?? []) d.dispose();
      throw new Error(`A feature was created with the commands ${given.join(', ')}, not ${ids.join(', ')}.`);
    }
    for (const d of standIns) d.dispose();
    standIns = [];
    const commands = ids.map((id) => vscode.commands.registerCommand(id, parts.commands[id] as (...args: unknown[]) => unknown));
    created = { value: parts.value, disposables: [...commands, ...(parts.disposables ?? [])] };
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
