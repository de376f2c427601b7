// The Backend contract on the in-memory test double (test/support/memory-backend.ts).
import { MemoryBackend } from '../support/memory-backend.js';
import { describeBackendContract } from './backend-contract.js';

describeBackendContract('memory', async () => {
  const backend = new MemoryBackend({ expireLeases: true });
  return { backend, close: () => backend.close() };
});
