// Child process of crash.test.ts: applies put batches as fast as it can and reports each
// committed consistent index on stdout, until it is killed with SIGKILL.
import { pino } from 'pino';
import { openMvccStore } from '../../../src/native/mvcc/index.js';

const dir = process.argv[2]!;
const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
let index = store.consistentIndex();
const value = Buffer.alloc(100, 0x76);
for (;;) {
  const batch = [];
  for (let i = 0; i < 10; i++) {
    index++;
    batch.push({ index, term: 1, command: { kind: 'put' as const, req: { key: Buffer.from(`k${index}`), value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } });
  }
  store.applyBatch(batch);
  process.stdout.write(`${index}\n`);
  if (index % 1000 === 0) await new Promise((r) => setImmediate(r)); // let stdout drain
}
