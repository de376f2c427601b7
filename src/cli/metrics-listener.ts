// --listen-metrics-urls: etcd serves /metrics and /health on extra plain-HTTP listeners, so
// Prometheus and health checks need not reach the client port.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  close(): Promise<void>;
}

function loopbackFor(clientUrl: string): string {
  const u = new URL(clientUrl);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '') u.hostname = '127.0.0.1';
  return u.origin;
}

export async function listenMetrics(urls: readonly string[], registry: Registry, clientUrl: string): Promise<MetricsListener> {
  const servers: Server[] = [];
  const healthUrl = `${loopbackFor(clientUrl)}/health`;
  for (const raw of urls) {
    const u = new URL(raw);
    if (u.protocol !== 'http:') throw new Error(`dcsgw: TLS is not supported yet (--listen-metrics-urls ${raw}); use http:// URLs`);
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
        fetch(healthUrl, { signal: AbortSignal.timeout(10_000) })
          .then(async (r) => {
            res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' });
            res.end(await r.text());
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
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(u.port || 80) }, () => resolve());
    });
    servers.push(server);
  }
  return {
    async close() {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
