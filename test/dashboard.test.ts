import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { cliJson, runCli } from './support/cli.js';
import { type RelaySession, startRelaySession } from './support/relay-session.js';

const SCREENSHOTS = resolve(fileURLToPath(import.meta.url), '../../.test-results/screenshots');
const TOKEN_KEY = 'codebolt.dashboard.token';

interface Environment {
  id: string;
  state: string;
  runtime: { connected: boolean; generation: number };
}

/** Opens the dashboard in a fresh browser context and signs in with `token` by pasting it. */
async function signIn(browser: Browser, url: string, token: string, problems: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  const response = await page.goto(`${url}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  await page.fill('#token', token);
  await page.click('#sign-in');
  await page.locator('#feed-status.live').waitFor();
  // The token stays in this tab's session storage, never in the address bar.
  expect(page.url()).toBe(`${url}/`);
  expect(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBe(token);
  return page;
}

const row = (page: Page, id: string) => page.locator(`#environments tbody tr[data-id="${id}"]`);
const waitForCell = (page: Page, id: string, cell: string, text: string | RegExp) => row(page, id).locator(`td.${cell}`).filter({ hasText: text }).waitFor({ timeout: 90_000 });

describe.skipIf(!chromiumAvailable)('dashboard in headless Chromium', () => {
  let session: RelaySession | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    session = await startRelaySession();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await session?.dispose();
  });

  it('shows an environment appear and change state live, its buttons work, and a viewer gets no buttons', async () => {
    const { relay, env, dataDir } = session!;
    const adminToken = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const problems: string[] = [];
    const admin = await signIn(browser!, relay.url, adminToken, problems);
    await admin.locator('#empty').waitFor();

    // Created elsewhere (the CLI, not waiting): the row appears and reaches running without a reload.
    const created = await cliJson<Environment>(['env', 'create', 'dash-one', '--provider', 'local', '--no-wait'], env);
    await row(admin, created.id).waitFor();
    await waitForCell(admin, created.id, 'state', /^running$/);
    await waitForCell(admin, created.id, 'runtime', /^connected/);
    expect(await row(admin, created.id).locator('td.lease').textContent()).toBe('none');
    await admin.screenshot({ path: join(SCREENSHOTS, 'dashboard-1-running.png'), fullPage: true });

    // A stop from the CLI shows up live.
    expect((await runCli(['env', 'stop', created.id], env)).code).toBe(0);
    await waitForCell(admin, created.id, 'state', /^stopped$/);
    await waitForCell(admin, created.id, 'runtime', 'not connected');
    await admin.screenshot({ path: join(SCREENSHOTS, 'dashboard-2-stopped.png'), fullPage: true });

    // The Start button starts it.
    await row(admin, created.id).locator('button[data-action="start"]').click();
    await waitForCell(admin, created.id, 'state', /^running$/);
    await waitForCell(admin, created.id, 'runtime', /^connected/);
    const started = await cliJson<Environment>(['env', 'get', created.id], env);
    expect(started.state).toBe('running');

    // The Restart button brings up a new runtime generation.
    await row(admin, created.id).locator('button[data-action="restart"]').click();
    await admin.locator('#events li').filter({ hasText: `runtime connected (generation ${started.runtime.generation + 2})` }).waitFor({ timeout: 90_000 });
    await waitForCell(admin, created.id, 'state', /^running$/);
    expect((await cliJson<Environment>(['env', 'get', created.id], env)).runtime.generation).toBe(started.runtime.generation + 2);

    // Selecting the row shows its provider log, as the API serves it.
    await row(admin, created.id).locator('td.name').click();
    const log = await cliJson<{ content: string }>(['env', 'logs', created.id], env);
    if (log.content.length > 0) await admin.locator('#log').filter({ hasText: log.content.split('\n')[0]! }).waitFor();
    await admin.screenshot({ path: join(SCREENSHOTS, 'dashboard-3-restarted.png'), fullPage: true });

    // A viewer sees the environment live but no buttons.
    const viewerToken = (await cliJson<{ token: string }>(['token', 'create', '--tenant', 'default', '--role', 'viewer', '--ttl', '10m'], env)).token;
    const viewer = await signIn(browser!, relay.url, viewerToken, problems);
    await waitForCell(viewer, created.id, 'state', /^running$/);
    expect(await viewer.locator('#environments button').count()).toBe(0);
    expect(await admin.locator(`#environments tbody tr[data-id="${created.id}"] button`).count()).toBe(4);
    await viewer.screenshot({ path: join(SCREENSHOTS, 'dashboard-4-viewer.png'), fullPage: true });

    // The Delete button (after the confirmation) deletes it; both pages see it go.
    admin.once('dialog', (dialog) => void dialog.accept());
    await row(admin, created.id).locator('button[data-action="delete"]').click();
    await row(admin, created.id).waitFor({ state: 'detached', timeout: 90_000 });
    await row(viewer, created.id).waitFor({ state: 'detached', timeout: 90_000 });
    expect((await runCli(['env', 'get', created.id], env)).code).not.toBe(0);
    await viewer.locator('#events li').filter({ hasText: 'dash-one: deleted' }).waitFor();
    await admin.screenshot({ path: join(SCREENSHOTS, 'dashboard-5-deleted.png'), fullPage: true });

    // Signing out forgets the token.
    await admin.click('#sign-out');
    expect(await admin.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)).toBeNull();
    await admin.locator('#login').waitFor();

    // No script error and no Content-Security-Policy violation on either page.
    expect(problems).toEqual([]);
  });

  it('recovers its live feed by itself after a relay restart', async () => {
    const { dataDir } = session!;
    const adminToken = (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
    const problems: string[] = [];
    const page = await signIn(browser!, session!.relay.url, adminToken, problems);
    const created = await cliJson<Environment>(['env', 'create', 'dash-two', '--provider', 'local'], session!.env);
    await waitForCell(page, created.id, 'state', /^running$/);

    await session!.restart();
    // Same port: the page reconnects on its own and follows changes made after the restart.
    await page.locator('#feed-status.live').waitFor({ timeout: 90_000 });
    expect((await runCli(['env', 'stop', created.id], session!.env)).code).toBe(0);
    await waitForCell(page, created.id, 'state', /^stopped$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-6-after-relay-restart.png'), fullPage: true });
    // While the relay shut down (503) and was down (refused) the page's probes failed; nothing else may have.
    const outage = /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|status of 503|^503 .*\/v1\/whoami$/;
    expect(problems.filter((problem) => !outage.test(problem))).toEqual([]);
  });
});
