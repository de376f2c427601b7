// The user's Consul lab end to end (issue 7, "What a user does"; ../shared/seeds/000 second half):
// three server agents and two client agents on one machine, each on its own loopback address with
// Consul's default ports, started with exactly the command lines a Consul user types. Each step
// is checked through the HTTP API and through DNS (genuine dig):
//   members and roles everywhere, one leader and one Raft configuration everywhere; a `counting`
//   service with an HTTP check dropped into both clients' config dirs and `dcsgw reload`; a KV
//   value written through c1 and read through c2; counting.service.consul through either client's
//   DNS; the leading server stopped (a new leader, writes continue); c1 stopped (its serfHealth and
//   its instance critical: out of DNS and ?passing, still listed by the catalog; c2's passing);
//   then everything restarted in a scrambled order: the cluster heals, every acknowledged write is
//   there, the clients rejoin by themselves.
// The leader failover and the client rejoin are timed and printed (never asserted).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { hasBinary, hasDcsgwBuild, stopAllProcesses, type ManagedProcess } from '../../support/index.js';
import { bin, dig, http, json, put, spawnAgent, until, waitForLine } from '../../integration/consul-client/agents.js';

const noBuild = !hasDcsgwBuild();
const skip = noBuild || !hasBinary('dig');
if (skip) console.warn('SKIP consul lab: needs the build (dist/) and dig');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-consul-lab-'));
/** The counting service's port on each client's address (the lab's 9001, moved into this suite's range). */
const COUNTING_PORT = 15901;

interface LabAgent {
  name: string;
  addr: string;
  server: boolean;
  args: string[];
  proc?: ManagedProcess;
  url: string;
}

const servers: LabAgent[] = [1, 2, 3].map((i) => {
  const addr = `127.0.2.1${i}`;
  const others = [1, 2, 3].filter((j) => j !== i).map((j) => `-retry-join=127.0.2.1${j}`);
  return { name: `s${i}`, addr, server: true, url: `http://${addr}:8500`, args: ['agent', '-server', '-bootstrap-expect=3', `-node=s${i}`, `-bind=${addr}`, `-client=${addr}`, ...others, `-data-dir=${join(work, `s${i}`)}`, '-ui'] };
});
const clients: LabAgent[] = [1, 2].map((i) => {
  const addr = `127.0.2.2${i}`;
  return { name: `c${i}`, addr, server: false, url: `http://${addr}:8500`, args: ['agent', `-node=c${i}`, `-bind=${addr}`, `-client=${addr}`, '-retry-join=127.0.2.11', `-data-dir=${join(work, `c${i}`)}`, `-config-dir=${join(work, `c${i}.d`)}`] };
});
const everyone = [...servers, ...clients];
const timings: Record<string, number> = {};
const targets: Server[] = [];

function launch(a: LabAgent): void {
  a.proc = spawnAgent(a.args);
}

async function stop(a: LabAgent, signal: NodeJS.Signals): Promise<void> {
  await a.proc?.stop(signal, 10_000);
}

afterAll(async () => {
  await stopAllProcesses();
  for (const t of targets) await new Promise((r) => t.close(r));
  if (Object.keys(timings).length > 0) console.log(`consul lab timings (ms): ${JSON.stringify(timings)}`);
  rmSync(work, { recursive: true, force: true });
});

type Member = { Name: string; Addr: string; Status: number; Tags: Record<string, string> };

async function leaderOf(a: LabAgent): Promise<string> {
  return json<string>(a.url, '/v1/status/leader');
}

/** What every agent of `list` answers as leader, once they all name the same non-empty one. */
async function agreedLeader(list: LabAgent[], timeoutMs = 30_000): Promise<string> {
  const answers = await until(
    'one leader named by every agent',
    () => Promise.all(list.map((a) => leaderOf(a))),
    (l) => l[0] !== '' && l.every((x) => x === l[0]),
    timeoutMs,
  );
  return answers[0]!;
}

async function passingCounting(a: LabAgent): Promise<string[]> {
  const list = await json<Array<{ Node: { Node: string } }>>(a.url, '/v1/health/service/counting?passing');
  return list.map((e) => e.Node.Node).sort();
}

describe.skipIf(skip)('the Consul lab: 3 servers, 2 clients on 127.0.2.x with default ports', () => {
  const acknowledged = new Map<string, string>();
  const write = async (via: LabAgent, key: string, value: string): Promise<void> => {
    const r = await put(via.url, `/v1/kv/${key}`, value);
    expect(r.body, `PUT ${key} through ${via.name}: ${r.status}`).toBe('true');
    acknowledged.set(key, value);
  };

  test('servers bootstrap as one cluster; clients join; members, leader and raft configuration agree everywhere', async () => {
    for (const c of clients) mkdirSync(join(work, `${c.name}.d`), { recursive: true });
    for (const a of everyone) launch(a);
    for (const a of everyone) await waitForLine(a.proc!, /agent: Consul agent running!/, `${a.name} running`, 60_000);
    const leader = await agreedLeader(everyone, 60_000);
    expect(leader).toMatch(/^127\.0\.2\.1[123]:8300$/);

    for (const a of everyone) {
      const members = await until(
        `all five members alive on ${a.name}`,
        () => json<Member[]>(a.url, '/v1/agent/members'),
        (l) => l.length === 5 && l.every((m) => m.Status === 1),
        30_000,
      );
      expect(members.map((m) => `${m.Name} ${m.Addr} ${m.Tags.role}`).sort()).toEqual([
        'c1 127.0.2.21 node',
        'c2 127.0.2.22 node',
        's1 127.0.2.11 consul',
        's2 127.0.2.12 consul',
        's3 127.0.2.13 consul',
      ]);
    }
    const configs = await Promise.all(everyone.map((a) => json<{ Servers: Array<{ Node: string; Voter: boolean; Leader: boolean }> }>(a.url, '/v1/operator/raft/configuration')));
    const shapes = configs.map((c) => c.Servers.map((s) => `${s.Node}:${s.Voter ? 'voter' : 'nonvoter'}${s.Leader ? ':leader' : ''}`).sort().join(','));
    expect(new Set(shapes).size).toBe(1);
    expect(shapes[0]!.split(',').filter((s) => s.includes(':voter'))).toHaveLength(3);
  }, 120_000);

  test('a counting service with an HTTP check dropped into both config dirs, dcsgw reload, resolved through either client DNS', async () => {
    for (const c of clients) {
      const target = createServer((_req, res) => res.end(JSON.stringify({ count: 1, hostname: c.name })));
      await new Promise<void>((r) => target.listen(COUNTING_PORT, c.addr, r));
      targets.push(target);
      writeFileSync(
        join(work, `${c.name}.d`, 'counting.json'),
        JSON.stringify({ service: { name: 'counting', tags: ['go'], port: COUNTING_PORT, check: { http: `http://${c.addr}:${COUNTING_PORT}/`, interval: '1s' } } }),
      );
      const r = spawnSync(process.execPath, [bin, 'reload'], { encoding: 'utf8', env: { ...process.env, CONSUL_HTTP_ADDR: `${c.addr}:8500` }, timeout: 20_000 });
      expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'Configuration reload triggered\n', stderr: '' });
      await waitForLine(c.proc!, /agent: Synced service: service=counting/, `${c.name} synced counting`);
    }
    for (const a of everyone) await until(`counting passing on both clients, seen from ${a.name}`, () => passingCounting(a), (l) => l.join() === 'c1,c2');
    for (const c of clients) {
      const answers = await until(`DNS through ${c.name}`, async () => dig(c.addr, 8600, 'counting.service.consul').sort(), (l) => l.length === 2);
      expect(answers).toEqual(['127.0.2.21', '127.0.2.22']);
    }
    const srv = dig('127.0.2.22', 8600, 'counting.service.consul', 'SRV');
    expect(srv.map((l) => l.split(' ')[2]).sort()).toEqual([String(COUNTING_PORT), String(COUNTING_PORT)]);
  }, 60_000);

  test('KV: written through c1, read through c2 (and the reverse)', async () => {
    await write(clients[1]!, 'test/kv', 'test_1');
    expect((await http(clients[0]!.url, '/v1/kv/test/kv?raw')).body).toBe('test_1');
    await write(clients[0]!, 'service/config/counting', '2');
    expect((await http(clients[1]!.url, '/v1/kv/service/config/counting?raw')).body).toBe('2');
  });

  test('the leading server stops: a new leader within seconds, writes through the clients continue', async () => {
    const leaderAddr = await agreedLeader(everyone);
    const leader = servers.find((s) => leaderAddr.startsWith(`${s.addr}:`))!;
    const t0 = Date.now();
    await stop(leader, 'SIGTERM');
    const rest = everyone.filter((a) => a !== leader);
    const next = await until('a new leader named by every running agent', () => Promise.all(rest.map((a) => leaderOf(a))), (l) => l[0] !== '' && l[0] !== leaderAddr && l.every((x) => x === l[0]), 60_000);
    timings.leaderFailoverMs = Date.now() - t0;
    expect(next[0]).not.toBe(leaderAddr);
    // the first write acknowledged after the stop
    await until('a write through c1 after the failover', async () => (await put(clients[0]!.url, '/v1/kv/after/failover', 'yes')).body, (b) => b === 'true', 60_000);
    acknowledged.set('after/failover', 'yes');
    timings.firstWriteAfterLeaderStopMs = Date.now() - t0;
    for (let i = 0; i < 20; i++) await write(clients[i % 2]!, `during/failover/${i}`, `v${i}`);
    launch(leader);
    await waitForLine(leader.proc!, /agent: Consul agent running!/, `${leader.name} back`, 60_000);
    await until('three voters again', () => json<{ Servers: Array<{ Voter: boolean }> }>(rest[0]!.url, '/v1/operator/raft/configuration'), (c) => c.Servers.filter((s) => s.Voter).length === 3, 60_000);
  }, 180_000);

  test('c1 stops: its serfHealth and instance turn critical (out of DNS and ?passing, still in the catalog); c2 stays passing', async () => {
    const [c1, c2] = clients as [LabAgent, LabAgent];
    const t0 = Date.now();
    await stop(c1, 'SIGKILL');
    const health = await until(
      "c1's serfHealth critical",
      () => json<Array<{ CheckID: string; Status: string }>>(c2.url, '/v1/health/node/c1'),
      (l) => l.some((c) => c.CheckID === 'serfHealth' && c.Status === 'critical'),
      30_000,
    );
    timings.clientFailureDetectedMs = Date.now() - t0;
    expect(health.find((c) => c.CheckID === 'serfHealth')!.Status).toBe('critical');
    expect(await passingCounting(c2)).toEqual(['c2']);
    expect(await passingCounting(servers[0]!)).toEqual(['c2']);
    await until('c1 out of DNS', async () => dig(c2.addr, 8600, 'counting.service.consul'), (l) => l.join() === '127.0.2.22');
    const listed = await json<Array<{ Node: string }>>(c2.url, '/v1/catalog/service/counting');
    expect(listed.map((s) => s.Node).sort()).toEqual(['c1', 'c2']);
    const members = await json<Member[]>(c2.url, '/v1/agent/members');
    expect(members.find((m) => m.Name === 'c1')!.Status).toBe(4); // failed
  }, 60_000);

  test('everything restarted in a scrambled order: the cluster heals, every acknowledged write is there, the clients rejoin by themselves', async () => {
    for (const a of everyone) if (a.proc?.alive()) await stop(a, 'SIGKILL');
    const order = [clients[1]!, servers[2]!, clients[0]!, servers[0]!, servers[1]!];
    const t0 = Date.now();
    for (const a of order) {
      launch(a);
      await waitForLine(a.proc!, /agent: Consul agent running!/, `${a.name} running`, 60_000);
    }
    timings.fullRestartAllRunningMs = Date.now() - t0;
    await agreedLeader(everyone, 90_000);
    timings.fullRestartToLeaderMs = Date.now() - t0;
    for (const a of everyone) {
      await until(`all five alive on ${a.name}`, () => json<Member[]>(a.url, '/v1/agent/members'), (l) => l.length === 5 && l.every((m) => m.Status === 1), 60_000);
    }
    timings.clientsRejoinedMs = Date.now() - t0;
    for (const a of everyone) await until(`counting passing on both, seen from ${a.name}`, () => passingCounting(a), (l) => l.join() === 'c1,c2', 60_000);
    for (const [key, value] of acknowledged) {
      for (const c of clients) expect((await http(c.url, `/v1/kv/${key}?raw`)).body, `${key} through ${c.name}`).toBe(value);
    }
    const answers = dig('127.0.2.21', 8600, 'counting.service.consul').sort();
    expect(answers).toEqual(['127.0.2.21', '127.0.2.22']);
  }, 240_000);

  test('a client that loses every server rejoins by itself when they come back', async () => {
    const t0 = Date.now();
    for (const s of servers) await stop(s, 'SIGKILL');
    const c = clients[0]!;
    // the client keeps answering; the servers' data is not reachable meanwhile
    expect((await http(c.url, '/v1/agent/services')).status).toBe(200);
    const kv = await http(c.url, '/v1/kv/test/kv');
    expect(kv.status).toBe(500);
    const restartedAt = Date.now();
    for (const s of servers) launch(s);
    await agreedLeader(everyone, 90_000);
    timings.allServersRestartedToLeaderMs = Date.now() - restartedAt;
    await until('c1 alive and passing again', () => passingCounting(servers[0]!), (l) => l.join() === 'c1,c2', 90_000);
    timings.clientRejoinAfterAllServersLostMs = Date.now() - t0;
    timings.clientPassingAfterServersRestartedMs = Date.now() - restartedAt;
    expect((await http(c.url, '/v1/kv/test/kv?raw')).body).toBe('test_1');
  }, 180_000);
});
