// Test provider: says it is misconfigured the way runProviderMain does (one line, exit code 2), every time.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

appendFileSync(join(process.env.CODEBOLT_HOME, 'misconfigured-spawns.txt'), `${Date.now()}\n`);
console.error('codebolt provider misconfigured: invalid-config: SOME_SETTING is not set');
process.exit(2);
