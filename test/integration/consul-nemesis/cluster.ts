// The Consul datacenter a nemesis run attacks: three server agents and two client agents, each a
// `bin/dcsgw agent` process on its own 127.0.5.x address with Consul's default ports, started as a
// user starts Consul. The servers run with DCSGW_TEST_PEER_FAULTS=1 so that raft traffic between
// them (which travels through each server's port 8300 and is spliced to the store's peer
// transport) can be cut by that transport's fault hook: POST /dcsgw/test/faults reaches it
// through port 8300 itself, because every non-RPC connection on 8300 is spliced there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';
import { bin, waitForLine } from '../consul-client/agents.js';

/** DCSGW_BIN runs another entry script (a private build copy) with the same arguments. */
const entry = process.env.DCSGW_BIN ?? bin;

export interface NemesisAgent {
  readonly name: string;
  readonly addr: string;
  readonly server: boolean;
  readonly url: string;
  readonly args: string[];
  proc?: ManagedProcess;
  /** SIGSTOPped now. */
  paused: boolean;
}

export interface PartitionStats {
  applied: number;
  failed: number;
}

export class ConsulNemesisCluster {
  readonly work = mkdtempSync(join(tmpdir(), 'dcsgw-consul-nemesis-'));
  readonly servers: NemesisAgent[];
  readonly clients: NemesisAgent[];
  readonly partitionStats: PartitionStats = { applied: 0, failed: 0 };
  private memberIds = new Map<string, string>();

  constructor(base = '127.0.5') {
    const serverAddrs = [11, 12, 13].map((i) => `${base}.${i}`);
    this.servers = serverAddrs.map((addr, i) => ({
      name: `s${i + 1}`,
      addr,
      server: true,
      url: `http://${addr}:8500`,
      paused: false,
      args: ['agent', '-server', '-bootstrap-expect=3', `-node=s${i + 1}`, `-bind=${addr}`, `-client=${addr}`, ...serverAddrs.filter((a) => a !== addr).map((a) => `-retry-join=${a}`), `-data-dir=${join(this.work, `s${i + 1}`)}`],
    }));
    this.clients = [21, 22].map((n, i) => {
      const addr = `${base}.${n}`;
      return {
        name: `c${i + 1}`,
        addr,
        server: false,
        url: `http://${addr}:8500`,
        paused: false,
        args: ['agent', `-node=c${i + 1}`, `-bind=${addr}`, `-client=${addr}`, '-etcd-port=-1', ...serverAddrs.map((a) => `-retry-join=${a}`), `-data-dir=${join(this.work, `c${i + 1}`)}`],
      };
    });
  }

  get all(): NemesisAgent[] {
    return [...this.servers, ...this.clients];
  }

  launch(a: NemesisAgent): void {
    a.paused = false;
    a.proc = spawnManaged(process.execPath, [entry, ...a.args], { env: { ...process.env, DCSGW_BACKEND: '', ...(a.server ? { DCSGW_TEST_PEER_FAULTS: '1' } : {}) } });
  }

  async start(): Promise<void> {
    for (const a of this.all) this.launch(a);
    for (const a of this.all) await waitForLine(a.proc!, /agent: Consul agent running!/, `${a.name} running`, 60_000);
    await this.waitHealthy(90_000);
    await this.learnMemberIds();
  }

  /** One leader named by every server, and every agent alive in the member list. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const leaders = await Promise.all(this.all.map((a) => this.leaderOf(a)));
        if (leaders[0] === '' || !leaders.every((l) => l === leaders[0])) return false;
        const res = await fetch(`${this.servers[0]!.url}/v1/agent/members`, { signal: AbortSignal.timeout(2_000) });
        const members = (await res.json()) as Array<{ Name: string; Status: number }>;
        return members.length === 5 && members.every((m) => m.Status === 1);
      },
      { timeoutMs, intervalMs: 200, what: 'one leader everywhere and all five members alive' },
    );
  }

  async leaderOf(a: NemesisAgent): Promise<string> {
    const res = await fetch(`${a.url}/v1/status/leader`, { signal: AbortSignal.timeout(1_500) });
    return (await res.json()) as string;
  }

  /** The server that the reachable servers name as leader (undefined while there is none). */
  async leader(exclude: NemesisAgent[] = []): Promise<NemesisAgent | undefined> {
    for (const s of this.servers) {
      if (exclude.includes(s) || s.paused || !s.proc?.alive()) continue;
      try {
        const addr = await this.leaderOf(s);
        const found = this.servers.find((x) => addr.startsWith(`${x.addr}:`));
        if (found) return found;
      } catch {
        // not answering: ask the next one
      }
    }
    return undefined;
  }

  /** The raft member IDs (hex) by server name, from the etcd face's member list. */
  private async learnMemberIds(): Promise<void> {
    const res = await fetch(`http://${this.servers[0]!.addr}:2379/v3/cluster/member/list`, { method: 'POST', body: '{}' });
    const body = (await res.json()) as { members: Array<{ ID: string; name: string }> };
    // the JSON gateway writes uint64 IDs as decimal strings
    this.memberIds = new Map(body.members.map((m) => [m.name, BigInt(m.ID).toString(16)]));
    for (const s of this.servers) if (!this.memberIds.has(s.name)) throw new Error(`no raft member named ${s.name} in ${JSON.stringify(body)}`);
  }

  kill(a: NemesisAgent): void {
    a.proc?.kill('SIGKILL');
  }

  async restart(a: NemesisAgent): Promise<void> {
    if (a.proc?.alive()) {
      a.proc.kill('SIGKILL');
      await a.proc.exited;
    }
    this.launch(a);
    await waitForLine(a.proc!, /agent: Consul agent running!/, `${a.name} running again`, 60_000);
  }

  pause(a: NemesisAgent): void {
    a.paused = true;
    a.proc?.kill('SIGSTOP');
  }

  resume(a: NemesisAgent): void {
    a.proc?.kill('SIGCONT');
    a.paused = false;
  }

  private async postFaults(s: NemesisAgent, body: object): Promise<boolean> {
    try {
      const res = await fetch(`http://${s.addr}:8300/dcsgw/test/faults`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(2_000) });
      await res.text();
      if (res.ok) this.partitionStats.applied++;
      else this.partitionStats.failed++;
      return res.ok;
    } catch {
      this.partitionStats.failed++;
      return false;
    }
  }

  /** Cuts raft traffic between `s` and the other servers, both directions (each side drops the other). */
  async partition(s: NemesisAgent): Promise<boolean> {
    const others = this.servers.filter((x) => x !== s);
    const results = await Promise.all([
      this.postFaults(s, { peers: Object.fromEntries(others.map((o) => [this.memberIds.get(o.name)!, { partitioned: true }])) }),
      ...others.map((o) => this.postFaults(o, { peers: { [this.memberIds.get(s.name)!]: { partitioned: true } } })),
    ]);
    return results.every(Boolean);
  }

  async heal(): Promise<void> {
    await Promise.all(this.servers.map((s) => this.postFaults(s, { heal: true })));
  }

  async stop(): Promise<void> {
    for (const a of this.all) if (a.paused) this.resume(a);
    await Promise.all(this.all.map((a) => a.proc?.stop('SIGKILL', 2_000)));
    await sleep(50);
    rmSync(this.work, { recursive: true, force: true });
  }
}
