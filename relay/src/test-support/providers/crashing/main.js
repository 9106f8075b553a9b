// Test provider: records what it was given (env keys, argv, whether the secret came through env) and exits 3.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

writeFileSync(
  join(process.env.CODEBOLT_HOME, 'crashing-provider-report.json'),
  JSON.stringify({ envKeys: Object.keys(process.env).sort(), argv: process.argv, hasToken: Boolean(process.env.CODEBOLT_PROVIDER_TOKEN), token: process.env.CODEBOLT_PROVIDER_TOKEN }),
);
console.error('crashing provider: exiting on purpose');
process.exit(3);
