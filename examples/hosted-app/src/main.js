// Starts the hosted app: `pnpm --filter @codebolt/example-hosted-app build && pnpm --filter @codebolt/example-hosted-app start`
// PORT (default 3000), RELAY_PORT (default 3001; fixed, so runtimes find the relay again after a
// restart) and DATA_DIR (default ./.data) are read from the environment.
import { resolve } from 'node:path';
import { startHostedApp } from './hosted-app.js';

const app = await startHostedApp({
  port: Number(process.env.PORT ?? 3000),
  relayPort: Number(process.env.RELAY_PORT ?? 3001),
  dataDir: resolve(process.env.DATA_DIR ?? '.data'),
});
console.log(`hosted app on ${app.url} (relay on ${app.relayUrl}); sign in as alice / alice-demo-password or bob / bob-demo-password`);
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
