// The Backend contract on the native store: one member in a temp dir, in-process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNativeBackend } from '../../src/adapters/native.js';
import { singleMemberConfig } from '../integration/native/helpers.js';
import { describeBackendContract } from './backend-contract.js';

describeBackendContract('native', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-contract-'));
  const backend = await createNativeBackend(
    singleMemberConfig({ dataDir, memberId: 0x4c0ff1n, clusterId: 0x4c0ff2n, clientURL: 'http://127.0.0.1:39501', peerURL: 'http://127.0.0.1:39502' }),
  );
  return {
    backend,
    close: async () => {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
