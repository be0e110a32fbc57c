/**
 * The metrics view's HTML: the page every Sidestream webview has (platform/webviewHtml.ts: the chat
 * panel's CSP, no inline script or style, the nonce'd bundle only, nothing remote), so the Chromium
 * tests serve the very page the extension does. uPlot draws on canvas and sizes its elements
 * through the CSSOM, which the CSP allows (it blocks only style attributes and `<style>` in markup).
 */
import { renderWebviewHtml } from '../../platform/webviewHtml';

export function renderMetricsHtml(opts: { cspSource: string; nonce: string; scriptUri: string; styleUris: string[]; title: string }): string {
  return renderWebviewHtml({ ...opts, bodyAttribute: 'data-sidestream-metrics', appClass: 'metrics-app' });
}
