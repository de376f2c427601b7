// A gRPC check as Consul runs it: the standard health protocol (grpc.health.v1.Health/Check) on
// "host:port[/service]", plain HTTP/2 or TLS; SERVING = passing ("gRPC check <target>: success"),
// anything else critical with grpc-go's error texts ("gRPC <target> serving status: NOT_SERVING",
// "rpc error: code = Unavailable desc = ...").
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { IntervalLoop, effectiveIntervalMs, type CheckNotify, type CheckRunner, timerDelay } from './check-runner.js';
import { goDialError } from './go-net-errors.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];
const SERVING_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export interface GrpcCheckOptions {
  target: string;
  useTls: boolean;
  tlsSkipVerify: boolean;
  tlsServerName: string;
  intervalNs: number;
  timeoutMs: number;
}

class RpcError extends Error {}

/** HealthCheckRequest{service}: field 1, length-delimited. */
function encodeRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  if (s.length === 0) return Buffer.alloc(0);
  const len: number[] = [];
  let n = s.length;
  while (n > 0x7f) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([0x0a, ...len]), s]);
}

/** HealthCheckResponse.status (field 1, varint); 0 when absent. */
function decodeStatus(msg: Buffer): number {
  let i = 0;
  while (i < msg.length) {
    const tag = msg[i++]!;
    if (tag === 0x08) {
      let v = 0;
      let shift = 0;
      while (i < msg.length) {
        const b = msg[i++]!;
        v |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      return v;
    }
    return 0;
  }
  return 0;
}

export class GrpcCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly opts: GrpcCheckOptions,
  ) {
    this.loop = new IntervalLoop(effectiveIntervalMs(opts.intervalNs), () => this.check());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private async check(): Promise<void> {
    const { target } = this.opts;
    let result: [string, string];
    try {
      const status = await this.probe();
      result = status === 1 ? ['passing', `gRPC check ${target}: success`] : ['critical', `gRPC ${target} serving status: ${SERVING_STATUS[status] ?? String(status)}`];
    } catch (err) {
      result = ['critical', err instanceof RpcError ? err.message : `rpc error: code = Unknown desc = ${String(err)}`];
    }
    if (!this.loop.isStopped) this.notify(result[0], result[1]);
  }

  private probe(): Promise<number> {
    const slash = this.opts.target.indexOf('/');
    const server = slash < 0 ? this.opts.target : this.opts.target.slice(0, slash);
    const service = slash < 0 ? '' : this.opts.target.slice(slash + 1);
    const timeoutMs = this.opts.timeoutMs > 0 ? this.opts.timeoutMs : DEFAULT_TIMEOUT_MS;
    return new Promise<number>((resolve, reject) => {
      let session: ClientHttp2Session;
      const authority = `${this.opts.useTls ? 'https' : 'http'}://${server}`;
      const fail = (e: RpcError) => {
        clearTimeout(timer);
        session?.destroy();
        reject(e);
      };
      const timer = setTimeout(() => fail(new RpcError('rpc error: code = DeadlineExceeded desc = context deadline exceeded')), timerDelay(timeoutMs));
      try {
        session = connect(authority, this.opts.useTls ? { rejectUnauthorized: !this.opts.tlsSkipVerify, ...(this.opts.tlsServerName ? { servername: this.opts.tlsServerName } : {}) } : {});
      } catch (err) {
        fail(new RpcError(`rpc error: code = Unavailable desc = ${err instanceof Error ? err.message : String(err)}`));
        return;
      }
      session.on('error', (err) => {
        fail(new RpcError(`rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: ${goDialError(server, err)}"`));
      });
      const req = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      const chunks: Buffer[] = [];
      let statusHeader: string | undefined;
      let messageHeader = '';
      const readStatus = (h: Record<string, unknown>) => {
        if (h['grpc-status'] !== undefined) statusHeader = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) messageHeader = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', (h) => readStatus(h));
      req.on('trailers', (h) => readStatus(h));
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => undefined); // the session's error reports it
      req.on('end', () => {
        clearTimeout(timer);
        session.close();
        const code = statusHeader === undefined ? 2 : Number(statusHeader);
        if (code !== 0) {
          reject(new RpcError(`rpc error: code = ${CODE_NAMES[code] ?? `Code(${code})`} desc = ${messageHeader}`));
          return;
        }
        const body = Buffer.concat(chunks);
        resolve(body.length >= 5 ? decodeStatus(body.subarray(5, 5 + body.readUInt32BE(1))) : 0);
      });
      const msg = encodeRequest(service);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(msg.length, 1);
      req.end(Buffer.concat([frame, msg]));
    });
  }
}
