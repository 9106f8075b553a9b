import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const fixtureDir = fileURLToPath(new URL('../test-fixtures/leaky-provider/', import.meta.url));
const vitestBin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
let outDir: string | undefined;

afterEach(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
  outDir = undefined;
});

interface AssertionResult {
  title: string;
  status: string;
  failureMessages: string[];
}

/** Runs the conformance kit (from dist/) in a child vitest against a provider that leaks on purpose. */
async function runKitOnLeakyProvider(): Promise<Map<string, AssertionResult>> {
  outDir = await mkdtemp(join(tmpdir(), 'codebolt-kit-selftest-'));
  const report = join(outDir, 'report.json');
  const child = spawn(process.execPath, [vitestBin, 'run', '--config', 'vitest.config.mjs', '--reporter=json', `--outputFile=${report}`], {
    cwd: fixtureDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  expect(code, output).toBe(1);
  const results = JSON.parse(await readFile(report, 'utf8')) as { testResults: Array<{ assertionResults: AssertionResult[] }> };
  return new Map(results.testResults.flatMap((file) => file.assertionResults).map((result) => [result.title, result]));
}

describe('the conformance kit', () => {
  it('fails a provider whose destroy leaves things behind, whose list reports extra resources, and that accepts a bad config', async () => {
    const results = await runKitOnLeakyProvider();
    const failure = (title: string) => {
      const result = results.get(title);
      expect(result?.status, `${title}: ${JSON.stringify(result)}`).toBe('failed');
      return result!.failureMessages.join('\n');
    };

    expect(failure('destroy leaves nothing behind in the backend')).toContain('expected true to be false');
    expect(failure('list returns exactly the resources this test made')).toMatch(/list-a', …\(2\) \] to deeply equal \[ 'cf-[0-9a-f]{8}-list-a', …\(1\) \]/);
    expect(failure('a bad config is refused with invalid-config naming "nope"')).toContain('CodeboltError');
    // Every test's cleanup asks the backend after destroy, so even a test whose own checks pass fails.
    const cleanup = failure('create: the runtime dials back with its token and exec works');
    expect(cleanup).toContain('conformance cleanup failed');
    expect(cleanup).toMatch(/check that cf-[0-9a-f]{8}-create is gone from the backend: it is still there after destroy/);
  });
});
