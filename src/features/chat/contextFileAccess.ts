/**
 * Reading a local file that goes along with a question as context (no `vscode` import, unit-tested
 * in plain Node against real files, links and FIFOs).
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { looksLikeSecretFile, MAX_FILE_BYTES } from '../../platform/contextLimits';

/** Why a file is refused (the host words the message). */
export type RefusalReason = { kind: 'folder' } | { kind: 'notRegular'; what: 'fifo' | 'device' | 'socket' | 'other' } | { kind: 'tooLarge'; bytes: number | undefined };

export class ContextFileRefusal extends Error {
  constructor(readonly reason: RefusalReason) {
    super(`refused: ${reason.kind}`);
  }
}

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them. Folders, FIFOs, devices and
 * sockets are refused: stat first, so a device or socket is never even opened, then again on the
 * opened handle (fstat), so a file swapped in between is checked too. The open is non-blocking: a
 * FIFO put there in the meantime cannot hang the extension host waiting for a writer. Whatever stat
 * claimed, reading stops at `maxBytes + 1` bytes: a file that grows, or one whose size stat
 * understates (/proc), is refused as too large rather than read past the limit. `noFollow` refuses
 * to open a link at `path` itself (ELOOP): the caller passes a real path it already checked.
 */
export async function readContextBytes(path: string, maxBytes = MAX_FILE_BYTES, options: { noFollow?: boolean } = {}): Promise<Uint8Array> {
  checkStat(await fs.promises.stat(path), maxBytes);
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (options.noFollow ? (fs.constants.O_NOFOLLOW ?? 0) : 0);
  const handle = await fs.promises.open(path, flags);
  try {
    const stat = await handle.stat();
    checkStat(stat, maxBytes);
    return await readAtMost(handle, maxBytes, stat.size);
  } finally {
    await handle.close();
  }
}

function checkStat(stat: fs.Stats, maxBytes: number): void {
  if (stat.isDirectory()) throw new ContextFileRefusal({ kind: 'folder' });
  if (!stat.isFile()) {
    const what = stat.isFIFO() ? 'fifo' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'device' : stat.isSocket() ? 'socket' : 'other';
    throw new ContextFileRefusal({ kind: 'notRegular', what });
  }
  if (stat.size > maxBytes) throw new ContextFileRefusal({ kind: 'tooLarge', bytes: stat.size });
}

/** Reads until the end of the file or `maxBytes + 1` bytes (then refuses), whatever the size said. */
async function readAtMost(handle: fs.promises.FileHandle, maxBytes: number, statedSize: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const want = Math.min(maxBytes + 1 - total, Math.max(statedSize + 1 - total, 64 * 1024), 1024 * 1024);
    if (want <= 0) break;
    const chunk = Buffer.allocUnsafe(want);
    const { bytesRead } = await handle.read(chunk, 0, want, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
  }
  if (total > maxBytes) throw new ContextFileRefusal({ kind: 'tooLarge', bytes: undefined });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** What the user is asked about before a file goes along. */
export interface PathConcerns {
  /** The path with every link resolved. */
  realPath: string;
  /** Inside a workspace folder by its path, but its real path leads outside every workspace folder. */
  outside: boolean;
  /** Its name, or its real path's name, looks like a secrets file ({@link looksLikeSecretFile}). */
  secret: boolean;
}

/**
 * The concerns of attaching `path` in a workspace with the local folders `workspaceFolders`. A link
 * — the file, a folder on its way, or a workspace folder that is itself a link — whose real path
 * leads outside every workspace folder is `outside`; a link whose target is named like a secrets
 * file is `secret` whatever its own name (an untrusted repository may ship `notes.md -> ~/.ssh/id_rsa`).
 * A workspace folder counts where it is, its parent folders resolved (a linked home or /tmp is
 * fine) but not the folder itself. A file outside every workspace folder by its own path was opened
 * by the user from there and is not `outside`.
 */
export async function pathConcerns(path: string, workspaceFolders: readonly string[]): Promise<PathConcerns> {
  const realPath = await fs.promises.realpath(path);
  const secret = looksLikeSecretFile(path) || looksLikeSecretFile(realPath);
  let outside = false;
  if (workspaceFolders.some((folder) => isWithin(folder, path))) {
    const roots = await Promise.all(workspaceFolders.map(folderLocation));
    outside = !roots.some((root) => root !== undefined && isWithin(root, realPath));
  }
  return { realPath, outside, secret };
}

/** Where workspace folder `folder` is: its parent's real path and its own name (undefined when gone). */
async function folderLocation(folder: string): Promise<string | undefined> {
  const resolved = nodePath.resolve(folder);
  const parent = nodePath.dirname(resolved);
  if (parent === resolved) return resolved; // a file system root
  try {
    return nodePath.join(await fs.promises.realpath(parent), nodePath.basename(resolved));
  } catch {
    return undefined;
  }
}

/** `inner` is `outer` or below it (case-insensitively on Windows, as path.relative compares there). */
function isWithin(outer: string, inner: string): boolean {
  const rel = nodePath.relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${nodePath.sep}`) && !nodePath.isAbsolute(rel));
}
