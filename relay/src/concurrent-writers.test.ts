import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RelayFixture, startRelayFixture } from './test-support/relay-fixture.js';

const PROVIDERS = fileURLToPath(new URL('./test-support/providers/', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 8;

// One client process: creates PER_PROCESS environments as fast as it can, stopping each right
// after its create (two store commits per environment), and prints the ids it was given.
const CLIENT = `
const { RELAY_URL, RELAY_TOKEN, PREFIX, COUNT } = process.env;
const call = async (path, body) => {
  const response = await fetch(RELAY_URL + path, { method: 'POST', headers: { authorization: 'Bearer ' + RELAY_TOKEN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const value = await response.json();
  if (response.status >= 300) throw new Error(path + ' -> ' + response.status + ' ' + JSON.stringify(value));
  return value;
};
const ids = [];
for (let index = 0; index < Number(COUNT); index++) {
  const { id } = await call('/v1/environments', { name: PREFIX + '-' + index, provider: 'silent' });
  await call('/v1/environments/' + id + '/stop', {});
  ids.push(id);
}
process.stdout.write(JSON.stringify(ids));
`;

function runClient(fixture: RelayFixture, prefix: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT], {
      env: { ...process.env, RELAY_URL: fixture.relay.url, RELAY_TOKEN: fixture.adminToken, PREFIX: prefix, COUNT: String(PER_PROCESS) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(`client ${prefix} exited ${code}: ${stderr}`))));
  });
}

let fixture: RelayFixture;
beforeEach(async () => {
  fixture = await startRelayFixture({ providerPackages: [join(PROVIDERS, 'silent')], providerRegisterTimeoutMs: 1_000 });
});
afterEach(async () => {
  await fixture.close();
});

describe('four processes hammering the API', () => {
  it('loses no update: every create and every stop from every process is in memory and on disk', async () => {
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, index) => runClient(fixture, `p${index}`)));
    const created = results.flat();
    expect(new Set(created).size).toBe(PROCESSES * PER_PROCESS);

    const listed = ((await (await fixture.api('/v1/environments')).json()) as { environments: Array<{ id: string; name: string; desiredState: string }> }).environments;
    expect(listed.map((environment) => environment.id).sort()).toEqual([...created].sort());
    expect(listed.every((environment) => environment.desiredState === 'stopped')).toBe(true);

    const onDisk = JSON.parse(await readFile(join(fixture.dataDir, 'environments.json'), 'utf8')) as { environments: Array<{ id: string; name: string; desiredState: string }> };
    expect(onDisk.environments.map((record) => record.id).sort()).toEqual([...created].sort());
    expect(onDisk.environments.filter((record) => record.desiredState !== 'stopped')).toEqual([]);
    expect(onDisk.environments.map((record) => record.name).sort()).toEqual(
      Array.from({ length: PROCESSES }, (_, process) => Array.from({ length: PER_PROCESS }, (_, index) => `p${process}-${index}`)).flat().sort(),
    );
  });
});
