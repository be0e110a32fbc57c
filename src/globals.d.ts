/**
 * Build-time constants that esbuild replaces (esbuild.js `define`).
 */

/**
 * True in test builds (`node esbuild.js`, and the webview bundle the tests and benchmarks build),
 * false in the production build that ships (`npm run package`). Code behind `if (__SIDESTREAM_TEST__)`
 * is dropped from the production bundles.
 */
declare const __SIDESTREAM_TEST__: boolean;
