// Child process of defrag.test.ts: applies put batches on every event-loop turn while it
// defragments over and over; prints "defrag" as each defragmentation starts and each committed
// consistent index, until it is killed with SIGKILL.
import { pino } from 'pino';
import { openMvccStore } from '../../../src/native/mvcc/index.js';

const dir = process.argv[2]!;
const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 2, logger: pino({ level: 'silent' }) });
const defragment = () => (store as unknown as { defragment(): Promise<void> }).defragment();
let index = store.consistentIndex();
const value = Buffer.alloc(300, 0x76);

function batch(n: number): void {
  const b = [];
  for (let i = 0; i < n; i++) {
    index++;
    b.push({ index, term: 1, command: { kind: 'put' as const, req: { key: Buffer.from(`k${index}`), value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } } });
  }
  store.applyBatch(b);
  process.stdout.write(`${index}\n`);
}

// enough records that a copy takes many turns
while (index < 30_000) batch(1000);
for (;;) {
  process.stdout.write('defrag\n');
  let done = false;
  const running = defragment().finally(() => (done = true));
  while (!done) {
    batch(10);
    await new Promise((r) => setImmediate(r));
  }
  await running;
}
