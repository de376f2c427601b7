// A three-member cluster (genuine etcd or dcsgw: same flags) whose peer links run through the
// partitioning proxy, with the process-level faults the nemesis needs: kill -9 and restart,
// SIGSTOP / SIGCONT.
import { allocatePorts, startMemberOfKind, waitHealthy, type MemberKind, type PortRange, type RunningMember } from '../../support/index.js';
import { EtcdKvClient } from './etcd-kv-client.js';
import { HookPartitioner } from './hook-partitioner.js';
import { PeerPartitioner } from './peer-proxy.js';
import type { Partitioner } from './partitioner.js';

export interface NemesisCluster {
  readonly kind: MemberKind;
  readonly names: readonly string[];
  /** Client URL of member i (stable across restarts). */
  clientUrl(i: number): string;
  readonly partitioner: Partitioner;
  /** SIGKILL member i (its data dir stays). */
  crash(i: number): void;
  /**
   * Start member i again from its data dir (after crash) and wait until it serves again, so the
   * next fault meets a recovered cluster (and a member that dies on restart is reported with its
   * output).
   */
  restart(i: number): Promise<void>;
  pause(i: number): void;
  resume(i: number): void;
  isDown(i: number): boolean;
  /** Index of the member the others follow, if one is known (asking only members not in `exclude`). */
  leaderIndex(exclude?: readonly number[]): Promise<number | undefined>;
  /** Heal partitions, resume paused and restart crashed members, wait until all are healthy. */
  healAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNemesisCluster(kind: MemberKind, portRange: PortRange): Promise<NemesisCluster> {
  const names = ['n1', 'n2', 'n3'];
  const ports = await allocatePorts(names.length * 3, portRange);
  const clientPort = (i: number): number => ports[3 * i]!;
  const listenPeerPort = (i: number): number => ports[3 * i + 1]!;
  const advertisedPeerPort = (i: number): number => ports[3 * i + 2]!;
  // genuine etcd: peer links through the partitioning proxy; dcsgw: direct, cut by its own hook
  let partitioner: Partitioner;
  let peerUrl: (i: number) => string;
  if (kind === 'etcd') {
    const proxy = new PeerPartitioner();
    for (let i = 0; i < names.length; i++) await proxy.addMember(names[i]!, advertisedPeerPort(i), listenPeerPort(i));
    partitioner = proxy;
    peerUrl = (i) => `http://127.0.0.1:${advertisedPeerPort(i)}`;
  } else {
    partitioner = new HookPartitioner(new Map(names.map((n, i) => [n, `http://127.0.0.1:${listenPeerPort(i)}`])));
    peerUrl = (i) => `http://127.0.0.1:${listenPeerPort(i)}`;
  }
  const initialCluster = names.map((n, i) => `${n}=${peerUrl(i)}`).join(',');
  const token = `nemesis-${process.pid}-${Date.now()}`;
  const members: RunningMember[] = await Promise.all(
    names.map((name, i) =>
      startMemberOfKind(kind, {
        name,
        clientPort: clientPort(i),
        peerPort: listenPeerPort(i),
        advertisePeerUrl: peerUrl(i),
        initialCluster,
        initialClusterToken: token,
        waitReady: false,
        env: kind === 'dcsgw' ? { DCSGW_TEST_PEER_FAULTS: '1' } : {},
      }),
    ),
  );
  const down = new Set<number>();
  const paused = new Set<number>();
  const admin = names.map((_, i) => new EtcdKvClient(`http://127.0.0.1:${clientPort(i)}`, 1_000));
  try {
    await Promise.all(members.map((m) => waitHealthy(m.clientUrl, 30_000, m.process)));
    partitioner.setMemberIds(await admin[0]!.memberIds());
  } catch (err) {
    await Promise.all(members.map((m) => m.stop()));
    await partitioner.close();
    admin.forEach((c) => c.close());
    throw err;
  }

  const cluster: NemesisCluster = {
    kind,
    names,
    partitioner,
    clientUrl: (i) => `http://127.0.0.1:${clientPort(i)}`,
    crash(i) {
      paused.delete(i);
      members[i]!.kill('SIGKILL');
      down.add(i);
    },
    async restart(i) {
      members[i] = await members[i]!.restart({ waitReady: false });
      down.delete(i);
      await waitHealthy(members[i]!.clientUrl, 30_000, members[i]!.process);
    },
    pause(i) {
      members[i]!.kill('SIGSTOP');
      paused.add(i);
    },
    resume(i) {
      members[i]!.kill('SIGCONT');
      paused.delete(i);
    },
    isDown: (i) => down.has(i) || paused.has(i),
    async leaderIndex(exclude = []) {
      for (let i = 0; i < names.length; i++) {
        if (down.has(i) || paused.has(i) || exclude.includes(i)) continue;
        try {
          const status = await admin[i]!.status();
          const ids = await admin[i]!.memberIds();
          const leaderName = [...ids].find(([, id]) => id === status.leader)?.[0];
          if (leaderName !== undefined) return names.indexOf(leaderName);
        } catch {
          // this member cannot say; ask the next
        }
      }
      return undefined;
    },
    async healAll() {
      await partitioner.heal();
      for (const i of [...paused]) cluster.resume(i);
      for (const i of [...down]) await cluster.restart(i);
      await Promise.all(members.map((m) => waitHealthy(m.clientUrl, 30_000, m.process)));
    },
    async stop() {
      for (const i of [...paused]) cluster.resume(i);
      admin.forEach((c) => c.close());
      await Promise.all(members.map((m) => m.stop()));
      await partitioner.close();
    },
  };
  return cluster;
}
