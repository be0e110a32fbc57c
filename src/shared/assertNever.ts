/**
 * Exhaustiveness guard for `switch` statements over unions: a new member that a switch does not
 * handle is a compile error, not a silent drop. In `src/shared/`, the one folder every layer (core,
 * host, webview) may import: nothing here uses Node, the DOM or `vscode`.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
