// --listen-metrics-urls: etcd serves /metrics and /health on extra listeners, so Prometheus and
// health checks need not reach the client port. An https:// metrics URL is served with the client
// TLS settings (etcd: --cert-file ... --client-cert-auth), as etcd serves it.
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { Registry } from 'prom-client';
import { createTlsTerminator, type TlsSource } from '../gateway/tls/server-tls.js';

/** The client TLS settings: to serve https metrics URLs, and to reach the client port's /health over https. */
export interface MetricsTls {
  source: TlsSource;
  /** How this process dials its own https client port (its key pair as client certificate). */
  dial: () => ConnectionOptions;
}

/** GET over https on loopback, to this process's own client port. */
function httpsHealth(url: string, dial: ConnectionOptions): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...dial, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? 'application/json'), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface MetricsListener {
  close(): Promise<void>;
}

function loopbackFor(clientUrl: string): string {
  const u = new URL(clientUrl);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '') u.hostname = '127.0.0.1';
  return u.origin;
}

export async function listenMetrics(urls: readonly string[], registry: Registry, clientUrl: string, tls?: MetricsTls): Promise<MetricsListener> {
  const servers: (Server | TcpServer)[] = [];
  const healthUrl = `${loopbackFor(clientUrl)}/health`;
  const fetchHealth = async (): Promise<{ status: number; type: string; body: string }> => {
    if (healthUrl.startsWith('https:')) {
      // our own port: its certificate need not name the loopback address
      return httpsHealth(healthUrl, { ...(tls?.dial() ?? {}), rejectUnauthorized: false });
    }
    const r = await fetch(healthUrl, { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, type: r.headers.get('content-type') ?? 'application/json', body: await r.text() };
  };
  for (const raw of urls) {
    const u = new URL(raw);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') throw new Error(`dcsgw: unsupported --listen-metrics-urls scheme (${raw})`);
    if (secure && !tls) throw new Error(`TLS key/cert (--cert-file, --key-file) must be provided for metrics url ${raw} with HTTPS scheme`);
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'Content-Type': registry.contentType });
            res.end(text);
          },
          (err: Error) => {
            res.writeHead(500).end(err.message);
          },
        );
        return;
      }
      if (req.method === 'GET' && req.url?.startsWith('/health')) {
        fetchHealth()
          .then((r) => {
            res.writeHead(r.status, { 'Content-Type': r.type });
            res.end(r.body);
          })
          .catch(() => {
            res.writeHead(503, { 'Content-Type': 'application/json' });
            res.end('{"health":"false"}');
          });
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
    });
    // https: TCP accepted here, TLS terminated with the client settings, then HTTP as on http://
    const terminator = secure && tls ? createTlsTerminator(tls.source, { alpn: ['http/1.1'], onSecure: (s) => server.emit('connection', s) }) : undefined;
    const listener: Server | TcpServer = terminator ? createTcpServer((sock) => terminator.accept(sock)) : server;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port || (secure ? 443 : 80)) }, () => resolve());
    });
    servers.push(listener);
    if (terminator) servers.push(server);
  }
  return {
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              if ('closeAllConnections' in s) s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
