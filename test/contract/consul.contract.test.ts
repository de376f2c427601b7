// The Backend contract on the Consul adapter (src/adapters/consul.ts) over a Consul server: dcsgw's
// own Consul face, `bin/dcsgw agent -dev`, started as a process on loopback (no genuine Consul
// server can be had here; the face is verified against genuine Consul clients).
import { createConsulBackend } from '../../src/adapters/consul.js';
import { hasDcsgwBuild, stopAllProcesses } from '../support/index.js';
import { startConsulAgent } from '../integration/consul-adapter/consul-agent.js';
import { describeBackendContract } from './backend-contract.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP Consul adapter contract: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');

describeBackendContract(
  'consul',
  async () => {
    const agent = await startConsulAgent('contract');
    const backend = createConsulBackend({ agents: [agent.address] });
    return {
      backend,
      close: async () => {
        await backend.close();
        await stopAllProcesses();
      },
    };
  },
  { skip: noBuild },
);
