#!/usr/bin/env node
// Runs every test (package unit tests and the cross-process suites in test/) with one vitest
// invocation and prints a closing line "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.test-results');
mkdirSync(outDir, { recursive: true });
const jsonFile = join(outDir, 'vitest.json');
const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...process.argv.slice(2)];
const result = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit' });
let summary = 'tests: no result file written';
try {
  const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  summary = `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`;
  if (report.numTotalTests === 0) {
    console.log(summary);
    console.error('tests: no test ran');
    process.exit(1);
  }
} catch {}
console.log(summary);
process.exit(result.status ?? 1);
