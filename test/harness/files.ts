/**
 * Reading what a test's VS Code wrote to disk: settings files, and every file under a folder (to
 * search a server's or extension host's files for a secret). Plain Node: the UI tests and the
 * extension-host suites both use it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Reads a JSON settings file; `{}` when it is missing or unreadable. */
export function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Every regular file under `dir`, at most `limit` entries looked at, skipping folders named in `skip`. */
export function listFiles(dir: string, options: { skip?: readonly string[]; limit?: number } = {}): string[] {
  const skip = options.skip ?? ['node_modules'];
  const out: string[] = [];
  let left = options.limit ?? 50_000;
  const walk = (folder: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (left-- <= 0) return;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name)) walk(full);
      } else if (entry.isFile()) out.push(full);
    }
  };
  walk(dir);
  return out;
}
