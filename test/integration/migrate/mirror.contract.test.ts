// The Backend contract (test/contract/backend-contract.ts) on the mirror adapter over two genuine
// etcd 3.4 processes: every case passes as it does on the etcd adapter alone (the primary's
// documented exceptions apply, so it runs under the 'etcd' column of the exceptions table), and
// when the suite ends the secondary holds exactly the primary's keys — both keyspaces, as the
// genuine clusters store them — as genuine etcdctl reads them.
import { createEtcdBackend } from '../../../src/adapters/etcd.js';
import { createMirrorBackend } from '../../../src/adapters/mirror.js';
import { etcdctl, skipUnlessBinaries, startEtcd, stopAllProcesses, waitFor } from '../../support/index.js';
import { describeBackendContract } from '../../contract/backend-contract.js';
import { PORTS } from './migrate-support.js';

/** Every key and value of a genuine etcd (the reserved zone of the system keyspace included). */
async function everything(endpoint: string): Promise<string> {
  const r = await etcdctl(endpoint, ['get', '', '--from-key', '-w', 'json'], { timeoutMs: 30_000 });
  const kvs = (JSON.parse(r.stdout) as { kvs?: Array<{ key: string; value?: string }> }).kvs ?? [];
  return kvs.map((kv) => `${kv.key}=${kv.value ?? ''}`).join('\n');
}

describeBackendContract(
  'etcd',
  async () => {
    const [primary, secondary] = await Promise.all([startEtcd({ portRange: PORTS, name: 'contract-pri' }), startEtcd({ portRange: PORTS, name: 'contract-sec' })]);
    const errors: string[] = [];
    const backend = createMirrorBackend(createEtcdBackend({ endpoints: [`127.0.0.1:${primary.clientPort}`] }), createEtcdBackend({ endpoints: [`127.0.0.1:${secondary.clientPort}`] }), {
      onSecondaryError: (err, what) => errors.push(`${what}: ${err.message}`),
    });
    return {
      backend,
      close: async () => {
        await backend.flush();
        // leases expire on each side by its own clock: allow a moment for the last ones
        let last = '';
        await waitFor(
          async () => {
            const [p, s] = await Promise.all([everything(primary.clientUrl), everything(secondary.clientUrl)]);
            last = `primary:\n${p}\n--- secondary:\n${s}`;
            return p === s;
          },
          { timeoutMs: 20_000, what: () => `the secondary to hold the primary's keys (secondary errors: ${errors.join('; ')})\n${last.slice(0, 3000)}` },
        );
        await backend.close();
        await stopAllProcesses();
      },
    };
  },
  { skip: skipUnlessBinaries('etcd', 'etcdctl') },
);
