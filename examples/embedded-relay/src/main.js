// Embeds a relay in this process, provisions one local runtime through the SDK, runs a command in
// it, reads back a file, deletes the environment and exits 0. Run: pnpm --filter @codebolt/example-embedded-relay start
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startRelay } from '@codebolt/relay';
import { createClient } from '@codebolt/sdk';

const require = createRequire(import.meta.url);
const dataDir = await mkdtemp(join(tmpdir(), 'codebolt-example-'));
const relay = await startRelay({
  port: 0,
  dataDir,
  providerPackages: [dirname(require.resolve('@codebolt/provider-local/package.json'))],
  logLevel: 'warn',
});
try {
  const client = createClient({ url: relay.url, token: (await readFile(relay.adminTokenPath, 'utf8')).trim() });
  const created = await client.environments.create({ name: 'example', provider: 'local' });
  const environment = await client.environments.waitFor(created.id, ['running'], { timeoutMs: 60_000 });
  console.log(`environment ${environment.id} is ${environment.state} (resource ${environment.resourceId})`);

  const channel = await client.connect(environment.id);
  await channel.fs.write('greeting.txt', 'hello from the example\n');
  const exec = channel.exec('sh', ['-c', 'cat greeting.txt; uname -s']);
  for await (const chunk of exec.output) process.stdout.write(chunk.data);
  const exit = await exec.exit;
  console.log(`exit code ${exit.code}`);
  const diff = await channel.diff();
  console.log(`changed files: ${diff.files.map((file) => `${file.status} ${file.path}`).join(', ')}`);
  channel.close();

  await client.environments.delete(environment.id);
  await client.environments.waitForDeleted(environment.id, { timeoutMs: 60_000 });
  console.log('deleted; example done');
  if (exit.code !== 0) process.exitCode = 1;
} finally {
  await relay.close();
  await rm(dataDir, { recursive: true, force: true });
}
