import type { SimScript } from './script';

/** A wire capture: `# ` header lines, a `#---` line, then the exact body bytes. */
export interface WireFixture {
  /** The header lines without their `# ` prefix (what the capture should produce, and its source). */
  header: string;
  body: string;
}

const SEPARATOR = '#---\n';

/** Splits a capture file into its provenance header and its body (`raw.slice(indexOf('#---\n') + 5)`). */
export function parseWireFixture(raw: string): WireFixture {
  const at = raw.indexOf(SEPARATOR);
  if (at < 0) throw new Error('not a wire fixture: no "#---" line');
  const header = raw
    .slice(0, at)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^# ?/, ''))
    .join('\n');
  return { header, body: raw.slice(at + SEPARATOR.length) };
}

/** A script that replays a capture verbatim; `.ndjson` captures get an NDJSON content type. */
export function replayScript(raw: string, fileName: string, options: { chunkDelayMs?: number; chunkBytes?: number } = {}): SimScript {
  const contentType = fileName.endsWith('.ndjson') ? 'application/x-ndjson' : 'text/event-stream; charset=utf-8';
  return { fault: { kind: 'raw', contentType, body: parseWireFixture(raw).body, ...options } };
}
