// Test-only provider (see package.json): create/start write { url, token } to
// $CODEBOLT_HOME/handoff/<environment id>.json (mode 0600, inside the test's temp data dir) for the
// test to start an embedded runtime with; stop/destroy remove it. It owns no real resource.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseProvider, runProvider } from '@codebolt/provider';

const directory = join(process.env.CODEBOLT_HOME ?? '.', 'handoff');

class HandoffProvider extends BaseProvider {
  name = 'handoff';
  version = '0.1.0';

  async create(context) {
    await this.#handOff(context);
    return { resourceId: `handoff-${context.environment.id}` };
  }

  async start(_resourceId, context) {
    await this.#handOff(context);
  }

  async attach() {
    return { status: 'running' };
  }

  async stop(_resourceId, context) {
    await rm(join(directory, `${context.environment.id}.json`), { force: true });
  }

  async destroy(resourceId, context) {
    await this.stop(resourceId, context);
  }

  async list() {
    return [];
  }

  async #handOff(context) {
    await mkdir(directory, { recursive: true });
    // Written to a temp name and renamed, so the test never reads a half-written file.
    const target = join(directory, `${context.environment.id}.json`);
    await writeFile(`${target}.tmp`, JSON.stringify(context.runtime), { mode: 0o600 });
    await rename(`${target}.tmp`, target);
  }
}

runProvider(new HandoffProvider()).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`handoff provider: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
