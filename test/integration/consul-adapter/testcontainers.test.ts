// The Backend contract on the Consul adapter over a GENUINE Consul server (the official
// `hashicorp/consul` image in dev mode), when a container runtime exists (testcontainers); skipped
// with one line when there is none. The same suite runs against dcsgw's own Consul face as a
// process in test/contract/consul.contract.test.ts.
import { existsSync } from 'node:fs';
import { createConsulBackend } from '../../../src/adapters/consul.js';
import { parseConsulUrl } from '../../../src/adapters/consul-url.js';
import { describeBackendContract } from '../../contract/backend-contract.js';

const hasRuntime = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
if (!hasRuntime) console.warn('SKIP Consul adapter via testcontainers (hashicorp/consul image): no container runtime (no DOCKER_HOST, no /var/run/docker.sock)');

describeBackendContract(
  'consul',
  async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('hashicorp/consul:1.22')
      // session_ttl_min lowered as in the process suite, so short leases expire within a test's time
      .withCommand(['agent', '-dev', '-client', '0.0.0.0', '-hcl', 'session_ttl_min = "1s"'])
      .withExposedPorts(8500)
      .withWaitStrategy(Wait.forLogMessage('Consul agent running!'))
      .start();
    const url = `consul://${container.getHost()}:${container.getMappedPort(8500)}`;
    const backend = createConsulBackend(parseConsulUrl(url).options);
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
