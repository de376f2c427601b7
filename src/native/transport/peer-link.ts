// The outbound half of the link to one peer: one long-lived connection (an HTTP/1.1 upgrade on
// the peer's URL, then binary frames) carrying batched raft messages and peer requests, redialed
// with backoff while the peer is known. Messages sent while a dial is in flight wait for it, as
// etcd's rafthttp sends them on its pipeline (a fresh HTTP POST) when no stream is up: a member
// that just started hears from the leader before its own link is up, and a proposal it forwards
// then (publishing its name and client URLs) must not be lost to a request timeout. Messages sent
// while the link is down and no dial is in flight, or whose dial fails, are dropped and reported
// unreachable, as etcd's rafthttp does: raft retries on its own schedule.
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Message } from '../raft/api.js';
import { encodeBatch } from './codec.js';
import { FRAME_HEADER_BYTES, FrameKind, FrameReader, fillFrameHeader, frame } from './framing.js';
import type { PeerMetrics } from './metrics.js';
import { peerTrace } from './peer-trace.js';
import type { PeerTls } from './peer-tls.js';

export const RAFT_PATH = '/dcsgw/raft';
export const SNAPSHOT_PATH = '/dcsgw/snapshot';
export const UPGRADE_PROTOCOL = 'dcsgw-raft/1';

/** Above this many bytes waiting in the socket, new batches are dropped (the peer is too slow). */
const HIGH_WATER_BYTES = 16 * 1024 * 1024;
/** At most this many messages wait for a dial in flight (a dial takes at most a second). */
const MAX_WAITING_FOR_DIAL = 4096;

export interface LinkContext {
  selfHex: string;
  clusterHex: string;
  logger: Logger;
  backoff: { initialMs: number; maxMs: number };
  onUnreachable(id: bigint): void;
  metrics: PeerMetrics;
  /** How to dial https:// peer URLs (--peer-cert-file ...); without it they are dialed with node's defaults. */
  tls?: PeerTls;
}

export class PeerRequestError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'PeerRequestError';
  }
}

interface Pending {
  resolve(b: Buffer): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** Dials `url` with the upgrade handshake every peer connection starts with (it carries X-Server-From, as etcd's does). */
export function dialPeer(url: string, path: string, ctx: LinkContext, peerHex: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let req: ClientRequest;
    const secure = u.protocol === 'https:';
    try {
      req = (secure ? httpsRequest : httpRequest)({
        ...(secure ? (ctx.tls?.dialOptions() ?? {}) : {}),
        host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: Number(u.port || (secure ? 443 : 80)),
        path,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: {
          Connection: 'Upgrade',
          Upgrade: UPGRADE_PROTOCOL,
          'X-Server-From': ctx.selfHex,
          'X-Server-To': peerHex,
          'X-Etcd-Cluster-ID': ctx.clusterHex,
        },
      });
    } catch (err) {
      reject(err as Error);
      return;
    }
    req.on('upgrade', (_res, socket, head) => {
      socket.setTimeout(0);
      socket.setNoDelay(true);
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`peer ${peerHex} refused the connection: HTTP ${res.statusCode} ${res.headers['x-dcsgw-reason'] ?? ''}`.trim()));
    });
    req.on('timeout', () => req.destroy(new Error(`dial ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export class PeerLink {
  private socket: Socket | undefined;
  private dialing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private attempt = 0;
  private queue: Message[] = [];
  private flushScheduled = false;
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private closed = false;
  private wasActive = false;
  private activeSince: number | undefined;

  constructor(
    readonly id: bigint,
    private urls: string[],
    private readonly ctx: LinkContext,
  ) {
    this.backoffMs = ctx.backoff.initialMs;
    this.connect();
  }

  get peerHex(): string {
    return this.id.toString(16);
  }

  isActive(): boolean {
    return this.socket !== undefined;
  }

  since(): number | undefined {
    return this.activeSince;
  }

  peerUrls(): readonly string[] {
    return this.urls;
  }

  updateUrls(urls: string[]): void {
    this.urls = urls;
    // reconnect on the new addresses
    this.socket?.destroy();
  }

  /**
   * Write messages to the peer now, as one frame. Not deferred to a later turn of the event loop:
   * the leader sends its MsgApp just before it fsyncs its own WAL on the main thread, and a frame
   * left for setImmediate would only leave after that fsync, so the followers' fsyncs would follow
   * the leader's instead of overlapping it (and a follower's ack would wait behind its apply).
   * The host sends once per Ready, so this is still about one frame per peer and Ready.
   */
  send(msgs: Message[], delayMs: number): void {
    if (!this.socket && this.dialing && delayMs === 0 && this.queue.length + msgs.length <= MAX_WAITING_FOR_DIAL) {
      for (const m of msgs) this.queue.push(m); // flushed by attach, dropped if the dial fails
      return;
    }
    if (!this.socket) {
      this.ctx.metrics.sendFailed(this.peerHex);
      this.ctx.onUnreachable(this.id);
      return;
    }
    if (delayMs > 0) {
      const copy = msgs.slice();
      setTimeout(() => this.send(copy, 0), delayMs).unref();
      return;
    }
    if (this.queue.length > 0) {
      // messages that waited for the dial are still queued: keep them first
      for (const m of msgs) this.queue.push(m);
      this.flush();
      return;
    }
    this.write(msgs);
  }

  request(route: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new PeerRequestError(`peer ${this.peerHex} is unreachable`));
    const id = this.nextRequestId++ >>> 0;
    const routeBytes = Buffer.from(route, 'utf8');
    const head = Buffer.allocUnsafe(6);
    head.writeUInt32BE(id, 0);
    head.writeUInt16BE(routeBytes.length, 4);
    const payload = Buffer.concat([head, routeBytes, body]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PeerRequestError(`request ${route} to peer ${this.peerHex} timed out`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      socket.write(frame(FrameKind.Request, payload));
    });
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.failPending('transport closed');
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.write(batch);
  }

  private write(batch: Message[]): void {
    const socket = this.socket;
    if (!socket) {
      this.ctx.metrics.sendFailed(this.peerHex);
      this.ctx.onUnreachable(this.id);
      return;
    }
    if (socket.writableLength > HIGH_WATER_BYTES) {
      this.ctx.metrics.sendFailed(this.peerHex);
      this.ctx.onUnreachable(this.id);
      return;
    }
    const framed = fillFrameHeader(encodeBatch(batch, FRAME_HEADER_BYTES), FrameKind.Messages);
    this.ctx.metrics.sent(this.peerHex, framed.length);
    peerTrace?.sent(batch);
    socket.write(framed);
  }

  private connect(): void {
    if (this.closed || this.socket || this.dialing) return;
    this.dialing = true;
    const url = this.urls[this.attempt++ % Math.max(1, this.urls.length)];
    if (url === undefined) {
      this.dialing = false;
      return;
    }
    dialPeer(url, RAFT_PATH, this.ctx, this.peerHex, 1000).then(
      (socket) => {
        this.dialing = false;
        if (this.closed) {
          socket.destroy();
          return;
        }
        this.attach(socket);
      },
      (err: Error) => {
        this.dialing = false;
        this.dropWaiting();
        if (this.wasActive) {
          this.ctx.logger.debug({ 'remote-peer-id': this.peerHex, error: err.message }, 'failed to dial remote peer');
        }
        this.scheduleRetry();
      },
    );
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.activeSince = Date.now();
    this.backoffMs = this.ctx.backoff.initialMs;
    this.wasActive = true;
    this.ctx.metrics.peerActive(this.peerHex, true);
    this.ctx.logger.info({ 'local-member-id': this.ctx.selfHex, 'remote-peer-id': this.peerHex }, 'peer became active');
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true; // the messages that waited for this dial
      setImmediate(() => this.flush());
    }
    const reader = new FrameReader((kind, payload) => this.onFrame(kind, payload));
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        this.ctx.logger.warn({ 'remote-peer-id': this.peerHex, error: (err as Error).message }, 'bad frame from peer');
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.activeSince = undefined;
      this.ctx.metrics.peerActive(this.peerHex, false);
      this.failPending(`connection to peer ${this.peerHex} lost`);
      if (!this.closed) {
        this.ctx.logger.warn({ 'local-member-id': this.ctx.selfHex, 'remote-peer-id': this.peerHex }, 'peer became inactive (message send to peer failed)');
        this.ctx.onUnreachable(this.id);
        this.scheduleRetry();
      }
    });
  }

  private onFrame(kind: number, payload: Buffer): void {
    if (kind !== FrameKind.Response) return;
    const id = payload.readUInt32BE(0);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    const body = Buffer.from(payload.subarray(5));
    if (payload[4] === 1) p.resolve(body);
    else {
      let info: { code?: number; message?: string } = {};
      try {
        info = JSON.parse(body.toString('utf8')) as typeof info;
      } catch {
        info = { message: body.toString('utf8') };
      }
      p.reject(new PeerRequestError(info.message ?? 'peer request failed', info.code));
    }
  }

  private failPending(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new PeerRequestError(why));
      this.pending.delete(id);
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.ctx.backoff.maxMs, this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, wait);
    this.retryTimer.unref();
  }

  /** Messages that waited for a dial which failed (or was abandoned): lost, and reported so. */
  private dropWaiting(): void {
    if (this.socket || this.queue.length === 0) return;
    this.queue = [];
    this.ctx.metrics.sendFailed(this.peerHex);
    this.ctx.onUnreachable(this.id);
  }
}
