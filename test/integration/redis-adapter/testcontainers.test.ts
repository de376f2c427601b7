// The Backend contract on the Redis adapter over the official `redis` image, when a container
// runtime exists (testcontainers); skipped with one line when there is none. The same suite runs
// against Debian's redis-server as a process in test/contract/redis.contract.test.ts.
import { existsSync } from 'node:fs';
import { createRedisBackend } from '../../../src/adapters/redis.js';
import { parseRedisUrl } from '../../../src/adapters/redis-url.js';
import { describeBackendContract } from '../../contract/backend-contract.js';

const hasRuntime = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
if (!hasRuntime) console.warn('SKIP Redis adapter via testcontainers (redis image): no container runtime (no DOCKER_HOST, no /var/run/docker.sock)');

describeBackendContract(
  'redis',
  async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('redis:7')
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
    const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    const backend = createRedisBackend(parseRedisUrl(url).options);
    return {
      backend,
      close: async () => {
        await backend.close();
        await container.stop();
      },
    };
  },
  { skip: !hasRuntime },
);
