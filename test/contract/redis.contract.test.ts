// The Backend contract on the Redis adapter (src/adapters/redis.ts) over a genuine redis-server
// started on loopback by the test (skipped with one line when redis-server is not installed).
import { createRedisBackend } from '../../src/adapters/redis.js';
import { parseRedisUrl } from '../../src/adapters/redis-url.js';
import { stopAllProcesses } from '../support/index.js';
import { skipUnlessRedis, startRedis } from '../integration/redis-adapter/redis-server.js';
import { describeBackendContract } from './backend-contract.js';

describeBackendContract(
  'redis',
  async () => {
    const redis = await startRedis();
    const backend = createRedisBackend(parseRedisUrl(redis.url).options);
    return {
      backend,
      close: async () => {
        await backend.close();
        await redis.stop();
        await stopAllProcesses();
      },
    };
  },
  { skip: skipUnlessRedis() },
);
