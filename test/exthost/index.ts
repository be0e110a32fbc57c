/**
 * The extension-host test entry: `run()` is the contract both `@vscode/test-electron` and our
 * code-server runner call inside the real extension host. It runs mocha over the compiled
 * `*.test.js` files next to it. When SIDESTREAM_TEST_REPORT names a file, it also writes a JSON
 * report there, because in the web workbench nothing else carries the results back to the runner.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** What the runner reads back from SIDESTREAM_TEST_REPORT. */
export interface SuiteReport {
  passed: number;
  failed: number;
  pending: number;
  failures: Array<{ title: string; error: string }>;
  tests: Array<{ title: string; state: 'passed' | 'failed' | 'pending'; durationMs: number | undefined }>;
  durationMs: number;
  vscodeVersion: string | undefined;
}

/** Runs every `*.test.js` under this folder; rejects when any test fails. */
export async function run(): Promise<void> {
  const started = Date.now();
  const report: SuiteReport = { passed: 0, failed: 0, pending: 0, failures: [], tests: [], durationMs: 0, vscodeVersion: undefined };
  try {
    // Required here, not imported: this file may also be loaded outside an extension host.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    report.vscodeVersion = (require('vscode') as typeof import('vscode')).version;
  } catch {
    // Not inside an extension host (e.g. someone required this file directly).
  }
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec', grep: process.env.SIDESTREAM_TEST_GREP });
  try {
    for (const file of findTestFiles(__dirname)) mocha.addFile(file);
    await mocha.loadFilesAsync();
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      runner.on('pass', (test) => {
        report.passed++;
        report.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration });
      });
      runner.on('fail', (test, err: unknown) => {
        report.failed++;
        report.failures.push({ title: test.fullTitle(), error: describeError(err) });
        report.tests.push({ title: test.fullTitle(), state: 'failed', durationMs: test.duration });
      });
      runner.on('pending', (test) => {
        report.pending++;
        report.tests.push({ title: test.fullTitle(), state: 'pending', durationMs: undefined });
      });
    });
  } catch (err) {
    // A test file that throws while loading is a failure, not a silent empty run.
    report.failed++;
    report.failures.push({ title: 'loading the extension-host suite', error: describeError(err) });
  }
  report.durationMs = Date.now() - started;
  writeReport(report);
  if (report.failed > 0) throw new Error(`${report.failed} extension-host test(s) failed`);
  if (report.passed === 0) throw new Error('no extension-host tests ran');
}

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

function writeReport(report: SuiteReport): void {
  const file = process.env.SIDESTREAM_TEST_REPORT;
  if (!file) return;
  // Write then rename, so the runner polling for the file never reads half of it.
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(report, null, 2));
  fs.renameSync(tmp, file);
}
