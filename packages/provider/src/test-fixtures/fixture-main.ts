#!/usr/bin/env node
// Runs FixtureProvider the way a provider's main file does. Test knobs come from env:
// FIXTURE_DIR (required), FIXTURE_HEARTBEAT_MS, FIXTURE_RECONNECT_TIMEOUT_MS.
import { CodeboltError } from '@codebolt/protocol';
import { runProvider } from '../run-provider.js';
import { FixtureProvider } from './fixture-provider.js';

const dir = process.env.FIXTURE_DIR;
if (dir === undefined) {
  process.stderr.write('fixture: FIXTURE_DIR is not set\n');
  process.exit(2);
}
const optionalNumber = (name: string): number | undefined => (process.env[name] === undefined ? undefined : Number(process.env[name]));

runProvider(new FixtureProvider(dir), {
  heartbeatIntervalMs: optionalNumber('FIXTURE_HEARTBEAT_MS'),
  reconnectTimeoutMs: optionalNumber('FIXTURE_RECONNECT_TIMEOUT_MS'),
}).then(
  () => process.exit(0),
  (error: unknown) => {
    const failure = CodeboltError.from(error, error instanceof Error ? error.message : String(error));
    process.stderr.write(`fixture provider: ${failure.code}: ${failure.message}\n`);
    process.exit(failure.code === 'invalid-config' ? 2 : 1);
  },
);
