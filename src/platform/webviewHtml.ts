/**
 * Builds the HTML of every Sidestream webview (the chat panel, Compare, the metrics view). Pure (no `vscode` import) so it is testable anywhere. The CSP
 * allows only the extension's own files and the nonce'd bundle: no inline script, no remote
 * content of any kind, and images only from the extension (no `data:`, no `https:`).
 */

export interface WebviewHtmlOptions {
  /** `webview.cspSource`: the origin the webview serves extension files from. */
  cspSource: string;
  /** A fresh random nonce for this load (base64/alphanumeric). */
  nonce: string;
  scriptUri: string;
  /** The codicon font's stylesheet (VS Code's own id on it), when the page shows codicons. */
  codiconsUri?: string | undefined;
  /** The page's stylesheets, in order. */
  styleUris: string[];
  /** The document title (the Compare panel's differs from the chat's). */
  title?: string | undefined;
  /** The attribute on `<body>` that names the page (tests find a webview's frame by it). */
  bodyAttribute?: 'data-sidestream-webview' | 'data-sidestream-metrics' | undefined;
  /** The class of the element the page's script renders into. */
  appClass?: string | undefined;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A fresh random nonce for one load of a webview page (alphanumeric, 24 random bytes). */
export function webviewNonce(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/** The Content-Security-Policy for the chat webview. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function renderWebviewHtml(opts: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(opts.nonce)) throw new Error('renderWebviewHtml: nonce must be base64/alphanumeric');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(webviewCsp(opts.cspSource, opts.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${[...(opts.codiconsUri ? [`<link rel="stylesheet" href="${attr(opts.codiconsUri)}" id="vscode-codicon-stylesheet">`] : []), ...opts.styleUris.map((u) => `<link rel="stylesheet" href="${attr(u)}">`)].join('\n')}
<title>${attr(opts.title ?? 'Sidestream')}</title>
</head>
<body ${opts.bodyAttribute ?? 'data-sidestream-webview'}>
<div id="app" class="${attr(opts.appClass ?? 'app')}"></div>
<script nonce="${attr(opts.nonce)}" src="${attr(opts.scriptUri)}"></script>
</body>
</html>
`;
}
