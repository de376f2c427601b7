// GET /debug/vars: what genuine etcd serves there is Go's expvar page — cmdline, file_descriptor_limit,
// memstats and raft.status — and monitoring scripts read those keys. The same keys are served with
// what a Node process has: memstats keeps Go's field names (a reader indexing them finds every
// one) filled from process.memoryUsage() and V8's GC entries where there is a counterpart, zero
// where Go's runtime counts something V8 does not expose (mallocs, per-size-class allocations).
import { readFileSync } from 'node:fs';
import type { Backend, RaftStatusView } from '../../adapters/backend.js';
import { gcStats } from './gc-stats.js';

/** Go's runtime.MemStats fields in declaration order (the order expvar prints them). */
function memstats(): Record<string, unknown> {
  const m = process.memoryUsage();
  const gc = gcStats();
  return {
    Alloc: m.heapUsed,
    TotalAlloc: 0,
    Sys: m.rss,
    Lookups: 0,
    Mallocs: 0,
    Frees: 0,
    HeapAlloc: m.heapUsed,
    HeapSys: m.heapTotal,
    HeapIdle: Math.max(0, m.heapTotal - m.heapUsed),
    HeapInuse: m.heapUsed,
    HeapReleased: 0,
    HeapObjects: 0,
    StackInuse: 0,
    StackSys: 0,
    MSpanInuse: 0,
    MSpanSys: 0,
    MCacheInuse: 0,
    MCacheSys: 0,
    BuckHashSys: 0,
    GCSys: 0,
    OtherSys: m.external,
    NextGC: 0,
    LastGC: gc.lastGC,
    PauseTotalNs: gc.pauseTotalNs,
    PauseNs: gc.pauseNs,
    PauseEnd: gc.pauseEnd,
    NumGC: gc.numGC,
    NumForcedGC: gc.numForcedGC,
    // Go: the share of the process's available CPU time spent in GC; V8's pauses over the uptime
    GCCPUFraction: gc.pauseTotalNs / (process.uptime() * 1e9),
    EnableGC: true,
    DebugGC: false,
    BySize: [],
  };
}

/** etcd's runtime.FDLimit(): the soft RLIMIT_NOFILE, read where Linux publishes it. */
export function fileDescriptorLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return 0;
    }
  }
  const m = /^Max open files\s+(\S+)/m.exec(text);
  if (!m) return 0;
  // "unlimited" is RLIM_INFINITY, which Go reports as the largest uint64
  return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

const hex = (id: bigint) => id.toString(16);

/** etcd raft.Status.MarshalJSON: IDs in hex strings, progress keyed by hex ID. */
function raftStatusJson(st: RaftStatusView): string {
  const progress = st.progress.map((p) => `${JSON.stringify(hex(p.id))}:{"match":${p.match},"next":${p.next},"state":"${p.state}"}`).join(',');
  return (
    `{"id":"${hex(st.id)}","term":${st.term},"vote":"${hex(st.vote)}","commit":${st.commit},"lead":"${hex(st.lead)}",` +
    `"raftState":"${st.raftState}","applied":${st.applied},"progress":{${progress}},"leadtransferee":"${hex(st.leadTransferee)}"}`
  );
}

/** The page as Go's expvar handler writes it: keys sorted, one per line. */
export function debugVarsBody(backend: Backend): string {
  const vars: Array<[string, string]> = [
    ['cmdline', JSON.stringify(process.argv)],
    ['file_descriptor_limit', String(fileDescriptorLimit())],
    ['memstats', JSON.stringify(memstats())],
  ];
  if (backend.raftStatus) vars.push(['raft.status', raftStatusJson(backend.raftStatus())]);
  return '{\n' + vars.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(',\n') + '\n}\n';
}
