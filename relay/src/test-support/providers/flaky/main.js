// Test provider: the local provider, except that the first process of an environment fails right
// after it created the resource, as config.env.FLAKY says: `exit` (crashes with code 1) or `hang`
// (blocks its event loop for good: no heartbeat, no answer, ignores stdin EOF). Every process
// appends its pid to <CODEBOLT_HOME>/flaky-pids-<envId>.txt; later processes behave.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { requiredEnvironment, runProviderMain } from '../../../../../packages/provider/dist/index.js';
import { createLocalProvider } from '../../../../../providers/local/dist/index.js';

const home = requiredEnvironment('CODEBOLT_HOME', 'set by the relay');
appendFileSync(join(home, `flaky-pids-${process.env.CODEBOLT_ENV_ID}.txt`), `${process.pid}\n`);

runProviderMain('flaky', () => {
  const provider = createLocalProvider({ home });
  const create = provider.create.bind(provider);
  provider.create = async (context) => {
    const result = await create(context);
    const failure = context.config?.env?.FLAKY;
    setTimeout(() => {
      if (failure === 'exit') {
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
