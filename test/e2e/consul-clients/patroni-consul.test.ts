// Patroni (Debian's 3.0.2, with python3-consul 0.7.1) running a two-node PostgreSQL cluster on
// dcsgw's Consul face, as the user's lab would run it on genuine Consul: `consul: host:` pointing
// at a `dcsgw agent` process. A leader is elected, a switchover moves it, a failover (the
// leader's Patroni and PostgreSQL killed with SIGKILL) moves it back once its session expires;
// Patroni's service registrations carry its role tags and its HTTP checks run on the agent.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, hasBinary, hasDcsgwBuild, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const missing = !hasBinary('patroni')
  ? 'Debian patroni is not installed (apt-get install patroni postgresql)'
  : !existsSync(join(PG_BIN, 'postgres'))
    ? `PostgreSQL 15 binaries not found in ${PG_BIN}`
    : !hasDcsgwBuild()
      ? 'dcsgw is not built'
      : undefined;

const RANGE = { from: 29620, to: 29699 };
const SCOPE = 'dcsgw-pg';
const asRoot = process.getuid?.() === 0;
/** PostgreSQL refuses to run as root: Patroni runs as Debian's postgres user when the test is root. */
const runAs = (): { uid?: number; gid?: number } => {
  if (!asRoot) return {};
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line!.split(':');
  return { uid: Number(uid), gid: Number(gid) };
};

interface PatroniNode {
  name: string;
  restPort: number;
  pgPort: number;
  dataDir: string;
  configFile: string;
  proc?: ManagedProcess;
}

let root: string;
let consulPort: number;
let agent: ManagedProcess;
const nodes: PatroniNode[] = [];

function patroniConfig(n: PatroniNode): string {
  // JSON is YAML: no YAML writer needed.
  return JSON.stringify({
    scope: SCOPE,
    name: n.name,
    log: { level: 'INFO' },
    restapi: { listen: `127.0.0.1:${n.restPort}`, connect_address: `127.0.0.1:${n.restPort}` },
    consul: { host: `127.0.0.1:${consulPort}`, register_service: true },
    bootstrap: {
      dcs: { ttl: 20, loop_wait: 2, retry_timeout: 5, maximum_lag_on_failover: 1048576, postgresql: { use_pg_rewind: false } },
      initdb: [{ encoding: 'UTF8' }],
      pg_hba: ['host replication replicator 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 trust', 'local all all trust'],
    },
    postgresql: {
      listen: `127.0.0.1:${n.pgPort}`,
      connect_address: `127.0.0.1:${n.pgPort}`,
      data_dir: n.dataDir,
      bin_dir: PG_BIN,
      pgpass: join(root, `pgpass-${n.name}`),
      authentication: { replication: { username: 'replicator', password: 'rep' }, superuser: { username: 'postgres', password: 'pg' } },
      parameters: { unix_socket_directories: root, shared_buffers: '16MB', max_connections: 20, max_wal_senders: 5, max_replication_slots: 5, wal_level: 'replica', hot_standby: 'on' },
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  });
}

function startPatroni(n: PatroniNode): void {
  n.proc = spawnManaged('patroni', [n.configFile], { ...runAs(), cwd: root, env: { ...process.env, HOME: root } });
}

async function restStatus(n: PatroniNode, path: string): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${n.restPort}${path}`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function leaderKey(): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${consulPort}/v1/kv/service/${SCOPE}/leader?raw`, { signal: AbortSignal.timeout(5000) });
  return res.status === 200 ? await res.text() : undefined;
}

function output(): string {
  return nodes.map((n) => `--- ${n.name}\n${n.proc?.output().slice(-3000) ?? ''}`).join('\n') + `\n--- agent\n${agent?.output().slice(-3000)}`;
}

async function waitPrimary(n: PatroniNode, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await restStatus(n, '/primary')) === 200 && (await leaderKey()) === n.name, { timeoutMs, intervalMs: 500, what: () => `${n.name} primary\n${output()}` });
}

describe.skipIf(missing !== undefined)(`Patroni on the Consul face${missing ? `: ${missing}` : ''}`, () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dcsgw-patroni-'));
    chmodSync(root, 0o755);
    const [http, r1, r2, p1, p2] = await allocatePorts(5, RANGE);
    consulPort = http!;
    const agentDir = join(root, 'agent');
    mkdirSync(agentDir);
    agent = spawnManaged(join(repoRoot(), 'bin', 'dcsgw'), ['agent', '-server', '-bootstrap', '-node', 'pg-agent', '-bind', '127.0.0.1', '-client', '127.0.0.1', '-data-dir', agentDir, '-http-port', String(consulPort), '-dns-port', '-1', '-etcd-port', '-1']);
    await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${consulPort}/v1/status/leader`).catch(() => undefined);
      return res?.status === 200 && (await res.text()).length > 2;
    }, { timeoutMs: 30_000, what: 'dcsgw agent leader' });
    for (const [i, [rest, pg]] of [[r1!, p1!], [r2!, p2!]].entries()) {
      const n: PatroniNode = { name: `pg${i + 1}`, restPort: rest, pgPort: pg, dataDir: join(root, `pg${i + 1}`), configFile: join(root, `pg${i + 1}.yml`) };
      writeFileSync(n.configFile, patroniConfig(n));
      nodes.push(n);
    }
    if (asRoot) {
      const { uid, gid } = runAs();
      chownSync(root, uid!, gid!);
      for (const n of nodes) chownSync(n.configFile, uid!, gid!);
    }
  }, 60_000);

  afterAll(async () => {
    await stopAllProcesses();
    // PostgreSQL servers outlive a SIGKILLed Patroni: stop any left in our data dirs.
    for (const n of nodes) {
      const pidFile = join(n.dataDir, 'postmaster.pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('elects a leader, replicates, switches over and fails over', { timeout: 300_000 }, async () => {
    const [pg1, pg2] = nodes as [PatroniNode, PatroniNode];
    startPatroni(pg1);
    await waitPrimary(pg1, 90_000);
    startPatroni(pg2);
    await waitFor(async () => (await restStatus(pg2, '/replica')) === 200, { timeoutMs: 90_000, intervalMs: 500, what: () => `pg2 replica\n${output()}` });

    // Patroni's own view of the cluster, read from dcsgw by patronictl.
    const members = await fetch(`http://127.0.0.1:${consulPort}/v1/kv/service/${SCOPE}/members/?keys`).then((r) => r.json());
    expect(members).toEqual([`service/${SCOPE}/members/pg1`, `service/${SCOPE}/members/pg2`]);
    const leader = await fetch(`http://127.0.0.1:${consulPort}/v1/kv/service/${SCOPE}/leader`).then((r) => r.json());
    expect(leader[0].Session).toMatch(/^[0-9a-f-]{36}$/);

    // Service registration with role tags, and the agent running Patroni's HTTP checks.
    await waitFor(async () => {
      const healthy = await fetch(`http://127.0.0.1:${consulPort}/v1/health/service/${SCOPE}?passing`).then((r) => r.json());
      const tags = (healthy as Array<{ Service: { ID: string; Tags: string[] } }>).map((e) => `${e.Service.ID}:${e.Service.Tags.join(',')}`).sort();
      return tags.length === 2 && tags[0]!.startsWith(`${SCOPE}/pg1:`) && tags[0]!.includes('primary') && tags[1]!.includes('replica') ? tags : undefined;
    }, { timeoutMs: 60_000, intervalMs: 1000, what: 'role-tagged passing instances' });

    // Switchover to pg2 through patronictl.
    const ctl = spawnManaged('patronictl', ['-c', pg1.configFile, 'switchover', SCOPE, '--leader', 'pg1', '--candidate', 'pg2', '--force'], { ...runAs(), cwd: root, env: { ...process.env, HOME: root } });
    expect(await ctl.exited, ctl.output()).toBe(0);
    await waitPrimary(pg2, 90_000);

    // Failover: kill pg2's Patroni and its PostgreSQL; pg1 takes over once pg2's session expires.
    pg2.proc!.kill('SIGKILL');
    const postmaster = Number(readFileSync(join(pg2.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await waitPrimary(pg1, 120_000);
  });
});
