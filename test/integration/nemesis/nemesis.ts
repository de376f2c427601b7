// The nemesis: one fault at a time, in shuffled rounds over the enabled kinds, each held for a
// while and then healed, with quiet gaps between faults so the cluster can recover and the
// clients make progress.
import { sleep } from '../../support/index.js';
import type { NemesisCluster } from './cluster.js';
import type { Random } from './random.js';

/**
 * kill: SIGKILL one member, restart it from its data dir. crash-all: SIGKILL every member at
 * once, then restart them all (acknowledged writes must have been durable before the ack).
 * pause: SIGSTOP, later SIGCONT. partition: cut one member off from the other two. slow: delay
 * every message between one member and the others (50-400 ms, both directions).
 */
export type FaultKind = 'kill' | 'crash-all' | 'pause' | 'partition' | 'slow';

export interface FaultRecord {
  kind: FaultKind;
  member: string;
  leader: boolean;
  heldMs: number;
  /** For faults on the leader: whether the others had elected another leader by the end of it. */
  newLeaderElected?: boolean;
}

export async function runNemesis(
  cluster: NemesisCluster,
  kinds: readonly FaultKind[],
  rng: Random,
  shouldStop: () => boolean,
  log: (line: string) => void,
): Promise<FaultRecord[]> {
  const done: FaultRecord[] = [];
  let round: FaultKind[] = [];
  await sleep(rng.between(800, 1500));
  while (!shouldStop()) {
    if (round.length === 0) round = rng.shuffle(kinds);
    const kind = round.shift()!;
    const leader = await cluster.leaderIndex();
    const targetLeader = leader !== undefined && rng.next() < 0.5;
    const target = targetLeader ? leader : rng.int(cluster.names.length);
    const name = cluster.names[target]!;
    const heldMs = Math.round(rng.between(1500, 3500));
    const delayMs = Math.round(rng.between(50, 400));
    log(
      kind === 'crash-all'
        ? `nemesis: crash-all for ${Math.round(heldMs / 2)} ms`
        : `nemesis: ${kind} ${name}${target === leader ? ' (leader)' : ''}${kind === 'slow' ? ` by ${delayMs} ms` : ''} for ${heldMs} ms`,
    );
    const isLeader = target === leader && kind !== 'crash-all';
    // evidence that the fault bit: with the leader out, the other two elect a new one
    const observeElection = async (): Promise<boolean | undefined> => {
      if (!isLeader) return undefined;
      const seen = await cluster.leaderIndex([target]);
      return seen !== undefined && seen !== target;
    };
    let newLeaderElected: boolean | undefined;
    switch (kind) {
      case 'kill':
        cluster.crash(target);
        await sleep(heldMs);
        newLeaderElected = await observeElection();
        await cluster.restart(target);
        break;
      case 'crash-all':
        cluster.names.forEach((_, i) => cluster.crash(i));
        await sleep(Math.round(heldMs / 2));
        await Promise.all(cluster.names.map((_, i) => cluster.restart(i)));
        break;
      case 'pause':
        cluster.pause(target);
        await sleep(heldMs);
        newLeaderElected = await observeElection();
        cluster.resume(target);
        break;
      case 'partition':
        await cluster.partitioner.partition([name], cluster.names.filter((n) => n !== name));
        await sleep(heldMs);
        newLeaderElected = await observeElection();
        await cluster.partitioner.heal();
        break;
      case 'slow':
        await cluster.partitioner.slow([name], cluster.names.filter((n) => n !== name), delayMs);
        await sleep(heldMs);
        await cluster.partitioner.heal();
        break;
    }
    done.push({ kind, member: kind === 'crash-all' ? 'all' : name, leader: isLeader, heldMs, ...(newLeaderElected === undefined ? {} : { newLeaderElected }) });
    await sleep(rng.between(1000, 2000));
  }
  return done;
}
