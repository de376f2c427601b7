// The Backend contract on the Redis adapter over the official `redis` image, when a container
// runtime exists (testcontainers); skipped with one line when there is none. The same suite runs
// against Debian's redis-server as a process in test/contract/redis.contract.test.ts.
import { createRedisBackend } from '../../../src/adapters/redis.js';
import { parseRedisUrl } from '../../../src/adapters/redis-url.js';
import { describeContractInContainer } from '../container-contract.js';

describeContractInContainer({
  contract: 'redis',
  what: 'Redis adapter via testcontainers (redis image)',
  image: 'redis:7',
  command: ['redis-server', '--save', '', '--appendonly', 'no'],
  port: 6379,
  readyLine: 'Ready to accept connections',
  backendAt: (host, port) => createRedisBackend(parseRedisUrl(`redis://${host}:${port}`).options),
});
