// A server agent's part of the cluster: its serf LAN port (membership.ts), its server port (raft
// and the server RPC, src/gateway/rpc), forming or joining the raft cluster of the native store, and
// the leader's duties (member-tracker.ts, autopilot.ts).
//
// Forming (Consul's -bootstrap-expect): servers exchange what servers they know through their serf
// ports. Once N servers with the same expectation know each other, the initial configuration is
// the N with the lowest node IDs; a server bootstraps only when every one of those N reports the
// same N, so all of them start the same cluster (same member and cluster IDs, derived from the
// members' addresses). That set is kept in the data dir: a server bootstraps once and a restarted
// one opens its store again. A server that finds a formed cluster instead (a later server, or one
// outside the initial N) joins it as a raft learner — Consul's non-voter — and autopilot promotes
// it once it has caught up. A server whose store was removed from the configuration while it was
// away (autopilot's dead server cleanup) notices at start, sets the old store aside and joins anew.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Backend, Member } from '../../adapters/backend.js';
import { createNativeBackend, type NativeBackend } from '../../adapters/native.js';
import { createRemoteBackend, type RemoteBackend } from '../../adapters/remote.js';
import type { SerfMember } from '../../compat/agent/agent-self.js';
import type { AgentCluster } from '../../compat/agent/join.js';
import { Catalog } from '../../compat/catalog.js';
import { identityFile, resolveIdentity, saveIdentity } from '../../cli/identity.js';
import type { Hclog } from '../../cli/agent/hclog.js';
import { listenServerPort, type ServerPort } from '../../gateway/rpc/server-port.js';
import { createPeerTransport, type PeerTransport } from '../transport/peer-transport.js';
import { Autopilot } from './autopilot.js';
import { asSerfMember, isServer, MemberStatus, readMembers, serfAddress, serverRpcAddress } from './member-record.js';
import { MemberTracker } from './member-tracker.js';
import { AgentMembership } from './membership.js';
import { serfCall, SerfRequestError, type HeartbeatReply, type HeartbeatRequest } from './serf-port.js';
import { learnerAwareBackend } from './learner-aware-backend.js';
import { serverPortTlsOf, type InternalTls } from './transport-tls.js';
import { AUTO_ENCRYPT_SIGN } from './transport-tls-auto-encrypt.js';

/** The token member and cluster IDs derive from (with the members' peer URLs). */
export const AGENT_CLUSTER_TOKEN = 'dcsgw-consul-agent';

export interface ServerClusterOptions {
  self: SerfMember;
  nodeId: string;
  datacenter: string;
  bindAddr: string;
  advertiseAddr: string;
  serverPort: number;
  /** -bootstrap: a cluster of this server alone. */
  bootstrap: boolean;
  bootstrapExpect: number;
  startJoin: string[];
  retryJoin: string[];
  retryIntervalMs: number;
  retryMax: number;
  /** The store's folder (<data-dir>/dcsgw). */
  storeDir: string;
  advertiseClientURLs: string[];
  heartbeatMs: number;
  electionMs: number;
  /** Membership timings. */
  probeIntervalMs: number;
  failAfterMs: number;
  reconnectTimeoutMs: number;
  tombstoneTimeoutMs: number;
  log: Hclog;
  logger: Logger;
  storeLogger: Logger;
  /** Called once the membership is up, before the cluster forms (the forming HTTP API lists its members). */
  onMembership?: (m: AgentMembership) => void;
  /** Set when the default serf/server ports may be skipped when taken (several single agents on one host). */
  portsOptional: boolean;
  quotaBackendBytes: number;
  /** Agent-to-agent encryption (transport-tls.ts): TLS on the server port and this server's dials; the auto_encrypt signer. */
  encryption?: { tls: InternalTls; sign: (req: unknown) => Promise<unknown> };
}

export interface ServerCluster {
  /** The native store of this server (a new one after a rejoin in place). */
  readonly native: NativeBackend;
  /** Called with the new store when this server had to rejoin the cluster as a new member. */
  onStoreReplaced(fn: (b: NativeBackend) => void): void;
  /** What the HTTP face and client agents use: the native store, forwarding to voters while this server is a learner. */
  readonly backend: NativeBackend;
  readonly view: AgentCluster;
  readonly membership: AgentMembership | undefined;
  /** Starts the leader duties (needs the Consul catalog over the store). */
  startLeaderDuties(): void;
  /** Graceful leave: leadership handed over, removed from the raft configuration, member left. */
  leave(): Promise<void>;
  close(): Promise<void>;
}

interface Formation {
  memberId: bigint;
  clusterId: bigint;
  initialCluster: { id: bigint; name: string; peerURLs: string[] }[];
  state: 'new' | 'existing';
}

interface FormationFile {
  initialMembers: SerfMember[];
}

function peerUrlOf(addr: string, port: number, scheme = 'http'): string {
  return `${scheme}://${addr.includes(':') ? `[${addr}]` : addr}:${port}`;
}

/** Servers that encrypt their traffic reach each other's raft at https:// peer URLs (all servers of a cluster alike). */
function peerUrlOfMember(m: SerfMember, scheme: string): string {
  return peerUrlOf(m.Addr, Number(m.Tags.port ?? '8300'), scheme);
}

function withSerfPort(addr: string): string {
  if (/^\[[^\]]+\]:\d+$/.test(addr) || /^[^:]+:\d+$/.test(addr)) return addr;
  return addr.includes(':') && !addr.startsWith('[') ? `[${addr}]:8301` : `${addr}:8301`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

export async function startServerCluster(opts: ServerClusterOptions): Promise<ServerCluster> {
  const { log } = opts;
  const formationFile = join(opts.storeDir, 'member', 'dcsgw-formation.json');
  const internalTls = opts.encryption?.tls;
  const peerScheme = internalTls?.serves ? 'https' : 'http';
  const remoteDial = internalTls?.dialsTls ? { dial: internalTls.dial } : {};
  const selfPeerUrl = peerUrlOf(opts.advertiseAddr, opts.serverPort, peerScheme);
  let native: NativeBackend | undefined;
  let transport: PeerTransport | undefined;
  let tracker: MemberTracker | undefined;
  let autopilot: Autopilot | undefined;
  let closed = false;
  let voterRemote: RemoteBackend | undefined;

  const leaderSerfAddress = async (): Promise<string | undefined> => {
    const b = native!;
    const lead = b.raftStatus?.().lead ?? 0n;
    if (lead === 0n) return undefined;
    const list = await b.memberList(false);
    const m = list.members.find((x) => x.id === lead);
    // a member that just joined may not know the leader's name yet: its peer address says who it is
    let host = '';
    try {
      host = new URL(m?.peerURLs[0] ?? '').hostname.replace(/^\[|\]$/g, '');
    } catch {
      // no usable peer URL
    }
    const candidates = [...(membership?.servers() ?? []), ...(await readMembers(b, true).catch(() => []))];
    const known = candidates.find((s) => (m && m.name !== '' && s.Name === m.name) || (host !== '' && s.Addr === host));
    return known ? serfAddress(known) : undefined;
  };
  /** A heartbeat or force-leave: handled here on the leader, else sent on to it (at most one hop). */
  const onLeader = async <T>(path: string, body: { hops?: number }, here: () => Promise<T>): Promise<T> => {
    if (!native) throw new SerfRequestError(503, 'No cluster leader');
    if (native.isLeader()) {
      // the leader's duties start once the agent is up; until then it cannot take the request
      if (!tracker) throw new SerfRequestError(503, 'No cluster leader');
      return here();
    }
    if ((body.hops ?? 0) >= 2) throw new SerfRequestError(503, 'No cluster leader');
    const next = { ...body, hops: (body.hops ?? 0) + 1 };
    const addr = await leaderSerfAddress();
    if (addr) return serfCall<T>(addr, path, next, 3000);
    // leader unknown by name or address: any other server passes it on to the leader it knows
    for (const s of membership?.servers() ?? []) {
      if (s.Name === opts.self.Name) continue;
      try {
        return await serfCall<T>(serfAddress(s), path, next, 3000);
      } catch {
        // try the next one
      }
    }
    throw new SerfRequestError(503, 'No cluster leader');
  };

  let onHeartbeatAnswer: ((reply: HeartbeatReply) => void) | undefined;
  let membership: AgentMembership | undefined = new AgentMembership({
    self: opts.self,
    bindHost: opts.bindAddr,
    startJoin: opts.startJoin,
    retryJoin: opts.retryJoin,
    retryIntervalMs: opts.retryIntervalMs,
    retryMax: opts.retryMax,
    heartbeatMs: opts.probeIntervalMs,
    log,
    server: {
      clustered: () => native !== undefined,
      initialMembers: () => {
        if (!native || !existsSync(formationFile)) return undefined;
        try {
          return (JSON.parse(readFileSync(formationFile, 'utf8')) as FormationFile).initialMembers;
        } catch {
          return undefined;
        }
      },
      heartbeat: (req: HeartbeatRequest) => onLeader<HeartbeatReply>('/dcsgw/serf/heartbeat', req as HeartbeatRequest & { hops?: number }, () => tracker!.heartbeat(req)),
      forceLeave: (req) => onLeader<void>('/dcsgw/serf/force-leave', req as typeof req & { hops?: number }, () => tracker!.forceLeave(req)),
    },
    onHeartbeatAnswer: (reply) => onHeartbeatAnswer?.(reply),
    snapshotFile: join(dirname(opts.storeDir), 'serf', 'dcsgw-known-servers.json'),
    onServers: (servers) => voterRemote?.setServers(servers.filter((s) => s.Name !== opts.self.Name).map(serverRpcAddress)),
  });

  let serverPort: ServerPort | undefined;
  const rpcBackend = (): Backend | undefined => (native ? faceBackend : undefined);
  let faceBackend: NativeBackend | undefined;
  try {
    await membership.listen();
  } catch (err) {
    if (!(opts.portsOptional && isAddressInUse(err))) throw new Error(`Failed to start Consul server: Failed to start LAN Serf: listen tcp ${opts.bindAddr}:${opts.self.Port}: bind: address already in use`);
    log.warn('agent', 'dcsgw: the default serf LAN port is taken; running as a single server without cluster membership (set -serf-lan-port to choose another)', { address: `${opts.bindAddr}:${opts.self.Port}` });
    membership = undefined;
  }
  if (membership) {
    try {
      serverPort = await listenServerPort({
        host: opts.bindAddr,
        port: opts.serverPort,
        raftTarget: () => transport?.addresses[0],
        ...(internalTls ? { tls: serverPortTlsOf(internalTls) } : {}),
        rpc: {
          backend: rpcBackend,
          logger: opts.logger,
          extensions: {
            'cluster.servers': async () => voterAddresses(),
            ...(opts.encryption ? { [AUTO_ENCRYPT_SIGN]: opts.encryption.sign } : {}),
          },
        },
        logger: opts.logger,
      });
    } catch (err) {
      await membership.close();
      if (!(opts.portsOptional && isAddressInUse(err))) throw new Error(`Failed to start Consul server: listen tcp ${opts.bindAddr}:${opts.serverPort}: ${isAddressInUse(err) ? 'bind: address already in use' : (err as Error).message}`);
      log.warn('agent', 'dcsgw: the default server port is taken; running as a single server without cluster membership (set -server-port to choose another)', { address: `${opts.bindAddr}:${opts.serverPort}` });
      membership = undefined;
    }
  }

  const voterAddresses = async (): Promise<string[]> => {
    if (!native) return membership?.servers().map(serverRpcAddress) ?? [];
    const list = await native.memberList(false);
    return list.members
      .filter((m) => !m.isLearner)
      .map((m) => {
        try {
          const u = new URL(m.peerURLs[0] ?? '');
          return u.port ? u.host : `${u.host}:8300`;
        } catch {
          return '';
        }
      })
      .filter((a) => a !== '');
  };

  const openStore = async (f: Formation): Promise<NativeBackend> => {
    // the peer transport listens on loopback only: peers reach it through the server port's splice
    transport = membership
      ? createPeerTransport({ memberId: f.memberId, clusterId: f.clusterId, listenPeerUrls: [peerUrlOf('127.0.0.1', 0)], logger: opts.storeLogger, ...(internalTls?.serves ? { tls: internalTls.peerTls() } : {}) })
      : undefined;
    const b = await createNativeBackend({
      name: opts.self.Name,
      dataDir: opts.storeDir,
      memberId: f.memberId,
      clusterId: f.clusterId,
      initialCluster: f.initialCluster,
      initialClusterState: f.state,
      advertiseClientURLs: opts.advertiseClientURLs,
      advertisePeerURLs: [selfPeerUrl],
      snapshotCount: 100_000,
      heartbeatMs: opts.heartbeatMs,
      electionMs: opts.electionMs,
      quotaBackendBytes: opts.quotaBackendBytes,
      logger: opts.storeLogger,
      ...(transport ? { transport } : {}),
    });
    saveIdentity(opts.storeDir, { memberId: f.memberId, clusterId: f.clusterId, members: f.initialCluster, fromDataDir: false });
    return b;
  };

  const bootstrapWith = (set: SerfMember[]): Formation => {
    const members = set.map((s) => ({ name: s.Name, peerURLs: [peerUrlOfMember(s, peerScheme)] }));
    const identity = resolveIdentity(opts.storeDir, opts.self.Name, members, AGENT_CLUSTER_TOKEN);
    mkdirSync(dirname(formationFile), { recursive: true });
    writeFileSync(formationFile, JSON.stringify({ initialMembers: set } satisfies FormationFile));
    return { memberId: identity.memberId, clusterId: identity.clusterId, initialCluster: identity.members, state: 'new' };
  };

  /** Joins a formed cluster through one of its servers: as the member it already is, else as a new learner. */
  const joinExisting = async (servers: SerfMember[]): Promise<Formation | undefined> => {
    const remote = createRemoteBackend({ servers: servers.map(serverRpcAddress), connectWaitMs: 2000, ...remoteDial });
    try {
      const list = await remote.memberList(true);
      const mine = list.members.find((m) => m.peerURLs.includes(selfPeerUrl));
      let memberId: bigint;
      let members: Member[];
      if (mine) {
        memberId = mine.id;
        members = list.members;
      } else {
        const added = await remote.memberAdd({ peerURLs: [selfPeerUrl], isLearner: true });
        memberId = added.member.id;
        members = added.members;
        log.info('agent.server', 'dcsgw: joined the cluster as a non-voter; autopilot promotes it once caught up', { id: memberId.toString(16) });
      }
      const initialCluster = members.map((m) => ({ id: m.id, name: m.id === memberId ? opts.self.Name : m.name, peerURLs: m.peerURLs }));
      return { memberId, clusterId: list.header.clusterId, initialCluster, state: 'existing' };
    } catch (err) {
      log.warn('agent.server', 'dcsgw: could not join the formed cluster yet, will retry', { error: (err as Error).message });
      return undefined;
    } finally {
      await remote.close();
    }
  };

  /** Whether a formed cluster answers and no longer has this member (removed while it was away). */
  const removedWhileAway = async (saved: { memberId: bigint; clusterId: bigint }): Promise<SerfMember[] | undefined> => {
    if (!membership) return undefined;
    // the join addresses and the servers known before the restart (a -bootstrap server has no join address)
    const addrs = [...new Set([...[...opts.startJoin, ...opts.retryJoin].map(withSerfPort), ...membership.servers().filter((s) => s.Name !== opts.self.Name).map(serfAddress)])];
    const replies = await Promise.all(addrs.map((a) => membership!.hello(a).catch(() => undefined)));
    const clustered = replies.filter((r) => r?.clustered).map((r) => r!.self);
    if (clustered.length === 0) return undefined;
    const remote = createRemoteBackend({ servers: clustered.map(serverRpcAddress), connectWaitMs: 2000, ...remoteDial });
    try {
      // only a linearizable answer is trusted (a lagging server's list could miss this member);
      // without quorum (the whole cluster restarting) it cannot come: start from the data dir
      const list = await Promise.race([
        remote.memberList(true),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no quorum answer')), 2000).unref()),
      ]);
      if (list.header.clusterId !== saved.clusterId) {
        log.error('agent.server', 'dcsgw: the servers joined belong to another cluster than this data dir; starting from the data dir', { cluster: list.header.clusterId.toString(16) });
        return undefined;
      }
      return list.members.some((m) => m.id === saved.memberId) ? undefined : clustered;
    } catch {
      return undefined;
    } finally {
      await remote.close();
    }
  };

  const form = async (): Promise<Formation> => {
    if (existsSync(identityFile(opts.storeDir))) {
      const saved = JSON.parse(readFileSync(identityFile(opts.storeDir), 'utf8')) as { memberId: string; clusterId: string };
      const ids = { memberId: BigInt('0x' + saved.memberId), clusterId: BigInt('0x' + saved.clusterId) };
      const gone = await removedWhileAway(ids);
      if (!gone) return { ...ids, initialCluster: [], state: 'existing' };
      const aside = `${opts.storeDir}.removed-${Date.now()}`;
      log.warn('agent.server', 'dcsgw: this server was removed from the raft configuration while it was away; its old store is set aside and it joins again', { old_store: aside });
      renameSync(opts.storeDir, aside);
      mkdirSync(opts.storeDir, { recursive: true });
      for (;;) {
        const f = await joinExisting(gone);
        if (f) return f;
        await sleep(1000);
      }
    }
    if (opts.bootstrap || !membership) {
      log.info('agent.server.raft', 'initial configuration', { index: 1, servers: `[{Suffrage:Voter ID:${opts.nodeId} Address:${opts.advertiseAddr}:${opts.serverPort}}]` });
      return bootstrapWith([opts.self]);
    }
    const m = membership;
    let waitingLogged = false;
    for (;;) {
      if (closed) throw new Error('agent stopped before the cluster formed');
      const addrs = new Set([...opts.startJoin, ...opts.retryJoin].map(withSerfPort));
      for (const s of m.servers()) if (s.Name !== opts.self.Name) addrs.add(serfAddress(s));
      const replies = (await Promise.all([...addrs].map((a) => m.hello(a).catch(() => undefined)))).filter((r) => r !== undefined);
      const clustered = replies.filter((r) => r.clustered);
      if (clustered.length > 0) {
        // a cluster exists: if it was bootstrapped with this server in its initial set, start as that member
        const initial = clustered.map((r) => r.initialMembers).find((list) => list && list.length > 0);
        if (initial?.some((s) => s.Name === opts.self.Name && s.Tags.id === opts.self.Tags.id)) {
          log.info('agent.server', 'Found expected number of peers, attempting bootstrap', { peers: initial.map(serverRpcAddress).join(',') });
          return bootstrapWith(initial);
        }
        const f = await joinExisting(clustered.map((r) => r.self));
        if (f) return f;
      } else if (opts.bootstrapExpect > 0) {
        const expect = String(opts.bootstrapExpect);
        const peers = m.servers().filter((s) => (s.Tags.expect ?? '') === expect);
        for (const s of m.servers()) {
          if (s.Tags.expect && s.Tags.expect !== expect) log.error('agent.server', 'Member has a conflicting expect value. All nodes should expect the same number.', { member: `${s.Name}` });
        }
        if (peers.length >= opts.bootstrapExpect) {
          const set = [...peers].sort((a, b) => ((a.Tags.id ?? a.Name) < (b.Tags.id ?? b.Name) ? -1 : 1)).slice(0, opts.bootstrapExpect);
          const key = set.map((s) => s.Name).join(',');
          const agreed =
            set.some((s) => s.Name === opts.self.Name) &&
            set.every((s) => {
              if (s.Name === opts.self.Name) return true;
              const h = m.helloOf(s.Name);
              if (!h) return false;
              const theirs = h.servers.filter((x) => (x.Tags.expect ?? '') === expect).sort((a, b) => ((a.Tags.id ?? a.Name) < (b.Tags.id ?? b.Name) ? -1 : 1));
              return theirs.slice(0, opts.bootstrapExpect).map((x) => x.Name).join(',') === key;
            });
          if (agreed) {
            log.info('agent.server', 'Found expected number of peers, attempting bootstrap', { peers: set.map(serverRpcAddress).join(',') });
            return bootstrapWith(set);
          }
        } else if (!waitingLogged) {
          waitingLogged = true;
          log.info('agent.server', 'dcsgw: waiting for the expected number of servers before bootstrapping', { expect: opts.bootstrapExpect, known: peers.length });
        }
      }
      await sleep(Math.min(1000, opts.retryIntervalMs));
    }
  };

  membership?.start();
  if (membership) opts.onMembership?.(membership);
  let formation: Formation;
  try {
    formation = await form();
    native = await openStore(formation);
  } catch (err) {
    await serverPort?.close();
    await membership?.close();
    throw err;
  }
  voterRemote = createRemoteBackend({ servers: (membership?.servers() ?? []).filter((s) => s.Name !== opts.self.Name).map(serverRpcAddress), logger: opts.logger, ...remoteDial });
  const current = (): NativeBackend => native!;
  faceBackend = learnerAwareBackend(current, voterRemote);

  let dutiesOn = false;
  const startDuties = (): void => {
    const b = current();
    const catalog = new Catalog(b, opts.datacenter);
    const pilot = new Autopilot({ backend: b, log, failAfterMs: opts.failAfterMs, records: () => readMembers(b, true) });
    autopilot = pilot;
    tracker = new MemberTracker({
      backend: b,
      catalog,
      datacenter: opts.datacenter,
      log,
      failAfterMs: opts.failAfterMs,
      reconnectTimeoutMs: opts.reconnectTimeoutMs,
      tombstoneTimeoutMs: opts.tombstoneTimeoutMs,
      onServerGone: async (m) => pilot.removeServer(m.Name, 'left'),
    });
    tracker.start();
    pilot.start();
  };

  // Removed from the raft configuration while unreachable (frozen, partitioned past autopilot's
  // dead-server cleanup): the store can never rejoin under its old member ID. The server sets it
  // aside and joins again as a new non-voter, in place: the HTTP face and the server RPC keep going
  // (their watches are cancelled with the old store and started again on the new one).
  let rejoining = false;
  let outsideSeen = 0;
  const rejoinInPlace = async (): Promise<void> => {
    if (rejoining || closed) return;
    rejoining = true;
    try {
      log.warn('agent.server', 'dcsgw: this server is no longer in the raft configuration (removed while unreachable); it sets its store aside and joins again');
      const old = current();
      const known = (membership?.servers() ?? []).filter((s) => s.Name !== opts.self.Name);
      tracker?.stop();
      autopilot?.stop();
      // the old store keeps serving (stale) until the new one is open: requests and the watches
      // consumers restart never meet a closed store
      let f: Formation | undefined;
      while (!f && !closed) {
        f = await joinExisting(known.length > 0 ? known : (membership?.servers() ?? []).filter((s) => s.Name !== opts.self.Name));
        if (!f) await sleep(1000);
      }
      if (!f) return;
      // open files follow a rename: the old store is set aside while still open
      const aside = `${opts.storeDir}.removed-${Date.now()}`;
      renameSync(opts.storeDir, aside);
      mkdirSync(opts.storeDir, { recursive: true });
      native = await openStore(f);
      await old.close().catch(() => undefined);
      if (dutiesOn) startDuties();
      for (const fn of storeListeners) fn(native);
    } finally {
      outsideSeen = 0;
      rejoining = false;
    }
  };
  const storeListeners: Array<(b: NativeBackend) => void> = [];
  onHeartbeatAnswer = (reply) => {
    const peers = reply.raftPeers;
    if (!peers || peers.length === 0 || !native || rejoining) return;
    outsideSeen = peers.includes(selfPeerUrl) ? 0 : outsideSeen + 1;
    // twice in a row: a member being added right now is not mistaken for a removed one
    if (outsideSeen >= 2) void rejoinInPlace();
  };

  const view: AgentCluster = {
    async members(wan) {
      let list: SerfMember[];
      try {
        list = (await readMembers(faceBackend!, true)).map(asSerfMember);
      } catch {
        list = [];
      }
      if (!list.some((m) => m.Name === opts.self.Name)) list.push({ ...opts.self, Status: MemberStatus.Alive });
      if (!wan) return list;
      return list.filter(isServer).map((m) => ({ ...m, Name: `${m.Name}.${opts.datacenter}`, Port: Number(m.Tags.wan_join_port ?? '8302') }));
    },
    async join(addrs) {
      if (!membership) throw new Error('dcsgw: this agent runs without a serf LAN port (it was taken at start)');
      return membership.join(addrs);
    },
    async forceLeave(node, prune) {
      if (!membership) throw new Error('dcsgw: this agent runs without a serf LAN port (it was taken at start)');
      return membership.forceLeave(node, prune);
    },
    knownServers: () => membership?.servers().length ?? 1,
  };

  return {
    get native() {
      return current();
    },
    backend: faceBackend,
    view,
    membership,
    onStoreReplaced(fn) {
      storeListeners.push(fn);
    },
    startLeaderDuties() {
      dutiesOn = true;
      startDuties();
      void membership?.beatNow();
    },
    async leave() {
      if (!membership) return;
      log.info('agent.server', 'server starting leave');
      // a leader hands leadership to another voter first, so the next leader removes it
      const nat = current();
      if (nat.isLeader()) {
        const list = await nat.memberList(false).catch(() => undefined);
        const other = list?.members.find((x) => x.id !== nat.memberId && !x.isLearner);
        if (other) {
          await nat.moveLeader(other.id).catch(() => undefined);
          const until = Date.now() + 5000;
          while (Date.now() < until && (nat.isLeader() || !nat.hasLeader())) await sleep(50);
        }
      }
      await membership.leave();
      log.info('agent.server.serf.lan', `serf: EventMemberLeave: ${opts.self.Name} ${opts.self.Addr}`);
    },
    async close() {
      closed = true;
      tracker?.stop();
      autopilot?.stop();
      await membership?.close();
      await serverPort?.close();
      await voterRemote?.close();
      await current().close();
    },
  };
}
