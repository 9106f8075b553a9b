// The deterministic sequence of store commits the kill -9 tests replay, and the state each step
// leaves. Every step is one commit, and consecutive states differ, so the state on disk names the
// step it came from. Step s:
//   s % 3 == 0: insert env-<s>
//   s % 3 == 1: update the ledger record: config.seq = s (plus padding of a size that varies)
//   s % 3 == 2: remove env-<s-2>

/** A full record as the store keeps it. */
function record(id, config) {
  const now = new Date().toISOString();
  return {
    id,
    name: id,
    tenant: 'default',
    owner: 'crash-test',
    provider: { name: 'local', version: '0.0.0' },
    config,
    state: 'stopped',
    desiredState: 'stopped',
    resourceId: null,
    creationToken: `token-${id}`,
    runtime: { connected: false, version: null, generation: 0, pid: null },
    lease: { idleTimeoutMs: null, maxLifetimeMs: null, expiresAt: null },
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Makes step `step` against the real store (one commit). Step 0 is the seed: insert the ledger record. */
export async function applyStep(store, step) {
  if (step === 0) await store.insert(record('ledger', { seq: 0, padding: '' }));
  else if (step % 3 === 0) await store.insert(record(`env-${step}`, { seq: step }));
  else if (step % 3 === 1) {
    await store.update('ledger', (ledger) => {
      ledger.config.seq = step;
      ledger.config.padding = 'x'.repeat((step * 7919) % 16384);
    });
  } else await store.remove(`env-${step - 2}`);
}

/** What the store holds after `step`: the ledger's seq and the ids of the other records. */
export function expectedState(step) {
  let ledgerSeq = 0;
  for (let candidate = step; candidate > 0; candidate--) {
    if (candidate % 3 === 1) {
      ledgerSeq = candidate;
      break;
    }
  }
  const lastInsert = step - (step % 3);
  const others = lastInsert > 0 && step - lastInsert < 2 ? [`env-${lastInsert}`] : [];
  return { ledgerSeq, others };
}

/** The state read from a parsed environments.json, in expectedState's shape. */
export function observedState(data) {
  const ledger = data.environments.find((entry) => entry.id === 'ledger');
  return {
    ledgerSeq: ledger ? ledger.config.seq : -1,
    others: data.environments.filter((entry) => entry.id !== 'ledger').map((entry) => entry.id),
  };
}
