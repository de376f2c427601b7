// One put at a time on 3-member clusters (issue 10's "put, 1 client, 3 members" row), at the
// leader and at a follower (which forwards it), genuine etcd beside one or more dcsgw builds: every
// turn puts once into each cluster and endpoint in turn, so all of them see the same disk and
// load. dcsgw members run with DCSGW_WRITE_TRACE and DCSGW_PEER_TRACE: the leader's phases and the
// hops of a put between the members (peer wire stamps of all three) are reported (the
// leader of a cluster: WAL fsync on its own thread while the followers' fsyncs run, then the
// commit once a follower's ack is in). A lone put's path: client -> (follower -> MsgProp ->)
// leader -> MsgApp to the followers + its own fsync -> a follower's fsync + MsgAppResp -> commit,
// apply, answer (-> at a follower: the commit index reaches it, it applies and answers).
//
//   node dist/bench/cluster-put-latency.js [--rounds 6] [--seconds 2] [--variant NAME=TREE]... [--cpu-prof-dir DIR] [--single]
//
// --single adds a one-member etcd and a one-member dcsgw of each variant, put into in the same
// turns, so the 3-member timeline stands beside the single member's (its phases: the same trace).
//
// TREE is a compiled tree (`npx tsc -p tsconfig.json --outDir /tmp/x`, a package.json saying
// "type": "module" and links to node_modules and proto/ there); without --variant, this tree.
// Ports: DCSGW_BENCH_PORT_BASE (default 26500) + 100 per cluster (etcd first).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { putRequest } from '../src/adapters/requests.js';
import { fastPutRequest } from '../src/gateway/etcd/codec/fast-kv.js';
import { WRITE_TRACE_PHASES, type WriteTraceDump } from '../src/native/node/write-trace.js';
import { MessageType } from '../src/native/raft/api.js';
import type { PeerTraceDump } from '../src/native/transport/peer-trace.js';
import { leaderIndex } from './cluster-leader.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { Histogram } from './histogram.js';
import { benchKey } from './load-protocol.js';
import { processCpuUs } from './proc-cpu.js';
import { memberArgs, waitServing } from './servers.js';

const here = dirname(fileURLToPath(import.meta.url));

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
function variants(): { name: string; tree: string }[] {
  const out: { name: string; tree: string }[] = [];
  process.argv.forEach((a, i) => {
    if (a !== '--variant') return;
    const v = process.argv[i + 1] ?? '';
    const eq = v.indexOf('=');
    out.push({ name: v.slice(0, eq), tree: resolve(v.slice(eq + 1)) });
  });
  // bench/ of this tree's build: its root is one level up
  return out.length > 0 ? out : [{ name: 'dcsgw', tree: resolve(here, '..') }];
}

const ROUNDS = arg('--rounds', 6);
const SECONDS = arg('--seconds', 2);
const VALUE = Buffer.alloc(256, 0x61);
const KEYS = 10_000;
const pi = process.argv.indexOf('--cpu-prof-dir');
/** dcsgw members write V8 CPU profiles under <dir>/<member name>/ when they stop. */
const PROFILE_DIR = pi > 0 ? resolve(process.argv[pi + 1] ?? '.') : undefined;

const SINGLE = process.argv.includes('--single');

interface Cluster {
  name: string;
  /** The variant's name (etcd for genuine etcd), shared by its 3-member and one-member clusters. */
  variant: string;
  members: number;
  endpoints: string[];
  children: ChildProcess[];
  dirs: string[];
  traces: string[];
}

async function startCluster(name: string, variant: string, tree: string | null, base: number, work: string, members = 3): Promise<Cluster> {
  const names = Array.from({ length: members }, (_, i) => `${name}${i + 1}`);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${base + 10 * i + 2}`).join(',');
  const c: Cluster = { name, variant, members, endpoints: [], children: [], dirs: [], traces: [] };
  for (let i = 0; i < members; i++) {
    const client = base + 10 * i + 1;
    const dir = mkdtempSync(join(tmpdir(), `dcsgw-cluster-put-${name}-`));
    c.dirs.push(dir);
    const trace = join(work, `trace-${names[i]}.json`);
    c.traces.push(trace);
    const args = memberArgs(names[i] as string, dir, client, base + 10 * i + 2, initialCluster, `cluster-put-${name}`);
    const fd = openSync(join(work, `${names[i]}.log`), 'w');
    const child =
      tree === null
        ? spawn('/usr/bin/etcd', args, { stdio: ['ignore', fd, fd], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env['ETCD_UNSUPPORTED_ARCH'] ?? '' } })
        : spawn(process.execPath, [...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', join(PROFILE_DIR, names[i] as string)] : []), join(tree, 'src', 'cli', 'main.js'), ...args, '--consul-http-addr', 'off', '--consul-dns-addr', 'off'], {
            stdio: ['ignore', fd, fd],
            env: { ...process.env, DCSGW_WRITE_TRACE: trace, DCSGW_PEER_TRACE: join(work, `peer-${names[i]}.json`) },
          });
    closeSync(fd);
    c.children.push(child);
    c.endpoints.push(`http://127.0.0.1:${client}`);
  }
  try {
    await Promise.all(c.endpoints.map((e, i) => waitServing(e, 30_000, c.children[i] as ChildProcess)));
  } catch (err) {
    await stopCluster(c);
    const tails = names.map((n) => `${n}: ${readFileSync(join(work, `${n}.log`), 'utf8').split('\n').slice(-4).join('\n')}`);
    throw new Error(`${name}: ${(err as Error).message}\n${tails.join('\n')}`);
  }
  return c;
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(
    c.children.map(
      (ch) =>
        new Promise<void>((done) => {
          if (ch.exitCode !== null || ch.signalCode !== null) return done();
          ch.once('exit', () => done());
          ch.kill('SIGTERM');
          setTimeout(() => ch.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  for (const d of c.dirs) rmSync(d, { recursive: true, force: true });
}

function leaderOf(c: Cluster): number {
  const i = leaderIndex(c.endpoints);
  if (i < 0) throw new Error(`${c.name}: no member reports itself as leader`);
  return i;
}

interface Side {
  label: string;
  /** Index of its cluster in the clusters list. */
  cluster: number;
  conn: H2GrpcConnection;
  rtt: Histogram;
  ops: number;
  /** Sum of the measured round trips (us): the mean is what one client's ops/s follows. */
  sumUs: number;
}

function putOnce(side: Side, frame: Buffer, measure: boolean): Promise<void> {
  const t0 = performance.now();
  return new Promise<void>((resolve, reject) =>
    side.conn.unary('/etcdserverpb.KV/Put', frame, (err, status, message) => {
      if (err || status !== 0) return reject(err ?? new Error(`${side.label}: grpc status ${status}: ${message}`));
      if (measure) {
        const us = (performance.now() - t0) * 1000;
        side.rtt.record(us);
        side.sumUs += us;
        side.ops++;
      }
      resolve();
    }),
  );
}

interface WireEvent {
  sent: boolean;
  us: number;
  type: number;
  from: string;
  to: string;
  index: number;
  entries: number;
  commit: number;
}

function wireEvents(files: string[]): WireEvent[] {
  const out: WireEvent[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const d = JSON.parse(readFileSync(f, 'utf8')) as PeerTraceDump;
    for (let i = 0; i < d.kind.length; i++) {
      out.push({ sent: d.kind[i] === 0, us: d.us[i]!, type: d.type[i]!, from: d.from[i]!, to: d.to[i]!, index: d.index[i]!, entries: d.entries[i]!, commit: d.commit[i]! });
    }
  }
  return out.sort((a, b) => a.us - b.us);
}

/**
 * The hops of one-entry appends across the members (DCSGW_PEER_TRACE of all three): for each
 * MsgApp carrying one entry, its transit, the follower's time to its ack (fsync included), the
 * ack's transit, and at the leader from the first ack to the commit going out; for forwarded
 * proposals, their transit and the leader's time to replicate them.
 */
function wireHops(events: WireEvent[]): Map<string, number[]> {
  const hops = new Map<string, number[]>();
  const add = (k: string, v: number): void => {
    let l = hops.get(k);
    if (!l) hops.set(k, (l = []));
    l.push(v);
  };
  const key = (e: { type: number; from: string; to: string; index: number; entries: number }): string => `${e.type} ${e.from} ${e.to} ${e.index} ${e.entries}`;
  const received = new Map<string, number[]>();
  const sent = new Map<string, number[]>();
  for (const e of events) {
    const m = e.sent ? sent : received;
    const k = key(e);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(e.us);
  }
  const firstAfter = (l: number[] | undefined, t: number): number | undefined => l?.find((x) => x >= t);
  const apps = events.filter((e) => e.sent && e.type === MessageType.MsgApp && e.entries === 1);
  const commits = events.filter((e) => e.sent && e.type === MessageType.MsgApp && e.entries === 0);
  const firstAck = new Map<number, number>();
  for (const a of apps) {
    const entry = a.index + 1;
    const r = firstAfter(received.get(key(a)), a.us);
    if (r === undefined) continue;
    add('MsgApp (one entry) on the wire: leader writes -> follower reads', r - a.us);
    const ack = { type: MessageType.MsgAppResp, from: a.to, to: a.from, index: entry, entries: 0 };
    const s = firstAfter(sent.get(key(ack)), r);
    if (s === undefined) continue;
    add('follower: reads the MsgApp -> writes its ack (its fsync included)', s - r);
    const ra = firstAfter(received.get(key(ack)), s);
    if (ra === undefined) continue;
    add('ack on the wire: follower writes -> leader reads (after its own fsync)', ra - s);
    const prev = firstAck.get(entry);
    if (prev === undefined || ra < prev) firstAck.set(entry, ra);
  }
  for (const [entry, ra] of firstAck) {
    const c = commits.find((e) => e.us >= ra && e.commit >= entry);
    if (c) add('leader: reads the first ack -> writes the commit', c.us - ra);
  }
  for (const p of events.filter((e) => e.sent && e.type === MessageType.MsgProp)) {
    const r = firstAfter(received.get(key(p)), p.us);
    if (r === undefined) continue;
    add('forwarded MsgProp on the wire: follower writes -> leader reads', r - p.us);
    const a = apps.find((e) => e.us >= r);
    if (a) add('leader: reads the MsgProp -> writes its MsgApp', a.us - r);
  }
  return hops;
}

function pct(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}
const f = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

async function main(): Promise<void> {
  const vs = variants();
  for (const v of vs) if (!existsSync(join(v.tree, 'src', 'cli', 'main.js'))) throw new Error(`${v.name}: no src/cli/main.js under ${v.tree}`);
  const base = Number(process.env['DCSGW_BENCH_PORT_BASE'] ?? 26500);
  const work = mkdtempSync(join(tmpdir(), 'dcsgw-cluster-put-'));
  const clusters: Cluster[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of clusters.splice(0)) await stopCluster(c);
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    clusters.push(await startCluster('etcd', 'etcd', null, base, work));
    for (let i = 0; i < vs.length; i++) clusters.push(await startCluster(vs[i]!.name, vs[i]!.name, vs[i]!.tree, base + 100 * (i + 1), work));
    if (SINGLE) {
      // one-member clusters: 50 ports above each 3-member cluster's
      clusters.push(await startCluster('etcd-single', 'etcd', null, base + 50, work, 1));
      for (let i = 0; i < vs.length; i++) clusters.push(await startCluster(`${vs[i]!.name}-single`, vs[i]!.name, vs[i]!.tree, base + 100 * (i + 1) + 50, work, 1));
    }
    const frames = Array.from({ length: KEYS }, (_, i) => fastPutRequest.encodeFramed?.(putRequest(benchKey((i * 7919) % KEYS, 8), VALUE)) as Buffer);
    // leader and one follower of each cluster; CPU is that of all three members
    const sides: Side[] = [];
    const leaders: number[] = [];
    clusters.forEach((c, ci) => {
      const l = leaderOf(c);
      leaders.push(l);
      if (c.members === 1) {
        sides.push({ label: `${c.variant}, single member`, cluster: ci, conn: new H2GrpcConnection(c.endpoints[0]!), rtt: new Histogram(), ops: 0, sumUs: 0 });
        return;
      }
      const fol = (l + 1) % 3;
      sides.push({ label: `${c.name} at the leader`, cluster: ci, conn: new H2GrpcConnection(c.endpoints[l]!), rtt: new Histogram(), ops: 0, sumUs: 0 });
      sides.push({ label: `${c.name} at a follower`, cluster: ci, conn: new H2GrpcConnection(c.endpoints[fol]!), rtt: new Histogram(), ops: 0, sumUs: 0 });
    });
    await Promise.all(sides.map((s) => s.conn.ready()));
    const cpu = clusters.map(() => 0);
    const cpuNow = (c: Cluster): number => c.children.reduce((s, ch) => s + processCpuUs(ch.pid as number), 0);
    let k = 0;
    for (let r = 0; r <= ROUNDS; r++) {
      const measure = r > 0; // round 0 warms up (JIT, first WAL segment)
      const c0 = clusters.map(cpuNow);
      const end = performance.now() + (measure ? SECONDS : 1) * 1000;
      while (performance.now() < end) {
        const frame = frames[k++ % KEYS]!;
        const order = k % 2 === 0 ? sides : [...sides].reverse();
        for (const s of order) await putOnce(s, frame, measure);
      }
      if (measure) clusters.forEach((c, i) => (cpu[i]! += cpuNow(c) - c0[i]!));
      if (measure) process.stderr.write(`  round ${r}/${ROUNDS}: ${sides[0]!.ops} puts each so far\n`);
    }
    for (const s of sides) s.conn.close();
    const all = [...clusters]; // cleanup() empties clusters; their trace files outlive them
    const opsOf = (ci: number): number => sides.reduce((n, s) => n + (s.cluster === ci ? s.ops : 0), 0);
    const cpuPerOp = (ci: number): number => cpu[ci]! / opsOf(ci);
    const lines: string[] = [];
    lines.push(`one client, 3-member clusters${SINGLE ? ' and single members' : ''}, ${ROUNDS} rounds of ${SECONDS} s, one put into each cluster and endpoint in turn`);
    lines.push('');
    lines.push('| put | p50 us | p90 us | p99 us | mean us | p50 vs etcd | mean vs etcd | CPU us/op (all members) | CPU vs etcd |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    // etcd's side of the same kind (leader / follower / single member) and etcd's cluster of the same size
    const etcdSide = (s: Side): Side => sides[sides.findIndex((o) => clusters[o.cluster]!.variant === 'etcd' && clusters[o.cluster]!.members === clusters[s.cluster]!.members && o.label.replace(/^\S+/, '') === s.label.replace(/^\S+/, ''))]!;
    const etcdCluster = (ci: number): number => clusters.findIndex((c) => c.variant === 'etcd' && c.members === clusters[ci]!.members);
    const firstOf = new Set(clusters.map((_, ci) => sides.findIndex((s) => s.cluster === ci)));
    sides.forEach((s, i) => {
      const ref = etcdSide(s);
      const ci = s.cluster;
      const cpuCell = firstOf.has(i) ? `${cpuPerOp(ci).toFixed(0)} | ${(cpuPerOp(ci) / cpuPerOp(etcdCluster(ci))).toFixed(2)}x` : ' | ';
      lines.push(
        `| ${s.label} | ${f(s.rtt.quantile(0.5))} | ${f(s.rtt.quantile(0.9))} | ${f(s.rtt.quantile(0.99))} | ${f(s.sumUs / s.ops)} | ${(s.rtt.quantile(0.5) / ref.rtt.quantile(0.5)).toFixed(2)}x | ${(s.sumUs / s.ops / (ref.sumUs / ref.ops)).toFixed(2)}x | ${cpuCell} |`,
      );
    });
    await cleanup();
    // the members' phases: the leader's trace holds both the puts it was sent and those forwarded
    // to it; a follower's "commit" is from its own fsync until the leader's commit index reaches it
    lines.push('');
    lines.push('| member phases, one entry per Ready (us, p50 / p90) | ' + WRITE_TRACE_PHASES.join(' | ') + ' |');
    lines.push('|---|' + WRITE_TRACE_PHASES.map(() => '---').join('|') + '|');
    all.forEach((c, ci) => {
      if (c.variant === 'etcd') return;
      c.traces.forEach((file, m) => {
        if (!existsSync(file)) return;
        const t = JSON.parse(readFileSync(file, 'utf8')) as WriteTraceDump;
        const idx = t.entries.map((n, j) => (n === 1 ? j : -1)).filter((j) => j >= Math.floor(t.entries.length * 0.1));
        if (idx.length === 0) return;
        const role = c.members === 1 ? 'single member' : m === leaders[ci] ? 'leader' : `follower ${m + 1}`;
        lines.push(`| ${c.variant}, ${role} | ` + WRITE_TRACE_PHASES.map((ph) => `${f(pct(idx.map((j) => t.phases[ph][j]!), 0.5))} / ${f(pct(idx.map((j) => t.phases[ph][j]!), 0.9))}`).join(' | ') + ' |');
      });
    });
    for (const v of vs) {
      const hops = wireHops(wireEvents([1, 2, 3].map((n) => join(work, `peer-${v.name}${n}.json`))));
      if (hops.size === 0) continue;
      lines.push('');
      lines.push(`| ${v.name}: hops on the peer wire (us) | n | p50 | p90 |`);
      lines.push('|---|---|---|---|');
      for (const [k, l] of hops) lines.push(`| ${k} | ${l.length} | ${f(pct(l, 0.5))} | ${f(pct(l, 0.9))} |`);
    }
    console.log(lines.join('\n'));
  } finally {
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
