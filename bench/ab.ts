// A/B of two (or more) builds of the same server under the same load, rounds interleaved, so a
// change to the front end can be judged on a machine whose load swings: each variant is a
// compiled tree (`npx tsc -p tsconfig.json --outDir /tmp/x`, plus a package.json saying
// "type": "module" and a node_modules link there), all variants run at once on their own ports,
// and every round loads each of them in turn (the order alternates between rounds). Optionally
// genuine etcd runs beside them as the reference. Reports per variant the median over rounds of
// ops/s and server CPU per op, and each round's ratio to the first variant.
//
//   node dist/bench/ab.js --variant base=/tmp/fe-base --variant new=dist [--kind echo|dcsgw]
//        [--variant 'semi64=dist --max-semi-space-size=64']   (node options after the tree)
//        [--variant 'node=dist DCSGW_GRPC_TRANSPORT=node']     (NAME=value words: the variant's env)
//        [--variant floor@h2floor=dist]                        (this variant's own kind)
//        [--etcd] [--ops put] [--clients 1,100] [--rounds 5] [--duration 4] [--warmup 1] [--members 1]
// Ports: DCSGW_BENCH_PORT_BASE (default 31000) + 100 per variant (genuine etcd: the base itself).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { BenchOp } from './load-protocol.js';
import { firstEndpointRole } from './cluster-leader.js';
import { prefill, runScenario, type ScenarioResult } from './runner.js';
import { memberArgs, waitServing, type RunningServer, type TargetKind } from './servers.js';

interface Variant {
  name: string;
  /** The compiled tree; null for genuine etcd. */
  entry: string | null;
  /** Options for node itself (e.g. --max-semi-space-size=64). */
  nodeArgs: string[];
  /** Environment for this variant's processes (NAME=value words after the tree). */
  env: Record<string, string>;
  kind: Kind;
}

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

type Kind = 'echo' | 'dcsgw' | 'h2floor';

/** The script a variant's tree runs for each kind (dcsgw: with etcd's member flags). */
const SCRIPT: Record<Kind, string[]> = {
  echo: ['bench', 'echo-server.js'],
  h2floor: ['bench', 'h2-floor-server.js'],
  dcsgw: ['src', 'cli', 'main.js'],
};

async function start(v: Variant, base: number, members: number): Promise<RunningServer> {
  const kind = v.kind;
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const endpoints: string[] = [];
  const names = Array.from({ length: members }, (_, i) => `${v.name}${i + 1}`);
  const initialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${base + 10 * i + 2}`).join(',');
  const count = v.entry !== null && kind !== 'dcsgw' ? 1 : members;
  for (let i = 0; i < count; i++) {
    const client = base + 10 * i + 1;
    const dir = mkdtempSync(join(tmpdir(), `dcsgw-ab-${v.name}-`));
    dirs.push(dir);
    const fd = openSync(dir + '.log', 'w');
    let cmd: string;
    let args: string[];
    if (v.entry === null) {
      cmd = '/usr/bin/etcd';
      args = memberArgs(names[i] as string, dir, client, base + 10 * i + 2, initialCluster, 'dcsgw-ab');
    } else if (kind !== 'dcsgw') {
      cmd = process.execPath;
      args = [...v.nodeArgs, join(v.entry, ...SCRIPT[kind]), String(client)];
    } else {
      cmd = process.execPath;
      args = [...v.nodeArgs, join(v.entry, ...SCRIPT[kind]), ...memberArgs(names[i] as string, dir, client, base + 10 * i + 2, initialCluster, 'dcsgw-ab')];
    }
    children.push(spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...v.env } }));
    closeSync(fd);
    endpoints.push(`http://127.0.0.1:${client}`);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    for (const d of dirs) {
      rmSync(d, { recursive: true, force: true });
      rmSync(d + '.log', { force: true });
    }
  };
  try {
    await Promise.all(endpoints.map((e, i) => waitServing(e, 30_000, children[i] as ChildProcess)));
  } catch (err) {
    await stop();
    throw new Error(`${v.name}: ${(err as Error).message}`);
  }
  return { kind: v.name as TargetKind, endpoints, pids: children.map((c) => c.pid as number), logFiles: [], stop };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('dcsgw-bench-ab')
    .option('--variant <name=dir>', 'a compiled tree (repeat; the first is the reference)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--kind <kind>', 'echo (the bare gRPC layer), h2floor (bench/h2-floor-server.ts) or dcsgw', 'echo')
    .option('--etcd', 'run genuine etcd beside the variants (reference of the etcd ratio column)', false)
    .option('--ops <list>', 'put,range-l,range-s', 'put')
    .option('--clients <list>', 'concurrent clients', '1,100')
    .option('--rounds <n>', 'interleaved rounds', '5')
    .option('--duration <s>', 'measured seconds per round', '4')
    .option('--warmup <s>', 'unmeasured seconds before each round', '1')
    .option('--workers <n>', 'load generator processes', '2')
    .option('--members <n>', 'members per server (dcsgw and etcd)', '1')
    .parse(process.argv);
  const o = program.opts<Record<string, unknown>>();
  const kind = String(o['kind']) as Kind;
  if (!(kind in SCRIPT)) throw new Error(`--kind ${kind}: want echo, h2floor or dcsgw`);
  const variants: Variant[] = (o['variant'] as string[]).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--variant ${s}: want name=dir`);
    const [tree = '', ...words] = s.slice(eq + 1).split(' ').filter(Boolean);
    const env: Record<string, string> = {};
    const nodeArgs: string[] = [];
    for (const w of words) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w);
      if (m) env[m[1] as string] = m[2] as string;
      else nodeArgs.push(w);
    }
    const dir = resolve(tree);
    const [name = '', own] = s.slice(0, eq).split('@');
    const vkind = (own ?? kind) as Kind;
    if (!(vkind in SCRIPT)) throw new Error(`--variant ${s}: kind ${vkind}: want echo, h2floor or dcsgw`);
    const entry = join(dir, ...SCRIPT[vkind]);
    if (!existsSync(entry)) throw new Error(`--variant ${s}: ${entry} missing`);
    return { name, entry: dir, nodeArgs, env, kind: vkind };
  });
  if (o['etcd'] === true) variants.push({ name: 'etcd', entry: null, nodeArgs: [], env: {}, kind: 'dcsgw' });
  if (variants.length === 0) throw new Error('no --variant given');
  const ops = String(o['ops']).split(',') as BenchOp[];
  const clientsList = String(o['clients']).split(',').map(Number);
  const rounds = Number(o['rounds']);
  const members = Number(o['members']);
  const scen = { duration: Number(o['duration']), warmup: Number(o['warmup']), workers: Number(o['workers']), keys: 10_000 };
  const portBase = Number(process.env['DCSGW_BENCH_PORT_BASE'] ?? 31000);

  const servers: RunningServer[] = [];
  const stopAll = (): Promise<unknown> => Promise.all(servers.map((s) => s.stop()));
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[i] as Variant;
      log(`starting ${v.name}`);
      servers.push(await start(v, v.entry === null ? portBase : portBase + 100 * (i + 1), members));
    }
    if (ops.some((op) => op !== 'put')) for (const s of servers) await prefill(s, scen.keys);
    // one client talks to member 1 only, and a put there costs a round trip more when it follows
    if (members > 1) console.log(`\nmember 1 (the endpoint of one client): ${servers.map((s, i) => `${variants[i]?.name}: ${firstEndpointRole(s.endpoints)}`).join('; ')}`);
    console.log(`\n${variants.map((v) => `${v.name}: ${v.entry === null ? 'genuine etcd' : v.kind}`).join(', ')}; ${members} member(s), ${rounds} interleaved rounds of ${scen.duration}s; medians; ratio = this / ${variants[0]?.name} per round, median`);
    console.log('| scenario | variant | ops/s | p50 ms | p99 ms | server CPU us/op | ops/s ratio | CPU/op ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const op of ops) {
      for (const clients of clientsList) {
        const per: ScenarioResult[][] = servers.map(() => []);
        for (let r = 0; r < rounds; r++) {
          const order = servers.map((_, i) => i);
          if (r % 2 === 1) order.reverse();
          for (const i of order) {
            const res = await runScenario(servers[i] as RunningServer, op, clients, scen);
            log(`round ${r + 1} ${variants[i]?.name} ${op} c=${clients}: ${res.opsPerSec.toFixed(0)} ops/s, ${res.serverCpuUsPerOp.toFixed(1)} us/op, p50 ${res.p50Ms.toFixed(2)} ms`);
            (per[i] as ScenarioResult[]).push(res);
          }
        }
        const ref = per[0] as ScenarioResult[];
        for (let i = 0; i < servers.length; i++) {
          const rs = per[i] as ScenarioResult[];
          const opsRatio = i === 0 ? '' : median(rs.map((x, k) => x.opsPerSec / (ref[k] as ScenarioResult).opsPerSec)).toFixed(2) + 'x';
          const cpuRatio = i === 0 ? '' : median(rs.map((x, k) => x.serverCpuUsPerOp / (ref[k] as ScenarioResult).serverCpuUsPerOp)).toFixed(2) + 'x';
          console.log(
            `| ${op} c=${clients} | ${variants[i]?.name} | ${median(rs.map((x) => x.opsPerSec)).toFixed(0)} | ${median(rs.map((x) => x.p50Ms)).toFixed(2)} | ` +
              `${median(rs.map((x) => x.p99Ms)).toFixed(2)} | ${median(rs.map((x) => x.serverCpuUsPerOp)).toFixed(1)} | ${opsRatio} | ${cpuRatio} |`,
          );
        }
      }
    }
  } finally {
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
