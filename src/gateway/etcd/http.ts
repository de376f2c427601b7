// The plain HTTP side of the client port: /health, /version, /metrics, /debug/vars and the JSON gateway, behind
// the CORS headers etcd adds to every answer. Shapes as genuine 3.4.23 answers (GET only, 405 with
// "Allow: GET" otherwise; /health body without a content type, so Go sniffs text/plain).
import { AlarmAction } from '../../adapters/backend.js';
import { debugVarsBody } from './debug-vars.js';
import type { ServiceDeps } from './deps.js';
import { trackGarbageCollection } from './gc-stats.js';
import type { HttpRequest, HttpResponse, JsonGateway } from './gateway.js';
import { rangeRequest } from './services/concurrency.js';

export type HttpHandler = (req: HttpRequest, res: HttpResponse) => void;

/** How long /health waits for its linearizable read before answering false (etcd: 1 s). */
const HEALTH_TIMEOUT_MS = 1000;

function cors(res: HttpResponse): void {
  res.setHeader('access-control-allow-headers', 'accept, content-type, authorization');
  res.setHeader('access-control-allow-methods', 'POST, GET, OPTIONS, PUT, DELETE');
  res.setHeader('access-control-allow-origin', '*');
}

function text(res: HttpResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

function getOnly(req: HttpRequest, res: HttpResponse): boolean {
  if (req.method === 'GET') return true;
  text(res, 405, 'Method Not Allowed\n', { allow: 'GET' });
  return false;
}

/** etcd's checkHealth: no alarm, a leader, and a linearizable read that completes within a second. */
export async function checkHealth(deps: ServiceDeps): Promise<boolean> {
  const { backend } = deps;
  const within = <T>(p: Promise<T>) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('health check timed out')), HEALTH_TIMEOUT_MS).unref()),
    ]);
  try {
    const alarms = await within(backend.alarm({ action: AlarmAction.GET, memberID: 0n, alarm: 0 }));
    if (alarms.alarms.length > 0) return false;
    const st = await within(backend.status());
    if (st.leader === 0n) return false;
    await within(backend.range(rangeRequest(Buffer.from('health'))));
    return true;
  } catch (err) {
    deps.logger.debug({ err }, 'health check failed');
    return false;
  }
}

/** Gauges that mirror the member's state are read from the backend at scrape time (one Status call). */
async function refreshMetrics(deps: ServiceDeps): Promise<void> {
  const { metrics, backend } = deps;
  try {
    const st = await Promise.race([
      backend.status(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('status timed out')), HEALTH_TIMEOUT_MS).unref()),
    ]);
    metrics.hasLeader.set(st.leader !== 0n ? 1 : 0);
    metrics.isLeader.set(st.leader === st.header.memberId && st.leader !== 0n ? 1 : 0);
    metrics.isLearner.set(st.isLearner ? 1 : 0);
    metrics.dbTotalSize.set(st.dbSize);
    metrics.dbTotalSizeInUse.set(st.dbSizeInUse);
    metrics.proposalsCommitted.set(st.raftIndex);
    metrics.proposalsApplied.set(st.raftAppliedIndex);
  } catch (err) {
    // Without an answer the member has no leader to ask: say so, keep the other values.
    metrics.hasLeader.set(0);
    deps.logger.debug({ err }, 'metrics refresh from status failed');
  }
}

export function createHttpHandler(deps: ServiceDeps, gateway: JsonGateway): HttpHandler {
  const versionBody = JSON.stringify({ etcdserver: deps.versions.server, etcdcluster: deps.versions.cluster });
  const { metrics } = deps;
  trackGarbageCollection();
  return (req, res) => {
    cors(res);
    if (req.method === 'OPTIONS') {
      res.writeHead(200);
      res.end();
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    switch (path) {
      case '/health':
        if (!getOnly(req, res)) return;
        void checkHealth(deps).then((ok) => {
          (ok ? metrics.healthSuccess : metrics.healthFailures).inc();
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(ok ? '{"health":"true"}' : '{"health":"false"}');
        });
        return;
      case '/version':
        if (!getOnly(req, res)) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(versionBody);
        return;
      case '/debug/vars':
        // Go's expvar handler answers every method
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(debugVarsBody(deps.backend));
        return;
      case '/metrics':
        void refreshMetrics(deps)
          .then(() => metrics.registry.metrics())
          .then(
          (body) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(body);
          },
          (err: unknown) => text(res, 500, String(err) + '\n'),
        );
        return;
    }
    if (gateway.handle(req, res)) return;
    text(res, 404, '404 page not found\n');
  };
}
