// A non-gRPC request on our own HTTP/2 transport (JSON gateway, /health, /version, /metrics),
// served by the same HttpHandler that node's http and http2 servers drive. The handler was written
// against node's request/response objects; what it (and the gateway's TLS common-name guard) uses
// of them is small: method, url, headers, the body as a readable stream, socket.remoteAddress /
// remotePort (and, over TLS, encrypted / authorized / getPeerCertificate), statusCode, setHeader /
// getHeader / removeHeader, writeHead, write, end, headersSent, flushHeaders and the 'close' event.
// This builds exactly that, answering as node's Http2ServerResponse does (a date header on every
// answer, header names lower-case, HEADERS sent by writeHead at once, the answer to HEAD ending
// with its HEADERS and any body dropped), so the two transports are indistinguishable to a client.
import { EventEmitter } from 'node:events';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpHandler } from '../../etcd/http.js';
import type { H2RequestStream } from './request-stream.js';

/** HTTP/2 RST_STREAM code for a handler that failed after its answer had begun. */
const INTERNAL_ERROR = 2;

/** Names node keeps the first value of when a request repeats them (the rest are dropped). */
const SINGLE_VALUE_HEADERS = new Set([
  ':status', ':method', ':authority', ':scheme', ':path', ':protocol',
  'access-control-allow-credentials', 'access-control-max-age', 'access-control-request-method', 'age', 'authorization',
  'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type',
  'date', 'dnt', 'etag', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'tk', 'upgrade-insecure-requests', 'user-agent', 'x-content-type-options',
]);

type RequestHeaders = Record<string, string | string[]>;

/** The request's header object as node builds it: repeated cookies joined by '; ', others by ', '. */
function headerObject(list: ReadonlyArray<readonly [string, string]>): { headers: RequestHeaders; raw: string[] } {
  const headers: RequestHeaders = Object.create(null) as RequestHeaders;
  const raw: string[] = [];
  for (const [name, value] of list) {
    raw.push(name, value);
    const existing = headers[name];
    if (existing === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (SINGLE_VALUE_HEADERS.has(name)) continue;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = `${existing}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return { headers, raw };
}

/** The parts of a socket the handlers read; over TLS, what the client-certificate checks need. */
function socketView(stream: H2RequestStream): object {
  const tls = stream.tlsSocket;
  const base = { remoteAddress: stream.remoteAddress, remotePort: stream.remotePort };
  if (tls === undefined) return base;
  return {
    ...base,
    encrypted: true,
    get authorized() {
      return tls.authorized;
    },
    get alpnProtocol() {
      return tls.alpnProtocol;
    },
    getPeerCertificate: (detailed?: boolean) => tls.getPeerCertificate(detailed as true),
  };
}

// node formats the date header once a second; so do we.
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** The request side: node's Http2ServerRequest as far as handlers look at it. */
class H2HttpRequest extends Readable {
  readonly httpVersion = '2.0';
  readonly httpVersionMajor = 2;
  readonly httpVersionMinor = 0;
  readonly method: string;
  url: string;
  readonly headers: RequestHeaders;
  readonly rawHeaders: string[];
  readonly authority: string;
  readonly scheme: string;
  readonly socket: object;
  complete = false;
  aborted = false;

  constructor(stream: H2RequestStream, socket: object) {
    super();
    const { headers, raw } = headerObject(stream.headers);
    this.headers = headers;
    this.rawHeaders = raw;
    this.method = stream.method;
    this.url = stream.path;
    this.authority = stream.authority;
    this.scheme = typeof headers[':scheme'] === 'string' ? headers[':scheme'] : '';
    this.socket = socket;
  }

  get connection(): object {
    return this.socket;
  }

  // The transport pushes body chunks as they come (its receive window bounds them): nothing to pull.
  override _read(): void {}
}

/** The response side: node's Http2ServerResponse as far as handlers use it. */
class H2HttpResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  sendDate = true;
  writableEnded = false;
  private readonly fields = new Map<string, { name: string; value: OutgoingHttpHeader }>();
  private sentHeaders = false;
  private closed = false;
  /** A response to HEAD carries no content (RFC 9110 §9.3.2): DATA after its HEADERS would be malformed. */
  private readonly bodiless: boolean;

  constructor(
    private readonly stream: H2RequestStream,
    readonly socket: object,
  ) {
    super();
    this.bodiless = stream.method === 'HEAD';
  }

  get headersSent(): boolean {
    return this.sentHeaders || this.stream.headersSent;
  }

  get finished(): boolean {
    return this.writableEnded;
  }

  get writableFinished(): boolean {
    return this.writableEnded && this.closed;
  }

  setHeader(name: string, value: OutgoingHttpHeader): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP2_HEADERS_SENT' });
    validateHeaderName(name);
    for (const v of Array.isArray(value) ? value : [value]) validateHeaderValue(name, String(v));
    const key = name.toLowerCase();
    this.fields.set(key, { name: key, value });
    return this;
  }

  appendHeader(name: string, value: OutgoingHttpHeader): this {
    const existing = this.getHeader(name);
    if (existing === undefined) return this.setHeader(name, value);
    const list = [...(Array.isArray(existing) ? existing : [String(existing)]), ...(Array.isArray(value) ? value : [String(value)])];
    return this.setHeader(name, list);
  }

  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  getHeaderNames(): string[] {
    return [...this.fields.keys()];
  }

  getHeaders(): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = Object.create(null) as OutgoingHttpHeaders;
    for (const [key, { value }] of this.fields) out[key] = value;
    return out;
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw Object.assign(new Error('Cannot remove headers after they are sent to the client'), { code: 'ERR_HTTP2_HEADERS_SENT' });
    this.fields.delete(name.toLowerCase());
  }

  /** writeHead(status[, statusMessage][, headers]): as node's HTTP/2 compatibility layer, HEADERS go out at once. */
  writeHead(statusCode: number, reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const headers = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    if (this.headersSent) return this;
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
      throw Object.assign(new RangeError(`Invalid status code: ${statusCode}`), { code: 'ERR_HTTP2_STATUS_INVALID' });
    }
    this.statusCode = statusCode;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(String(headers[i]), headers[i + 1] as OutgoingHttpHeader);
    } else if (headers !== undefined) {
      for (const name of Object.keys(headers)) {
        const value = headers[name];
        if (value !== undefined) this.setHeader(name, value);
      }
    }
    this.sendHeaders(this.bodiless);
    return this;
  }

  flushHeaders(): void {
    if (!this.headersSent && !this.closed) this.sendHeaders(this.bodiless);
  }

  write(chunk: string | Uint8Array, encodingOrCb?: BufferEncoding | (() => void), cb?: () => void): boolean {
    const encoding = typeof encodingOrCb === 'string' ? encodingOrCb : 'utf8';
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (this.bodiless && !this.writableEnded) {
      if (!this.headersSent && !this.closed) this.sendHeaders(true);
      if (done) queueMicrotask(done);
      return true;
    }
    if (this.writableEnded || this.closed) {
      if (done) queueMicrotask(done);
      return false;
    }
    if (!this.headersSent) this.sendHeaders(false);
    const flowing = this.stream.write(toBuffer(chunk, encoding), done);
    if (!flowing) this.stream.onDrain(() => this.emit('drain'));
    return flowing;
  }

  end(chunkOrCb?: string | Uint8Array | (() => void), encodingOrCb?: BufferEncoding | (() => void), cb?: () => void): this {
    let chunk: string | Uint8Array | undefined;
    let encoding: BufferEncoding = 'utf8';
    let done: (() => void) | undefined;
    if (typeof chunkOrCb === 'function') done = chunkOrCb;
    else {
      chunk = chunkOrCb;
      if (typeof encodingOrCb === 'function') done = encodingOrCb;
      else {
        if (encodingOrCb !== undefined) encoding = encodingOrCb;
        done = cb;
      }
    }
    if (this.writableEnded) {
      if (done) queueMicrotask(done);
      return this;
    }
    this.writableEnded = true;
    if (this.closed) {
      // Gone already (a HEAD answer ends with its HEADERS; or the client left): nothing more to send.
      if (done) queueMicrotask(done);
      return this;
    }
    if (done) this.once('finish', done);
    const body = chunk === undefined ? undefined : toBuffer(chunk, encoding);
    if (!this.headersSent) {
      // A whole answer with no body is one HEADERS frame with END_STREAM.
      if (body === undefined || body.length === 0 || this.bodiless) {
        this.sendHeaders(true);
        return this;
      }
      this.sendHeaders(false);
    }
    if (this.bodiless) return this; // its HEADERS ended the stream
    if (body !== undefined && body.length > 0) this.stream.write(body);
    this.stream.end();
    return this;
  }

  /** The transport says the stream is over: for a complete answer that is 'finish', then always 'close'. */
  streamClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.writableEnded) this.emit('finish');
    this.emit('close');
  }

  private sendHeaders(endStream: boolean): void {
    this.sentHeaders = true;
    const list: Array<[string, string]> = [];
    for (const [key, { value }] of this.fields) {
      if (Array.isArray(value)) for (const v of value) list.push([key, String(v)]);
      else list.push([key, String(value)]);
    }
    if (this.sendDate && !this.fields.has('date')) list.push(['date', httpDate()]);
    this.stream.respond(this.statusCode, list, endStream);
  }
}

function toBuffer(chunk: string | Uint8Array, encoding: BufferEncoding): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Serves one non-gRPC request of our HTTP/2 transport with `handler`, as node's http2 compatibility API would. */
export function serveHttpOnH2(stream: H2RequestStream, handler: HttpHandler): void {
  const socket = socketView(stream);
  const req = new H2HttpRequest(stream, socket);
  const res = new H2HttpResponse(stream, socket);
  stream.onData((chunk) => req.push(chunk));
  stream.onEnd(() => {
    req.complete = true;
    req.push(null);
  });
  stream.onClose(() => {
    if (!req.complete) {
      // The client went (or reset the stream) before its request was whole.
      req.aborted = true;
      req.emit('aborted');
      req.destroy();
    }
    res.streamClosed();
  });
  try {
    handler(req as unknown as Parameters<HttpHandler>[0], res as unknown as Parameters<HttpHandler>[1]);
  } catch {
    // node's server would let this crash the process; an HTTP answer is kinder and the port stays up.
    if (!res.headersSent && !stream.closed) {
      stream.respond(500, [['content-type', 'text/plain; charset=utf-8'], ['date', httpDate()]], false);
      stream.write(Buffer.from('Internal Server Error\n'));
      stream.end();
    } else if (!stream.closed) stream.reset(INTERNAL_ERROR);
  }
}
