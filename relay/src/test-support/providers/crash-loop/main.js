// Test provider: exits at once with code 1, every time. Before that it appends the time to
// <CODEBOLT_HOME>/crash-loop-spawns.txt and writes its secret to stderr (a careless provider),
// so a test can check that the relay's crash report never repeats it.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

appendFileSync(join(process.env.CODEBOLT_HOME, 'crash-loop-spawns.txt'), `${Date.now()} ${process.env.CODEBOLT_PROVIDER_TOKEN}\n`);
console.error(`crash-loop provider: my token is ${process.env.CODEBOLT_PROVIDER_TOKEN}`);
console.error('crash-loop provider: failing on purpose');
process.exit(1);
