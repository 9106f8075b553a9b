import { CodeboltError, type Environment, type EnvironmentState } from '@codebolt/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from './codebolt-client.js';
import { environmentRecord, startTestRelay, type TestRelay } from './test-support/test-relay.js';

let relay: TestRelay;

beforeEach(async () => {
  relay = await startTestRelay();
});

afterEach(async () => {
  await relay.close();
});

/** Answers GET /v1/environments/env_1 with the given records in turn (the last one repeats). */
function serveSequence(records: Array<Environment | 'gone'>): void {
  let index = 0;
  relay.route('GET', '/v1/environments/env_1', () => {
    const record = records[Math.min(index, records.length - 1)];
    index += 1;
    if (record === 'gone') return { status: 404, body: { error: { code: 'environment-not-found', message: 'no environment env_1' } } };
    return { status: 200, body: record };
  });
}

function states(...list: EnvironmentState[]): Environment[] {
  return list.map((state) => environmentRecord({ state }));
}

const sdk = () => createClient({ url: relay.url, token: 'test-token' });

async function rejection(promise: Promise<unknown>): Promise<CodeboltError> {
  try {
    await promise;
  } catch (error) {
    return error as CodeboltError;
  }
  throw new Error('expected a rejection');
}

describe('waitFor', () => {
  it('polls until the state is reached and reports every record seen', async () => {
    serveSequence(states('creating', 'starting', 'starting', 'running'));
    const seen: string[] = [];
    const environment = await sdk().environments.waitFor('env_1', 'running', { intervalMs: 5, onProgress: (record) => seen.push(record.state) });
    expect(environment.state).toBe('running');
    expect(seen).toEqual(['creating', 'starting', 'starting', 'running']);
  });

  it('accepts a list of states and a predicate', async () => {
    serveSequence(states('stopping', 'stopped'));
    expect((await sdk().environments.waitFor('env_1', ['stopped', 'error'], { intervalMs: 5 })).state).toBe('stopped');
    serveSequence([environmentRecord({ runtime: { connected: false, version: null, generation: 1, pid: null } }), environmentRecord()]);
    const connected = await sdk().environments.waitFor('env_1', (record) => record.runtime.connected, { intervalMs: 5 });
    expect(connected.runtime.connected).toBe(true);
  });

  it("rejects with the environment's lastError when it lands in error", async () => {
    serveSequence([
      environmentRecord({ state: 'starting' }),
      environmentRecord({ state: 'error', lastError: { code: 'provider-error', message: 'docker daemon not running; start it', at: new Date(0).toISOString() } }),
    ]);
    const error = await rejection(sdk().environments.waitFor('env_1', 'running', { intervalMs: 5 }));
    expect(error).toBeInstanceOf(CodeboltError);
    expect(error.code).toBe('provider-error');
    expect(error.message).toBe('environment demo (env_1) failed: docker daemon not running; start it');
  });

  it('resolves on error when error is what it waits for', async () => {
    serveSequence([environmentRecord({ state: 'error', lastError: { code: 'runtime-exited', message: 'gone', at: '' } })]);
    expect((await sdk().environments.waitFor('env_1', 'error', { intervalMs: 5 })).state).toBe('error');
  });

  it('fails with timeout naming the last state', async () => {
    serveSequence(states('starting'));
    const error = await rejection(sdk().environments.waitFor('env_1', 'running', { intervalMs: 5, timeoutMs: 150 }));
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('within 150 ms (last state: starting)');
    expect(error.message).toContain('codebolt env logs env_1');
  });

  it('passes through errors of the GET (e.g. the environment vanished)', async () => {
    serveSequence(['gone']);
    expect((await rejection(sdk().environments.waitFor('env_1', 'running', { intervalMs: 5 }))).code).toBe('environment-not-found');
  });

  it('stops polling when the signal aborts', async () => {
    serveSequence(states('starting'));
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    const waiting = sdk().environments.waitFor('env_1', 'running', {
      intervalMs: 5,
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    expect(await rejection(waiting)).toBe(reason);
    const polls = relay.requests.length;
    expect(polls).toBe(1);
  });
});

describe('waitForDeleted', () => {
  it('resolves once the GET answers environment-not-found', async () => {
    serveSequence([...states('deleting', 'deleting'), 'gone']);
    const seen: string[] = [];
    await sdk().environments.waitForDeleted('env_1', { intervalMs: 5, onProgress: (record) => seen.push(record.state) });
    expect(seen).toEqual(['deleting', 'deleting']);
    expect(relay.requests).toHaveLength(3);
  });

  it('rejects with lastError when the delete failed', async () => {
    serveSequence([environmentRecord({ state: 'error', lastError: { code: 'provider-error', message: 'cannot destroy', at: '' } })]);
    expect((await rejection(sdk().environments.waitForDeleted('env_1', { intervalMs: 5 }))).code).toBe('provider-error');
  });
});
