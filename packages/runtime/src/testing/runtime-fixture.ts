import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeProcess, type RuntimeProcessEnvironment } from './runtime-process.js';
import { TestRelay } from './test-relay.js';

/**
 * Test support: a temp dir holding `workspace/`, `state/` and `outside/` (a directory outside
 * the workspace, for escape tests), a TestRelay, and the runtimes started against it.
 * cleanup() stops every runtime (each must exit 0 on SIGTERM), closes the relay and removes the
 * temp dir; it throws if any of that fails.
 */
export class RuntimeFixture {
  readonly token = `runtime-token-${randomBytes(12).toString('hex')}`;
  readonly runtimes: RuntimeProcess[] = [];
  relay!: TestRelay;
  readonly workspace: string;
  readonly stateDir: string;
  readonly outside: string;

  private constructor(readonly root: string) {
    this.workspace = join(root, 'workspace');
    this.stateDir = join(root, 'state');
    this.outside = join(root, 'outside');
  }

  static async create(): Promise<RuntimeFixture> {
    const fixture = new RuntimeFixture(await mkdtemp(join(tmpdir(), 'codebolt-runtime-test-')));
    await mkdir(fixture.workspace);
    await mkdir(fixture.outside);
    fixture.relay = await TestRelay.start(fixture.token);
    return fixture;
  }

  /** The bin's four variables for this fixture, overridable. */
  environment(overrides: RuntimeProcessEnvironment = {}): RuntimeProcessEnvironment {
    return {
      CODEBOLT_RUNTIME_URL: this.relay.url,
      CODEBOLT_RUNTIME_TOKEN: this.token,
      CODEBOLT_WORKSPACE: this.workspace,
      CODEBOLT_RUNTIME_STATE_DIR: this.stateDir,
      ...overrides,
    };
  }

  /** Starts `node dist/bin.js` against the relay. */
  startRuntime(overrides: RuntimeProcessEnvironment = {}): RuntimeProcess {
    const runtime = RuntimeProcess.start(this.environment(overrides));
    this.runtimes.push(runtime);
    return runtime;
  }

  /** Starts a runtime and waits until it has said hello (the `count`-th hello on this relay). */
  async startConnectedRuntime(count = this.relay.helloCount + 1): Promise<RuntimeProcess> {
    const runtime = this.startRuntime();
    await this.relay.waitForHello(count);
    return runtime;
  }

  async cleanup(): Promise<void> {
    const failures: unknown[] = [];
    for (const runtime of this.runtimes) await runtime.stop().catch((error: unknown) => failures.push(error));
    await this.relay.close().catch((error: unknown) => failures.push(error));
    await rm(this.root, { recursive: true, force: true }).catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw new AggregateError(failures, `runtime test cleanup failed: ${failures.map(String).join('; ')}`);
  }
}
