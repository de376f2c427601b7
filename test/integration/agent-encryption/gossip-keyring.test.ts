// Gossip key rotation as a Consul user runs it (`consul keyring -install / -use / -remove`, i.e.
// /v1/operator/keyring), on a running encrypted cluster of two servers and a client agent, without
// a restart: every member reports its keys, a new key reaches every agent's ring and keyring file,
// the agents switch to it, the old key is refused afterwards, a new agent joins with the new key
// (keeping no keyring file with -disable-keyring-file) and a restarted one comes back from its
// keyring file. Also: Consul's refusals (the primary key
// cannot be removed, an unknown key cannot be used, a bad key, a client agent), `dcsgw consul
// keyring` (consul keyring's lines), the `encrypted` stat of /v1/agent/self, a -dev agent's
// one-member keyring; and, in-process, the pools' answers without encryption and with a member
// that does not answer.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeyring } from '../../../src/cli/agent/keyring-command.js';
import type { ConsulContext, GossipKeyringAccess } from '../../../src/gateway/consul/context.js';
import { keyringErrorText, keyringOperation } from '../../../src/gateway/consul/gossip-keyring-pools.js';
import { setSerfTransport } from '../../../src/native/cluster/serf-port.js';
import { askMemberKeyring, decodeGossipKey, encryptSerfLan } from '../../../src/native/cluster/transport-tls-gossip.js';
import { allocatePorts, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';
import { createServer, request } from 'node:http';

const bin = process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw');
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-gossip-keyring-'));
// at file level: removed even when the agents' tests are skipped or filtered out
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(): string {
  return execFileSync(process.execPath, [bin, 'keygen'], { encoding: 'utf8' }).trim();
}

async function http(base: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, text: await res.text() };
}

interface Pool {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Keys: Record<string, number>;
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
  Messages?: Record<string, string>;
}

async function list(base: string): Promise<Pool[]> {
  const r = await http(base, 'GET', '/v1/operator/keyring');
  expect(r.status, r.text).toBe(200);
  return JSON.parse(r.text) as Pool[];
}

describe.skipIf(!existsSync(join(repoRoot(), 'dist')))('gossip keyring rotation without a restart', () => {
  afterAll(async () => {
    await stopAllProcesses();
    setSerfTransport({ createServer: (h) => createServer(h), request: (o, cb) => request(o, cb) });
  });

  it('install, use and remove reach every agent; the old key is refused after; agents join and restart with the new one', async () => {
    const k1 = keygen();
    const k2 = keygen();
    const [serfPort, serverPort, httpPort, dnsPort] = await allocatePorts(4, { from: 12500, to: 12999 });
    const dataDir = (i: number) => join(dir, `data${i}`);
    const common = (i: number) => [`-bind=127.0.6.${i}`, `-client=127.0.6.${i}`, `-serf-lan-port=${serfPort}`, `-server-port=${serverPort}`, `-http-port=${httpPort}`, `-dns-port=${dnsPort}`, '-etcd-port=-1', `-data-dir=${dataDir(i)}`, `-node=agent${i}`, `-retry-join=127.0.6.11:${serfPort}`, '-retry-interval=1s'];
    const env = { ...process.env, DCSGW_BACKEND: '' };
    const procs = new Map<number, ManagedProcess>();
    const start = (i: number, args: string[]) => procs.set(i, spawnManaged(process.execPath, [bin, 'agent', ...common(i), ...args], { env }));
    start(11, ['-server', '-bootstrap-expect=2', `-encrypt=${k1}`]);
    start(12, ['-server', '-bootstrap-expect=2', `-encrypt=${k1}`]);
    start(13, [`-encrypt=${k1}`]);
    const s1 = `http://127.0.6.11:${httpPort}`;
    const s2 = `http://127.0.6.12:${httpPort}`;
    const c1 = `http://127.0.6.13:${httpPort}`;
    const out = () => [...procs].map(([i, p]) => `--- agent${i}\n${p.output().slice(-3000)}`).join('\n');
    const aliveMembers = async (base: string): Promise<string[]> => {
      const r = await http(base, 'GET', '/v1/agent/members').catch(() => ({ status: 0, text: '[]' }));
      if (r.status !== 200) return [];
      return (JSON.parse(r.text) as Array<{ Name: string; Status: number }>).filter((m) => m.Status === 1).map((m) => m.Name).sort();
    };
    try {
      await waitFor(async () => (await aliveMembers(s1)).length === 3, { timeoutMs: 60_000, what: 'three members alive' });
      await waitFor(async () => (await http(c1, 'GET', '/v1/status/leader').catch(() => ({ text: '""' }))).text.length > 2, { timeoutMs: 30_000, what: 'a leader seen by the client' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${out()}`);
    }

    // every member reports the key it started with: the WAN pool (servers, node.dc) and the LAN pool
    let pools = await list(s1);
    expect(pools).toEqual([
      { WAN: true, Datacenter: 'dc1', Segment: '', Keys: { [k1]: 2 }, PrimaryKeys: { [k1]: 2 }, NumNodes: 2 },
      { WAN: false, Datacenter: 'dc1', Segment: '', Keys: { [k1]: 3 }, PrimaryKeys: { [k1]: 3 }, NumNodes: 3 },
    ]);
    expect((await http(s1, 'GET', '/v1/operator/keyring?local-only=true')).text).toBe(JSON.stringify([pools[1]]));
    // `consul keyring -list` (dcsgw consul keyring) prints each pool's keys with their counts
    const cli = (...args: string[]) => runKeyring([...args, `-http-addr=127.0.6.11:${httpPort}`], {});
    expect(await cli('-list')).toEqual({ code: 0, stdout: `==> Gathering installed encryption keys...\n\nWAN:\n  ${k1} [2/2]\n\ndc1 (LAN):\n  ${k1} [3/3]\n`, stderr: '' });
    expect(await cli('-list', '-install', k2)).toMatchObject({ code: 1, stderr: 'Only a single action is allowed\n' });
    expect(await cli('-install', k2, '-local-only')).toMatchObject({ code: 1, stderr: 'Error validating local-only: local-only can only be set for list requests\n' });
    // the `encrypted` stat consul info shows
    const self = JSON.parse((await http(c1, 'GET', '/v1/agent/self')).text) as { Stats: Record<string, Record<string, string>>; DebugConfig: Record<string, unknown> };
    expect(self.Stats.serf_lan!.encrypted).toBe('true');
    expect(self.DebugConfig.EncryptKey).toBe('hidden');
    // a client agent sends no keyring operation (Consul: servers only)
    expect(await http(c1, 'GET', '/v1/operator/keyring')).toEqual({ status: 500, text: 'keyring operations must run against a server node' });

    // install (through the CLI, then again through the other server: installing twice is no change)
    expect(await cli('-install', k2)).toEqual({ code: 0, stdout: '==> Installing new gossip encryption key...\n', stderr: '' });
    expect(await http(s2, 'POST', '/v1/operator/keyring', JSON.stringify({ Key: k2 }))).toEqual({ status: 200, text: '' });
    pools = await list(s1);
    expect(pools[1]).toMatchObject({ Keys: { [k1]: 3, [k2]: 3 }, PrimaryKeys: { [k1]: 3 }, NumNodes: 3 });
    expect(pools[0]).toMatchObject({ Keys: { [k1]: 2, [k2]: 2 }, NumNodes: 2 });
    for (const i of [11, 12, 13]) expect(JSON.parse(readFileSync(join(dataDir(i), 'serf', 'local.keyring'), 'utf8'))).toEqual([k1, k2]);

    // Consul's refusals, member by member
    let r = await http(s1, 'DELETE', '/v1/operator/keyring', JSON.stringify({ Key: k1 }));
    expect(r.status).toBe(500);
    expect(r.text).toBe(
      '7 errors occurred:\n\t* WAN error: 2/2 nodes reported failure\n\t* agent11.dc1: Removing the primary key is not allowed\n\t* agent12.dc1: Removing the primary key is not allowed\n' +
        '\t* dc1 (LAN) error: 3/3 nodes reported failure\n\t* agent11: Removing the primary key is not allowed\n\t* agent12: Removing the primary key is not allowed\n\t* agent13: Removing the primary key is not allowed\n\n',
    );
    expect(await cli('-remove', k1)).toEqual({ code: 1, stdout: '==> Removing gossip encryption key...\n', stderr: `error: Unexpected response code: 500 (${r.text})\n` });
    r = await http(s1, 'PUT', '/v1/operator/keyring', JSON.stringify({ Key: keygen() }));
    expect(r.status).toBe(500);
    expect(r.text).toContain('\t* dc1 (LAN) error: 3/3 nodes reported failure\n\t* agent11: Requested key is not in the keyring\n');
    r = await http(s1, 'POST', '/v1/operator/keyring', JSON.stringify({ Key: 'not-base64!' }));
    expect(r).toEqual({ status: 500, text: '2 errors occurred:\n\t* WAN error: illegal base64 data at input byte 3\n\t* dc1 (LAN) error: illegal base64 data at input byte 3\n\n' });
    r = await http(s1, 'POST', '/v1/operator/keyring', JSON.stringify({ Key: Buffer.alloc(10).toString('base64') }));
    expect(r.text).toContain('\t* agent13: key size must be 16, 24 or 32 bytes\n');
    r = await http(s1, 'POST', '/v1/operator/keyring?local-only=true', JSON.stringify({ Key: k2 }));
    expect(r).toEqual({ status: 400, text: 'Invalid use of local-only: local-only can only be set for list requests' });
    r = await http(s1, 'POST', '/v1/operator/keyring', JSON.stringify({ Key: 5 }));
    expect(r).toEqual({ status: 400, text: 'Request decode failed: json: cannot unmarshal number into Go struct field keyringArgs.Key of type string' });

    // use the new key, then remove the old one: every agent switches without a restart
    expect(await http(s1, 'PUT', '/v1/operator/keyring', JSON.stringify({ Key: k2 }))).toEqual({ status: 200, text: '' });
    expect((await list(s2))[1]).toMatchObject({ PrimaryKeys: { [k2]: 3 } });
    expect((await cli('-list-primary', '-local-only=false')).stdout).toBe(`==> Gathering installed primary encryption keys...\n\nWAN:\n  ${k2} [2/2]\n\ndc1 (LAN):\n  ${k2} [3/3]\n`);
    expect(await http(s1, 'DELETE', '/v1/operator/keyring', JSON.stringify({ Key: k1 }))).toEqual({ status: 200, text: '' });
    pools = await list(s2);
    expect(pools.map((p) => [p.Keys, p.PrimaryKeys, p.NumNodes])).toEqual([
      [{ [k2]: 2 }, { [k2]: 2 }, 2],
      [{ [k2]: 3 }, { [k2]: 3 }, 3],
    ]);
    for (const i of [11, 12, 13]) expect(JSON.parse(readFileSync(join(dataDir(i), 'serf', 'local.keyring'), 'utf8'))).toEqual([k2]);

    // on the wire: the old key no longer opens the serf port, the new one does
    encryptSerfLan(decodeGossipKey(k1));
    await expect(askMemberKeyring(`127.0.6.11:${serfPort}`, 'list', Buffer.alloc(0), 3000)).rejects.toThrow();
    encryptSerfLan(decodeGossipKey(k2));
    await expect(askMemberKeyring(`127.0.6.13:${serfPort}`, 'list', Buffer.alloc(0), 3000)).resolves.toMatchObject({ Result: true, Keys: [k2], PrimaryKey: k2 });

    // the cluster keeps working; a new agent joins with the new key
    expect((await http(c1, 'PUT', '/v1/kv/rotated', 'yes')).text).toBe('true');
    expect((await http(s2, 'GET', '/v1/kv/rotated?raw')).text).toBe('yes');
    start(14, [`-encrypt=${k2}`, '-disable-keyring-file']);
    try {
      await waitFor(async () => (await aliveMembers(s1)).includes('agent14'), { timeoutMs: 30_000, what: 'agent14 joined with the new key' });
      // a restarted agent given the old key comes back with its keyring file (as Consul: the file wins)
      await procs.get(13)!.stop();
      start(13, [`-encrypt=${k1}`]);
      await waitFor(async () => (await http(c1, 'GET', '/v1/status/leader').catch(() => ({ text: '""' }))).text.length > 2, { timeoutMs: 30_000, what: 'the restarted client back' });
      await waitFor(async () => JSON.stringify(await aliveMembers(s2)) === JSON.stringify(['agent11', 'agent12', 'agent13', 'agent14']), { timeoutMs: 30_000, what: 'four members alive' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${out()}`);
    }
    expect(procs.get(13)!.output()).toContain('LAN keyring exists but -encrypt given, using keyring');
    // -disable-keyring-file: the key is used, no keyring file is kept
    expect(existsSync(join(dataDir(14), 'serf', 'local.keyring'))).toBe(false);
    expect((await list(s1))[1]).toMatchObject({ Keys: { [k2]: 4 }, NumNodes: 4 });
  }, 240_000);

  it('a -dev agent given a key lists and rotates its own one-member keyring', async () => {
    const key = keygen();
    const next = keygen();
    const [httpPort, dnsPort] = await allocatePorts(2, { from: 12500, to: 12999 });
    const dev = spawnManaged(process.execPath, [bin, 'agent', '-dev', '-node=dev1', '-client=127.0.6.15', '-bind=127.0.6.15', `-http-port=${httpPort}`, `-dns-port=${dnsPort}`, '-etcd-port=-1', `-encrypt=${key}`], { env: { ...process.env, DCSGW_BACKEND: '' } });
    const base = `http://127.0.6.15:${httpPort}`;
    await waitFor(async () => (await http(base, 'GET', '/v1/status/leader').catch(() => ({ text: '""' }))).text.length > 2, { timeoutMs: 30_000, what: 'the dev agent' });
    expect(JSON.parse((await http(base, 'GET', '/v1/operator/keyring')).text)).toEqual([
      { WAN: true, Datacenter: 'dc1', Segment: '', Keys: { [key]: 1 }, PrimaryKeys: { [key]: 1 }, NumNodes: 1 },
      { WAN: false, Datacenter: 'dc1', Segment: '', Keys: { [key]: 1 }, PrimaryKeys: { [key]: 1 }, NumNodes: 1 },
    ]);
    expect((await http(base, 'POST', '/v1/operator/keyring', JSON.stringify({ Key: next }))).status).toBe(200);
    expect((await http(base, 'PUT', '/v1/operator/keyring', JSON.stringify({ Key: next }))).status).toBe(200);
    expect((await http(base, 'DELETE', '/v1/operator/keyring', JSON.stringify({ Key: key }))).status).toBe(200);
    expect(JSON.parse((await http(base, 'GET', '/v1/operator/keyring?local-only=1')).text)).toEqual([
      { WAN: false, Datacenter: 'dc1', Segment: '', Keys: { [next]: 1 }, PrimaryKeys: { [next]: 1 }, NumNodes: 1 },
    ]);
    const stats = (JSON.parse((await http(base, 'GET', '/v1/agent/self')).text) as { Stats: Record<string, Record<string, string>> }).Stats;
    expect([stats.serf_lan!.encrypted, stats.serf_wan!.encrypted]).toEqual(['true', 'true']);
    await dev.stop();
  }, 60_000);
});

describe('keyring answers gathered per pool (in-process, members given)', () => {
  const addrs: Record<string, string> = { s1: '127.0.6.21', s2: '127.0.6.22', c1: '127.0.6.23', gone: '127.0.6.24' };
  const member = (name: string, role: string, status = 1) => ({ Name: name, Addr: addrs[name], Port: 8301, Tags: { role }, Status: status }) as never;
  const ctxWith = (gossipKeyring: GossipKeyringAccess | undefined) =>
    ({
      agent: {
        nodeName: 's1',
        datacenter: 'dc1',
        server: true,
        cluster: { members: async () => [member('s1', 'consul'), member('s2', 'consul'), member('c1', 'node'), member('gone', 'node', 4)] },
        ...(gossipKeyring ? { gossipKeyring } : {}),
      },
    }) as unknown as ConsulContext;

  it('without gossip encryption every alive member answers serf\'s refusal, by pool', async () => {
    const text = keyringErrorText(await keyringOperation(ctxWith(undefined), 'list', '', false));
    expect(text).toBe(
      '7 errors occurred:\n\t* WAN error: 2/2 nodes reported failure\n\t* s1.dc1: Keyring is empty (encryption not enabled)\n\t* s2.dc1: Keyring is empty (encryption not enabled)\n' +
        '\t* dc1 (LAN) error: 3/3 nodes reported failure\n\t* c1: Keyring is empty (encryption not enabled)\n\t* s1: Keyring is empty (encryption not enabled)\n\t* s2: Keyring is empty (encryption not enabled)\n\n',
    );
  });

  it('a member that does not answer is missing from the counts: "N/M nodes reported success"', async () => {
    const k = Buffer.alloc(32, 7).toString('base64');
    const answer = { Result: true, Message: '', Keys: [k], PrimaryKey: k };
    const access: GossipKeyringAccess = {
      local: () => answer,
      remote: async (address) => {
        if (address === '127.0.6.23:8301') throw new Error('i/o timeout'); // c1
        return answer;
      },
    };
    const pools = await keyringOperation(ctxWith(access), 'list', '', false);
    expect(pools.map((p) => [p.WAN, p.Keys, p.NumNodes, p.Error])).toEqual([
      [true, { [k]: 2 }, 2, undefined],
      [false, { [k]: 2 }, 3, '2/3 nodes reported success'],
    ]);
    expect(keyringErrorText(pools)).toBe('1 error occurred:\n\t* dc1 (LAN) error: 2/3 nodes reported success\n\n');
  });
});
