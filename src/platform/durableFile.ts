/**
 * Writes that complete or not at all, for every file the extension keeps (chats, the chat index,
 * Compare runs, answer figures). No `vscode` import: unit-tested in plain Node.
 *
 * - {@link writeFileDurably}: the whole content to a temp file of its own (every byte, however many
 *   writes that takes), fsync, rename over the file, fsync of the folder. On any failure — a full
 *   disk, a quota, an I/O error — the temp file is removed and the old file is left as it was, whole;
 *   the error says so in words ("the disk is full: <file> was not changed"). A rename refused by
 *   another process (EPERM/EACCES/EBUSY: antivirus and indexers on Windows) is retried a few times
 *   over about a quarter of a second before it fails.
 * - {@link appendWhole}: one line appended whole, or the file cut back to what it was.
 * - {@link BackgroundWriter}: the same atomic write off the extension host's thread (for saves while
 *   an answer streams), one write at a time, coalesced per file, and never landing after a
 *   synchronous write of the same file that was started later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The fs calls the writes go through. Tests put real fs wrappers here (a write that stops part way
 * and then fails as a full disk does, a rename another process refuses); production never changes it.
 */
export const durableFs = {
  writeSync: fs.writeSync as (fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) => number,
  renameSync: fs.renameSync as (from: string, to: string) => void,
  // Reached on use, not at load: `fs.promises` loads streams and more, which activation must not pay for (B9, B10).
  rename: (from: string, to: string): Promise<void> => fs.promises.rename(from, to),
};

/** Waits between tries of a refused rename (ms): six retries, 275 ms at most in all. */
export const RENAME_RETRY_DELAYS_MS: readonly number[] = [5, 10, 20, 40, 80, 120];
/** What another process holding the file open does to a rename (Windows: antivirus, indexers, sync clients). */
const REFUSED = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** A write that did not happen; the file it names was left as it was. `code` is the system's (ENOSPC, …). */
export class DiskWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    override readonly cause: unknown,
    tries = 1,
  ) {
    super(describeWriteFailure(file, cause, tries));
    this.name = 'DiskWriteError';
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** "the disk is full: <file> was not changed", and so on for the other causes. */
export function describeWriteFailure(file: string, err: unknown, tries = 1): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = e?.code;
  const unchanged = `${file} was not changed`;
  switch (code) {
    case 'ENOSPC':
      return `the disk is full: ${unchanged}`;
    case 'EDQUOT':
      return `the disk quota is used up: ${unchanged}`;
    case 'EFBIG':
      return `the file would be too large for the disk: ${unchanged}`;
    case 'EIO':
      return `the disk reported an I/O error: ${unchanged}`;
    case 'EROFS':
      return `the disk is read-only: ${unchanged}`;
    default:
      break;
  }
  if (code && REFUSED.has(code) && e?.syscall === 'rename')
    return `another program (an antivirus or indexer?) kept the file in use (${code}, ${tries} ${tries === 1 ? 'try' : 'tries'}): ${unchanged}`;
  if (code === 'EACCES' || code === 'EPERM') return `no permission to write in ${path.dirname(file)} (${code}): ${unchanged}`;
  return `could not write it (${e?.message ?? String(err)}): ${unchanged}`;
}

/** A temp file name next to `file`, unique to this write (pid and random: two writers in one process never share one). */
export function tempName(file: string): string {
  return `${file}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/**
 * temp file + every byte written + fsync + rename + fsync of the folder: the file is the old or the
 * new content, whole. `durable` false skips both fsyncs (still atomic, not crash-proof): for files a
 * crash may lose. Throws a {@link DiskWriteError} (the file unchanged, no temp file left) on failure.
 */
export function writeFileDurably(file: string, content: string | Uint8Array, durable = true): void {
  const dir = path.dirname(file);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  let tmp: string | undefined;
  let tries = 1;
  try {
    fs.mkdirSync(dir, { recursive: true });
    tmp = tempName(file);
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      writeAll(fd, bytes);
      if (durable) fs.fsyncSync(fd);
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    fs.closeSync(fd);
    tries = renameRetrying(tmp, file);
    tmp = undefined;
  } catch (err) {
    if (tmp !== undefined) removeQuietly(tmp);
    throw new DiskWriteError(file, err, (err as { tries?: number }).tries ?? tries);
  }
  if (durable) fsyncFolder(dir);
}

/**
 * Appends `bytes` whole to the file open at `fd` (opened for appending), or not at all: when the
 * disk fills part way, what was written of it is cut off again, so no half line is left to merge
 * with the next one. Returns normally when every byte is written; throws a {@link DiskWriteError}
 * otherwise, with `torn` set when the part could not be cut off (another process appended since).
 */
export function appendWhole(fd: number, bytes: Uint8Array, file: string): void {
  const start = fs.fstatSync(fd).size;
  const progress = { written: 0 };
  try {
    writeAll(fd, bytes, progress);
  } catch (err) {
    const failure = new DiskWriteError(file, err);
    if (progress.written > 0) {
      let cut = false;
      try {
        // Only when the file is exactly as this write left it: never cut another window's line.
        if (fs.fstatSync(fd).size === start + progress.written) {
          fs.ftruncateSync(fd, start);
          cut = true;
        }
      } catch {
        cut = false;
      }
      if (!cut) Object.assign(failure, { torn: true });
    }
    throw failure;
  }
}

/** Writes every byte of `bytes` at the file position (short writes go on where they stopped). */
function writeAll(fd: number, bytes: Uint8Array, progress = { written: 0 }): void {
  while (progress.written < bytes.length) {
    const n = durableFs.writeSync(fd, bytes, progress.written, bytes.length - progress.written, null);
    if (!(n > 0)) throw Object.assign(new Error(`write made no progress (${progress.written} of ${bytes.length} bytes written)`), { code: 'EIO' });
    progress.written += n;
  }
}

/** Renames, retrying a refusal by another process; returns the number of tries. */
function renameRetrying(from: string, to: string): number {
  for (let attempt = 0; ; attempt++) {
    try {
      durableFs.renameSync(from, to);
      return attempt + 1;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const delay = RENAME_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !code || !REFUSED.has(code)) throw Object.assign(err as Error, { tries: attempt + 1 });
      sleepSync(delay);
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function fsyncFolder(dir: string): void {
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic.
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Already failing: the first error is the one reported.
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // Nothing more to do: the temp name is unique, so it never shadows a real file.
  }
}

/** `pieces` without their first `n` bytes. */
function skipBytes(pieces: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < pieces.length && n >= pieces[i]!.length) n -= pieces[i++]!.length;
  const rest = pieces.slice(i);
  if (n > 0 && rest.length) rest[0] = rest[0]!.subarray(n);
  return rest;
}

interface Job {
  file: string;
  content: string | Uint8Array | readonly Uint8Array[];
  cancelled: boolean;
  tmp?: string | undefined;
}

/**
 * Atomic writes off the extension host's thread: temp file, every byte, fsync and rename, all in
 * the thread pool. One write at a time, in order; a file written again while its write waits is
 * written once, with the newest content. A failed write leaves the old file whole and no temp file,
 * and is reported to `onError`.
 *
 * A background write never lands after a synchronous write of the same file started later: the
 * synchronous writer calls {@link cancel} first, which drops a queued write and removes the temp
 * file of one in flight before the synchronous rename. The kernel orders the two operations on the
 * folder: a background rename that ran before the removal landed before the synchronous one; one
 * that runs after it finds no temp file and fails (ENOENT), changing nothing.
 */
export class BackgroundWriter {
  private queue: Job[] = [];
  private current: Job | undefined;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly onError: (err: DiskWriteError) => void,
    /** Called after a write landed (its rename done). */
    private readonly onWritten?: (file: string) => void,
  ) {}

  /** Queues an atomic, fsynced write of `content` (pieces are written one after the other) to `file`; returns at once. */
  write(file: string, content: string | Uint8Array | readonly Uint8Array[]): void {
    const waiting = this.queue.find((j) => j.file === file);
    if (waiting) waiting.content = content;
    else this.queue.push({ file, content, cancelled: false });
    if (!this.current) void this.drain();
  }

  /** A synchronous write of `file` starts now: a queued write of it is dropped; one in flight loses its temp file, so its rename cannot land after. */
  cancel(file: string): void {
    this.queue = this.queue.filter((j) => j.file !== file);
    const job = this.current;
    if (job?.file === file && !job.cancelled) {
      job.cancelled = true;
      // Removed now, before the synchronous rename (and a host that exits right after leaves no temp file).
      if (job.tmp) removeQuietly(job.tmp);
    }
  }

  /**
   * Whether a write of `file` is queued or in flight: its rename may have landed on disk already
   * while its completion (and `onWritten`) is still to come, so the file's stamp can be this
   * writer's own new one.
   */
  writing(file: string): boolean {
    return (this.current?.file === file && !this.current.cancelled) || this.queue.some((j) => j.file === file);
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.current && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async drain(): Promise<void> {
    while ((this.current = this.queue.shift())) await this.run(this.current);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private async run(job: Job): Promise<void> {
    let pieces: Uint8Array[] = typeof job.content === 'string' ? [Buffer.from(job.content)] : job.content instanceof Uint8Array ? [job.content] : [...job.content];
    job.content = '';
    let handle: fs.promises.FileHandle | undefined;
    let tries = 0;
    try {
      await fs.promises.mkdir(path.dirname(job.file), { recursive: true });
      if (job.cancelled) return;
      const tmp = tempName(job.file);
      job.tmp = tmp;
      handle = await fs.promises.open(tmp, 'wx', 0o600);
      pieces = pieces.filter((p) => p.length > 0);
      while (pieces.length && !job.cancelled) {
        // Every byte, in order: a short write goes on where it stopped (at most IOV_MAX pieces a call).
        const { bytesWritten } = await handle.writev(pieces.slice(0, 512));
        if (!(bytesWritten > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
        pieces = skipBytes(pieces, bytesWritten);
      }
      if (!job.cancelled) await handle.sync();
      await handle.close();
      handle = undefined;
      for (let attempt = 0; !job.cancelled; attempt++) {
        tries = attempt + 1;
        try {
          // In the thread pool too: a synchronous write of this file started from here on removes
          // the temp file first (cancel), so this rename either lands before it or finds nothing.
          await durableFs.rename(tmp, job.file);
          job.tmp = undefined;
          try {
            this.onWritten?.(job.file);
          } catch {
            // A failing listener must not report the landed write as failed.
          }
          return;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const delay = RENAME_RETRY_DELAYS_MS[attempt];
          if (delay === undefined || !code || !REFUSED.has(code)) throw err;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    } catch (err) {
      if (!job.cancelled) {
        try {
          this.onError(new DiskWriteError(job.file, err, Math.max(1, tries)));
        } catch {
          // A failing reporter must not stop the writes queued after this one.
        }
      }
    } finally {
      if (handle) await handle.close().catch(() => undefined);
      if (job.tmp) removeQuietly(job.tmp);
    }
  }
}
