// `dcsgw --backend etcd://...` as a user runs it: the dcsgw binary in front of a genuine etcd 3.4
// cluster, serving the etcd face (its client URL) and the Consul face (HTTP). Genuine etcdctl runs
// the same commands against dcsgw-over-etcd and against a second, fresh genuine etcd directly; the
// answers must be the same (IDs aside: dcsgw passes the backing cluster's IDs through, checked
// against that cluster). The Consul KV API works over it: a Consul PUT lands in genuine etcd under
// the user key, its Flags under the reserved "\0dcsgw/" prefix that etcd clients of dcsgw never see.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allocatePort,
  etcdctl,
  hasDcsgwBuild,
  makeTempDir,
  repoRoot,
  skipUnlessBinaries,
  startDcsgw,
  startEtcd,
  stopAllProcesses,
  type RunningMember,
} from '../../support/index.js';
import { expectSameEtcdctlSession, sideBySide } from '../../support/etcdctl-side-by-side.js';

const PORTS = { from: 39500, to: 39999 };

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl') || !hasDcsgwBuild())('dcsgw --backend etcd:// (the binary, genuine etcdctl)', () => {
  let direct: RunningMember; // genuine etcd, asked directly
  let backing: RunningMember; // genuine etcd behind dcsgw
  let gateway: RunningMember; // dcsgw --backend etcd://backing
  let consulUrl: string;
  let raw: Etcd3;

  beforeAll(async () => {
    [direct, backing] = await Promise.all([startEtcd({ portRange: PORTS, name: 'direct' }), startEtcd({ portRange: PORTS, name: 'backing' })]);
    const consulPort = await allocatePort(PORTS);
    consulUrl = `http://127.0.0.1:${consulPort}`;
    gateway = await startDcsgw({
      portRange: PORTS,
      name: 'gw',
      extraArgs: ['--backend', `etcd://127.0.0.1:${backing.clientPort}`, '--consul-http-addr', `127.0.0.1:${consulPort}`, '--consul-dns-addr', 'off'],
    });
    raw = new Etcd3({ hosts: backing.clientUrl });
  });
  afterAll(async () => {
    raw?.close();
    await stopAllProcesses();
  });

  // IDs aside (masked), the same answers from dcsgw-over-etcd and from the other genuine etcd
  const s = sideBySide(() => gateway, () => direct);

  it('the same answers for put/get/del/txn/watch/lease/compaction and their errors', async () => {
    await expectSameEtcdctlSession(s);
  });

  it('headers, member list and status are the backing cluster\'s', async () => {
    const [viaGw, viaBacking] = await Promise.all([
      etcdctl(gateway.endpoints, ['get', 'foo', '-w', 'json']),
      etcdctl(backing.endpoints, ['get', 'foo', '-w', 'json']),
    ]);
    expect(viaGw.stdout).toBe(viaBacking.stdout);
    const [ml, mlb] = await Promise.all([etcdctl(gateway.endpoints, ['member', 'list', '-w', 'json']), etcdctl(backing.endpoints, ['member', 'list', '-w', 'json'])]);
    expect(ml.stdout).toBe(mlb.stdout);
    const status = JSON.parse((await etcdctl(gateway.endpoints, ['endpoint', 'status', '-w', 'json'])).stdout) as Array<{ Status: { header: { member_id: number }; version: string } }>;
    const backingStatus = JSON.parse((await etcdctl(backing.endpoints, ['endpoint', 'status', '-w', 'json'])).stdout) as typeof status;
    expect(status[0]!.Status.header.member_id).toBe(backingStatus[0]!.Status.header.member_id);
    expect(status[0]!.Status.version).toBe('3.4.23');
    // a snapshot through dcsgw is the genuine cluster's database
    const file = join(makeTempDir('dcsgw-snap-'), 'snap.db');
    const saved = await etcdctl(gateway.endpoints, ['snapshot', 'save', file]);
    expect(saved.stdout).toContain(`Snapshot saved at ${file}`);
    const st = JSON.parse((await etcdctl([], ['snapshot', 'status', file, '-w', 'json'])).stdout) as { revision: number; totalKey: number };
    expect(st.revision).toBe(JSON.parse(viaBacking.stdout).header.revision);
  });

  it('the Consul KV API over genuine etcd: value under the user key, Flags under the reserved prefix, hidden from etcd clients of dcsgw', async () => {
    const put = await fetch(`${consulUrl}/v1/kv/app/config?flags=42`, { method: 'PUT', body: 'hello' });
    expect(await put.text()).toBe('true');
    const get = (await (await fetch(`${consulUrl}/v1/kv/app/config`)).json()) as Array<{ Key: string; Flags: number; Value: string; ModifyIndex: number }>;
    expect(get[0]!.Flags).toBe(42);
    expect(Buffer.from(get[0]!.Value, 'base64').toString()).toBe('hello');
    // in genuine etcd: the user key with the value, at the revision Consul reported
    const direct = await etcdctl(backing.endpoints, ['get', 'app/config', '-w', 'json']);
    const kv = (JSON.parse(direct.stdout) as { kvs: Array<{ value: string; mod_revision: number }> }).kvs[0]!;
    expect(Buffer.from(kv.value, 'base64').toString()).toBe('hello');
    expect(kv.mod_revision).toBe(get[0]!.ModifyIndex);
    // ... and the metadata record (Flags) in the reserved zone, written in the same txn
    const meta = await raw.get('\x00dcsgw/kv/app/config').exec();
    expect(meta.kvs).toHaveLength(1);
    expect(meta.kvs[0]!.value.toString()).toContain('42');
    expect(Number(meta.kvs[0]!.mod_revision)).toBe(kv.mod_revision);
    // etcdctl through dcsgw: the user key only, never the zone
    const all = await etcdctl(gateway.endpoints, ['get', '', '--from-key', '--keys-only']);
    expect(all.stdout.split('\n').filter((l) => l !== '')).toEqual(['app/config', 'b', 'foo', 'x']);
    const rawKeys = await raw.getAll().keys();
    expect(rawKeys.some((k) => k.startsWith('\x00dcsgw/'))).toBe(true);
    // an etcd write through dcsgw is a Consul key with Flags 0
    await etcdctl(gateway.endpoints, ['put', 'app/from-etcd', 'v']);
    const fromEtcd = (await (await fetch(`${consulUrl}/v1/kv/app/from-etcd`)).json()) as Array<{ Flags: number; Value: string }>;
    expect(fromEtcd[0]!.Flags).toBe(0);
    // del "" --from-key through dcsgw leaves Consul's metadata alone
    await etcdctl(gateway.endpoints, ['del', '', '--from-key']);
    expect((await raw.get('\x00dcsgw/kv/app/config').exec()).kvs).toHaveLength(1);
    expect((await fetch(`${consulUrl}/v1/kv/app/config`)).status).toBe(404);
  });

  it('Consul sessions over genuine etcd: a lease etcd clients of dcsgw cannot see, a lock released when the session ends', async () => {
    const created = await fetch(`${consulUrl}/v1/session/create`, { method: 'PUT', body: JSON.stringify({ Name: 'locker', TTL: '30s', LockDelay: '0s' }) });
    const { ID } = (await created.json()) as { ID: string };
    expect(ID).toMatch(/^[0-9a-f-]{36}$/);
    const acquire = await fetch(`${consulUrl}/v1/kv/locks/leader?acquire=${ID}`, { method: 'PUT', body: 'me' });
    expect(await acquire.text()).toBe('true');
    const held = (await (await fetch(`${consulUrl}/v1/kv/locks/leader`)).json()) as Array<{ Session?: string; LockIndex: number }>;
    expect(held[0]!.Session).toBe(ID);
    expect(held[0]!.LockIndex).toBe(1);
    // the session's lease exists in genuine etcd, but not for etcd clients of dcsgw
    const leasesOf = async (m: RunningMember) => (await etcdctl(m.endpoints, ['lease', 'list'])).stdout.split('\n').slice(1).filter((l) => l !== '');
    const viaGw = await leasesOf(gateway);
    const direct = await leasesOf(backing);
    const hidden = direct.filter((id) => !viaGw.includes(id));
    expect(hidden).toHaveLength(1);
    expect(viaGw.every((id) => direct.includes(id))).toBe(true);
    const leaseHex = hidden[0]!;
    const revoke = await etcdctl(gateway.endpoints, ['lease', 'revoke', leaseHex]);
    expect(revoke.stderr).toContain('etcdserver: requested lease not found');
    // ending the session releases the lock, as Consul does
    const destroyed = await fetch(`${consulUrl}/v1/session/destroy/${ID}`, { method: 'PUT' });
    expect(await destroyed.text()).toBe('true');
    const released = (await (await fetch(`${consulUrl}/v1/kv/locks/leader`)).json()) as Array<{ Session?: string; Value: string }>;
    expect(released[0]!.Session).toBeUndefined();
    expect(Buffer.from(released[0]!.Value, 'base64').toString()).toBe('me');
  });

  it('bad backend URLs stop start-up with a clear error', () => {
    const bin = join(repoRoot(), 'bin', 'dcsgw');
    for (const [url, text] of [
      ['consul://', 'no host:port given'],
      ['redis://nohost', '"nohost" is not host:port'],
      ['consul://127.0.0.1:8500?bogus=1', 'unknown option "bogus"'],
      ['etcd://nohostport', '"nohostport" is not host:port'],
      ['zk://127.0.0.1:2181', 'unsupported backend URL'],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, '--backend', url, '--consul-http-addr', 'off', '--consul-dns-addr', 'off'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, url).toBe(1);
      expect(r.stderr, url).toContain(text);
    }
  });
});
