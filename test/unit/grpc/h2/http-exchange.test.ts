// serveHttpOnH2 with a scripted H2RequestStream: what a handler written for node's http/http2
// objects does (writeHead, setHeader, write, end, reading the body, 'close') must come out as the
// HEADERS / DATA / END_STREAM a client sees, and the request must look like node's.
import { describe, expect, it } from 'vitest';
import type { TLSSocket } from 'node:tls';
import type { HttpHandler } from '../../../../src/gateway/etcd/http.js';
import { serveHttpOnH2 } from '../../../../src/gateway/grpc/h2/http-exchange.js';
import type { H2RequestStream } from '../../../../src/gateway/grpc/h2/request-stream.js';

type Event =
  | { kind: 'respond'; status: number; headers: Array<[string, string]>; endStream: boolean }
  | { kind: 'data'; text: string }
  | { kind: 'end' }
  | { kind: 'reset'; code: number };

/** A stream whose client side the test plays: events record what the shim sent. */
class ScriptedStream implements H2RequestStream {
  readonly id = 1;
  readonly events: Event[] = [];
  readonly method: string;
  readonly path: string;
  readonly authority = 'localhost';
  readonly remoteAddress = '127.0.0.9';
  readonly remotePort = 54321;
  headersSent = false;
  closed = false;
  /** While false, write() queues (returns false) until `openWindow()`. */
  windowOpen = true;
  private dataCb: ((c: Buffer) => void) | undefined;
  private endCb: (() => void) | undefined;
  private closeCbs: Array<() => void> = [];
  private drainCbs: Array<() => void> = [];
  private queued = 0;

  constructor(
    readonly headers: ReadonlyArray<readonly [string, string]>,
    readonly tlsSocket: TLSSocket | undefined = undefined,
  ) {
    this.method = headers.find(([n]) => n === ':method')?.[1] ?? '';
    this.path = headers.find(([n]) => n === ':path')?.[1] ?? '';
  }
  onData(cb: (chunk: Buffer) => void): void {
    this.dataCb = cb;
  }
  onEnd(cb: () => void): void {
    this.endCb = cb;
  }
  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeCbs.push(cb);
  }
  respond(status: number, headers: ReadonlyArray<readonly [string, string]>, endStream = false): void {
    this.headersSent = true;
    this.events.push({ kind: 'respond', status, headers: headers.map(([n, v]) => [n, v]), endStream });
    if (endStream) this.close();
  }
  write(chunk: Buffer, cb?: () => void): boolean {
    this.events.push({ kind: 'data', text: chunk.toString() });
    cb?.();
    if (this.windowOpen) return true;
    this.queued++;
    return false;
  }
  onDrain(cb: () => void): void {
    if (this.queued === 0) cb();
    else this.drainCbs.push(cb);
  }
  end(): void {
    this.events.push({ kind: 'end' });
    this.close();
  }
  reset(code: number): void {
    this.events.push({ kind: 'reset', code });
    this.close();
  }
  // The client's side
  send(text: string): void {
    this.dataCb?.(Buffer.from(text));
  }
  finishRequest(): void {
    this.endCb?.();
  }
  openWindow(): void {
    this.windowOpen = true;
    this.queued = 0;
    for (const cb of this.drainCbs.splice(0)) cb();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closeCbs.splice(0)) cb();
  }
}

const get = (path: string, extra: Array<[string, string]> = []): Array<[string, string]> => [
  [':method', 'GET'], [':scheme', 'http'], [':authority', 'localhost'], [':path', path], ...extra,
];
const post = (path: string, extra: Array<[string, string]> = []): Array<[string, string]> => [
  [':method', 'POST'], [':scheme', 'https'], [':authority', 'localhost'], [':path', path], ...extra,
];

const withoutDate = (headers: Array<[string, string]>) => headers.filter(([n]) => n !== 'date');

describe('serveHttpOnH2', () => {
  it('shows the handler a request shaped like node http2 (method, url, headers, version, socket)', () => {
    const s = new ScriptedStream(get('/version?x=1', [['cookie', 'a=1'], ['cookie', 'b=2'], ['x-many', 'one'], ['x-many', 'two'], ['authorization', 'tok1'], ['authorization', 'tok2']]));
    let seen: Record<string, unknown> = {};
    serveHttpOnH2(s, (req) => {
      seen = {
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        cookie: req.headers['cookie'],
        many: req.headers['x-many'],
        auth: req.headers['authorization'],
        path: req.headers[':path'],
        peer: `${req.socket?.remoteAddress}:${req.socket?.remotePort}`,
      };
    });
    expect(seen).toEqual({
      method: 'GET', url: '/version?x=1', httpVersion: '2.0', cookie: 'a=1; b=2', many: 'one, two', auth: 'tok1', path: '/version?x=1', peer: '127.0.0.9:54321',
    });
  });

  it('writeHead + end(body): HEADERS with the merged fields and a date, then DATA and END_STREAM', () => {
    const s = new ScriptedStream(get('/version'));
    serveHttpOnH2(s, (_req, res) => {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"etcdserver":"3.4.23"}');
    });
    const [head, ...rest] = s.events;
    expect(head).toMatchObject({ kind: 'respond', status: 200, endStream: false });
    const headers = (head as { headers: Array<[string, string]> }).headers;
    expect(withoutDate(headers)).toEqual([['access-control-allow-origin', '*'], ['content-type', 'application/json']]);
    expect(headers.find(([n]) => n === 'date')?.[1]).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(rest).toEqual([{ kind: 'data', text: '{"etcdserver":"3.4.23"}' }, { kind: 'end' }]);
  });

  it('an answer without a body is one HEADERS frame with END_STREAM; removeHeader takes a field out', () => {
    const s = new ScriptedStream(get('/'));
    serveHttpOnH2(s, (_req, res) => {
      res.setHeader('x-gone', '1');
      res.setHeader('x-kept', ['a', 'b']);
      res.removeHeader('X-Gone');
      expect(res.getHeader('x-kept')).toEqual(['a', 'b']);
      res.statusCode = 204;
      res.end();
    });
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatchObject({ kind: 'respond', status: 204, endStream: true });
    expect(withoutDate((s.events[0] as { headers: Array<[string, string]> }).headers)).toEqual([['x-kept', 'a'], ['x-kept', 'b']]);
  });

  it('hands the body over as a readable stream; end() after the whole body was read', async () => {
    const s = new ScriptedStream(post('/v3/kv/put', [['content-type', 'application/json']]));
    const body = new Promise<string>((resolve) => {
      serveHttpOnH2(s, (req, res) => {
        const chunks: Buffer[] = [];
        (req as NodeJS.ReadableStream).on('data', (c: Buffer) => chunks.push(c));
        (req as NodeJS.ReadableStream).on('end', () => {
          const text = Buffer.concat(chunks).toString();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(text.toUpperCase());
          resolve(text);
        });
      });
    });
    s.send('{"key":');
    s.send('"Zm9v"}');
    s.finishRequest();
    expect(await body).toBe('{"key":"Zm9v"}');
    expect(s.events.slice(1)).toEqual([{ kind: 'data', text: '{"KEY":"ZM9V"}' }, { kind: 'end' }]);
  });

  it('a streamed answer: write() reports a full window, "drain" when it opens, "close" once at the end', () => {
    const s = new ScriptedStream(post('/v3/watch'));
    const seen: string[] = [];
    serveHttpOnH2(s, (_req, res) => {
      res.on('drain', () => seen.push('drain'));
      res.on('close', () => seen.push('close'));
      res.writeHead(200, { 'content-type': 'application/json' });
      expect((res as NodeJS.WritableStream).write('{"result":1}\n')).toBe(true);
      s.windowOpen = false;
      expect((res as NodeJS.WritableStream).write('{"result":2}\n')).toBe(false);
    });
    expect(seen).toEqual([]);
    s.openWindow();
    expect(seen).toEqual(['drain']);
    s.close(); // the client went away
    expect(seen).toEqual(['drain', 'close']);
    expect(s.events.map((e) => e.kind)).toEqual(['respond', 'data', 'data']);
  });

  it('headersSent and flushHeaders: HEADERS go out before the first event of a stream', () => {
    const s = new ScriptedStream(post('/v3/watch'));
    serveHttpOnH2(s, (_req, res) => {
      expect(res.headersSent).toBe(false);
      (res as { flushHeaders(): void }).flushHeaders();
      expect(res.headersSent).toBe(true);
      expect(() => res.setHeader('x-late', '1')).toThrow();
    });
    expect(s.events).toEqual([expect.objectContaining({ kind: 'respond', status: 200, endStream: false })]);
  });

  it('a client that goes before its body is whole: the request is aborted, the response closes', () => {
    const s = new ScriptedStream(post('/v3/kv/put'));
    const seen: string[] = [];
    serveHttpOnH2(s, (req, res) => {
      req.on('aborted', () => seen.push('aborted'));
      res.on('close', () => seen.push('res close'));
    });
    s.send('{"ke');
    s.close();
    expect(seen).toEqual(['aborted', 'res close']);
  });

  it('a handler that throws before answering gets a 500, after answering a reset', () => {
    const s1 = new ScriptedStream(get('/boom'));
    serveHttpOnH2(s1, () => {
      throw new Error('boom');
    });
    expect(s1.events[0]).toMatchObject({ kind: 'respond', status: 500 });
    const s2 = new ScriptedStream(get('/boom'));
    serveHttpOnH2(s2, (_req, res) => {
      res.writeHead(200);
      throw new Error('boom');
    });
    expect(s2.events.map((e) => e.kind)).toEqual(['respond', 'reset']);
  });

  it('over TLS the socket answers the client-certificate questions from the TLS socket', () => {
    const tls = { authorized: true, alpnProtocol: 'h2', getPeerCertificate: () => ({ subject: { CN: 'root' } }) } as unknown as TLSSocket;
    const s = new ScriptedStream(get('/health'), tls);
    let socket: Record<string, unknown> = {};
    const handler: HttpHandler = (req) => {
      const sock = req.socket as unknown as { encrypted: boolean; authorized: boolean; getPeerCertificate(): { subject: { CN: string } } };
      socket = { encrypted: sock.encrypted, authorized: sock.authorized, cn: sock.getPeerCertificate().subject.CN };
    };
    serveHttpOnH2(s, handler);
    expect(socket).toEqual({ encrypted: true, authorized: true, cn: 'root' });
  });
});

describe('serveHttpOnH2: HEAD', () => {
  it('the answer ends with its HEADERS; a body the handler writes is dropped', () => {
    const head = (path: string): Array<[string, string]> => [[':method', 'HEAD'], [':scheme', 'http'], [':authority', 'localhost'], [':path', path]];
    const s1 = new ScriptedStream(head('/health'));
    serveHttpOnH2(s1, (_req, res) => {
      res.writeHead(405, { allow: 'GET' });
      res.end('Method Not Allowed\n');
    });
    expect(s1.events).toEqual([expect.objectContaining({ kind: 'respond', status: 405, endStream: true })]);
    // Headers not sent before the body: still one HEADERS frame, no DATA; write() never reports a full window.
    const s2 = new ScriptedStream(head('/version'));
    const seen: string[] = [];
    serveHttpOnH2(s2, (_req, res) => {
      res.on('close', () => seen.push('close'));
      expect((res as NodeJS.WritableStream).write('{"etcdserver"')).toBe(true);
      res.end('}', () => seen.push('end cb'));
    });
    expect(s2.events).toEqual([expect.objectContaining({ kind: 'respond', status: 200, endStream: true })]);
    expect(seen[0]).toBe('close');
  });
});
