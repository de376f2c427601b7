// `dcsgw mirror` under concurrent writes: the mirror is killed with kill -9 and restarted, the
// destination and the source are each killed and restarted, and the destination still converges:
// `--cutover` ends with both sides identical (its own verification, and genuine etcdctl reading
// both), the lag is a Prometheus gauge, and a restarted mirror resumes from its checkpoint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtcdBackend } from '../../../src/adapters/etcd.js';
import { putRequest } from '../../../src/adapters/requests.js';
import type { CutoverReport } from '../../../src/compat/migrate/mirror.js';
import { allocatePort, etcdctl, skipUnlessBinaries, startEtcd, stopAllProcesses, waitFor, type RunningMember } from '../../support/index.js';
import { mulberry32 } from '../../support/prng.js';
import { PORTS, consulFaceOverEtcd, diffContent, etcdContent, hasRedis, removeTempDirs, spawnDcsgw, startRedis, tempDir } from './migrate-support.js';

const SEED = Number(process.env.MIGRATE_SEED ?? Date.now() % 100_000);

interface Checkpoint {
  phase: string;
  applied: number;
  eventsApplied: number;
}

function checkpointOf(path: string): Checkpoint | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
  } catch {
    return undefined;
  }
}

/** Puts and deletes on `endpoint` until stopped (single keys and multi-key txns), riding out its restarts. */
function startWriter(endpoint: () => string, seed: number) {
  const rnd = mulberry32(seed);
  let stop = false;
  let writes = 0;
  let failures = 0;
  const done = (async () => {
    let be = createEtcdBackend({ endpoints: [endpoint()] });
    while (!stop) {
      const n = 1 + Math.floor(rnd() * 4);
      const success = Array.from({ length: n }, (_, i) => {
        const key = Buffer.from(`mx/k${Math.floor(rnd() * 300) + i * 1000}`);
        return rnd() < 0.2 ? { requestDeleteRange: { key, rangeEnd: Buffer.alloc(0), prevKv: false } } : { requestPut: putRequest(key, Buffer.from(`w${writes}-${rnd()}`)) };
      });
      try {
        await be.txn({ compare: [], success, failure: [] });
        writes++;
      } catch {
        failures++;
        await be.close();
        await new Promise((r) => setTimeout(r, 50));
        be = createEtcdBackend({ endpoints: [endpoint()] });
      }
    }
    await be.close();
  })();
  return {
    get writes() {
      return writes;
    },
    get failures() {
      return failures;
    },
    async stop() {
      stop = true;
      await done;
    },
  };
}

async function metric(addr: string, name: string): Promise<number | undefined> {
  const text = await fetch(`http://${addr}/metrics`).then((r) => r.text()).catch(() => '');
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))(`dcsgw mirror (MIGRATE_SEED=${SEED})`, () => {
  let a: RunningMember;
  let b: RunningMember;
  const cwd = tempDir('mirror');

  beforeAll(async () => {
    [a, b] = await Promise.all([startEtcd({ portRange: PORTS, name: 'msrc' }), startEtcd({ portRange: PORTS, name: 'mdst' })]);
  }, 60_000);
  const writers: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.stop()));
    await stopAllProcesses();
    removeTempDirs();
  });

  it('converges under concurrent writes through kill -9 of the mirror and restarts of both sides; --cutover verifies', async () => {
    const src = `etcd://${a.clientUrl.slice(7)}`;
    const dst = `etcd://${b.clientUrl.slice(7)}`;
    const cp = join(cwd, 'mirror.checkpoint.json');
    const metricsAddr = `127.0.0.1:${await allocatePort(PORTS)}`;
    const args = ['mirror', src, dst, '--prefix', 'mx/', '--checkpoint', cp, '--metrics-addr', metricsAddr, '--status-interval', '1'];
    const writer = startWriter(() => a.clientUrl.slice(7), SEED);
    writers.push(writer);
    const faults: string[] = [];
    const applied = () => checkpointOf(cp)?.eventsApplied ?? 0;
    const progressBeyond = async (n: number, what: string) => waitFor(() => applied() > n, { timeoutMs: 60_000, what: () => `${what}: events applied ${applied()} <= ${n}` });

    let mirror = spawnDcsgw(args, cwd);
    await waitFor(() => checkpointOf(cp)?.phase === 'stream' && applied() > 20, { timeoutMs: 60_000, what: () => mirror.output() });
    expect(await metric(metricsAddr, 'dcsgw_mirror_lag_revisions')).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 2; i++) {
      mirror.kill('SIGKILL');
      await mirror.exited;
      faults.push('kill -9 mirror');
      const before = applied();
      mirror = spawnDcsgw(args, cwd);
      await progressBeyond(before + 20, 'after a kill -9 of the mirror');
      expect(mirror.output()).toContain('resuming from');
    }

    // the destination crashes and comes back on the same data: the mirror waits and carries on
    b.kill('SIGKILL');
    await b.process.exited;
    faults.push('kill -9 destination');
    b = await b.restart();
    await progressBeyond(applied() + 20, 'after the destination restarted');

    // the source crashes and comes back: the change stream resumes from the last applied revision
    a.kill('SIGKILL');
    await a.process.exited;
    faults.push('kill -9 source');
    a = await a.restart();
    await progressBeyond(applied() + 20, 'after the source restarted');

    await writer.stop();
    // in step: the gauge falls to 0 once every change is applied
    await waitFor(async () => (await metric(metricsAddr, 'dcsgw_mirror_lag_revisions')) === 0, { timeoutMs: 30_000, what: () => mirror.output().slice(-2000) });
    expect(mirror.output()).toMatch(/mirror {2}etcd:\/\/.* lag \d+/);
    mirror.kill('SIGTERM');
    expect(await mirror.exited).toBe(0);

    const cut = spawnDcsgw([...args.filter((x) => x !== '--metrics-addr' && x !== metricsAddr), '--cutover', '--json'], cwd);
    expect(await cut.exited, cut.output()).toBe(0);
    const report = JSON.parse(cut.stdoutText()) as CutoverReport;
    const source = await etcdContent(a.clientUrl, 'mx/');
    expect(report.ok).toBe(true);
    expect(report.verify).toMatchObject({ ok: true, checked: source.size, destinationKeys: source.size, missing: 0, extra: 0, differing: 0 });
    expect(diffContent(source, await etcdContent(b.clientUrl, 'mx/'))).toEqual({ missing: [], differing: [], extra: [] });
    console.log(
      `mirror etcd->etcd: ${writer.writes} source txns (${writer.failures} refused while the source was down), ${report.eventsApplied} change events applied, ${source.size} keys identical at source revision ${report.revision}; faults: ${faults.join(', ')}`,
    );
  }, 300_000);

  it.skipIf(!hasRedis())('etcd -> Redis: a prefix mapped to another, keys the destination had beforehand removed, in step under writes', async () => {
    const redis = await startRedis();
    try {
      const src = `etcd://${a.clientUrl.slice(7)}`;
      const cp = join(cwd, 'redis.checkpoint.json');
      // a stale key under the destination prefix: the mirror's copy removes it
      const { createRedisBackend } = await import('../../../src/adapters/redis.js');
      const { parseBackendUrl } = await import('../../../src/adapters/backend-url.js');
      const target = parseBackendUrl(redis.url);
      const rb = createRedisBackend(target.options as never);
      await rb.ready();
      await rb.put(putRequest(Buffer.from('copy/stale'), Buffer.from('old')));
      const writer = startWriter(() => a.clientUrl.slice(7), SEED + 7);
      writers.push(writer);
      const args = ['mirror', src, redis.url, '--prefix', 'mx/', '--dest-prefix', 'copy/', '--checkpoint', cp];
      const mirror = spawnDcsgw(args, cwd);
      await waitFor(() => checkpointOf(cp)?.phase === 'stream' && (checkpointOf(cp)?.eventsApplied ?? 0) > 50, { timeoutMs: 60_000, what: () => mirror.output() });
      mirror.kill('SIGKILL');
      await mirror.exited;
      await writer.stop();
      const cut = spawnDcsgw([...args, '--cutover', '--json'], cwd);
      expect(await cut.exited, cut.output()).toBe(0);
      const report = JSON.parse(cut.stdoutText()) as CutoverReport;
      const source = await etcdContent(a.clientUrl, 'mx/');
      expect(report.verify).toMatchObject({ ok: true, checked: source.size, destinationKeys: source.size });
      const { rangeRequest } = await import('../../../src/adapters/requests.js');
      const got = await rb.range(rangeRequest(Buffer.from('copy/'), { rangeEnd: Buffer.from('copy0') }));
      const dest = new Map(got.kvs.map((kv) => [`mx/${kv.key.toString('utf8').slice(5)}`, kv.value]));
      expect(diffContent(source, dest)).toEqual({ missing: [], differing: [], extra: [] });
      await rb.close();
      console.log(`mirror etcd->redis: ${writer.writes} source txns, ${report.eventsApplied} events applied, ${source.size} keys identical; faults: kill -9 mirror`);
    } finally {
      await redis.stop();
    }
  }, 180_000);
  it('Consul flags set through a Consul face follow; a compaction past the checkpoint while the mirror is down triggers a re-copy', async () => {
    const srcFace = await consulFaceOverEtcd(a.clientUrl);
    const dstFace = await consulFaceOverEtcd(b.clientUrl);
    const cp = join(cwd, 'flags.checkpoint.json');
    const args = ['mirror', `etcd://${a.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'cx/', '--checkpoint', cp];
    const put = async (key: string, value: string, flags: number) => expect(await (await fetch(`http://${srcFace.http}/v1/kv/${key}?flags=${flags}`, { method: 'PUT', body: value })).text()).toBe('true');
    const flagsAt = async (face: string, key: string) => {
      const res = await fetch(`http://${face}/v1/kv/${key}`);
      return res.status === 404 ? undefined : ((await res.json()) as Array<{ Flags: number; Value: string }>)[0];
    };
    let mirror = spawnDcsgw(args, cwd);
    await waitFor(() => checkpointOf(cp)?.phase === 'stream', { timeoutMs: 30_000, what: () => mirror.output() });
    await put('cx/f1', 'v1', 5);
    await put('cx/f2', 'gone soon', 0);
    await waitFor(async () => (await flagsAt(dstFace.http, 'cx/f1'))?.Flags === 5, { timeoutMs: 30_000, what: () => mirror.output() });
    // flags taken back to 0 follow too (the destination's metadata record goes)
    await put('cx/f3', 'three', 4);
    await waitFor(async () => (await flagsAt(dstFace.http, 'cx/f3'))?.Flags === 4, { timeoutMs: 30_000, what: () => mirror.output() });
    await put('cx/f3', 'three again', 0);
    await waitFor(async () => (await flagsAt(dstFace.http, 'cx/f3'))?.Flags === 0, { timeoutMs: 30_000, what: () => mirror.output() });
    mirror.kill('SIGKILL');
    await mirror.exited;

    // while the mirror is down: a flags change, a delete, new keys, then a compaction past its checkpoint
    await put('cx/f1', 'v2', 9);
    expect((await fetch(`http://${srcFace.http}/v1/kv/cx/f2`, { method: 'DELETE' })).status).toBe(200);
    for (let i = 0; i < 20; i++) await etcdctl(a.clientUrl, ['put', `cx/p${i}`, `p${i}`]);
    const rev = (JSON.parse((await etcdctl(a.clientUrl, ['get', 'cx/', '--prefix', '-w', 'json'])).stdout) as { header: { revision: number } }).header.revision;
    expect((await etcdctl(a.clientUrl, ['compact', String(rev)])).code).toBe(0);

    mirror = spawnDcsgw([...args, '--cutover', '--json'], cwd);
    expect(await mirror.exited, mirror.output()).toBe(0);
    expect(mirror.output()).toContain('compacted past revision');
    const report = JSON.parse(mirror.stdoutText()) as CutoverReport;
    expect(report.verify).toMatchObject({ ok: true, checked: 22 });
    const f1 = await flagsAt(dstFace.http, 'cx/f1');
    expect(f1?.Flags).toBe(9);
    expect(Buffer.from(f1!.Value, 'base64').toString()).toBe('v2');
    expect(await flagsAt(dstFace.http, 'cx/f2')).toBeUndefined();
    await srcFace.proc.stop();
    await dstFace.proc.stop();
  }, 120_000);
});
