import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@codebolt/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../examples/hosted-app/src/build-page.js';
import { type HostedApp, startHostedApp } from '../examples/hosted-app/src/hosted-app.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { runtimeProcessesUnder } from './support/processes.js';

const SCREENSHOTS = resolve(fileURLToPath(import.meta.url), '../../.test-results/screenshots');
const PASSWORDS: Record<string, string> = { alice: 'alice-demo-password', bob: 'bob-demo-password' };

/** Signs `user` in on a fresh browser context and waits until the page has its environment and channel. */
async function signIn(browser: Browser, url: string, user: string, problems: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => problems.push(`${user}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`${user}: ${message.text()} ${message.location().url}`);
  });
  const response = await page.goto(`${url}/`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
  await page.fill('#user', user);
  await page.fill('#password', PASSWORDS[user]!);
  await page.click('#login');
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 120_000 });
  return page;
}

describe.skipIf(!chromiumAvailable)('examples/hosted-app in headless Chromium', () => {
  let root: string | undefined;
  let app: HostedApp | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    await buildPage();
    root = await mkdtemp(join(tmpdir(), 'codebolt-hosted-'));
    app = await startHostedApp({ dataDir: join(root, 'data') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    const problems: string[] = [];
    await browser?.close();
    if (app) {
      try {
        // Every environment this test made is deleted through the relay (admin token, all tenants).
        const admin = createClient({ url: app.relayUrl, token: (await readFile(app.relay.adminTokenPath, 'utf8')).trim() });
        for (const environment of await admin.environments.list()) {
          await admin.environments.delete(environment.id);
          await admin.environments.waitForDeleted(environment.id, { timeoutMs: 90_000 });
        }
      } finally {
        await app.close();
      }
    }
    if (root) {
      const leaked = await runtimeProcessesUnder(root);
      for (const pid of leaked) process.kill(pid, 'SIGKILL');
      if (leaked.length > 0) problems.push(`runtime processes left behind: ${leaked.join(', ')}`);
      await rm(root, { recursive: true, force: true });
    }
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  it('rejects a wrong password', async () => {
    const answer = await fetch(`${app!.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'alice', password: 'wrong' }) });
    expect(answer.status).toBe(401);
    expect((await fetch(`${app!.url}/api/token`, { method: 'POST' })).status).toBe(401);
  });

  it('gives each user its own environment, streams a command, writes a file and shows the diff', async () => {
    const problems: string[] = [];
    const alice = await signIn(browser!, app!.url, 'alice', problems);
    const bob = await signIn(browser!, app!.url, 'bob', problems);
    const aliceEnvironment = (await alice.locator('#env-id').textContent())!;
    const bobEnvironment = (await bob.locator('#env-id').textContent())!;
    expect(aliceEnvironment).toMatch(/^env_/);
    expect(bobEnvironment).not.toBe(aliceEnvironment);
    // Each page lists only its own user's environment.
    expect(await alice.locator('#env-list li').allTextContents()).toEqual([`workspace ${aliceEnvironment}`]);
    expect(await bob.locator('#env-list li').allTextContents()).toEqual([`workspace ${bobEnvironment}`]);

    // The relay sees two tenants, one environment each.
    const admin = createClient({ url: app!.relayUrl, token: (await readFile(app!.relay.adminTokenPath, 'utf8')).trim() });
    const all = await admin.environments.list();
    expect(all.map((environment) => [environment.tenant, environment.id]).sort()).toEqual([['alice', aliceEnvironment], ['bob', bobEnvironment]].sort());

    // Bob's own token (minted by the backend for his session) cannot reach alice's environment.
    const login = await fetch(`${app!.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'bob', password: PASSWORDS.bob }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const minted = (await (await fetch(`${app!.url}/api/token`, { method: 'POST', headers: { cookie } })).json()) as { token: string };
    const bobClient = createClient({ url: app!.relayUrl, token: minted.token });
    expect((await bobClient.environments.list()).map((environment) => environment.id)).toEqual([bobEnvironment]);
    await expect(bobClient.environments.get(aliceEnvironment)).rejects.toMatchObject({ code: 'environment-not-found' });

    // Output streams: the first line shows while the command is still running.
    await alice.fill('#command', 'echo line-1; i=0; while [ ! -f go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; rm -f go; echo line-2');
    await alice.click('#run');
    await alice.locator('#output').filter({ hasText: 'line-1' }).waitFor({ timeout: 60_000 });
    expect(await alice.locator('#exit').textContent()).toBe('running');
    expect(await alice.locator('#output').textContent()).not.toContain('line-2');
    await admin.connect(aliceEnvironment).then(async (channel) => {
      await channel.fs.write('go', '');
      channel.close();
    });
    await alice.locator('#exit').filter({ hasText: 'exit 0' }).waitFor({ timeout: 60_000 });
    expect(await alice.locator('#output').textContent()).toBe('line-1\nline-2\n');

    // A file written from the page shows up in the diff.
    await alice.fill('#file-path', 'notes.txt');
    await alice.fill('#file-content', 'hello from alice\n');
    await alice.click('#save');
    await alice.locator('#diff').filter({ hasText: '+hello from alice' }).waitFor({ timeout: 60_000 });
    expect(await alice.locator('#diff').textContent()).toContain('added notes.txt');
    await alice.screenshot({ path: join(SCREENSHOTS, 'hosted-app-alice.png'), fullPage: true });

    // Signing in again reuses the environment instead of creating another one.
    const aliceAgain = await signIn(browser!, app!.url, 'alice', problems);
    expect(await aliceAgain.locator('#env-id').textContent()).toBe(aliceEnvironment);
    expect(await admin.environments.list()).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it('recovers on its own when the relay restarts in the middle of a streaming command', async () => {
    const problems: string[] = [];
    const alice = await signIn(browser!, app!.url, 'alice', problems);
    const environmentId = (await alice.locator('#env-id').textContent())!;
    await alice.fill('#command', 'echo before; i=0; while [ ! -f go2 ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done; rm -f go2; echo after');
    await alice.click('#run');
    await alice.locator('#output').filter({ hasText: 'before' }).waitFor({ timeout: 60_000 });

    await app!.restartRelay();
    // The SDK reconnects and resumes the channel by itself; the page only shows what it reports.
    await alice.locator('#channel-status').filter({ hasText: /^resumed$/ }).waitFor({ timeout: 90_000 });
    const admin = createClient({ url: app!.relayUrl, token: (await readFile(app!.relay.adminTokenPath, 'utf8')).trim() });
    await admin.environments.waitFor(environmentId, ['running'], { timeoutMs: 90_000 });
    const channel = await admin.connect(environmentId);
    await channel.fs.write('go2', '');
    channel.close();
    await alice.locator('#exit').filter({ hasText: 'exit 0' }).waitFor({ timeout: 90_000 });
    expect(await alice.locator('#output').textContent()).toBe('before\nafter\n');
    // A reconnect attempt that lands while the relay is down is logged by the browser; that is expected here;
    // errors thrown by the page's own script are not.
    expect(problems.filter((problem) => !problem.includes('ERR_CONNECTION_REFUSED') && !problem.includes('WebSocket'))).toEqual([]);
  });
});
