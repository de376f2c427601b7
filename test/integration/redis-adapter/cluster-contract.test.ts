// The whole Backend contract on the Redis adapter over a genuine three-node Redis Cluster
// (redis-cluster://): every key of the store carries one hash tag, so the Lua scripts of txns,
// leases and compaction run atomically on the node that owns that slot. Skipped with one line
// without redis-server / redis-cli.
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../../../src/adapters/redis.js';
import { parseRedisUrl } from '../../../src/adapters/redis-url.js';
import { hasBinary, stopAllProcesses, waitFor } from '../../support/index.js';
import { describeBackendContract } from '../../contract/backend-contract.js';
import { skipUnlessRedis, startRedis } from './redis-server.js';

const noCli = !hasBinary('redis-cli');
if (noCli) console.warn('SKIP: redis-cli not installed (apt-get install redis-tools); Redis Cluster contract skipped');
const skip = noCli || skipUnlessRedis();

describeBackendContract(
  'redis',
  async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => startRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'])));
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore', timeout: 30_000 });
    await waitFor(async () => {
      const c = new Redis({ port: nodes[0]!.port, lazyConnect: true });
      try {
        await c.connect();
        return String(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
      } finally {
        c.disconnect();
      }
    }, { what: 'cluster_state:ok' });
    const backend = createRedisBackend(parseRedisUrl(`redis-cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`).options);
    return {
      backend,
      close: async () => {
        await backend.close();
        await Promise.all(nodes.map((n) => n.stop()));
        await stopAllProcesses();
      },
    };
  },
  { skip },
);
