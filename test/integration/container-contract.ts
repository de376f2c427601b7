// The Backend contract (test/contract) on an adapter over a genuine server started from its
// official image by testcontainers, when a container runtime exists; skipped with one line when
// there is none.
import { existsSync } from 'node:fs';
import type { Backend } from '../../src/adapters/backend.js';
import { describeBackendContract } from '../contract/backend-contract.js';

export interface ContainerSpec {
  /** The contract's name (it picks the documented exceptions), e.g. 'redis'. */
  contract: string;
  /** What the skip line names, e.g. 'Redis adapter via testcontainers (redis image)'. */
  what: string;
  image: string;
  command: string[];
  /** The server's port in the container (mapped to a free one on the host). */
  port: number;
  /** The server's log line that says it serves. */
  readyLine: string;
  /** The adapter talking to `host:port` (the mapped port). */
  backendAt(host: string, port: number): Backend;
}

export function describeContractInContainer(spec: ContainerSpec): void {
  const hasRuntime = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
  if (!hasRuntime) console.warn(`SKIP ${spec.what}: no container runtime (no DOCKER_HOST, no /var/run/docker.sock)`);
  describeBackendContract(
    spec.contract,
    async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer(spec.image)
        .withCommand(spec.command)
        .withExposedPorts(spec.port)
        .withWaitStrategy(Wait.forLogMessage(spec.readyLine))
        .start();
      const backend = spec.backendAt(container.getHost(), container.getMappedPort(spec.port));
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
}
