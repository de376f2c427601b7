// One client port, three kinds of clients: HTTP/1.1 (JSON gateway, /version), HTTP/2 without gRPC
// (etcd's gateway answers those too) and gRPC (the etcd3 npm client and grpc-js), all on one socket.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import http2 from 'node:http2';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenClientPort, type ClientPort } from '../../../src/gateway/grpc/client-port.js';
import { GrpcServer, type HttpHandler } from '../../../src/gateway/grpc/server.js';
import { installTestService } from './test-service.js';

const PORT = 26111;
let server: GrpcServer;
let port: ClientPort;

const httpHandler: HttpHandler = (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => (body += d));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, httpVersion: req.httpVersion, body }));
  });
};

beforeAll(async () => {
  server = new GrpcServer({ logger: pino({ level: 'silent' }) });
  installTestService(server);
  port = await listenClientPort({ host: '127.0.0.1', port: PORT, grpc: server, http1: httpHandler });
});

afterAll(async () => {
  await port?.close(500);
  await server?.close(500);
});

describe('client port sniffing', () => {
  it('HTTP/1.1 requests reach the HTTP handler', async () => {
    const res = await fetch(`http://127.0.0.1:${PORT}/version`);
    expect(await res.json()).toEqual({ method: 'GET', url: '/version', httpVersion: '1.1', body: '' });
    const post = await fetch(`http://127.0.0.1:${PORT}/v3/kv/range`, { method: 'POST', body: '{"key":"Zm9v"}' });
    expect(await post.json()).toMatchObject({ method: 'POST', url: '/v3/kv/range', body: '{"key":"Zm9v"}' });
  });

  it('HTTP/2 requests that are not gRPC reach the same HTTP handler', async () => {
    const session = http2.connect(`http://127.0.0.1:${PORT}`);
    const req = session.request({ ':method': 'POST', ':path': '/v3/kv/put', 'content-type': 'application/json' });
    req.end('{"key":"YQ=="}');
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    await new Promise((r) => req.on('end', r));
    session.close();
    expect(JSON.parse(text)).toEqual({ method: 'POST', url: '/v3/kv/put', httpVersion: '2.0', body: '{"key":"YQ=="}' });
  });

  it('the etcd3 npm client works through the port (put, get, prefix get, errors)', async () => {
    const client = new Etcd3({ hosts: `http://127.0.0.1:${PORT}` });
    try {
      await client.put('foo').value('bar');
      expect(await client.get('foo').string()).toBe('bar');
      await client.put('fop').value('baz');
      expect(await client.getAll().prefix('fo').strings()).toEqual({ foo: 'bar', fop: 'baz' });
      await expect(client.put('').value('x')).rejects.toThrow('etcdserver: key is not provided');
    } finally {
      client.close();
    }
  });

  it.skipIf(!existsSync('/usr/bin/etcdctl'))('genuine etcdctl (grpc-go) works through the port: put, get, error text', async () => {
    const ctl = (...args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile('/usr/bin/etcdctl', [`--endpoints=127.0.0.1:${PORT}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' } }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    expect(await ctl('put', 'ctlkey', 'ctlvalue')).toEqual({ code: 0, out: 'OK\n' });
    expect(await ctl('get', 'ctlkey')).toEqual({ code: 0, out: 'ctlkey\nctlvalue\n' });
    const bad = await ctl('put', '', 'x');
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('etcdserver: key is not provided');
  });

  it('closing the port ends its connections and frees the port', async () => {
    const extra = new GrpcServer({ logger: pino({ level: 'silent' }) });
    const p = await listenClientPort({ host: '127.0.0.1', port: PORT + 1, grpc: extra, http1: httpHandler });
    const session = http2.connect(`http://127.0.0.1:${PORT + 1}`);
    await new Promise((r) => session.once('connect', r));
    const closed = new Promise((r) => session.once('close', r));
    await p.close(300);
    await closed;
    await expect(fetch(`http://127.0.0.1:${PORT + 1}/version`)).rejects.toThrow();
    await extra.close(100);
  });

  it('an https client URL without a key pair is refused in etcd words', async () => {
    await expect(listenClientPort({ host: '127.0.0.1', port: PORT + 2, grpc: server, http1: httpHandler, scheme: 'https' })).rejects.toThrow(
      `TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:${PORT + 2} with HTTPS scheme`,
    );
  });
});

describe('TLS client port', () => {
  const fixtures = new URL('./fixtures/', import.meta.url);
  const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
  const key = readFileSync(new URL('localhost-key.pem', fixtures));
  let tlsServer: GrpcServer;
  let tlsPort: ClientPort;

  beforeAll(async () => {
    tlsServer = new GrpcServer({ logger: pino({ level: 'silent' }) });
    installTestService(tlsServer);
    tlsPort = await listenClientPort({ host: '127.0.0.1', port: PORT + 3, grpc: tlsServer, http1: httpHandler, scheme: 'https', tls: { cert, key } });
  });
  afterAll(async () => {
    await tlsPort?.close(300);
    await tlsServer?.close(300);
  });

  it('HTTPS/1.1 and HTTP/2 over TLS (ALPN h2) reach the HTTP handler', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: PORT + 3, path: '/version', ca: cert, servername: 'localhost' }, (res) => {
        let t = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (t += d));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ method: 'GET', url: '/version', httpVersion: '1.1' });
    const session = http2.connect(`https://127.0.0.1:${PORT + 3}`, { ca: cert, servername: 'localhost' });
    const req = session.request({ ':method': 'GET', ':path': '/health' });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    await new Promise((r) => req.on('end', r));
    session.close();
    expect(JSON.parse(text)).toMatchObject({ url: '/health', httpVersion: '2.0' });
  });

  it('gRPC over TLS: the etcd3 client and genuine etcdctl', async () => {
    const client = new Etcd3({
      hosts: `https://127.0.0.1:${PORT + 3}`,
      credentials: { rootCertificate: cert },
      grpcOptions: { 'grpc.ssl_target_name_override': 'localhost' },
    });
    try {
      await client.put('tlskey').value('tlsvalue');
      expect(await client.get('tlskey').string()).toBe('tlsvalue');
    } finally {
      client.close();
    }
    if (!existsSync('/usr/bin/etcdctl')) return;
    const out = await new Promise<string>((resolve) => {
      execFile(
        '/usr/bin/etcdctl',
        [`--endpoints=https://127.0.0.1:${PORT + 3}`, `--cacert=${new URL('localhost-cert.pem', fixtures).pathname}`, 'get', 'tlskey'],
        { env: { ...process.env, ETCDCTL_API: '3' } },
        (_err, stdout, stderr) => resolve(stdout + stderr),
      );
    });
    expect(out).toBe('tlskey\ntlsvalue\n');
  });
});
