// Where a start on `etcdctl snapshot restore` output goes (issue 10 item 3), without servers: a
// store of N x 256 B + M x 10 KiB is written in this process, saved as etcd's snapshot file (the
// Maintenance.Snapshot stream dcsgw serves), restored once with genuine etcdctl into a template
// dir (kept in --dir between runs), then each round copies the template and times, in this
// process, the import of the bbolt file into dcsgw's layout and the store's open that follows
// (wall and CPU), as a member's first start does them.
//
//   node dist/bench/restore-import.js --keys 300000 --big-keys 30000 --dir /tmp/me-restore --rounds 3
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { putRequest } from '../src/adapters/requests.js';
import { importEtcdRestore } from '../src/cli/etcd-restore-import.js';
import { openMvccStore } from '../src/native/mvcc/index.js';
import { etcdSnapshotStream } from '../src/native/node/etcd-snapshot.js';

function arg(name: string, dflt: number): number;
function arg(name: string, dflt: string): string;
function arg(name: string, dflt: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  return typeof dflt === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1]!;
}

const KEYS = arg('keys', 300_000);
const BIG_KEYS = arg('big-keys', 30_000);
const DIR = arg('dir', `/tmp/dcsgw-restore-import-${KEYS}-${BIG_KEYS}`);
const ROUNDS = arg('rounds', 3);
const logger = pino({ level: 'silent' });
const TEMPLATE = join(DIR, 'restored');

async function writeTemplate(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const storeDir = join(DIR, 'source-store');
  const store = openMvccStore({ dir: storeDir, quotaBackendBytes: -1, minLeaseTtl: 2, logger });
  let index = 0;
  const load = (prefix: string, n: number, size: number) => {
    const value = Buffer.alloc(size, 'v');
    for (let i = 0; i < n; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) batch.push({ index: ++index, term: 1, command: { kind: 'put' as const, req: putRequest(Buffer.from(`${prefix}${String(j).padStart(8, '0')}`), value) } });
      store.applyBatch(batch);
    }
  };
  load('s/', KEYS, 256);
  load('b/', BIG_KEYS, 10_240);
  const view = store.snapshotView();
  const file = join(DIR, 'snap.db');
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  try {
    const stream = await etcdSnapshotStream(view, [{ id: 1n, name: 'r1', peerURLs: ['http://127.0.0.1:2380'], clientURLs: [], isLearner: false }], '3.4.0');
    for await (const chunk of stream.chunks) {
      hash.update(chunk);
      writeSync(fd, chunk);
    }
    writeSync(fd, hash.digest());
  } finally {
    closeSync(fd);
    view.done();
    store.close();
  }
  rmSync(storeDir, { recursive: true, force: true });
  const r = spawnSync('/usr/bin/etcdctl', ['snapshot', 'restore', file, '--data-dir', TEMPLATE, '--name', 'r1', '--initial-cluster', 'r1=http://127.0.0.1:2380', '--initial-advertise-peer-urls', 'http://127.0.0.1:2380'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  if (r.status !== 0) throw new Error(`etcdctl snapshot restore: ${r.stderr}`);
  rmSync(file, { force: true });
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const sysMs = (c: NodeJS.CpuUsage) => c.system / 1000;

async function main(): Promise<void> {
  if (process.argv.includes('--fresh') || !existsSync(TEMPLATE)) {
    const t0 = performance.now();
    await writeTemplate();
    console.log(`template: ${KEYS} x 256 B + ${BIG_KEYS} x 10 KiB restored by etcdctl into ${TEMPLATE} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  for (let r = 0; r < ROUNDS; r++) {
    const dir = join(DIR, `round-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    spawnSync('cp', ['-a', TEMPLATE, dir]);
    spawnSync('sync');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const imported = await importEtcdRestore(dir);
    const importMs = performance.now() - t0;
    const importUsage = process.cpuUsage(c0);
    const importCpu = cpuMs(importUsage);
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    const store = openMvccStore({ dir: join(dir, 'member', 'snap', 'db'), quotaBackendBytes: -1, minLeaseTtl: 2, logger });
    const openMs = performance.now() - t1;
    const openUsage = process.cpuUsage(c1);
    const openCpu = cpuMs(openUsage);
    const rev = store.currentRevision();
    store.close();
    console.log(
      `round ${r + 1}: import ${importMs.toFixed(0)} ms wall / ${importCpu.toFixed(0)} ms CPU (${sysMs(importUsage).toFixed(0)} system; ${String(imported.summary['key-revisions'])} revisions: store written ${String(imported.summary['store-write-ms'])} ms, synced ${String(imported.summary['store-sync-ms'])} ms), open ${openMs.toFixed(0)} ms wall / ${openCpu.toFixed(0)} ms CPU (${sysMs(openUsage).toFixed(0)} system; rev ${rev}); total ${(importMs + openMs).toFixed(0)} ms`,
    );
    await new Promise((res) => setTimeout(res, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
