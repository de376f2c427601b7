// Server agents forming a Consul cluster, as a user starts them (issue 7): three `dcsgw agent
// -server -bootstrap-expect=3 -retry-join ...` on 127.0.1.11-13 with Consul's default ports, then
// what a user sees through the HTTP API of each: one leader and the same raft configuration
// everywhere, the member list with statuses, a KV write through one read through another, the
// leader killed (a new leader within seconds, writes go on, the dead server turns failed with its
// serfHealth critical and its session's lock released), restarted (back from its data dir, no
// second bootstrap), a fourth server that joins as a non-voter and is promoted by autopilot, its
// graceful leave, force-leave (-prune) of a failed one, and a server frozen past autopilot's dead
// server cleanup that rejoins by itself; then all three killed and started in another order.
// Runs against the build (dist/).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const noBuild = !hasDcsgwBuild();
if (noBuild) console.warn('SKIP consul-cluster server agents: no build (dist/src/cli/main.js); run node scripts/ensure-ready.mjs');
const bin = join(repoRoot(), 'bin', 'dcsgw');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-consul-cluster-'));
const ADDRS = ['127.0.1.11', '127.0.1.12', '127.0.1.13'];
const FOURTH = '127.0.1.14';

interface Server {
  name: string;
  addr: string;
  proc: ManagedProcess;
  args: string[];
}
const servers = new Map<string, Server>();

function serverArgs(name: string, addr: string): string[] {
  return [
    'agent',
    '-server',
    '-bootstrap-expect=3',
    `-node=${name}`,
    `-bind=${addr}`,
    `-client=${addr}`,
    ...ADDRS.map((a) => `-retry-join=${a}`),
    '-retry-interval=1s',
    `-data-dir=${join(work, name)}`,
    '-dns-port=-1',
    '-etcd-port=-1',
  ];
}

function start(name: string, addr: string): Server {
  const args = serverArgs(name, addr);
  const proc = spawnManaged(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, DCSGW_CONSUL_HTTP_ADDR: '', DCSGW_CONSUL_DNS_ADDR: '' } });
  const s = { name, addr, proc, args };
  servers.set(name, s);
  return s;
}

const api = (addr: string, path: string): string => `http://${addr}:8500${path}`;

async function getJson<T>(addr: string, path: string): Promise<T> {
  const r = await fetch(api(addr, path), { signal: AbortSignal.timeout(3000) });
  if (r.status !== 200) throw new Error(`${path} on ${addr}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

interface RaftServer {
  ID: string;
  Node: string;
  Address: string;
  Leader: boolean;
  Voter: boolean;
}
interface Member {
  Name: string;
  Addr: string;
  Port: number;
  Tags: Record<string, string>;
  Status: number;
}

const raftConfig = async (addr: string): Promise<RaftServer[]> => (await getJson<{ Servers: RaftServer[] }>(addr, '/v1/operator/raft/configuration')).Servers;
const members = (addr: string): Promise<Member[]> => getJson<Member[]>(addr, '/v1/agent/members');
const leaderOf = (addr: string): Promise<string> => getJson<string>(addr, '/v1/status/leader');
const outputs = (): string => [...servers.values()].map((s) => `--- ${s.name} ---\n${s.proc.output().slice(-4000)}`).join('\n');

/** Every listed server names the same non-empty leader: resolves with it. */
async function agreedLeader(addrs: string[], timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const leaders = await Promise.all(addrs.map((a) => leaderOf(a)));
      return leaders[0] !== '' && leaders.every((l) => l === leaders[0]) ? leaders[0]! : false;
    },
    { timeoutMs, intervalMs: 100, what: () => `one leader on ${addrs.join(', ')}\n${outputs()}` },
  );
}

async function put(addr: string, key: string, value: string): Promise<void> {
  const r = await fetch(api(addr, `/v1/kv/${key}`), { method: 'PUT', body: value, signal: AbortSignal.timeout(10_000) });
  expect(await r.text()).toBe('true');
}

async function getRaw(addr: string, key: string): Promise<string | undefined> {
  const r = await fetch(api(addr, `/v1/kv/${key}?raw`), { signal: AbortSignal.timeout(5000) });
  return r.status === 200 ? r.text() : undefined;
}

beforeAll(async () => {
  if (noBuild) return;
  ADDRS.forEach((a, i) => start(`s${i + 1}`, a));
  await agreedLeader(ADDRS, 60_000);
}, 90_000);

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(noBuild)('three server agents with -bootstrap-expect=3 and -retry-join', () => {
  test('they bootstrap one cluster: one leader and the same raft configuration on every server', async () => {
    const view = (c: RaftServer[]) => c.map((s) => `${s.Node} ${s.Address} ${s.ID} voter=${s.Voter} leader=${s.Leader}`).sort();
    let last: RaftServer[][] = [];
    // the servers learn each other's node IDs from the member list within a heartbeat or two
    const configs = await waitFor(
      async () => {
        const all = await Promise.all(ADDRS.map((a) => raftConfig(a)));
        last = all;
        return all.every((c) => c.length === 3 && JSON.stringify(view(c)) === JSON.stringify(view(all[0]!))) ? all : false;
      },
      { timeoutMs: 15_000, what: () => `the same three servers in every raft configuration: ${JSON.stringify(last.map(view))}` },
    );
    const first = configs[0]!;
    expect(first.filter((s) => s.Leader)).toHaveLength(1);
    expect(first.every((s) => s.Voter)).toBe(true);
    expect(first.map((s) => s.Address).sort()).toEqual(ADDRS.map((a) => `${a}:8300`));
    // the raft IDs are the agents' node IDs, as Consul's are
    const ids = await Promise.all(ADDRS.map(async (a) => (await getJson<{ Config: { NodeID: string } }>(a, '/v1/agent/self')).Config.NodeID));
    expect(first.map((s) => s.ID).sort()).toEqual([...ids].sort());
    const leader = await leaderOf(ADDRS[0]!);
    expect(first.find((s) => s.Leader)!.Address).toBe(leader);
    const peers = await Promise.all(ADDRS.map((a) => getJson<string[]>(a, '/v1/status/peers')));
    for (const p of peers) expect([...p].sort()).toEqual(ADDRS.map((a) => `${a}:8300`));
    for (const s of servers.values()) {
      expect(s.proc.output()).toMatch(/\[INFO\]  agent\.server: Found expected number of peers, attempting bootstrap: peers=/);
      expect(s.proc.output()).toContain('[WARN]  agent: bootstrap_expect > 0: expecting 3 servers');
    }
  });

  test('every server lists all three members, alive, with the server tags', async () => {
    for (const a of ADDRS) {
      const list = await waitFor(async () => {
        const l = await members(a);
        return l.length === 3 && l.every((m) => m.Status === 1) ? l : false;
      });
      expect(list.map((m) => m.Name).sort()).toEqual(['s1', 's2', 's3']);
      for (const m of list) {
        expect(m.Port).toBe(8301);
        expect(m.Addr).toBe(ADDRS[Number(m.Name.slice(1)) - 1]);
        expect(m.Tags).toMatchObject({ role: 'consul', dc: 'dc1', port: '8300', expect: '3', vsn: '2', raft_vsn: '3' });
        expect(m.Tags.id).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    // and the catalog has each agent's node with its serfHealth check passing
    const nodes = await getJson<Array<{ Node: string }>>(ADDRS[1]!, '/v1/catalog/nodes');
    expect(nodes.map((n) => n.Node).sort()).toEqual(['s1', 's2', 's3']);
    const health = await getJson<Array<{ CheckID: string; Status: string; Output: string }>>(ADDRS[2]!, '/v1/health/node/s1');
    expect(health.find((c) => c.CheckID === 'serfHealth')).toMatchObject({ Status: 'passing', Output: 'Agent alive and reachable' });
  });

  test('a KV write through one server is read through the others', async () => {
    await put(ADDRS[0]!, 'lab/greeting', 'hello from s1');
    for (const a of ADDRS.slice(1)) expect(await getRaw(a, 'lab/greeting')).toBe('hello from s1');
  });

  test('the leader killed: a new leader within seconds, writes go on, the dead server turns failed; restarted, it rejoins from its data dir', async () => {
    const leaderAddr = (await agreedLeader(ADDRS)).replace(/:8300$/, '');
    const dead = [...servers.values()].find((s) => s.addr === leaderAddr)!;
    const rest = ADDRS.filter((a) => a !== leaderAddr);
    // a lock held by a session of the doomed node (bound to its serfHealth, Consul's default)
    const created = await fetch(api(dead.addr, '/v1/session/create'), { method: 'PUT', body: JSON.stringify({ Name: 'doomed', LockDelay: '1ms' }) });
    const session = ((await created.json()) as { ID: string }).ID;
    const acquired = await fetch(api(dead.addr, `/v1/kv/lab/lock?acquire=${session}`), { method: 'PUT', body: dead.name });
    expect(await acquired.text()).toBe('true');
    dead.proc.kill('SIGKILL');
    await dead.proc.exited;
    const killedAt = Date.now();
    const next = await waitFor(
      async () => {
        const l = await agreedLeader(rest, 1000);
        return l !== `${leaderAddr}:8300` ? l : false;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: () => `a new leader among ${rest.join(', ')}\n${outputs()}` },
    );
    const failoverMs = Date.now() - killedAt;
    console.log(`leader failover: ${failoverMs} ms to a new leader (${next})`);
    await put(rest[0]!, 'lab/after-failover', 'still writable');
    expect(await getRaw(rest[1]!, 'lab/after-failover')).toBe('still writable');

    // the member list marks it failed and the catalog's serfHealth turns critical
    await waitFor(
      async () => (await members(rest[0]!)).find((m) => m.Name === dead.name)?.Status === 4,
      { timeoutMs: 20_000, intervalMs: 200, what: () => `${dead.name} failed in the member list\n${outputs()}` },
    );
    const serf = await waitFor(async () => {
      const checks = await getJson<Array<{ CheckID: string; Status: string; Output: string }>>(rest[1]!, `/v1/health/node/${dead.name}`);
      const c = checks.find((x) => x.CheckID === 'serfHealth');
      return c?.Status === 'critical' ? c : false;
    });
    expect(serf.Output).toBe('Agent not live or unreachable');
    // serfHealth critical invalidates the node's sessions: the lock is released
    await waitFor(async () => ((await getJson<unknown[] | null>(rest[0]!, `/v1/session/info/${session}`)) ?? []).length === 0, { what: "the dead node's session invalidated" });
    const lock = (await getJson<Array<{ Session?: string }>>(rest[1]!, '/v1/kv/lab/lock'))[0]!;
    expect(lock.Session).toBeUndefined();
    // the catalog keeps the failed node (until it is reaped), as Consul does
    expect((await getJson<Array<{ Node: string }>>(rest[0]!, '/v1/catalog/nodes')).map((n) => n.Node)).toContain(dead.name);
    const statuses = Object.fromEntries((await members(rest[1]!)).map((m) => [m.Name, m.Status]));
    expect(statuses).toEqual({ s1: dead.name === 's1' ? 4 : 1, s2: dead.name === 's2' ? 4 : 1, s3: dead.name === 's3' ? 4 : 1 });

    // restarted with the same command line: back from its data dir, not bootstrapped again
    const again = start(dead.name, dead.addr);
    await waitFor(async () => (await members(rest[0]!)).find((m) => m.Name === dead.name)?.Status === 1, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: () => `${dead.name} alive again\n${outputs()}`,
    });
    expect(await waitFor(() => getRaw(dead.addr, 'lab/after-failover'), { timeoutMs: 15_000 })).toBe('still writable');
    expect(again.proc.output()).not.toContain('attempting bootstrap');
    const config = await raftConfig(rest[0]!);
    expect(config.map((s) => `${s.Node}:${s.Voter}`).sort()).toEqual(['s1:true', 's2:true', 's3:true']);
    await waitFor(async () => {
      const checks = await getJson<Array<{ CheckID: string; Status: string }>>(rest[1]!, `/v1/health/node/${dead.name}`);
      return checks.find((c) => c.CheckID === 'serfHealth')?.Status === 'passing';
    });
  });

  test('a fourth server joins as a non-voter, autopilot promotes it, and its leave takes it out of the raft configuration', async () => {
    // autopilot's stabilization time, shortened as an operator would (Consul's default is 10s)
    const cfg = await fetch(api(ADDRS[0]!, '/v1/operator/autopilot/configuration'), {
      method: 'PUT',
      body: JSON.stringify({ CleanupDeadServers: true, LastContactThreshold: '200ms', MaxTrailingLogs: 250, ServerStabilizationTime: '2s' }),
    });
    expect(await cfg.text()).toBe('true');
    const s4 = start('s4', FOURTH);
    const seenNonVoter = await waitFor(
      async () => {
        const c = await raftConfig(ADDRS[0]!);
        const me = c.find((s) => s.Node === 's4' || s.Address === `${FOURTH}:8300`);
        return me ? me : false;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: () => `s4 in the raft configuration\n${outputs()}` },
    );
    expect(seenNonVoter.Voter).toBe(false);
    expect(seenNonVoter.Address).toBe(`${FOURTH}:8300`);
    await waitFor(async () => (await raftConfig(ADDRS[1]!)).find((s) => s.Address === `${FOURTH}:8300`)?.Voter === true, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: () => `s4 promoted to voter\n${outputs()}`,
    });
    expect(s4.proc.output()).toContain('joined the cluster as a non-voter');
    expect([...servers.values()].map((x) => x.proc.output()).join('\n')).toMatch(/agent\.server\.autopilot: Promoting server: id=[0-9a-f-]{36} address=127\.0\.1\.14:8300 name=s4/);
    expect(await waitFor(() => getRaw(FOURTH, 'lab/greeting'))).toBe('hello from s1');

    const leave = await fetch(api(FOURTH, '/v1/agent/leave'), { method: 'PUT' });
    expect(leave.status).toBe(200);
    expect(await s4.proc.exited).toBe(0);
    const after = await raftConfig(ADDRS[0]!);
    expect(after.map((s) => s.Node).sort()).toEqual(['s1', 's2', 's3']);
    await waitFor(async () => (await members(ADDRS[2]!)).find((m) => m.Name === 's4')?.Status === 3, { timeoutMs: 10_000, what: 's4 left in the member list' });
    // a left node is deregistered from the catalog
    const nodes = await getJson<Array<{ Node: string }>>(ADDRS[1]!, '/v1/catalog/nodes');
    expect(nodes.map((n) => n.Node)).not.toContain('s4');
  });

  test('force-leave: a failed server turns left (and its node leaves the catalog); ?prune forgets it', async () => {
    const s5 = start('s5', '127.0.1.15');
    await waitFor(async () => (await members(ADDRS[0]!)).find((m) => m.Name === 's5')?.Status === 1, { timeoutMs: 30_000, what: () => `s5 alive\n${outputs()}` });
    s5.proc.kill('SIGKILL');
    await s5.proc.exited;
    await waitFor(async () => (await members(ADDRS[1]!)).find((m) => m.Name === 's5')?.Status === 4, { timeoutMs: 20_000, what: 's5 failed' });
    const unknown = await fetch(api(ADDRS[2]!, '/v1/agent/force-leave/nobody'), { method: 'PUT' });
    expect(unknown.status).toBe(500);
    expect(await unknown.text()).toBe("agent: No node found with name 'nobody'");
    const fl = await fetch(api(ADDRS[2]!, '/v1/agent/force-leave/s5'), { method: 'PUT' });
    expect(fl.status).toBe(200);
    await waitFor(async () => (await members(ADDRS[0]!)).find((m) => m.Name === 's5')?.Status === 3, { what: 's5 left' });
    expect((await raftConfig(ADDRS[0]!)).map((s) => s.Node)).not.toContain('s5');
    await waitFor(async () => !(await getJson<Array<{ Node: string }>>(ADDRS[1]!, '/v1/catalog/nodes')).some((n) => n.Node === 's5'), { what: 's5 out of the catalog' });
    const prune = await fetch(api(ADDRS[0]!, '/v1/agent/force-leave/s5?prune'), { method: 'PUT' });
    expect(prune.status).toBe(200);
    await waitFor(async () => !(await members(ADDRS[1]!)).some((m) => m.Name === 's5'), { what: 's5 pruned from the member list' });
  });

  test('a server frozen past the dead-server cleanup is removed, and rejoins by itself when it wakes', async () => {
    // ServerStabilizationTime is 2s since the fourth-server test: cleanup comes ~2 s after the failure
    const leader = (await agreedLeader(ADDRS)).replace(/:8300$/, '');
    const sleeper = [...servers.values()].find((s) => ADDRS.includes(s.addr) && s.addr !== leader)!;
    sleeper.proc.kill('SIGSTOP');
    try {
      await waitFor(async () => !(await raftConfig(leader)).some((s) => s.Address === `${sleeper.addr}:8300`), {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: () => `${sleeper.name} removed by autopilot\n${outputs()}`,
      });
    } finally {
      sleeper.proc.kill('SIGCONT');
    }
    await waitFor(async () => (await raftConfig(leader)).find((s) => s.Address === `${sleeper.addr}:8300`)?.Voter === true, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: () => `${sleeper.name} back as a voter\n${outputs()}`,
    });
    expect(sleeper.proc.output()).toContain('no longer in the raft configuration (removed while unreachable); it sets its store aside and joins again');
    await put(sleeper.addr, 'lab/after-rejoin', 'awake');
    expect(await getRaw(leader, 'lab/after-rejoin')).toBe('awake');
    expect((await members(leader)).find((m) => m.Name === sleeper.name)?.Status).toBe(1);
  });

  test('a server still waiting for its peers answers as a server without a leader', async () => {
    // joining only an address where nobody answers (the formed cluster above would take it in)
    const args = serverArgs('lonely', '127.0.1.16').filter((a) => !a.startsWith('-retry-join=')).concat(['-retry-join=127.0.1.17']);
    const proc = spawnManaged(process.execPath, [bin, ...args], { cwd: work });
    servers.set('lonely', { name: 'lonely', addr: '127.0.1.16', proc, args });
    expect(await waitFor(() => leaderOf('127.0.1.16').catch(() => undefined), { timeoutMs: 20_000, what: () => `the waiting server's HTTP API\n${proc.output()}` })).toBe('');
    expect(await getJson<string[]>('127.0.1.16', '/v1/status/peers')).toEqual([]);
    const kv = await fetch(api('127.0.1.16', '/v1/kv/anything'));
    expect([kv.status, await kv.text()]).toEqual([500, 'No cluster leader']);
    expect((await members('127.0.1.16')).map((m) => [m.Name, m.Status])).toEqual([['lonely', 1]]);
    expect(proc.output()).toContain('waiting for the expected number of servers before bootstrapping: expect=3 known=1');
    await proc.stop('SIGINT');
  });

  test('all three servers killed and started again in another order: the cluster heals with every acknowledged write', async () => {
    const three = ['s1', 's2', 's3'].map((n) => servers.get(n)!);
    await put(ADDRS[0]!, 'lab/before-blackout', 'kept');
    for (const s of three) s.proc.kill('SIGKILL');
    await Promise.all(three.map((s) => s.proc.exited));
    for (const s of [three[2]!, three[0]!, three[1]!]) start(s.name, s.addr);
    await agreedLeader(ADDRS, 60_000);
    for (const a of ADDRS) expect(await waitFor(() => getRaw(a, 'lab/before-blackout'), { timeoutMs: 15_000 })).toBe('kept');
    expect(await getRaw(ADDRS[2]!, 'lab/greeting')).toBe('hello from s1');
    const config = await raftConfig(ADDRS[1]!);
    expect(config.map((s) => `${s.Node}:${s.Voter}`).sort()).toEqual(['s1:true', 's2:true', 's3:true']);
    await waitFor(async () => (await members(ADDRS[0]!)).filter((m) => ['s1', 's2', 's3'].includes(m.Name)).every((m) => m.Status === 1), { timeoutMs: 15_000, what: 'the three alive again' });
    for (const s of three) expect(servers.get(s.name)!.proc.output()).not.toContain('attempting bootstrap');
  });
});
