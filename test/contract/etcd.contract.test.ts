// The Backend contract on the etcd adapter (src/adapters/etcd.ts) over genuine etcd 3.4, a
// process started on loopback by the test (skipped with one line when etcd is not installed).
import { createEtcdBackend } from '../../src/adapters/etcd.js';
import { skipUnlessBinaries, startEtcd, stopAllProcesses } from '../support/index.js';
import { describeBackendContract } from './backend-contract.js';

describeBackendContract(
  'etcd',
  async () => {
    const etcd = await startEtcd({ portRange: { from: 39500, to: 39999 } });
    const backend = createEtcdBackend({ endpoints: [`127.0.0.1:${etcd.clientPort}`] });
    return {
      backend,
      close: async () => {
        await backend.close();
        await etcd.stop();
        await stopAllProcesses();
      },
    };
  },
  { skip: skipUnlessBinaries('etcd') },
);
