// etcd 3.4's JSON gateway (grpc-gateway v1) on the client port: POST /v3/<route> (and the /v3beta
// alias 3.4 still serves; /v3alpha is gone) with a JSON body, answered by the same service methods
// the gRPC router serves. Shapes checked against genuine 3.4.23:
// - success: 200 application/json; streams (watch, keepalive, snapshot, observe) write one
//   `{"result":{...}}` line per message;
// - errors: HTTP status from the gRPC code, body {"error","message","code"}; in a stream after the
//   first message, a line {"error":{"grpc_code","http_code","message","http_status"}};
// - non-POST on a route: 405 "Method Not Allowed"; unknown /v3 route: 404 "Not Found".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { EtcdError, GrpcCode } from '../../adapters/errors.js';
import { GrpcStatusError, type CallContext, type ServerStream } from '../grpc/api.js';
import { httpStatusOf, jsonErrorBody, parseJsonBody } from './codec/index.js';
import type { JsonCodec, MessageName } from './codecs.js';
import { JsonValueSplitter } from './json-stream.js';
import type { MethodDef, StreamMethod, UnaryMethod } from './method.js';

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** Gateway route (after the /v3 or /v3beta prefix) -> gRPC path, as etcd 3.4's .proto annotations bind them. */
export const GATEWAY_ROUTES: Record<string, string> = {
  '/kv/range': '/etcdserverpb.KV/Range',
  '/kv/put': '/etcdserverpb.KV/Put',
  '/kv/deleterange': '/etcdserverpb.KV/DeleteRange',
  '/kv/txn': '/etcdserverpb.KV/Txn',
  '/kv/compaction': '/etcdserverpb.KV/Compact',
  '/watch': '/etcdserverpb.Watch/Watch',
  '/lease/grant': '/etcdserverpb.Lease/LeaseGrant',
  '/lease/revoke': '/etcdserverpb.Lease/LeaseRevoke',
  '/kv/lease/revoke': '/etcdserverpb.Lease/LeaseRevoke',
  '/lease/keepalive': '/etcdserverpb.Lease/LeaseKeepAlive',
  '/lease/timetolive': '/etcdserverpb.Lease/LeaseTimeToLive',
  '/kv/lease/timetolive': '/etcdserverpb.Lease/LeaseTimeToLive',
  '/lease/leases': '/etcdserverpb.Lease/LeaseLeases',
  '/kv/lease/leases': '/etcdserverpb.Lease/LeaseLeases',
  '/cluster/member/add': '/etcdserverpb.Cluster/MemberAdd',
  '/cluster/member/remove': '/etcdserverpb.Cluster/MemberRemove',
  '/cluster/member/update': '/etcdserverpb.Cluster/MemberUpdate',
  '/cluster/member/list': '/etcdserverpb.Cluster/MemberList',
  '/cluster/member/promote': '/etcdserverpb.Cluster/MemberPromote',
  '/maintenance/alarm': '/etcdserverpb.Maintenance/Alarm',
  '/maintenance/status': '/etcdserverpb.Maintenance/Status',
  '/maintenance/defragment': '/etcdserverpb.Maintenance/Defragment',
  // Hash and HashKV share this route in 3.4; the first registered (Hash) answers it.
  '/maintenance/hash': '/etcdserverpb.Maintenance/Hash',
  '/maintenance/snapshot': '/etcdserverpb.Maintenance/Snapshot',
  '/maintenance/transfer-leadership': '/etcdserverpb.Maintenance/MoveLeader',
  '/auth/enable': '/etcdserverpb.Auth/AuthEnable',
  '/auth/disable': '/etcdserverpb.Auth/AuthDisable',
  '/auth/authenticate': '/etcdserverpb.Auth/Authenticate',
  '/auth/user/add': '/etcdserverpb.Auth/UserAdd',
  '/auth/user/get': '/etcdserverpb.Auth/UserGet',
  '/auth/user/list': '/etcdserverpb.Auth/UserList',
  '/auth/user/delete': '/etcdserverpb.Auth/UserDelete',
  '/auth/user/changepw': '/etcdserverpb.Auth/UserChangePassword',
  '/auth/user/grant': '/etcdserverpb.Auth/UserGrantRole',
  '/auth/user/revoke': '/etcdserverpb.Auth/UserRevokeRole',
  '/auth/role/add': '/etcdserverpb.Auth/RoleAdd',
  '/auth/role/get': '/etcdserverpb.Auth/RoleGet',
  '/auth/role/list': '/etcdserverpb.Auth/RoleList',
  '/auth/role/delete': '/etcdserverpb.Auth/RoleDelete',
  '/auth/role/grant': '/etcdserverpb.Auth/RoleGrantPermission',
  '/auth/role/revoke': '/etcdserverpb.Auth/RoleRevokePermission',
  '/lock/lock': '/v3lockpb.Lock/Lock',
  '/lock/unlock': '/v3lockpb.Lock/Unlock',
  '/election/campaign': '/v3electionpb.Election/Campaign',
  '/election/proclaim': '/v3electionpb.Election/Proclaim',
  '/election/leader': '/v3electionpb.Election/Leader',
  '/election/observe': '/v3electionpb.Election/Observe',
  '/election/resign': '/v3electionpb.Election/Resign',
};

const PREFIXES = ['/v3/', '/v3beta/'];

export type JsonCodecLookup = (name: MessageName) => JsonCodec<unknown>;

/** The answer to "is this a gateway path?": the route suffix, or undefined. */
function routeOf(path: string): string | undefined {
  for (const p of PREFIXES) if (path.startsWith(p)) return path.slice(p.length - 1);
  return undefined;
}

function errorCode(err: unknown): { code: GrpcCode; message: string } {
  if (err instanceof EtcdError || err instanceof GrpcStatusError) return { code: err.code, message: err.message };
  return { code: GrpcCode.UNKNOWN, message: err instanceof Error ? err.message : String(err) };
}

function writeText(res: HttpResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

export interface JsonGateway {
  /** Serves the request when its path is a gateway path; false otherwise (the caller answers). */
  handle(req: HttpRequest, res: HttpResponse): boolean;
}

/**
 * The gateway calls etcd's gRPC server internally, so a request whose protobuf form exceeds the
 * server's receive limit (--max-request-bytes + 512 KiB) is refused the way grpc-go refuses it.
 */
export interface GatewayLimits {
  maxReceiveMessageBytes: number;
  /** Protobuf size of a decoded request (the binary codec's encoding length). */
  protoSize: (name: MessageName, msg: unknown) => number;
}

export function createJsonGateway(methods: MethodDef[], json: JsonCodecLookup, limits?: GatewayLimits): JsonGateway {
  const byPath = new Map(methods.map((m) => [m.path, m]));
  const decode = (name: MessageName | 'Ignored', body: Buffer): unknown => {
    const parsed = parseJsonBody(body); // malformed JSON is a 400 even where the message is not read
    if (name === 'Ignored') return {};
    const msg = json(name).fromJson(parsed);
    // Only a body near the limit can encode above it (JSON carries bytes as base64, 4/3 larger).
    if (limits && body.length > limits.maxReceiveMessageBytes / 2) {
      const size = limits.protoSize(name, msg);
      if (size > limits.maxReceiveMessageBytes) {
        throw new EtcdError(
          GrpcCode.RESOURCE_EXHAUSTED,
          `grpc: received message larger than max (${size} vs. ${limits.maxReceiveMessageBytes})`,
        );
      }
    }
    return msg;
  };
  return {
    handle(req, res) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const route = routeOf(q < 0 ? url : url.slice(0, q));
      if (route === undefined) return false;
      const grpcPath = GATEWAY_ROUTES[route];
      const method = grpcPath ? byPath.get(grpcPath) : undefined;
      if (!method) {
        writeText(res, 404, 'Not Found\n');
        return true;
      }
      if (req.method !== 'POST') {
        writeText(res, 405, 'Method Not Allowed\n');
        return true;
      }
      if (method.kind === 'unary') serveUnary(method, json, decode, req, res);
      else serveStream(method, json, req, res);
      return true;
    },
  };
}

function callContext(req: HttpRequest, res: HttpResponse): CallContext {
  const ac = new AbortController();
  // 'close' also follows every completed answer; aborting then would only build a DOMException
  // (with its stack) per request for nobody: abort when the client left before the answer ended.
  res.on('close', () => {
    if (!res.writableEnded) ac.abort();
  });
  const metadata: Record<string, string> = {};
  const auth = req.headers['authorization'];
  if (typeof auth === 'string') metadata['token'] = auth;
  return { metadata, signal: ac.signal, peer: `${req.socket?.remoteAddress ?? ''}:${req.socket?.remotePort ?? ''}` };
}

function readBody(req: HttpRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const body = req as NodeJS.ReadableStream;
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => resolve(Buffer.concat(chunks)));
    body.on('error', reject);
  });
}

function writeJsonError(res: HttpResponse, err: unknown): void {
  const { code, message } = errorCode(err);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(httpStatusOf(code), { 'content-type': 'application/json' });
  res.end(jsonErrorBody(code, message));
}

function serveUnary(
  m: UnaryMethod,
  json: JsonCodecLookup,
  decode: (name: MessageName | 'Ignored', body: Buffer) => unknown,
  req: HttpRequest,
  res: HttpResponse,
): void {
  const ctx = callContext(req, res);
  readBody(req)
    .then((body) => m.handler(decode(m.req, body), ctx))
    .then((out) => {
      const text = JSON.stringify(m.res === 'Ignored' ? {} : json(m.res).toJson(out));
      res.writeHead(200, { 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' });
      res.end(text);
    })
    .catch((err: unknown) => writeJsonError(res, err));
}

/** A ServerStream over an HTTP exchange: messages in from the (JSON) body, `{"result":..}` lines out. */
class HttpServerStream implements ServerStream<unknown, unknown> {
  readonly ctx: CallContext;
  private messageCbs: ((req: unknown) => void)[] = [];
  private endCbs: (() => void)[] = [];
  private closeCbs: (() => void)[] = [];
  private done = false;

  constructor(
    private readonly res: HttpResponse,
    private readonly out: JsonCodec<unknown>,
    req: HttpRequest,
  ) {
    this.ctx = callContext(req, res);
    res.on('close', () => {
      const first = !this.done;
      this.done = true;
      if (first) for (const cb of this.closeCbs) cb();
    });
  }

  get closed(): boolean {
    return this.done;
  }
  onMessage(cb: (req: unknown) => void): void {
    this.messageCbs.push(cb);
  }
  onEnd(cb: () => void): void {
    this.endCbs.push(cb);
  }
  onClose(cb: () => void): void {
    this.closeCbs.push(cb);
  }
  deliver(msg: unknown): void {
    for (const cb of this.messageCbs) cb(msg);
  }
  halfClose(): void {
    for (const cb of this.endCbs) cb();
  }
  private head(): void {
    if (!this.res.headersSent) {
      this.res.writeHead(200, { 'content-type': 'application/json', 'grpc-metadata-content-type': 'application/grpc' });
    }
  }
  private writeLine(line: string): void {
    // Both response kinds have write(); their union's overloads are not callable as one.
    (this.res as NodeJS.WritableStream).write(line + '\n');
  }
  write(msg: unknown): void {
    if (this.done) return;
    this.head();
    this.writeLine(JSON.stringify({ result: this.out.toJson(msg) }));
  }
  /**
   * A request message that does not decode: grpc-gateway answers a plain error (the non-stream
   * body) when nothing was sent yet, else ends the stream with it. Its code: INVALID_ARGUMENT for
   * the one message of a server-streaming call, UNKNOWN inside a bidi body (decoded in a goroutine
   * whose error carries no status).
   */
  failDecode(err: unknown, code: GrpcCode): void {
    if (this.done) return;
    const message = err instanceof Error ? err.message : String(err);
    if (this.res.headersSent) return this.end(new EtcdError(code, message));
    this.done = true;
    this.res.writeHead(httpStatusOf(code), { 'content-type': 'application/json' });
    this.res.end(jsonErrorBody(code, message));
    for (const cb of this.closeCbs) cb();
  }
  end(error?: Error): void {
    if (this.done) return;
    if (error) {
      const { code, message } = errorCode(error);
      const httpCode = httpStatusOf(code);
      if (!this.res.headersSent) this.res.writeHead(httpCode, { 'content-type': 'application/json' });
      this.writeLine(JSON.stringify({ error: { grpc_code: code, http_code: httpCode, message, http_status: STATUS_CODES[httpCode] ?? '' } }));
    } else {
      this.head();
    }
    this.done = true;
    this.res.end();
    for (const cb of this.closeCbs) cb();
  }
}

function serveStream(m: StreamMethod, json: JsonCodecLookup, req: HttpRequest, res: HttpResponse): void {
  const s = new HttpServerStream(res, json(m.res), req);
  const inCodec = json(m.req);
  m.handler(s);
  if (!m.clientStreaming) {
    const fail = (err: unknown) => s.failDecode(err, GrpcCode.INVALID_ARGUMENT);
    readBody(req)
      .then((body) => {
        s.deliver(inCodec.fromJson(parseJsonBody(body)));
        s.halfClose();
      })
      .catch(fail);
    return;
  }
  const fail = (err: unknown) => s.failDecode(err, GrpcCode.UNKNOWN);
  const splitter = new JsonValueSplitter();
  const body = req as NodeJS.ReadableStream;
  body.setEncoding('utf8');
  body.on('data', (chunk: string | Buffer) => {
    try {
      for (const text of splitter.push(String(chunk))) s.deliver(inCodec.fromJson(parseJsonBody(text)));
    } catch (err) {
      fail(err);
    }
  });
  body.on('end', () => {
    const rest = splitter.rest();
    if (rest !== '') {
      try {
        parseJsonBody(rest); // throws Go's text for what is malformed or cut short
        s.deliver(inCodec.fromJson(JSON.parse(rest)));
      } catch (err) {
        return fail(err);
      }
    }
    s.halfClose();
  });
}
