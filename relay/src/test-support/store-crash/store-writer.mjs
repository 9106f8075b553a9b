// A writer process for the store's kill -9 tests: the real EnvironmentStore (built dist), committing
// step after step as fast as it can and printing `ack <step>` after each commit resolved (= the change
// is acknowledged). Usage: node store-writer.mjs <environments.json> <last step already applied, -1 for none>.
// The steps are defined in steps.mjs; the parent kills this process at a random moment.
import { EnvironmentStore } from '../../../dist/store.js';
import { applyStep } from './steps.mjs';

const [path, fromText] = process.argv.slice(2);
const store = new EnvironmentStore(path);
await store.load();
let step = Number(fromText);
process.stdout.write(`ready ${step}\n`);
for (;;) {
  step += 1;
  await applyStep(store, step);
  process.stdout.write(`ack ${step}\n`);
}
