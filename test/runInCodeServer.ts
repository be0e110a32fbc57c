/**
 * Runs the extension-host suite (out/test/exthost) inside a real VS Code without internet:
 * code-server with the smoke-test driver, the web workbench opened in Debian's Chromium with the
 * repository as the development extension and the suite as the extension tests path. The suite
 * writes a JSON report to SIDESTREAM_TEST_REPORT; this runner waits for it, prints it like mocha's
 * spec reporter, and exits non-zero on any failure. Build first: `node esbuild.js && npx tsc -p tsconfig.test.json`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeServer, REPO_ROOT, delay } from './harness/codeServer';
import { buildTestExtensions } from './harness/testExtensions';
import { openWorkbench, type Workbench } from './harness/workbench';
import type { SuiteReport } from './exthost/index';

const TIMEOUT_MS = Number(process.env.SIDESTREAM_SUITE_TIMEOUT_MS ?? 600_000);
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

async function main(): Promise<number> {
  // `--extension DIR --tests DIR` run another extension/suite (used to check the harness itself).
  const extensionDir = path.resolve(argValue('--extension') ?? REPO_ROOT);
  const suiteDir = path.resolve(argValue('--tests') ?? path.join(REPO_ROOT, 'out', 'test', 'exthost'));
  const mainFile = path.join(extensionDir, (JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8')) as { main?: string }).main ?? 'dist/extension.js');
  for (const required of [mainFile.endsWith('.js') ? mainFile : `${mainFile}.js`, path.join(suiteDir, 'index.js')]) {
    if (!fs.existsSync(required)) {
      console.error(`missing ${path.relative(REPO_ROOT, required)}: run \`node esbuild.js && npx tsc -p tsconfig.test.json\` first`);
      return 2;
    }
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidestream-report-'));
  const reportFile = path.join(reportDir, 'report.json');
  const serverLog: string[] = [];
  const pageLog: string[] = [];
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const cleanup = async (): Promise<void> => {
    await workbench?.close();
    await server?.stop();
    fs.rmSync(reportDir, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const started = Date.now();
  try {
    // The language-model tests talk to Sidestream through two other extensions, installed as .vsix files.
    const vsix = extensionDir === REPO_ROOT ? buildTestExtensions(path.join(reportDir, 'test-extensions')) : [];
    console.log(`  starting code-server (VS Code 1.139) with the development extension${vsix.length ? ` and ${vsix.length} test extensions` : ''}…`);
    server = await CodeServer.start({
      smokeTestDriver: true,
      env: { SIDESTREAM_TEST_REPORT: reportFile },
      // vscode.lm offers no models when AI features are disabled (the harness's quiet default).
      settings: { 'chat.disableAIFeatures': false },
      vsix,
      onOutput: (line) => serverLog.push(line),
    });
    workbench = await openWorkbench(server, {
      extensionDevelopmentPath: extensionDir,
      extensionTestsPath: suiteDir,
      onConsole: (line) => pageLog.push(line),
    });
    console.log(`  workbench up after ${Date.now() - started} ms; running the suite in the extension host…`);
    const report = await waitForReport(reportFile, TIMEOUT_MS, () => hostGone(serverLog));
    printReport(report);
    if (report.failed > 0 || report.passed === 0) {
      await saveDiagnostics(workbench, serverLog, pageLog);
      return 1;
    }
    return 0;
  } catch (err) {
    console.error(`\n  extension-host suite could not run: ${err instanceof Error ? err.message : String(err)}`);
    await saveDiagnostics(workbench, serverLog, pageLog);
    console.error(
      `  last server output:\n${serverLog
        .slice(-40)
        .map((l) => `    ${l}`)
        .join('\n')}`,
    );
    const errors = pageLog.filter((l) => /^\[(error|pageerror)\]/.test(l) && !/ERR_NAME_NOT_RESOLVED|open-vsx|status of 404/.test(l));
    if (errors.length)
      console.error(
        `  page errors:\n${errors
          .slice(-20)
          .map((l) => `    ${l.slice(0, 400)}`)
          .join('\n')}`,
      );
    // The summary line test-all.js reads: nothing passed, the run itself failed.
    console.log('\n  0 passing\n  1 failing\n');
    return 1;
  } finally {
    await cleanup();
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Polls for the report; gives up early when the extension host has exited without writing one. */
async function waitForReport(file: string, timeoutMs: number, hostExited: () => boolean): Promise<SuiteReport> {
  const deadline = Date.now() + timeoutMs;
  let exitedAt: number | undefined;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as SuiteReport;
    if (exitedAt === undefined && hostExited()) exitedAt = Date.now();
    // A moment's grace: the host may exit right after the report's rename.
    if (exitedAt !== undefined && Date.now() - exitedAt > 5_000) {
      throw new Error('the extension host exited without writing a test report (did run() fail to load?)');
    }
    await delay(250);
  }
  throw new Error(`no test report after ${Math.round(timeoutMs / 1000)} s`);
}

function hostGone(serverLog: string[]): boolean {
  return serverLog.some((l) => /Extension Host Process exited/.test(l));
}

function printReport(report: SuiteReport): void {
  console.log(`\n  Extension host (VS Code ${report.vscodeVersion ?? '?'})`);
  for (const test of report.tests) {
    const failedIndex = report.failures.findIndex((f) => f.title === test.title);
    if (test.state === 'passed') console.log(`    ✔ ${test.title}${test.durationMs ? ` (${test.durationMs}ms)` : ''}`);
    else if (test.state === 'pending') console.log(`    - ${test.title}`);
    else console.log(`    ${failedIndex + 1}) ${test.title}`);
  }
  console.log(`\n  ${report.passed} passing (${Math.round(report.durationMs / 100) / 10}s)`);
  if (report.pending) console.log(`  ${report.pending} pending`);
  if (report.failed) console.log(`  ${report.failed} failing`);
  report.failures.forEach((f, i) => {
    console.log(
      `\n  ${i + 1}) ${f.title}:\n${f.error
        .split('\n')
        .map((l) => `     ${l}`)
        .join('\n')}`,
    );
  });
  console.log('');
}

async function saveDiagnostics(workbench: Workbench | undefined, serverLog: string[], pageLog: string[]): Promise<void> {
  try {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'ext-host-server.log'), serverLog.join('\n'));
    fs.writeFileSync(path.join(ARTIFACTS, 'ext-host-page.log'), pageLog.join('\n'));
    await workbench?.page.screenshot({ path: path.join(ARTIFACTS, 'ext-host-failure.png') });
    console.error(`  diagnostics saved in ${path.relative(process.cwd(), ARTIFACTS) || '.'}/ext-host-*`);
  } catch {
    // Diagnostics are best effort; the failure itself is already reported.
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
