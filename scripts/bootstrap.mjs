#!/usr/bin/env node
// Makes a fresh clone runnable: installs pnpm if missing, installs the workspace, builds it.
// Used by the root `start`, `test` and `build` scripts so that `npm start` / `npm test` work on a
// machine that has only Node 20 and npm. Idempotent and quick when everything is up to date.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';
const noBuild = process.argv.includes('--no-build');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`bootstrap: '${cmd} ${args.join(' ')}' failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function hasPnpm() {
  try {
    execFileSync('pnpm', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!hasPnpm()) {
  console.error(`bootstrap: pnpm not found; installing pnpm@${PNPM_VERSION} with 'npm install -g'`);
  const r = spawnSync('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`], { stdio: 'inherit' });
  if (r.status !== 0 || !hasPnpm()) {
    console.error(`bootstrap: could not install pnpm. Install it yourself ('npm install -g pnpm@${PNPM_VERSION}') and run this again.`);
    process.exit(1);
  }
}

const frozen = process.env.CI && existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
run('pnpm', ['install', '--reporter=append-only', ...frozen]);
if (!noBuild) run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
