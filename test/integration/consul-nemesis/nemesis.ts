// The faults of a Consul nemesis run, one at a time with quiet gaps between them, in shuffled
// rounds over the enabled kinds (every kind once per round, so even the short CI run injects
// each):
//   kill-leader / kill-follower: SIGKILL that server, restart it from its data dir;
//   kill-client: SIGKILL a client agent, restart it (its services come back from its data dir);
//   pause-server / pause-client: SIGSTOP the agent past the ~5 s failure detection (its node's
//     sessions are invalidated: a lock holder homed there loses the lock), then SIGCONT;
//   partition-server: cut raft traffic between one server and the other two (the store's peer
//     fault hook, reached through port 8300), then heal.
import { sleep } from '../../support/index.js';
import type { Random } from '../nemesis/random.js';
import type { ConsulNemesisCluster, NemesisAgent } from './cluster.js';

export type ConsulFaultKind = 'kill-leader' | 'kill-follower' | 'kill-client' | 'pause-server' | 'pause-client' | 'partition-server';
export const ALL_CONSUL_FAULTS: ConsulFaultKind[] = ['kill-leader', 'kill-follower', 'kill-client', 'pause-server', 'pause-client', 'partition-server'];

export interface ConsulFaultRecord {
  kind: ConsulFaultKind;
  agent: string;
  heldMs: number;
  /** For faults on the leader: the other servers named another leader before it came back. */
  newLeader?: string;
  /** For partitions: the hook accepted the cut on all three servers. */
  applied?: boolean;
}

export async function runConsulNemesis(
  cluster: ConsulNemesisCluster,
  kinds: readonly ConsulFaultKind[],
  rng: Random,
  shouldStop: () => boolean,
  log: (line: string) => void,
): Promise<ConsulFaultRecord[]> {
  const done: ConsulFaultRecord[] = [];
  let round: ConsulFaultKind[] = [];
  await sleep(rng.between(800, 1200));
  while (!shouldStop() || round.length > 0) {
    if (round.length === 0) round = rng.shuffle(kinds);
    const kind = round.shift()!;
    const leader = await cluster.leader();
    let target: NemesisAgent;
    if (kind === 'kill-client' || kind === 'pause-client') target = rng.pick(cluster.clients);
    else if (kind === 'kill-leader') target = leader ?? rng.pick(cluster.servers);
    else if (kind === 'kill-follower') target = rng.pick(cluster.servers.filter((s) => s !== leader));
    else target = rng.pick(cluster.servers);
    const isLeader = target === leader;
    const heldMs = Math.round(kind === 'pause-server' || kind === 'pause-client' ? rng.between(6_500, 8_000) : rng.between(1_500, 3_000));
    log(`nemesis: ${kind} ${target.name}${isLeader ? ' (leader)' : ''} for ${heldMs} ms`);
    const record: ConsulFaultRecord = { kind, agent: target.name, heldMs };
    const observeLeader = async (): Promise<void> => {
      if (!isLeader) return;
      const next = await cluster.leader([target]);
      if (next && next !== target) record.newLeader = next.name;
    };
    switch (kind) {
      case 'kill-leader':
      case 'kill-follower':
      case 'kill-client':
        cluster.kill(target);
        await sleep(heldMs);
        await observeLeader();
        await cluster.restart(target);
        break;
      case 'pause-server':
      case 'pause-client':
        cluster.pause(target);
        await sleep(heldMs);
        await observeLeader();
        cluster.resume(target);
        break;
      case 'partition-server':
        record.applied = await cluster.partition(target);
        await sleep(heldMs);
        await observeLeader();
        await cluster.heal();
        break;
    }
    if (record.newLeader) log(`nemesis: ${target.name} out, ${record.newLeader} leads`);
    done.push(record);
    await sleep(rng.between(800, 1500));
  }
  return done;
}
