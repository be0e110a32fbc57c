/**
 * Saved compare runs: one JSON file per run under `<storage>/compare-runs/`, written atomically and
 * durably (writeFileDurably), so a run that finished survives a crash or a reload and reopens from
 * "Sidestream: Show Compare Runs" (or, later, the chat history list, through {@link list}). One
 * file per run keeps each save small and independent: saving run B never rewrites run A. No
 * `vscode` import: unit-tested in plain Node.
 *
 * File format (`<id>.json`): `{ "version": 1, "savedAt": <ms>, "run": CompareRunView }`, where each
 * column holds its final text, state, stats and error (no live figures, no `rev`, never a key).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { redactCredentials } from '../../core/redact';
import type { CompareRunView } from '../../shared/protocol';
import { writeFileDurably } from '../../platform/durableFile';

/** What a history list shows for a saved run. */
export interface CompareRunSummary {
  id: string;
  /** The question's first line, shortened. */
  title: string;
  /** ms since the epoch when the run started. */
  createdAt: number;
  /** "provider/model" of each column, in column order. */
  models: string[];
}

interface StoredRun {
  version: 1;
  savedAt: number;
  run: CompareRunView;
}

/** Runs kept; the oldest beyond it are deleted on save. */
export const MAX_COMPARE_RUNS = 100;
const ID = /^[A-Za-z0-9_-]{1,80}$/;

export class CompareRunStore {
  readonly dir: string;

  constructor(
    storageDir: string,
    private readonly log?: (line: string) => void,
  ) {
    this.dir = path.join(storageDir, 'compare-runs');
  }

  /** Saves `run` now, durably: once this returns true the run is on disk. An I/O failure is logged and returns false. */
  save(run: CompareRunView): boolean {
    if (!ID.test(run.id)) throw new Error(`not a compare run id: ${run.id}`);
    try {
      writeFileDurably(this.file(run.id), JSON.stringify({ version: 1, savedAt: Date.now(), run: storable(run) } satisfies StoredRun));
    } catch (err) {
      this.log?.(`could not save compare run ${run.id}: ${(err as Error).message}`);
      return false;
    }
    this.prune();
    return true;
  }

  /** The saved run, or undefined when it is missing or unreadable. */
  load(id: string): CompareRunView | undefined {
    if (!ID.test(id)) return undefined;
    try {
      const stored = JSON.parse(fs.readFileSync(this.file(id), 'utf8')) as Partial<StoredRun>;
      return stored.version === 1 && isRun(stored.run) ? stored.run : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read compare run ${id}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Every saved run, newest first. */
  list(): CompareRunSummary[] {
    const out: CompareRunSummary[] = [];
    for (const id of this.ids()) {
      const run = this.load(id);
      if (run) out.push(summarize(run));
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  delete(id: string): void {
    if (ID.test(id)) fs.rmSync(this.file(id), { force: true });
  }

  private ids(): string[] {
    try {
      return fs
        .readdirSync(this.dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length))
        .filter((id) => ID.test(id));
    } catch {
      return [];
    }
  }

  /** Keeps the newest {@link MAX_COMPARE_RUNS}; ids start with the run's start time, so names sort by age. */
  private prune(): void {
    const ids = this.ids().sort();
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_COMPARE_RUNS))) this.delete(id);
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
}

/** The list entry of a run. */
export function summarize(run: CompareRunView): CompareRunSummary {
  const line = run.question.split('\n', 1)[0]!.trim();
  return {
    id: run.id,
    title: line.length > 80 ? `${line.slice(0, 79)}…` : line,
    createdAt: run.createdAt,
    models: run.columns.map((c) => `${c.provider}/${c.model}`),
  };
}

/** A copy fit for disk: no live figures or revisions, URL credentials in error lines redacted. */
function storable(run: CompareRunView): CompareRunView {
  return {
    ...run,
    columns: run.columns.map(({ live: _live, rev: _rev, ...c }) => ({
      ...c,
      // A run saved while a column still streamed (it never is, but a crash may leave one) reopens cancelled.
      state: c.state === 'streaming' ? 'cancelled' : c.state,
      error: c.error ? { ...c.error, message: redactCredentials(c.error.message) } : undefined,
    })),
  };
}

function isRun(value: unknown): value is CompareRunView {
  const r = value as Partial<CompareRunView> | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.id === 'string' &&
    typeof r.question === 'string' &&
    typeof r.createdAt === 'number' &&
    Array.isArray(r.columns) &&
    r.columns.every((c) => typeof c === 'object' && c !== null && typeof c.id === 'string' && typeof c.model === 'string' && typeof c.text === 'string')
  );
}
