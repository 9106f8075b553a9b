import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// The control program as the provider runs it on a host: the built bundle, one JSON request on stdin.
const CONTROL = fileURLToPath(new URL('../../dist/remote/control.mjs', import.meta.url));

function control(request: unknown): Promise<{ ok: boolean; code?: string; message?: string; data?: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONTROL], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.on('error', reject);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`control exited ${code}: ${stdout}`))));
    child.stdin.end(typeof request === 'string' ? request : JSON.stringify(request));
  });
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'codebolt-control-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('the control program', () => {
  it('answers a malformed request with bad-request and does nothing', async () => {
    expect(await control('not json')).toMatchObject({ ok: false, code: 'bad-request' });
    expect(await control({ command: 'destroy', envDir: '/tmp/../etc', installationId: 'i', stopTimeoutMs: 1 })).toMatchObject({ ok: false, code: 'bad-request' });
  });

  it('never removes a directory this installation did not make, and lists only its own', async () => {
    const installations = join(root, 'installations');
    const foreign = join(installations, 'mine', 'env-foreign');
    await mkdir(join(foreign, 'workspace'), { recursive: true });
    await writeFile(join(foreign, 'workspace', 'precious.txt'), 'not yours');
    const other = join(installations, 'mine', 'env-other');
    await mkdir(join(other, 'workspace'), { recursive: true });
    await writeFile(join(other, 'resource.json'), JSON.stringify({ installationId: 'theirs', environmentId: 'env-other', creationToken: 'ct', createdAt: new Date().toISOString() }));

    for (const envDir of [foreign, other]) {
      const answer = await control({ command: 'destroy', envDir, installationId: 'mine', stopTimeoutMs: 1000 });
      expect(answer).toMatchObject({ ok: false, code: 'conflict' });
      expect(answer.message).toContain('left untouched');
    }
    expect((await readdir(join(installations, 'mine'))).sort()).toEqual(['env-foreign', 'env-other']);
    expect(await control({ command: 'list', installationDir: join(installations, 'mine'), installationId: 'mine' })).toEqual({ ok: true, data: { resources: [] } });
    expect(await control({ command: 'status', envDir: other, installationId: 'mine' })).toMatchObject({ ok: true, data: { status: 'gone' } });
  });
});
