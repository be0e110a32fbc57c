/**
 * Removes credentials carried by a URL (`https://user:pass@host/…`, `?api-key=…`, `?token=…`)
 * from text that is logged, shown in an error or saved with the conversation. No `vscode` import:
 * unit-tested in plain Node.
 */

/** Query parameters whose value is a credential. Compared lower-case, with `-` and `_` removed. */
const SECRET_PARAMS = new Set([
  'apikey',
  'key',
  'token',
  'accesstoken',
  'authtoken',
  'auth',
  'secret',
  'clientsecret',
  'password',
  'pass',
  'pwd',
  'sig',
  'signature',
  'code',
  'session',
  'sessionid',
  'jwt',
  'bearer',
  'credential',
  'credentials',
]);

export const REDACTED = '***';

function isSecretParam(name: string): boolean {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_PARAMS.has(n) || n.endsWith('key') || n.endsWith('token') || n.endsWith('secret') || n.endsWith('password');
}

/** `url` with its user info and credential query values replaced by `***`; other text unchanged. */
export function redactUrl(url: string): string {
  return redactCredentials(url);
}

/**
 * Redacts every URL credential in free text: the user-info part of any `scheme://user[:pass]@host`
 * and the value of any credential-looking query parameter (`?api-key=`, `&token=`, `?sig=` …).
 */
export function redactCredentials(text: string): string {
  if (!text) return text;
  // scheme://user:pass@host → scheme://***@host (user info cannot contain '/', '?', '#', '@' or spaces)
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, `$1${REDACTED}@`);
  // ?name=value / &name=value where name looks like a credential
  out = out.replace(/([?&])([A-Za-z0-9_.-]+)=([^&#\s"'<>]*)/g, (whole, sep: string, name: string, value: string) =>
    isSecretParam(name) && value && value !== REDACTED ? `${sep}${name}=${REDACTED}` : whole,
  );
  return out;
}

/** True when the URL carries credentials that {@link redactUrl} would hide. */
export function hasUrlCredentials(url: string): boolean {
  return redactCredentials(url) !== url;
}
