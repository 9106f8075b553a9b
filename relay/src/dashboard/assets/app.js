// Codebolt relay dashboard: plain browser JavaScript, no dependencies, no inline code (the page's
// Content-Security-Policy allows only this origin's scripts). The token lives in sessionStorage
// (this tab only) and travels only in the Authorization header and the WebSocket subprotocol.

const TOKEN_KEY = 'codebolt.dashboard.token';
const ROLE_RANK = { viewer: 1, member: 2, admin: 3 };
const MAX_EVENTS = 100;
const MAX_LOG_CHARS = 200_000;
const LOG_POLL_MS = 2_000;
const KNOWN_LEASE_FIELDS = ['idleTimeoutMs', 'maxLifetimeMs', 'expiresAt'];

const $ = (id) => document.getElementById(id);
const view = {
  token: null,
  me: null,
  environments: new Map(),
  selected: null,
  socket: null,
  retryMs: 500,
  retryTimer: null,
  logOffset: 0,
  logTimer: null,
};

// ---- HTTP -------------------------------------------------------------------------------------

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { authorization: `Bearer ${view.token}`, ...(init.headers ?? {}) } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

const canDrive = () => view.me !== null && (view.me.operator || (ROLE_RANK[view.me.role] ?? 0) >= ROLE_RANK.member);

// ---- sign in / out ----------------------------------------------------------------------------

async function signIn(token) {
  view.token = token;
  try {
    view.me = await api('/v1/whoami');
  } catch (error) {
    signOut(error.status === 401 ? 'This token was refused (expired, revoked or mistyped).' : `Sign-in failed: ${error.message}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  $('login').hidden = true;
  $('app').hidden = false;
  $('sign-out').hidden = false;
  $('who').textContent = `${view.me.subject} · tenant ${view.me.tenant} · ${view.me.operator ? 'operator' : view.me.role}`;
  connectFeed();
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  view.token = null;
  view.me = null;
  clearTimeout(view.retryTimer);
  if (view.socket) {
    view.socket.onclose = null;
    view.socket.close();
    view.socket = null;
  }
  selectEnvironment(null);
  view.environments.clear();
  $('events').replaceChildren();
  $('app').hidden = true;
  $('login').hidden = false;
  $('sign-out').hidden = true;
  $('feed-status').hidden = true;
  $('who').textContent = '';
  $('login-error').textContent = message;
}

// ---- live feed (/v1/events) -------------------------------------------------------------------

function setFeedStatus(text, live) {
  const badge = $('feed-status');
  badge.hidden = false;
  badge.textContent = text;
  badge.classList.toggle('live', live);
}

function connectFeed() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/v1/events`, ['codebolt.v1', `bearer.${view.token}`]);
  view.socket = socket;
  setFeedStatus('connecting', false);
  socket.onopen = () => {
    view.retryMs = 500;
    setFeedStatus('live', true);
  };
  socket.onmessage = (message) => {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(frame);
  };
  socket.onclose = async () => {
    if (view.socket !== socket || view.token === null) return;
    setFeedStatus('reconnecting', false);
    // A refused token closes the handshake; ask the API why before trying again.
    try {
      await api('/v1/whoami');
    } catch (error) {
      if (error.status === 401) return signOut('Your token expired or was revoked; sign in again.');
    }
    view.retryTimer = setTimeout(connectFeed, view.retryMs);
    view.retryMs = Math.min(view.retryMs * 2, 10_000);
  };
}

function onEvent(frame) {
  const id = frame.env;
  const name = (id && view.environments.get(id)?.name) || id;
  switch (frame.type) {
    case 'env-snapshot':
      view.environments = new Map(frame.data.environments.map((environment) => [environment.id, environment]));
      addEvent(`feed connected: ${view.environments.size} environment(s)`);
      break;
    case 'env-state': {
      const environment = frame.data.environment;
      const before = view.environments.get(environment.id);
      view.environments.set(environment.id, environment);
      if (!before || before.state !== environment.state) addEvent(`${environment.name}: ${before ? `${before.state} → ` : 'created, '}${environment.state}`);
      break;
    }
    case 'env-deleted':
      addEvent(`${name}: deleted`);
      view.environments.delete(id);
      if (view.selected === id) selectEnvironment(null);
      break;
    case 'runtime-connected':
      addEvent(`${name}: runtime connected (generation ${frame.data.generation})`);
      break;
    case 'runtime-disconnected':
      addEvent(`${name}: runtime disconnected (${frame.data.reason})`);
      break;
    default:
      return;
  }
  render();
}

function addEvent(text) {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  const list = $('events');
  list.prepend(item);
  while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
}

// ---- table ------------------------------------------------------------------------------------

function formatMs(ms) {
  if (ms === null || ms === undefined) return null;
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}

function formatLease(lease) {
  if (!lease) return '—';
  const parts = [];
  if (formatMs(lease.idleTimeoutMs)) parts.push(`idle ${formatMs(lease.idleTimeoutMs)}`);
  if (formatMs(lease.maxLifetimeMs)) parts.push(`max ${formatMs(lease.maxLifetimeMs)}`);
  if (lease.expiresAt) parts.push(`expires ${new Date(lease.expiresAt).toLocaleString()}`);
  return parts.join(', ') || 'none';
}

/** What keeps the environment alive: any lease fields beyond the three basic ones, else its desired state. */
function formatKeptAlive(environment) {
  const extra = Object.entries(environment.lease ?? {}).filter(([key, value]) => !KNOWN_LEASE_FIELDS.includes(key) && value !== null && value !== undefined);
  if (extra.length > 0) return extra.map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`).join('; ');
  return environment.desiredState === 'running' ? 'desired state: running' : '—';
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function render() {
  const rows = [...view.environments.values()].sort((left, right) => left.createdAt.localeCompare(right.createdAt));
  const body = document.querySelector('#environments tbody');
  body.replaceChildren(
    ...rows.map((environment) => {
      const row = document.createElement('tr');
      row.dataset.id = environment.id;
      if (environment.id === view.selected) row.className = 'selected';
      const state = environment.state === environment.desiredState || environment.desiredState === 'deleted' ? environment.state : `${environment.state} → ${environment.desiredState}`;
      const stateCell = cell(state, `state state-${environment.state}`);
      if (environment.lastError) stateCell.title = `${environment.lastError.code}: ${environment.lastError.message}`;
      row.append(
        cell(environment.name, 'name'),
        cell(environment.id, 'muted'),
        cell(`${environment.provider.name} ${environment.provider.version}`),
        stateCell,
        cell(environment.runtime.connected ? `connected (v${environment.runtime.version ?? '?'}, gen ${environment.runtime.generation})` : 'not connected', 'runtime'),
        cell(formatLease(environment.lease), 'lease'),
        cell(formatKeptAlive(environment), 'kept-alive'),
        cell(environment.tenant),
      );
      const actions = cell('', 'actions');
      if (canDrive()) {
        for (const verb of ['start', 'stop', 'restart', 'delete']) {
          const button = document.createElement('button');
          button.type = 'button';
          button.dataset.action = verb;
          button.textContent = verb[0].toUpperCase() + verb.slice(1);
          if (verb === 'delete') button.className = 'danger';
          actions.append(button);
        }
      }
      row.append(actions);
      return row;
    }),
  );
  $('empty').hidden = rows.length > 0;
}

async function runAction(id, verb) {
  $('action-error').textContent = '';
  const environment = view.environments.get(id);
  if (verb === 'delete' && !confirm(`Delete ${environment?.name ?? id}? Its resource is destroyed.`)) return;
  try {
    if (verb === 'delete') await api(`/v1/environments/${encodeURIComponent(id)}`, { method: 'DELETE' });
    else await api(`/v1/environments/${encodeURIComponent(id)}/${verb}`, { method: 'POST' });
  } catch (error) {
    $('action-error').textContent = `${verb} ${environment?.name ?? id} failed: ${error.message}`;
  }
}

// ---- provider log of the selected environment -------------------------------------------------

function selectEnvironment(id) {
  clearTimeout(view.logTimer);
  view.selected = id;
  view.logOffset = 0;
  $('log').textContent = '';
  $('log-for').textContent = id ? `of ${view.environments.get(id)?.name ?? id}` : '(select an environment)';
  if (id) void pollLog(id);
  render();
}

async function pollLog(id) {
  try {
    const chunk = await api(`/v1/environments/${encodeURIComponent(id)}/logs?offset=${view.logOffset}`);
    if (view.selected !== id) return;
    const log = $('log');
    log.textContent = (log.textContent + chunk.content).slice(-MAX_LOG_CHARS);
    view.logOffset = chunk.nextOffset;
  } catch (error) {
    if (view.selected !== id) return;
    if (error.status === 404) return;
  }
  view.logTimer = setTimeout(() => void pollLog(id), LOG_POLL_MS);
}

// ---- wiring -----------------------------------------------------------------------------------

$('sign-in').addEventListener('click', () => {
  const token = $('token').value.trim();
  if (token) void signIn(token);
});
$('token').addEventListener('keydown', (event) => {
  if (event.key === 'Enter') $('sign-in').click();
});
$('sign-out').addEventListener('click', () => signOut());
document.querySelector('#environments tbody').addEventListener('click', (event) => {
  const row = event.target.closest('tr');
  if (!row) return;
  const button = event.target.closest('button[data-action]');
  if (button) void runAction(row.dataset.id, button.dataset.action);
  else selectEnvironment(row.dataset.id);
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void signIn(saved);
