// A minimal gRPC client on node:http2 for the load generator: unary calls only, callbacks rather
// than promises, requests already framed (pre-encoded with the fast codecs), so the generator
// spends as little CPU per call as possible and the server is what gets measured.
import http2 from 'node:http2';

export type UnaryCallback = (err: Error | null, status: number, message: string, payload: Buffer | null) => void;

function noop(): void {
  /* errors surface through 'close' */
}

export class H2GrpcConnection {
  readonly session: http2.ClientHttp2Session;
  private readonly headers = new Map<string, http2.OutgoingHttpHeaders>();

  constructor(readonly authority: string) {
    this.session = http2.connect(authority, { settings: { initialWindowSize: 1 << 20 } });
    this.session.on('error', noop);
    this.session.on('connect', () => {
      try {
        this.session.setLocalWindowSize(8 << 20);
      } catch {
        /* closing */
      }
    });
  }

  ready(): Promise<void> {
    if (this.session.connecting === false && !this.session.destroyed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.session.once('connect', () => resolve());
      this.session.once('error', reject);
    });
  }

  private headersFor(path: string): http2.OutgoingHttpHeaders {
    let h = this.headers.get(path);
    if (!h) {
      h = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
      this.headers.set(path, h);
    }
    return h;
  }

  /** One unary call; `framed` is the 5-byte-prefixed request. The payload handed back is the response message body. */
  unary(path: string, framed: Buffer, cb: UnaryCallback): void {
    let req: http2.ClientHttp2Stream;
    try {
      req = this.session.request({ ...this.headersFor(path) });
    } catch (err) {
      cb(err as Error, -1, String(err), null);
      return;
    }
    let first: Buffer | null = null;
    let rest: Buffer[] | null = null;
    let status = -1;
    let message = '';
    req.on('response', (h) => {
      const s = h['grpc-status'];
      if (s !== undefined) {
        status = Number(s);
        message = String(h['grpc-message'] ?? '');
      }
    });
    req.on('data', (d: Buffer) => {
      if (first === null) first = d;
      else (rest ??= []).push(d);
    });
    req.on('trailers', (h) => {
      status = Number(h['grpc-status'] ?? -1);
      message = String(h['grpc-message'] ?? '');
    });
    req.on('error', noop);
    req.on('close', () => {
      if (status === -1) {
        cb(new Error(`stream closed without status (rst ${req.rstCode})`), -1, '', null);
        return;
      }
      let body: Buffer | null = first;
      if (rest !== null && first !== null) body = Buffer.concat([first, ...rest]);
      cb(null, status, message, body !== null && body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : null);
    });
    req.end(framed);
  }

  close(): void {
    this.session.close();
  }
}
