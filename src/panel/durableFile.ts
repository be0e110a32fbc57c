/**
 * Whole-file writes that complete or not at all. No `vscode` import: unit-tested in plain Node.
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
};

/**
 * temp file + fsync + rename + fsync of the folder: the file is the old or the new content, whole.
 * `durable` false skips both fsyncs (still atomic, not crash-proof): for files a crash may lose.
 */
export function writeFileDurably(file: string, content: string, durable = true): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    const bytes = Buffer.from(content);
    durableFs.writeSync(fd, bytes, 0, bytes.length, null);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  durableFs.renameSync(tmp, file);
  if (!durable) return;
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
