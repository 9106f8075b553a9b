// The hosted app's backend: node:http, no framework. Local login (users.json, scrypt hashes),
// an embedded relay only this process holds the admin token of, short-lived tenant tokens per
// user (each user is its own tenant, role member), and the static page.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelay } from '@codebolt/relay';
import { verifyPassword } from './passwords.js';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Lifetime of a minted tenant token, seconds; the page asks for a new one before it expires. */
export const TENANT_TOKEN_TTL_SECONDS = 300;
const SESSION_COOKIE = 'hosted_session';
const MAX_BODY_BYTES = 16 * 1024;
const USER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** Request headers passed to the relay by the REST pass-through (never cookies). */
const FORWARDED_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'accept'];

/**
 * Starts the backend on `port` (0 = any) and an embedded relay (local provider) whose only allowed
 * browser origin is the backend's own. Returns `{ url, relayUrl, relay, close }`; `close` stops both.
 * Throws when users.json is missing or malformed.
 */
export async function startHostedApp({ port = 0, host = '127.0.0.1', dataDir, usersFile = join(ROOT, 'users.json'), pageFile = join(ROOT, 'dist/app.js'), relayPort = 0, relayOptions = {} }) {
  const users = parseUsers(JSON.parse(await readFile(usersFile, 'utf8')));
  const sessions = new Map(); // session id -> user name
  let relay;
  let adminToken;
  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
      console.error('hosted-app:', error.message);
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  const start = (listenPort) =>
    startRelay({
      port: listenPort,
      dataDir,
      providerPackages: [dirname(require.resolve('@codebolt/provider-local/package.json'))],
      allowedOrigins: [url],
      logLevel: 'warn',
      ...relayOptions,
    });
  relay = await start(relayPort);
  adminToken = (await readFile(relay.adminTokenPath, 'utf8')).trim();

  async function handle(request, response) {
    const path = new URL(request.url, url).pathname;
    if (path.startsWith('/relay/v1/')) return passThrough(request, response, path.slice('/relay'.length));
    if (request.method === 'GET' && path === '/') {
      // The page may talk to this origin and, for the live channel, to the relay's WebSocket only.
      const relayWebSocket = relay.url.replace(/^http/, 'ws');
      response.setHeader('content-security-policy', `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self' ${relayWebSocket}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
      return sendFile(response, join(ROOT, 'public/index.html'), 'text/html; charset=utf-8');
    }
    if (request.method === 'GET' && path === '/app.js') return sendFile(response, pageFile, 'text/javascript; charset=utf-8');
    if (request.method === 'POST' && path === '/login') return login(request, response);
    if (request.method === 'POST' && path === '/logout') {
      sessions.delete(sessionId(request));
      response.setHeader('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return sendJson(response, 200, {});
    }
    const user = sessions.get(sessionId(request));
    if (request.method === 'GET' && path === '/api/session') return user ? sendJson(response, 200, { user, relayUrl: relay.url }) : sendJson(response, 401, { error: 'sign in first' });
    if (request.method === 'POST' && path === '/api/token') {
      if (!user) return sendJson(response, 401, { error: 'sign in first' });
      return sendJson(response, 200, await mintToken(user));
    }
    sendJson(response, 404, { error: 'not found' });
  }

  async function login(request, response) {
    let body;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      return sendJson(response, 400, { error: 'send JSON { "user", "password" }' });
    }
    const name = typeof body?.user === 'string' ? body.user : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const stored = users.get(name);
    if (!stored || !(await verifyPassword(password, stored))) return sendJson(response, 401, { error: 'wrong user name or password' });
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, name);
    response.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`);
    sendJson(response, 200, { user: name });
  }

  /** Mints a member token for the user's own tenant through the relay's POST /v1/tokens (admin token). */
  async function mintToken(user) {
    const answer = await fetch(`${relay.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: user, role: 'member', ttlSeconds: TENANT_TOKEN_TTL_SECONDS, subject: `user:${user}` }),
    });
    if (answer.status !== 201) throw new Error(`the relay refused to mint a token (HTTP ${answer.status})`);
    const { token, expiresAt } = await answer.json();
    return { token, expiresAt };
  }

  /**
   * Same-origin pass-through for the relay's REST API: the relay sends no CORS headers, so the
   * page's `fetch` goes here with the user's own bearer token, forwarded unchanged (cookies are not).
   * The live channel (WebSocket) goes to the relay directly.
   */
  function passThrough(request, response, relayPath) {
    const target = new URL(relay.url);
    const headers = {};
    for (const name of FORWARDED_HEADERS) if (request.headers[name] !== undefined) headers[name] = request.headers[name];
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: relayPath + new URL(request.url, url).search, headers }, (answer) => {
      answer.on('error', () => response.destroy());
      const forwarded = {};
      for (const name of ['content-type', 'retry-after']) if (answer.headers[name] !== undefined) forwarded[name] = answer.headers[name];
      response.writeHead(answer.statusCode ?? 502, forwarded);
      answer.pipe(response);
    });
    upstream.on('error', () => {
      if (!response.headersSent) sendJson(response, 502, { error: { code: 'unavailable', message: 'the relay is not reachable; retry shortly' } });
      else response.destroy();
    });
    request.on('error', () => upstream.destroy());
    request.pipe(upstream);
  }

  return {
    url,
    get relayUrl() {
      return relay.url;
    },
    get relay() {
      return relay;
    },
    /** Stops the relay and starts it again on the same port and data dir (for the restart test). */
    async restartRelay() {
      const relayUrl = new URL(relay.url);
      await relay.close();
      relay = await start(Number(relayUrl.port));
      adminToken = (await readFile(relay.adminTokenPath, 'utf8')).trim();
    },
    async close() {
      await new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      });
      await relay.close();
    },
  };
}

function parseUsers(config) {
  if (!Array.isArray(config?.users)) throw new Error('users.json must be { "users": [{ "name", "passwordHash" }] }');
  const users = new Map();
  for (const entry of config.users) {
    if (!USER_NAME.test(entry?.name ?? '') || typeof entry.passwordHash !== 'string') throw new Error('each user in users.json needs a lower-case "name" and a "passwordHash" (node src/passwords.js <password>)');
    users.set(entry.name, entry.passwordHash);
  }
  return users;
}

function sessionId(request) {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value) return value;
  }
  return undefined;
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let body = '';
    request.on('error', reject);
    request.on('data', (chunk) => {
      body += chunk;
      if (body.length > MAX_BODY_BYTES) reject(new Error('body too large'));
    });
    request.on('end', () => resolve(body));
  });
}

async function sendFile(response, file, type) {
  const content = await readFile(file);
  response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
  response.end(content);
}

function sendJson(response, status, value) {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}
