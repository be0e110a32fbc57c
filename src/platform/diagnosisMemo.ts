/**
 * What the last diagnosis of each server and model found (Sidestream: Diagnose Server writes it;
 * Select Model marks the models with a problem). Kept in the global state, keyed by provider, base
 * URL and model; at most {@link MAX_ENTRIES} are kept, the oldest dropped first.
 */
import type * as vscode from 'vscode';

const KEY = 'sidestream.diagnoses';
const MAX_ENTRIES = 100;

export interface DiagnosisMemo {
  /** How many verdicts found a problem (warn or fail). */
  problems: number;
  /** The problems' lines, for a tooltip or detail. */
  lines: string[];
  /** ms since the epoch. */
  at: number;
}

type Memos = Record<string, DiagnosisMemo>;

function keyOf(provider: string, baseUrl: string, model: string): string {
  return `${provider}|${baseUrl.replace(/\/+$/, '')}|${model}`;
}

/** Remembers what the diagnosis of `model` on `provider` at `baseUrl` found. */
export async function rememberDiagnosis(state: vscode.Memento, provider: string, baseUrl: string, model: string, memo: DiagnosisMemo): Promise<void> {
  const all = { ...(state.get<Memos>(KEY) ?? {}) };
  delete all[keyOf(provider, baseUrl, model)];
  all[keyOf(provider, baseUrl, model)] = memo;
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete all[k];
  await state.update(KEY, all);
}

/** What the last diagnosis of `model` on `provider` at `baseUrl` found, if one ran. */
export function lastDiagnosis(state: vscode.Memento, provider: string, baseUrl: string, model: string): DiagnosisMemo | undefined {
  const memo = state.get<Memos>(KEY)?.[keyOf(provider, baseUrl, model)];
  return memo && typeof memo.problems === 'number' && Array.isArray(memo.lines) ? memo : undefined;
}
