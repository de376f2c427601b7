// The server RPC (port 8300, beside raft) as a client agent uses it: createRemoteBackend against
// three server agents on 127.0.1.21-23. The Backend interface over the wire (KV, txn, leases,
// watches, errors with etcd's codes and texts), the server list learned from one address, failover
// when the connected server dies (a watch resumes without a gap), and Consul's "No known Consul
// servers" while none answers. Servers run from the build (dist/); the client is this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Event } from '../../../src/adapters/backend.js';
import { EtcdError } from '../../../src/adapters/errors.js';
import { createRemoteBackend, type RemoteBackend } from '../../../src/adapters/remote.js';
import { rangeRequest } from '../../../src/adapters/requests.js';
import { hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP consul-cluster server RPC: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const bin = join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-server-rpc-'));
const ADDRS = ['127.0.1.21', '127.0.1.22', '127.0.1.23'];
/** An address of the range where nothing listens. */
const NOBODY = '127.0.1.29:8300';
const procs = new Map<string, ManagedProcess>();
const remotes: RemoteBackend[] = [];

function startServer(i: number): void {
  const addr = ADDRS[i]!;
  const args = [
    'agent',
    '-server',
    '-bootstrap-expect=3',
    `-node=r${i + 1}`,
    `-bind=${addr}`,
    `-client=${addr}`,
    ...ADDRS.map((a) => `-retry-join=${a}`),
    '-retry-interval=1s',
    `-data-dir=${join(work, `r${i + 1}`)}`,
    '-dns-port=-1',
    '-etcd-port=-1',
  ];
  procs.set(addr, spawnManaged(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' } }));
}

function remote(servers: string[], connectWaitMs?: number): RemoteBackend {
  const r = createRemoteBackend({ servers, ...(connectWaitMs !== undefined ? { connectWaitMs } : {}) });
  remotes.push(r);
  return r;
}

const put = (r: RemoteBackend, key: string, value: string) =>
  r.put({ key: Buffer.from(key), value: Buffer.from(value), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false });
const get = async (r: RemoteBackend, key: string): Promise<string | undefined> => (await r.range(rangeRequest(Buffer.from(key)))).kvs[0]?.value.toString();

beforeAll(async () => {
  if (noBuild) return;
  ADDRS.forEach((_a, i) => startServer(i));
  await waitFor(
    async () => {
      const leaders = await Promise.all(ADDRS.map(async (a) => (await fetch(`http://${a}:8500/v1/status/leader`)).json() as Promise<string>));
      return leaders[0] !== '' && leaders.every((l) => l === leaders[0]);
    },
    { timeoutMs: 60_000, intervalMs: 200, what: () => `a leader on every server\n${[...procs.values()].map((p) => p.output().slice(-3000)).join('\n---\n')}` },
  );
}, 90_000);

afterAll(async () => {
  for (const r of remotes) await r.close();
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(noBuild)('the server RPC on port 8300 (createRemoteBackend)', () => {
  test('one server address is enough: the client learns every server, and KV written over RPC is the Consul key of the same name', async () => {
    const r = remote([`${ADDRS[0]}:8300`]);
    await r.ready(10_000);
    await waitFor(() => r.servers().length === 3, { what: 'the three servers learned' });
    expect([...r.servers()].sort()).toEqual(ADDRS.map((a) => `${a}:8300`));
    const res = await put(r, 'rpc/greeting', 'over the wire');
    expect(res.header.revision).toBeGreaterThan(1);
    expect(r.header().revision).toBe(res.header.revision);
    // read back through another server's RPC and through a third server's Consul HTTP API
    const other = remote([`${ADDRS[1]}:8300`]);
    expect(await get(other, 'rpc/greeting')).toBe('over the wire');
    expect(await (await fetch(`http://${ADDRS[2]}:8500/v1/kv/rpc/greeting?raw`)).text()).toBe('over the wire');
  });

  test("txn, leases and errors travel as the Backend's own shapes", async () => {
    const r = remote([`${ADDRS[1]}:8300`]);
    const t = await r.txn({
      compare: [{ result: 0, target: 0, key: Buffer.from('rpc/txn'), rangeEnd: Buffer.alloc(0), version: 0 }],
      success: [{ requestPut: { key: Buffer.from('rpc/txn'), value: Buffer.from('created'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }],
      failure: [],
    });
    expect(t.succeeded).toBe(true);
    expect(Buffer.isBuffer((await r.range(rangeRequest(Buffer.from('rpc/txn')))).kvs[0]!.key)).toBe(true);
    const lease = await r.leaseGrant({ ttl: 30, id: 0n });
    expect(typeof lease.id).toBe('bigint');
    expect(lease.ttl).toBe(30);
    const kept = await r.leaseKeepAlive(lease.id);
    expect(kept.id).toBe(lease.id);
    expect(kept.ttl).toBe(30);
    const err = await r.leaseRevoke(0x7777n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect(err).toMatchObject({ code: 5, message: 'etcdserver: requested lease not found' });
    const members = await r.memberList(false);
    expect(members.members.map((m) => m.name).sort()).toEqual(['r1', 'r2', 'r3']);
  });

  test('the connected server dies: calls fail over to another server and a watch resumes without a gap', async () => {
    const r = remote(ADDRS.map((a) => `${a}:8300`));
    await r.ready(10_000);
    const seen: string[] = [];
    const events: Event[] = [];
    r.watch({ key: Buffer.from('fo/'), rangeEnd: Buffer.from('fo0'), startRevision: 0, prevKv: false, filters: [] }, {
      onEvents: (ev) => {
        events.push(...ev);
        for (const e of ev) seen.push(e.kv.key.toString());
      },
      onCompacted: () => seen.push('compacted'),
      onCanceled: (why) => seen.push(`canceled: ${why}`),
    });
    await waitFor(async () => {
      await put(r, 'fo/probe', String(Date.now()));
      return seen.includes('fo/probe');
    });
    await put(r, 'fo/before', '1');
    await waitFor(() => seen.includes('fo/before'));
    const victim = r.connectedServer()!;
    const host = victim.replace(/:8300$/, '');
    const survivors = ADDRS.filter((a) => a !== host);
    const proc = procs.get(host)!;
    proc.kill('SIGKILL');
    await proc.exited;
    // written elsewhere while the client is between servers
    const http = await fetch(`http://${survivors[0]}:8500/v1/kv/fo/during`, { method: 'PUT', body: 'x' });
    expect(await http.text()).toBe('true');
    await put(r, 'fo/after', '2');
    expect(r.connectedServer()).not.toBe(victim);
    await waitFor(() => seen.includes('fo/during') && seen.includes('fo/after'), { what: () => `the events after the failover; seen ${seen.join(', ')}` });
    expect(seen.filter((k) => k.startsWith('canceled') || k === 'compacted')).toEqual([]);
    // every event once, in revision order
    const revs = events.map((e) => e.kv.modRevision);
    expect([...revs].sort((a, b) => a - b)).toEqual(revs);
    expect(new Set(revs).size).toBe(revs.length);
    expect(await get(r, 'fo/during')).toBe('x');
    startServer(ADDRS.indexOf(host));
  });

  test("no server answering: requests fail with Consul's \"No known Consul servers\"", async () => {
    const r = remote([NOBODY], 300);
    const err = await get(r, 'rpc/greeting').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as Error).message).toBe('No known Consul servers');
    // and it keeps trying: given a live server, the same client answers
    r.setServers([`${ADDRS[0]}:8300`, `${ADDRS[1]}:8300`, `${ADDRS[2]}:8300`]);
    await r.ready(15_000);
    expect(await get(r, 'rpc/greeting')).toBe('over the wire');
  });
});
