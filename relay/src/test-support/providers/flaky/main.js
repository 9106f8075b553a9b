// Test provider: the local provider, except that the first process of an environment fails right
// after it created the resource, as config.env.FLAKY says: `exit` (crashes with code 1) or `hang`
// (blocks its event loop for good: no heartbeat, no answer, ignores stdin EOF); later processes
// behave. With `always`, every later process of the environment crashes too, 300 ms after it
// started. Every process appends its pid to <CODEBOLT_HOME>/flaky-pids-<envId>.txt.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requiredEnvironment, runProviderMain } from '../../../../../packages/provider/dist/index.js';
import { createLocalProvider } from '../../../../../providers/local/dist/index.js';

const home = requiredEnvironment('CODEBOLT_HOME', 'set by the relay');
appendFileSync(join(home, `flaky-pids-${process.env.CODEBOLT_ENV_ID}.txt`), `${process.pid}\n`);
const alwaysMarker = join(home, `flaky-always-${process.env.CODEBOLT_ENV_ID}`);
if (existsSync(alwaysMarker)) {
  setTimeout(() => {
    console.error('flaky provider: crashing again on purpose');
    process.exit(1);
  }, 300);
}

runProviderMain('flaky', () => {
  const provider = createLocalProvider({ home });
  const create = provider.create.bind(provider);
  provider.create = async (context) => {
    const result = await create(context);
    const failure = context.config?.env?.FLAKY;
    if (failure === 'always') writeFileSync(alwaysMarker, '');
    setTimeout(() => {
      if (failure === 'exit' || failure === 'always') {
        console.error('flaky provider: exiting on purpose');
        process.exit(1);
      }
      if (failure === 'hang') {
        console.error('flaky provider: hanging on purpose');
        for (;;);
      }
    }, 300);
    return result;
  };
  return provider;
});
