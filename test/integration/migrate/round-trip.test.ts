// `dcsgw migrate` round trips through every kind of endpoint that can run here: genuine etcd 3.4,
// dcsgw's own etcd face, genuine Redis (the Redis adapter), a `consul kv export` JSON file and an
// etcd snapshot file (written by us and restored by genuine `etcdctl snapshot restore`, and one
// saved by genuine `etcdctl snapshot save` read back). 10 000 random keys with binary values and
// Consul flags (set through the Consul face of dcsgw over the source etcd, read back through one
// over the final etcd): after the chain, every key, value and flag is the same.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateSummary } from '../../../src/compat/migrate/migrate.js';
import { allocatePort, etcdctl, skipUnlessBinaries, startDcsgw, startEtcd, stopAllProcesses, type RunningMember } from '../../support/index.js';
import {
  PORTS,
  consulFaceOverEtcd,
  consulFlags,
  diffContent,
  etcdContent,
  hasRedis,
  loadIntoEtcd,
  randomDataset,
  removeTempDirs,
  runDcsgw,
  startRedis,
  tempDir,
  type RedisServer,
} from './migrate-support.js';

const KEYS = 10_000;
const FLAGGED: Array<[string, bigint]> = [
  ['rt/flags/lock', 0x2ddccbc058a50c18n],
  ['rt/flags/max', 18446744073709551615n],
  ['rt/flags/one', 1n],
  ['rt/flags/forty-two', 42n],
];

async function migrate(cwd: string, ...args: string[]): Promise<MigrateSummary> {
  const r = await runDcsgw(['migrate', ...args, '--json'], cwd);
  expect(r.code, `dcsgw migrate ${args.join(' ')}\n${r.stderr}\n${r.stdout}`).toBe(0);
  return JSON.parse(r.stdout) as MigrateSummary;
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('dcsgw migrate round trips', () => {
  let a: RunningMember;
  let b: RunningMember;
  let d: RunningMember;
  let redis: RedisServer | undefined;
  /** A native dcsgw whose Consul HTTP face the consul:// adapter talks to (no genuine Consul can be had here). */
  let consulFace: RunningMember;
  let consulAddr: string;
  const cwd = tempDir('round-trip');
  let expected: Map<string, import('node:buffer').Buffer>;

  beforeAll(async () => {
    consulAddr = `127.0.0.1:${await allocatePort(PORTS)}`;
    [a, b, d, consulFace] = await Promise.all([
      startEtcd({ portRange: PORTS, name: 'a' }),
      startEtcd({ portRange: PORTS, name: 'b' }),
      startDcsgw({ portRange: PORTS, name: 'd' }),
      startDcsgw({ portRange: PORTS, name: 'cf', extraArgs: ['--consul-http-addr', consulAddr, '--consul-dns-addr', 'off'] }),
    ]);
    if (hasRedis()) redis = await startRedis();
    await loadIntoEtcd(a.clientUrl, randomDataset(8, KEYS, 'rt/'));
    // flags are Consul's: written through the Consul face of a dcsgw over the source etcd
    const face = await consulFaceOverEtcd(a.clientUrl);
    for (const [key, flags] of FLAGGED) {
      const res = await fetch(`http://${face.http}/v1/kv/${key}?flags=${flags}`, { method: 'PUT', body: `value of ${key}` });
      expect(await res.text()).toBe('true');
    }
    await face.proc.stop();
    expected = await etcdContent(a.clientUrl, 'rt/');
    expect(expected.size).toBe(KEYS + FLAGGED.length);
  }, 120_000);

  afterAll(async () => {
    await redis?.stop();
    await stopAllProcesses();
    removeTempDirs();
  });

  it('etcd -> JSON -> dcsgw -> snapshot -> etcdctl snapshot restore -> etcd -> Redis -> Consul (dcsgw\'s face) -> etcd keeps every key, value and flag', async () => {
    const faults: string[] = [];
    const json = join(cwd, 'dump.json');
    const snap = join(cwd, 'snap.db');
    const hops: MigrateSummary[] = [];
    hops.push(await migrate(cwd, `etcd://${a.clientUrl.slice(7)}`, `file:${json}`, '--prefix', 'rt/'));
    // the file is consul kv export's format: tab-indented entries with key, flags and base64 value
    const entries = JSON.parse(readFileSync(json, 'utf8').replace(/"flags": (\d+)/g, '"flags": "$1"')) as Array<{ key: string; flags: string; value: string }>;
    expect(entries.length).toBe(KEYS + FLAGGED.length);
    expect(entries.find((e) => e.key === 'rt/flags/max')).toEqual({ key: 'rt/flags/max', flags: '18446744073709551615', value: Buffer.from('value of rt/flags/max').toString('base64') });
    expect(readFileSync(json, 'utf8').startsWith('[\n\t{\n\t\t"key": ')).toBe(true);

    hops.push(await migrate(cwd, `file:${json}`, `etcd://${d.clientUrl.slice(7)}`, '--prefix', 'rt/', '--dest-prefix', 'moved/'));
    hops.push(await migrate(cwd, `etcd://${d.clientUrl.slice(7)}`, `file:${snap}`, '--prefix', 'moved/', '--dest-prefix', 'rt/'));

    // genuine etcdctl restores the snapshot and a genuine etcd serves it
    const restored = join(cwd, 'restored.etcd');
    const r = await etcdctl(a.clientUrl, ['snapshot', 'restore', snap, '--data-dir', restored], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const c = await startEtcd({ portRange: PORTS, name: 'c', dataDir: restored });
    expect(diffContent(expected, await etcdContent(c.clientUrl, 'rt/'))).toEqual({ missing: [], differing: [], extra: [] });

    let last = `etcd://${c.clientUrl.slice(7)}`;
    if (redis) {
      hops.push(await migrate(cwd, last, redis.url, '--prefix', 'rt/'));
      last = redis.url;
    } else faults.push('redis-server absent: the Redis hop was skipped');
    hops.push(await migrate(cwd, last, `consul://${consulAddr}`, '--prefix', 'rt/'));
    last = `consul://${consulAddr}`;
    hops.push(await migrate(cwd, last, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'rt/'));

    for (const h of hops) {
      expect(h.keys, `${h.source} -> ${h.destination}`).toBe(KEYS + FLAGGED.length);
      expect(h.verify?.ok, JSON.stringify(h.verify?.mismatches.slice(0, 5))).toBe(true);
      expect(h.verify?.checked).toBe(KEYS + FLAGGED.length);
      expect(h.rejected).toEqual([]);
    }
    expect(diffContent(expected, await etcdContent(b.clientUrl, 'rt/'))).toEqual({ missing: [], differing: [], extra: [] });
    // the flags, as a Consul client of a dcsgw over the final etcd sees them
    const face = await consulFaceOverEtcd(b.clientUrl);
    const flags = await consulFlags(face.http, 'rt/flags/');
    expect([...flags].sort()).toEqual([...FLAGGED].sort());
    await face.proc.stop();
    await c.stop();
    const bytes = hops.reduce((n, h) => n + h.bytes, 0);
    console.log(`migrate round trip: ${hops.length} hops, ${KEYS + FLAGGED.length} keys, ${bytes} bytes moved in all, ${hops.map((h) => `${h.keysPerSecond} keys/s`).join(', ')}${faults.length ? `; ${faults.join('; ')}` : ''}`);
  }, 240_000);

  it('reads a snapshot saved by genuine etcdctl; a store it cannot address is refused with the forms allowed', async () => {
    const saved = join(cwd, 'genuine.db');
    const r = await etcdctl(a.clientUrl, ['snapshot', 'save', saved], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const s = await migrate(cwd, `file:${saved}`, `file:${join(cwd, 'from-genuine.json')}`, '--prefix', 'rt/');
    expect(s.keys).toBe(KEYS + FLAGGED.length);
    expect(s.verify?.ok).toBe(true);
    const flagged = JSON.parse(readFileSync(join(cwd, 'from-genuine.json'), 'utf8').replace(/"flags": (\d+)/g, '"flags": "$1"')) as Array<{ key: string; flags: string }>;
    expect(flagged.filter((e) => e.flags !== '0').map((e) => [e.key, BigInt(e.flags)]).sort()).toEqual([...FLAGGED].sort());

    const bad = await runDcsgw(['migrate', 'http://127.0.0.1:1', 'file:x.json'], cwd);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a store URL; use etcd://host:port');
    const usage = await runDcsgw(['migrate', 'file:x.json'], cwd);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('dcsgw migrate takes SRC and DST');
    const batch = await runDcsgw(['migrate', 'file:a.json', 'file:b.json', '--batch', '0'], cwd);
    expect([batch.code, batch.stderr]).toEqual([2, 'Error: --batch must be a positive integer (got "0")\n']);
    const unknown = await runDcsgw(['migrate', 'file:a.json', 'file:b.json', '--frobnicate'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('flag provided but not defined: -frobnicate');
    const mirrorFile = await runDcsgw(['mirror', `etcd://${a.clientUrl.slice(7)}`, 'file:x.json'], cwd);
    expect([mirrorFile.code, mirrorFile.stderr]).toEqual([2, 'Error: dcsgw mirror needs two stores (etcd://, consul://, redis://); for a file, use dcsgw migrate\n']);
    const help = await runDcsgw(['mirror', '--help'], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--metrics-addr H:P');
  }, 120_000);

  it('--dry-run writes nothing; a key a file cannot hold and a changed destination key are each reported, with exit status 3', async () => {
    const dry = await migrate(cwd, `etcd://${a.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'rt/', '--dest-prefix', 'dry/', '--dry-run');
    expect(dry).toMatchObject({ dryRun: true, keys: KEYS + FLAGGED.length, destinationExistingKeys: 0 });
    expect((await etcdContent(b.clientUrl, 'dry/')).size).toBe(0);

    // a binary (non-UTF-8) key cannot be spelled in a consul kv export file
    const { createEtcdBackend } = await import('../../../src/adapters/etcd.js');
    const { putRequest } = await import('../../../src/adapters/requests.js');
    const be = createEtcdBackend({ endpoints: [a.clientUrl.slice(7)] });
    await be.put(putRequest(Buffer.from([0x62, 0x69, 0x6e, 0x2f, 0xff, 0xfe]), Buffer.from('x')));
    await be.close();
    const out = await runDcsgw(['migrate', `etcd://${a.clientUrl.slice(7)}`, `file:${join(cwd, 'bin.json')}`, '--prefix', 'bin/', '--json'], cwd);
    expect(out.code).toBe(3);
    const s = JSON.parse(out.stdout) as MigrateSummary;
    expect(s.rejected).toEqual([{ key: 'base64:YmluL//+', reason: 'the key is not UTF-8: a consul kv export file holds keys as JSON strings' }]);
    expect(s.verify?.mismatches).toEqual([expect.objectContaining({ key: 'base64:YmluL//+', problem: 'missing' })]);

    // verification names each key the destination holds that the source does not
    await etcdctl(b.clientUrl, ['put', 'rt/flags/zz-extra', 'not in the source']);
    const extra = await runDcsgw(['migrate', `etcd://${a.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'rt/flags/', '--json'], cwd);
    expect(extra.code).toBe(3);
    expect(JSON.parse(extra.stdout).verify).toMatchObject({ ok: false, sourceKeys: FLAGGED.length, destinationKeys: FLAGGED.length + 1, extra: 1, mismatches: [{ key: 'rt/flags/zz-extra', problem: 'extra' }] });
    const human = await runDcsgw(['migrate', `etcd://${a.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'rt/flags/', '--no-verify'], cwd);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`copied ${FLAGGED.length} keys`);
    expect(human.stdout).not.toContain('verified');
  }, 120_000);
  it('values up to 1 MiB pass through JSON, a snapshot genuine etcd restores and etcd; Consul refuses one over its 512 KiB transaction limit, reported by key', async () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    const mid = Buffer.alloc(600 * 1024, 9);
    big.write('head', 0);
    const entries = [
      { key: 'large/1mib', flags: 5, value: big.toString('base64') },
      { key: 'large/600kib', flags: 0, value: mid.toString('base64') },
      { key: 'large/small', flags: 1, value: Buffer.from('x').toString('base64') },
    ];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'large.json'), JSON.stringify(entries));
    const snap = join(cwd, 'large.db');
    expect((await migrate(cwd, `file:${join(cwd, 'large.json')}`, `file:${snap}`)).verify?.ok).toBe(true);
    const restored = join(cwd, 'large.etcd');
    const r = await etcdctl(a.clientUrl, ['snapshot', 'restore', snap, '--data-dir', restored], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const c = await startEtcd({ portRange: PORTS, name: 'large', dataDir: restored });
    const got = await etcdContent(c.clientUrl, 'large/');
    expect(got.get('large/1mib')?.equals(big)).toBe(true);
    expect(got.get('large/600kib')?.equals(mid)).toBe(true);
    const toEtcd = await migrate(cwd, `etcd://${c.clientUrl.slice(7)}`, `etcd://${b.clientUrl.slice(7)}`, '--prefix', 'large/');
    expect(toEtcd.verify).toMatchObject({ ok: true, checked: 3 });
    await c.stop();

    const out = await runDcsgw(['migrate', `file:${join(cwd, 'large.json')}`, `consul://${consulAddr}`, '--prefix', 'large/', '--json'], cwd);
    expect(out.code, out.stderr).toBe(3);
    const s = JSON.parse(out.stdout) as MigrateSummary;
    expect(s.rejected.map((x) => x.key).sort()).toEqual(['large/1mib', 'large/600kib']);
    expect(s.rejected[0]!.reason).toMatch(/Consul's limit of 524288 bytes/);
    expect(s.verify).toMatchObject({ missing: 2, differing: 0, extra: 0 });
  }, 120_000);
});
