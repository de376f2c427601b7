// The Backend contract on the Consul adapter over a GENUINE Consul server (the official
// `hashicorp/consul` image in dev mode), when a container runtime exists (testcontainers); skipped
// with one line when there is none. The same suite runs against dcsgw's own Consul face as a
// process in test/contract/consul.contract.test.ts.
import { createConsulBackend } from '../../../src/adapters/consul.js';
import { parseConsulUrl } from '../../../src/adapters/consul-url.js';
import { describeContractInContainer } from '../container-contract.js';

describeContractInContainer({
  contract: 'consul',
  what: 'Consul adapter via testcontainers (hashicorp/consul image)',
  image: 'hashicorp/consul:1.22',
  // session_ttl_min lowered as in the process suite, so short leases expire within a test's time
  command: ['agent', '-dev', '-client', '0.0.0.0', '-hcl', 'session_ttl_min = "1s"'],
  port: 8500,
  readyLine: 'Consul agent running!',
  backendAt: (host, port) => createConsulBackend(parseConsulUrl(`consul://${host}:${port}`).options),
});
