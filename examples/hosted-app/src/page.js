// The page's script (bundled for the browser by src/build-page.js). Signs in against the backend,
// gets short-lived tenant tokens from it, and uses @codebolt/sdk to create or reuse this user's
// environment, run commands with streamed output, write a file and show the diff.
import { createClient } from '@codebolt/sdk';

const ENVIRONMENT_NAME = 'workspace';
/** Ask for a new token this long before the current one expires, ms. */
const REFRESH_MARGIN_MS = 60_000;
const $ = (id) => document.getElementById(id);
const decoder = new TextDecoder();
let channel;

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: $('user').value, password: $('password').value }) });
  if (!answer.ok) {
    $('login-error').textContent = (await answer.json()).error;
    return;
  }
  await start();
});

/** Resolves a token, minting a new one through the backend when none is cached or it is about to expire. */
function tokenSource() {
  let cached;
  return async () => {
    if (!cached || Date.parse(cached.expiresAt) - Date.now() < REFRESH_MARGIN_MS) {
      const answer = await fetch('/api/token', { method: 'POST' });
      if (!answer.ok) throw new Error('signed out; sign in again');
      cached = await answer.json();
    }
    return cached.token;
  };
}

async function start() {
  const session = await (await fetch('/api/session')).json();
  $('login-form').hidden = true;
  $('app').hidden = false;
  $('who').textContent = session.user;
  const relayUrl = session.relayUrl;
  // REST goes through the backend's same-origin pass-through (the relay sends no CORS headers);
  // the live channel goes to the relay directly, the token in the WebSocket subprotocol.
  const client = createClient({
    url: relayUrl,
    getToken: tokenSource(),
    fetch: (input, init) => fetch(input.replace(relayUrl, `${location.origin}/relay`), init),
  });
  const mine = await client.environments.list();
  $('env-list').replaceChildren(...mine.map((environment) => Object.assign(document.createElement('li'), { textContent: `${environment.name} ${environment.id}` })));
  const existing = mine.find((environment) => environment.name === ENVIRONMENT_NAME && environment.state !== 'deleting');
  const created = existing ?? (await client.environments.create({ name: ENVIRONMENT_NAME, provider: 'local' }, { idempotencyKey: `${session.user}-${ENVIRONMENT_NAME}` }));
  $('env-id').textContent = created.id;
  if (!existing) $('env-list').append(Object.assign(document.createElement('li'), { textContent: `${created.name} ${created.id}` }));
  if (created.state !== 'running') await client.environments.start(created.id).catch(() => undefined);
  const environment = await client.environments.waitFor(created.id, ['running'], { timeoutMs: 120_000 });
  $('env-state').textContent = environment.state;
  channel = await client.connect(environment.id);
  $('channel-status').textContent = 'connected';
  channel.on('reconnecting', () => ($('channel-status').textContent = 'reconnecting'));
  channel.on('resumed', () => ($('channel-status').textContent = 'resumed'));
  document.body.dataset.ready = 'true';
}

$('run-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('output').textContent = '';
  $('exit').textContent = 'running';
  const handle = channel.exec('sh', ['-c', $('command').value]);
  for await (const chunk of handle.output) $('output').textContent += decoder.decode(chunk.data, { stream: true });
  const exit = await handle.exit;
  $('exit').textContent = `exit ${exit.code}`;
});

$('file-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await channel.fs.write($('file-path').value, $('file-content').value);
  const { diff, files } = await channel.diff();
  $('diff').textContent = `${files.map((file) => `${file.status} ${file.path}`).join('\n')}\n\n${diff}`;
});

window.addEventListener('unhandledrejection', (event) => ($('error').textContent = String(event.reason?.message ?? event.reason)));
