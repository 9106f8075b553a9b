import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/**
 * The dashboard's static files, served without authentication (they hold no data: the page asks
 * for a token and then talks to the authenticated API). Shipped in the relay package: the build
 * copies `src/dashboard/assets/` to `dist/assets/`, which is `./assets/` from this module in both
 * layouts (the bundle is `dist/index.js`).
 */
export const DASHBOARD_FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8' },
  '/dashboard/icon.svg': { file: 'icon.svg', contentType: 'image/svg+xml' },
};

/**
 * Headers on every dashboard file: a strict Content-Security-Policy (only this origin's script,
 * style and connections; no inline code, no plugins, no framing, no form posts), framing refused
 * twice (CSP `frame-ancestors` and `X-Frame-Options`), no MIME sniffing, no referrer.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const ASSETS_DIR = new URL('./assets/', import.meta.url);
const cache = new Map<string, Buffer>();

/** True when `GET pathname` is a dashboard file. */
export function isDashboardPath(method: string, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && Object.hasOwn(DASHBOARD_FILES, pathname);
}

/** Sends a dashboard file (read once, then kept in memory). Call only when isDashboardPath is true. */
export async function sendDashboardFile(method: string, pathname: string, response: ServerResponse): Promise<void> {
  const entry = DASHBOARD_FILES[pathname]!;
  let body = cache.get(entry.file);
  if (!body) {
    body = await readFile(new URL(entry.file, ASSETS_DIR));
    cache.set(entry.file, body);
  }
  response.writeHead(200, { ...DASHBOARD_HEADERS, 'content-type': entry.contentType, 'content-length': body.length });
  response.end(method === 'HEAD' ? undefined : body);
}
