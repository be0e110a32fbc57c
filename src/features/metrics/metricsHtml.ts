/**
 * The metrics view's HTML. Pure (no `vscode` import), so the Chromium tests serve the very page the
 * extension does. The chat panel's CSP: no inline script or style, the nonce'd bundle only, and
 * nothing remote; uPlot draws on canvas and sizes its elements through the CSSOM, which the CSP
 * allows (it blocks only style attributes and `<style>` in markup).
 */
import { webviewCsp } from '../../platform/webviewHtml';

export function renderMetricsHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUris: string[] }): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(opts.nonce)) throw new Error('renderMetricsHtml: nonce must be base64/alphanumeric');
  const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(webviewCsp(opts.cspSource, opts.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${opts.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}">`).join('\n')}
<title>Sidestream Metrics</title>
</head>
<body data-sidestream-metrics>
<div id="app" class="metrics-app"></div>
<script nonce="${attr(opts.nonce)}" src="${attr(opts.scriptUri)}"></script>
</body>
</html>
`;
}
