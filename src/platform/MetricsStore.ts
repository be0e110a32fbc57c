/**
 * Every answer's figures, kept across workspaces in the extension's global storage folder (so they
 * answer "which model is faster on my machine", whatever folder it was asked from). No `vscode`
 * import: unit-tested in plain Node.
 *
 * Format: `answer-metrics.jsonl`, JSON Lines, one {@link AnswerRecord} per answer, oldest first.
 * Each append writes one whole line and fsyncs it before returning, so a recorded answer survives a
 * crash. An append the disk cuts short (full, quota, I/O error) is cut off again, so the file is as
 * it was; a crash in the middle of a write can still leave a torn last line, which reading skips
 * (and the next append starts on a fresh line, so the torn bytes never merge into a record).
 *
 * Bound: {@link METRICS_BOUND} records (20,000 by default; about 5 MB). Appends go on past it by up
 * to {@link METRICS_SLACK} (10%) so a full store is not rewritten on every answer; then the file is
 * rewritten atomically (temp file, fsync, rename: it is the old or the new content, whole) with the
 * newest {@link METRICS_BOUND} records, dropping the oldest. Readers only ever see the newest bound.
 *
 * Several windows share the file: each appends with O_APPEND (a line's write is not interleaved
 * with another's), and the compaction re-reads the file just before rewriting it, so only an answer
 * recorded by another window in that instant could be lost.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asAnswerRecord, type AnswerRecord } from '../shared/answerMetrics';
import { appendWhole, DiskWriteError, writeFileDurably } from './durableFile';

export const METRICS_FILE = 'answer-metrics.jsonl';
/** How many answers the store keeps (the newest). */
export const METRICS_BOUND = 20_000;
/** How far past the bound appends may go before the compaction rewrites the file. */
export const METRICS_SLACK = 0.1;

export class MetricsStore {
  readonly file: string;
  /** Lines in the file (valid or not) as last counted; undefined until first read. */
  private lines: number | undefined;
  private readonly added = new Set<(record: AnswerRecord) => void>();

  constructor(
    folder: string,
    readonly bound = METRICS_BOUND,
    private readonly log?: (line: string) => void,
  ) {
    if (!Number.isInteger(bound) || bound < 1) throw new Error('MetricsStore: the bound must be a positive whole number');
    this.file = path.join(folder, METRICS_FILE);
  }

  /** Called with each record after it was appended (the metrics view updates live). */
  onDidAppend(listener: (record: AnswerRecord) => void): { dispose(): void } {
    this.added.add(listener);
    return { dispose: () => this.added.delete(listener) };
  }

  /** The stored records, oldest first: at most the newest {@link bound}; torn or foreign lines skipped. */
  read(): AnswerRecord[] {
    return this.readAll().records.slice(-this.bound);
  }

  /**
   * Appends one answer's figures durably (fsynced before it returns); compacts the file when it
   * has grown past the bound plus slack. Never throws: metrics must not break an answer.
   */
  append(record: AnswerRecord): void {
    try {
      const torn = this.lines === undefined ? this.countAndCheck() : false;
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        // After a torn last line (a crash mid-write) the record starts on a line of its own.
        // Whole or not at all: a write the disk cuts short is cut off again (no half line left behind).
        appendWhole(fd, Buffer.from(`${torn ? '\n' : ''}${JSON.stringify(record)}\n`), this.file);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      this.lines = (this.lines ?? 0) + 1;
      if (this.lines > Math.floor(this.bound * (1 + METRICS_SLACK))) this.compact();
    } catch (err) {
      // Counted again before the next append, which starts a line of its own if this one left a part.
      this.lines = undefined;
      this.log?.(
        err instanceof DiskWriteError
          ? `could not record the answer's figures: ${err.message}`
          : `could not record the answer's figures in ${this.file}: ${(err as Error).message}`,
      );
    }
    for (const listener of [...this.added]) listener(record);
  }

  /** Rewrites the file atomically with the newest {@link bound} valid records. */
  compact(): void {
    const { records } = this.readAll();
    const kept = records.slice(-this.bound);
    writeFileDurably(this.file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    this.lines = kept.length;
    if (records.length > kept.length) this.log?.(`dropped the ${records.length - kept.length} oldest answer figures (the store keeps the newest ${this.bound})`);
  }

  /** Counts the lines and reports whether the file ends mid-line (a torn last write). */
  private countAndCheck(): boolean {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.lines = 0;
      return false;
    }
    this.lines = text.split('\n').filter((l) => l.trim()).length;
    return text.length > 0 && !text.endsWith('\n');
  }

  private readAll(): { records: AnswerRecord[]; skipped: number } {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`could not read ${this.file}: ${(err as Error).message}`);
      return { records: [], skipped: 0 };
    }
    const records: AnswerRecord[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let record: AnswerRecord | undefined;
      try {
        record = asAnswerRecord(JSON.parse(line));
      } catch {
        record = undefined;
      }
      if (record) records.push(record);
      else skipped++;
    }
    if (skipped) this.log?.(`skipped ${skipped} unreadable line(s) in ${this.file} (a write cut short by a crash)`);
    return { records, skipped };
  }
}
