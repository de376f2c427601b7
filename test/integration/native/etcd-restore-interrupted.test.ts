// dcsgw converts `etcdctl snapshot restore` output once, on its first start. A start stopped in the
// middle of that (the genuine files already moved to member.etcd-restore/, dcsgw's store half
// written, no identity yet) must not come up as an empty new member: the next start puts the
// genuine files back and converts them again, and serves every restored key.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNativeBackend } from '../../../src/adapters/native.js';
import { skipUnlessBinaries } from '../../support/binaries.js';
import { etcdctl } from '../../support/etcdctl.js';
import { startDcsgw } from '../../support/members.js';
import { allocatePorts } from '../../support/ports.js';
import { stopAllProcesses } from '../../support/processes.js';
import { makeTempDir } from '../../support/temp-dirs.js';
import { putReq, singleMemberConfig } from './helpers.js';

const PORTS = { from: 24500, to: 24999 };
const skip = skipUnlessBinaries('etcdctl');

afterAll(() => stopAllProcesses());

describe.skipIf(skip)('an interrupted import of etcdctl snapshot restore output', () => {
  it('is done again on the next start, from the genuine files', { timeout: 120_000 }, async () => {
    const work = makeTempDir('dcsgw-restore-interrupted-');
    const [srcClient, srcPeer, client, peer] = await allocatePorts(4, PORTS);
    const be = await createNativeBackend(
      singleMemberConfig({ name: 'src', dataDir: join(work, 'src'), memberId: 0x51n, clusterId: 0x52n, clientURL: `http://127.0.0.1:${srcClient}`, peerURL: `http://127.0.0.1:${srcPeer}` }),
    );
    try {
      await be.ready();
      await Promise.all(Array.from({ length: 500 }, (_, i) => be.put(putReq(`key/${String(i).padStart(4, '0')}`, `value-${i}`))));
      const chunks: Buffer[] = [];
      for await (const c of be.snapshot()) chunks.push(c.blob);
      const db = Buffer.concat(chunks);
      writeFileSync(join(work, 'snap.db'), Buffer.concat([db, createHash('sha256').update(db).digest()]));
    } finally {
      await be.close();
    }
    const dataDir = join(work, 'restored');
    const r = await etcdctl([], ['snapshot', 'restore', join(work, 'snap.db'), '--data-dir', dataDir, '--name', 'r1', '--initial-cluster', `r1=http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`]);
    expect(r.code, r.stderr).toBe(0);
    // what a start stopped during the import leaves: the genuine files aside, a partial store
    renameSync(join(dataDir, 'member'), join(dataDir, 'member.etcd-restore'));
    mkdirSync(join(dataDir, 'member', 'snap', 'db'), { recursive: true });
    writeFileSync(join(dataDir, 'member', 'snap', 'db', 'data.mdb'), Buffer.alloc(8192));

    const m = await startDcsgw({ name: 'r1', dataDir, clientPort: client, peerPort: peer, readyTimeoutMs: 60_000 });
    expect(m.process.output()).toContain('started from etcdctl snapshot restore output');
    const got = await etcdctl(m.endpoints, ['get', 'key/', '--prefix', '--keys-only', '-w', 'json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ count: 500 });
    expect((await etcdctl(m.endpoints, ['get', 'key/0499', '--print-value-only'])).stdout.trim()).toBe('value-499');
    await m.stop();
  });
});
