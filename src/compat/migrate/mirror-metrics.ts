// The mirror's Prometheus metrics (etcdctl make-mirror exports none, so the names are dcsgw's,
// in Prometheus' conventions): the lag in source revisions is the one to alert on.
import { createServer, type Server } from 'node:http';

export interface MirrorGauges {
  sourceRevision: number;
  appliedRevision: number;
  eventsApplied: number;
  keysCopied: number;
  resyncs: number;
  sourceErrors: number;
  destinationErrors: number;
  caughtUp: boolean;
}

export function lagOf(g: MirrorGauges): number {
  return Math.max(0, g.sourceRevision - g.appliedRevision);
}

export function metricsText(g: MirrorGauges): string {
  const m = (name: string, type: 'gauge' | 'counter', help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
  return (
    m('dcsgw_mirror_lag_revisions', 'gauge', 'Source revisions not yet applied to the destination.', lagOf(g)) +
    m('dcsgw_mirror_source_revision', 'gauge', 'The newest revision seen on the source.', g.sourceRevision) +
    m('dcsgw_mirror_applied_revision', 'gauge', 'The last source revision applied to the destination (and checkpointed).', g.appliedRevision) +
    m('dcsgw_mirror_caught_up', 'gauge', '1 when the destination holds every change the source has made.', g.caughtUp ? 1 : 0) +
    m('dcsgw_mirror_events_applied_total', 'counter', 'Change events applied to the destination.', g.eventsApplied) +
    m('dcsgw_mirror_keys_copied_total', 'counter', 'Keys written by initial copies (and re-copies after a compaction).', g.keysCopied) +
    m('dcsgw_mirror_resyncs_total', 'counter', 'Full re-copies because the source compacted past the applied revision.', g.resyncs) +
    m('dcsgw_mirror_source_errors_total', 'counter', 'Times the source stream failed and was resumed.', g.sourceErrors) +
    m('dcsgw_mirror_destination_errors_total', 'counter', 'Destination writes that failed and were retried.', g.destinationErrors)
  );
}

export async function serveMetrics(addr: string, gauges: () => MirrorGauges): Promise<Server> {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) throw new Error(`--metrics-addr ${addr}: expected host:port`);
  const server = createServer((req, res) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(metricsText(gauges()));
      return;
    }
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ lag: lagOf(gauges()), caughtUp: gauges().caughtUp }));
      return;
    }
    res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', () => resolve());
  });
  return server;
}
