// The serf LAN port (ports.serf_lan, Consul's 8301) of every agent: where agents find each other.
// dcsgw speaks small JSON requests over HTTP/1.1 here instead of serf's gossip (the reason is in
// docs/design-membership.md):
//   POST /dcsgw/serf/hello       {from, servers}  -> {self, servers, clustered}   who knows which servers
//   POST /dcsgw/serf/heartbeat   {member, status} -> {servers, leader}            I am alive (servers only)
//   POST /dcsgw/serf/force-leave {node, prune}    -> {}                           (servers only)
// A request to a server that is not the raft leader is forwarded by it to the leader, so an agent
// needs to know any one server. The transport is pluggable (dial/listen) so TLS can wrap it.
import { createServer, request, type ClientRequest, type IncomingMessage, type RequestOptions, type Server, type ServerResponse } from 'node:http';
import type { SerfMember } from '../../compat/agent/agent-self.js';

export interface HelloRequest {
  from: SerfMember;
  servers: SerfMember[];
}
export interface HelloReply {
  self: SerfMember;
  /** The servers the answering agent knows (itself included when it is one). */
  servers: SerfMember[];
  /** True when the answering server is a member of a formed raft cluster. */
  clustered: boolean;
  /** The servers the answering server's cluster was bootstrapped with (when it bootstrapped it). */
  initialMembers?: SerfMember[];
}
export interface HeartbeatRequest {
  member: SerfMember;
  /** MemberStatus: 1 alive, 2 leaving, 3 left. */
  status: number;
  /**
   * Rises with every heartbeat an agent sends, across its restarts too (serf's Lamport time of a
   * member's intents): the leader drops one that arrives after a later one (an alive heartbeat
   * that was slow in flight must not undo the leave sent after it). Absent from older agents.
   */
  seq?: number;
}
export interface HeartbeatReply {
  /** The cluster's alive servers. */
  servers: SerfMember[];
  /** The peer URLs of the raft configuration (a server that is not in it was removed). */
  raftPeers?: string[];
}
export interface ForceLeaveRequest {
  node: string;
  prune: boolean;
}

/** A refusal with the text the asking agent reports (Consul's, where it has one). */
export class SerfRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SerfHandlers {
  hello(req: HelloRequest): Promise<HelloReply>;
  heartbeat(req: HeartbeatRequest): Promise<HeartbeatReply>;
  forceLeave(req: ForceLeaveRequest): Promise<void>;
}

export interface SerfListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/**
 * How the serf port's requests travel: plain HTTP by default. Agent-to-agent encryption (the
 * security issue) replaces it once, at start-up, with node:https's createServer/request and the
 * agent's certificates; nothing else here changes.
 */
export interface SerfTransport {
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server;
  request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest;
}

let transport: SerfTransport = { createServer: (h) => createServer(h), request: (o, cb) => request(o, cb) };

export function setSerfTransport(t: SerfTransport): void {
  transport = t;
}

export async function listenSerf(host: string, port: number, handlers: SerfHandlers): Promise<SerfListener> {
  const server: Server = transport.createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 10_000;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST') throw new SerfRequestError(405, 'method not allowed');
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_BODY) throw new SerfRequestError(413, 'request too large');
        chunks.push(c as Buffer);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
      switch (req.url) {
        case '/dcsgw/serf/hello':
          return answer(200, await handlers.hello(body as HelloRequest));
        case '/dcsgw/serf/heartbeat':
          return answer(200, await handlers.heartbeat(body as HeartbeatRequest));
        case '/dcsgw/serf/force-leave':
          await handlers.forceLeave(body as ForceLeaveRequest);
          return answer(200, {});
        default:
          throw new SerfRequestError(404, 'not found');
      }
    } catch (err) {
      const status = err instanceof SerfRequestError ? err.status : 500;
      answer(status, { error: (err as Error).message });
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  return {
    address: a && typeof a === 'object' ? { host: a.address, port: a.port } : { host, port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request to another agent's serf port (host:port). Rejects with SerfRequestError or the dial error. */
export function serfCall<T>(address: string, path: string, body: unknown, timeoutMs = 3000): Promise<T> {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m) return Promise.reject(new Error(`bad serf address ${address}`));
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise<T>((resolve, reject) => {
    const req = transport.request(
      { host: m[1], port: Number(m[2]), method: 'POST', path, headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new SerfRequestError(res.statusCode ?? 500, 'malformed answer'));
            return;
          }
          if (res.statusCode === 200) resolve(parsed as T);
          else reject(new SerfRequestError(res.statusCode ?? 500, (parsed as { error?: string }).error ?? `status ${res.statusCode}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('i/o timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}
