// The peer transport of a native dcsgw member (implements ./api.ts). It listens on the member's
// --listen-peer-urls and dials every peer's advertised peer URL:
// - every connection opens with an HTTP/1.1 upgrade request carrying X-Server-From (the sender's
//   member ID in hex) and X-Etcd-Cluster-ID, as etcd's peer requests do, so HTTP-aware tools (the
//   nemesis partitioning proxy) can tell who is talking; then binary frames (./framing.ts);
// - one long-lived connection per peer and direction carries batched raft messages and peer
//   requests (./peer-link.ts);
// - a MsgSnap travels on a connection of its own, so heartbeats never wait behind a snapshot;
// - GET /version answers like etcd's peer port; POST /dcsgw/test/faults sets fault injection and
//   exists only when the transport is created with adminRoutes or DCSGW_TEST_PEER_FAULTS=1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { EtcdError, type GrpcCode } from '../../adapters/errors.js';
import { MessageType, SnapshotStatus, type Message, type NodeId } from '../raft/api.js';
import type { PeerRequestHandler, Transport, TransportEvents } from './api.js';
import { decodeBatch, encodeBatch } from './codec.js';
import { FaultInjector, type PeerFault } from './faults.js';
import { FrameKind, FrameReader, frame, frameHeader } from './framing.js';
import { createPeerMetrics, noPeerMetrics, type PeerMetrics } from './metrics.js';
import { PeerLink, PeerRequestError, RAFT_PATH, SNAPSHOT_PATH, UPGRADE_PROTOCOL, dialPeer, type LinkContext } from './peer-link.js';
import type { PeerTls } from './peer-tls.js';
import { peerTrace } from './peer-trace.js';

export interface PeerTransportOptions {
  memberId: bigint;
  clusterId: bigint;
  /** Where to listen (http:// or, with `tls`, https:// URLs; port 0 picks a free port, see addresses). */
  listenPeerUrls: string[];
  /** Peer TLS (etcd's --peer-* flags): https:// listeners and dials. */
  tls?: PeerTls;
  logger: Logger;
  /** Dial backoff: first retry after initialMs, doubling up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  faults?: FaultInjector;
  /** Serve POST /dcsgw/test/faults (tests only; also enabled by DCSGW_TEST_PEER_FAULTS=1). */
  adminRoutes?: boolean;
  /** etcd's peer /version answer. */
  versions?: { server: string; cluster: string };
  /** Where etcd's etcd_network_* peer metrics are registered (none when absent). */
  metricsRegistry?: Registry;
}

/** A member as GET /members on the peer port lists it (etcd's peer API, used by joining members). */
export interface PeerMemberInfo {
  id: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export interface PeerTransport extends Transport {
  readonly faults: FaultInjector;
  /** Serve GET /members on the peer port from this source (set once the backend exists). */
  serveMembers(source: () => Promise<PeerMemberInfo[]>): void;
  /** Bound peer listeners, in listenPeerUrls order (after start). */
  readonly addresses: { host: string; port: number }[];
}

export function createPeerTransport(opts: PeerTransportOptions): PeerTransport {
  return new HttpUpgradeTransport(opts);
}

const SNAPSHOT_IDLE_TIMEOUT_MS = 60_000;

class HttpUpgradeTransport implements PeerTransport {
  readonly faults: FaultInjector;
  readonly addresses: { host: string; port: number }[] = [];
  private events: TransportEvents | undefined;
  private readonly servers: Server[] = [];
  private readonly tcpServers: TcpServer[] = [];
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inbound = new Set<Socket>();
  private readonly handlers = new Map<string, PeerRequestHandler>();
  private readonly ctx: LinkContext;
  private readonly clusterHex: string;
  private readonly metrics: PeerMetrics;
  private closed = false;
  private membersSource: (() => Promise<PeerMemberInfo[]>) | undefined;

  constructor(private readonly opts: PeerTransportOptions) {
    this.faults = opts.faults ?? new FaultInjector();
    this.clusterHex = opts.clusterId.toString(16);
    this.metrics = opts.metricsRegistry ? createPeerMetrics(opts.metricsRegistry, opts.memberId.toString(16)) : noPeerMetrics;
    this.ctx = {
      metrics: this.metrics,
      selfHex: opts.memberId.toString(16),
      clusterHex: this.clusterHex,
      logger: opts.logger,
      // etcd's stream readers redial every 100 ms; a short cap keeps recovery after a peer restart quick
      backoff: opts.backoff ?? { initialMs: 50, maxMs: 250 },
      onUnreachable: (id) => this.events?.onUnreachable(id),
      ...(opts.tls ? { tls: opts.tls } : {}),
    };
  }

  async start(events: TransportEvents): Promise<void> {
    this.events = events;
    for (const raw of this.opts.listenPeerUrls) {
      const u = new URL(raw);
      const secure = u.protocol === 'https:';
      if (!secure && u.protocol !== 'http:') throw new Error(`dcsgw: unsupported peer URL scheme (${raw})`);
      if (secure && !this.opts.tls) throw new Error(`cannot listen on TLS for ${u.host}: KeyFile and CertFile are not presented`);
      const server = createServer((req, res) => this.onHttp(req, res));
      server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.onUpgrade(req, socket, head));
      // https: TCP accepted here, TLS terminated (and the peer's certificate checked), then HTTP as on http://
      const terminator = secure ? this.opts.tls!.serverFor((s) => server.emit('connection', s)) : undefined;
      const listener: Server | TcpServer = terminator ? createTcpServer({ noDelay: true }, (raw) => terminator.accept(raw)) : server;
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen({ host, port: Number(u.port || (secure ? 443 : 80)) }, () => {
          listener.off('error', reject);
          resolve();
        });
      });
      const addr = listener.address();
      if (addr && typeof addr === 'object') this.addresses.push({ host: addr.address, port: addr.port });
      this.servers.push(server);
      if (listener !== server) this.tcpServers.push(listener as TcpServer);
    }
  }

  send(msgs: Message[]): void {
    if (this.closed) return;
    // group per peer, keeping order; MsgSnap goes out on its own connection
    let byPeer: Map<NodeId, Message[]> | undefined;
    for (const m of msgs) {
      const link = this.links.get(m.to);
      if (!link) continue;
      if (this.faults.drops(m.to)) {
        if (m.type === MessageType.MsgSnap) this.snapshotDone(m.to, SnapshotStatus.Failure);
        continue;
      }
      if (m.type === MessageType.MsgSnap) {
        this.sendSnapshot(link, m);
        continue;
      }
      byPeer ??= new Map();
      let list = byPeer.get(m.to);
      if (!list) byPeer.set(m.to, (list = []));
      list.push(m);
    }
    if (!byPeer) return;
    for (const [to, list] of byPeer) this.links.get(to)!.send(list, this.faults.delayOf(to));
  }

  addPeer(id: NodeId, peerURLs: string[]): void {
    if (this.closed || id === this.opts.memberId || this.links.has(id)) return;
    this.links.set(id, new PeerLink(id, [...peerURLs], this.ctx));
  }

  updatePeer(id: NodeId, peerURLs: string[]): void {
    const link = this.links.get(id);
    if (link) link.updateUrls([...peerURLs]);
    else this.addPeer(id, peerURLs);
  }

  removePeer(id: NodeId): void {
    this.links.get(id)?.close();
    this.links.delete(id);
  }

  isActive(id: NodeId): boolean {
    return this.links.get(id)?.isActive() ?? false;
  }

  request(to: NodeId, route: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
    const link = this.links.get(to);
    if (!link) return Promise.reject(new PeerRequestError(`unknown peer ${to.toString(16)}`));
    if (this.faults.drops(to)) return Promise.reject(new PeerRequestError(`peer ${to.toString(16)} is unreachable`));
    return link.request(route, body, timeoutMs).catch((err: unknown) => {
      if (err instanceof PeerRequestError && err.code !== undefined) throw new EtcdError(err.code as GrpcCode, err.message);
      throw err;
    });
  }

  serveMembers(source: () => Promise<PeerMemberInfo[]>): void {
    this.membersSource = source;
  }

  handle(route: string, handler: PeerRequestHandler): void {
    this.handlers.set(route, handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    for (const t of this.tcpServers) t.close();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  // ---- inbound -------------------------------------------------------------------------------

  private adminEnabled(): boolean {
    return this.opts.adminRoutes === true || process.env.DCSGW_TEST_PEER_FAULTS === '1';
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url === '/version') {
      const v = this.opts.versions ?? { server: '3.4.23', cluster: '3.4.0' };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ etcdserver: v.server, etcdcluster: v.cluster }));
      return;
    }
    if (req.method === 'GET' && req.url === '/members' && this.membersSource) {
      this.membersSource().then(
        (list) => {
          res.writeHead(200, { 'Content-Type': 'application/json', 'X-Etcd-Cluster-ID': this.clusterHex });
          res.end(JSON.stringify(list.map((m) => ({ id: m.id.toString(16), peerURLs: m.peerURLs, name: m.name, clientURLs: m.clientURLs }))));
        },
        (err: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(err.message);
        },
      );
      return;
    }
    if (req.url === '/dcsgw/test/faults' && this.adminEnabled()) {
      const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
      if (!loopback) {
        res.writeHead(403).end();
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        try {
          if (req.method === 'POST') this.applyAdmin(JSON.parse(body || '{}') as AdminFaults);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(this.faults.snapshot()));
        } catch (err) {
          res.writeHead(400).end((err as Error).message);
        }
      });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  }

  private applyAdmin(cmd: AdminFaults): void {
    if (cmd.heal) this.faults.heal();
    for (const [hex, fault] of Object.entries(cmd.peers ?? {})) this.faults.set(BigInt('0x' + hex), fault);
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const refuse = (status: string, reason: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nX-Dcsgw-Reason: ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const fromHex = String(req.headers['x-server-from'] ?? '');
    const cluster = String(req.headers['x-etcd-cluster-id'] ?? '');
    if (this.closed || (req.url !== RAFT_PATH && req.url !== SNAPSHOT_PATH) || !/^[0-9a-f]{1,16}$/.test(fromHex)) {
      refuse('400 Bad Request', 'not a dcsgw peer connection');
      return;
    }
    if (cluster !== this.clusterHex) {
      this.opts.logger.warn({ 'local-member-id': this.ctx.selfHex, 'remote-peer-id': fromHex, 'remote-peer-cluster-id': cluster, 'local-member-cluster-id': this.clusterHex }, 'request cluster ID mismatch');
      refuse('412 Precondition Failed', 'cluster ID mismatch');
      return;
    }
    const from = BigInt('0x' + fromHex);
    if (this.faults.isPartitioned(from)) {
      socket.destroy();
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${UPGRADE_PROTOCOL}\r\nConnection: Upgrade\r\n\r\n`);
    socket.setNoDelay(true);
    socket.setTimeout(req.url === SNAPSHOT_PATH ? SNAPSHOT_IDLE_TIMEOUT_MS : 0, () => socket.destroy());
    this.inbound.add(socket);
    socket.on('close', () => this.inbound.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader((kind, payload) => {
      this.metrics.received(fromHex, payload.length + 5);
      this.onInboundFrame(from, socket, kind, payload);
    });
    const feed = (chunk: Buffer): void => {
      try {
        reader.push(chunk);
      } catch (err) {
        this.opts.logger.warn({ 'remote-peer-id': fromHex, error: (err as Error).message }, 'bad frame from peer');
        socket.destroy();
      }
    };
    socket.on('data', feed);
    if (head.length) feed(head);
  }

  private onInboundFrame(from: NodeId, socket: Socket, kind: FrameKind, payload: Buffer): void {
    if (this.closed) return;
    switch (kind) {
      case FrameKind.Messages: {
        if (this.faults.drops(from)) return;
        const msgs = decodeBatch(payload);
        peerTrace?.received(msgs);
        this.events?.onMessages(msgs);
        return;
      }
      case FrameKind.Snapshot: {
        const msgs = decodeBatch(payload);
        this.events?.onMessages(msgs);
        socket.end(frame(FrameKind.SnapshotAck, Buffer.from([0])));
        return;
      }
      case FrameKind.Request: {
        void this.answer(from, socket, payload);
        return;
      }
      default:
        return;
    }
  }

  private async answer(from: NodeId, socket: Socket, payload: Buffer): Promise<void> {
    const id = payload.readUInt32BE(0);
    const routeLen = payload.readUInt16BE(4);
    const route = payload.subarray(6, 6 + routeLen).toString('utf8');
    const body = Buffer.from(payload.subarray(6 + routeLen));
    const head = Buffer.allocUnsafe(5);
    head.writeUInt32BE(id, 0);
    let out: Buffer;
    try {
      const handler = this.handlers.get(route);
      if (!handler) throw new Error(`no handler for peer route ${route}`);
      out = await handler(from, body);
      head[4] = 1;
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      const info = { ...(typeof e.code === 'number' ? { code: e.code } : {}), message: String(e.message ?? err) };
      out = Buffer.from(JSON.stringify(info));
      head[4] = 0;
    }
    if (!socket.destroyed) socket.write(frame(FrameKind.Response, Buffer.concat([head, out])));
  }

  // ---- snapshots -----------------------------------------------------------------------------

  private snapshotDone(to: NodeId, status: SnapshotStatus): void {
    setImmediate(() => this.events?.onSnapshotStatus(to, status));
  }

  private sendSnapshot(link: PeerLink, m: Message): void {
    const to = m.to;
    const urls = link.peerUrls();
    const url = urls[0];
    if (!url) {
      this.snapshotDone(to, SnapshotStatus.Failure);
      return;
    }
    const bytes = m.snapshot?.data.length ?? 0;
    this.opts.logger.info({ 'remote-peer-id': to.toString(16), 'snapshot-index': m.snapshot?.metadata.index, size: bytes }, 'sending database snapshot');
    let settled = false;
    const finish = (status: SnapshotStatus, socket?: Socket): void => {
      if (settled) return;
      settled = true;
      socket?.destroy();
      this.metrics.snapshotSent(to.toString(16), status === SnapshotStatus.Finish);
      if (status === SnapshotStatus.Finish) this.opts.logger.info({ 'remote-peer-id': to.toString(16), size: bytes }, 'sent database snapshot');
      else this.opts.logger.warn({ 'remote-peer-id': to.toString(16) }, 'failed to send database snapshot');
      this.snapshotDone(to, status);
    };
    dialPeer(url, SNAPSHOT_PATH, this.ctx, to.toString(16), 2000).then(
      (socket) => {
        const payload = encodeBatch([m]);
        socket.setTimeout(SNAPSHOT_IDLE_TIMEOUT_MS, () => finish(SnapshotStatus.Failure, socket));
        const reader = new FrameReader((kind, p) => {
          if (kind === FrameKind.SnapshotAck) finish(p[0] === 0 ? SnapshotStatus.Finish : SnapshotStatus.Failure, socket);
        });
        socket.on('data', (c: Buffer) => {
          try {
            reader.push(c);
          } catch {
            finish(SnapshotStatus.Failure, socket);
          }
        });
        socket.on('error', () => finish(SnapshotStatus.Failure, socket));
        socket.on('close', () => finish(SnapshotStatus.Failure, socket));
        socket.write(frameHeader(FrameKind.Snapshot, payload.length));
        socket.write(payload);
      },
      () => finish(SnapshotStatus.Failure),
    );
  }
}

/** Body of POST /dcsgw/test/faults: {"heal":true} and/or {"peers":{"<hex id>":{"partitioned":true,"dropRate":0.5,"delayMs":20}}}. */
export interface AdminFaults {
  heal?: boolean;
  peers?: Record<string, PeerFault>;
}
