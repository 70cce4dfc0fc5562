/**
 * The app's Content-Security-Policy, shared by both shells (no Electron import). Scripts only from the
 * app itself; inline style attributes are allowed because Vue and the virtualised lists position
 * elements with them; `connect` lists what the page may talk to beyond `'self'` (the browser
 * shell's WebSocket origin, Vite's HMR socket in development).
 */
export function contentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connect].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
