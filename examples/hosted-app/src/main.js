// Starts the hosted app: `pnpm --filter @codebolt/example-hosted-app build && pnpm --filter @codebolt/example-hosted-app start`
// PORT (default 3000) and DATA_DIR (default ./.data) are read from the environment.
import { resolve } from 'node:path';
import { startHostedApp } from './hosted-app.js';

const app = await startHostedApp({ port: Number(process.env.PORT ?? 3000), dataDir: resolve(process.env.DATA_DIR ?? '.data') });
console.log(`hosted app on ${app.url} (relay on ${app.relayUrl}); sign in as alice / alice-demo-password or bob / bob-demo-password`);
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
