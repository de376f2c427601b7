// Helpers of the migrate/mirror suites: the `dcsgw migrate|mirror` process, seeded random data
// written straight to a store, a store's whole content read back with genuine etcdctl (values) and
// through a dcsgw Consul face (flags), and a genuine redis-server on this suite's ports.
import { join } from 'node:path';
import { createEtcdBackend } from '../../../src/adapters/etcd.js';
import { putRequest } from '../../../src/adapters/requests.js';
import { allocatePort, allocatePorts, etcdctl, hasBinary, makeTempDir, removeTempDir, removeTempDirs, repoRoot, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';
import { mulberry32 } from '../../support/prng.js';

export const PORTS = { from: 12000, to: 12999 };

/** A fresh temp dir, removed by removeTempDirs() or stopAllProcesses() (call one in afterAll). */
export function tempDir(name: string): string {
  return makeTempDir(`dcsgw-migrate-${name}-`);
}

export { removeTempDirs };

export interface CliResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Starts `dcsgw <args>` (migrate or mirror) in `cwd`. */
export function spawnDcsgw(args: string[], cwd: string): ManagedProcess & { stdoutText(): string } {
  let stdout = '';
  const p = spawnManaged(process.execPath, [process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  p.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  return Object.assign(p, { stdoutText: () => stdout });
}

/** Runs `dcsgw <args>` to its end. */
export async function runDcsgw(args: string[], cwd: string): Promise<CliResult> {
  const p = spawnDcsgw(args, cwd);
  const code = await p.exited;
  const stdout = p.stdoutText();
  const all = p.output();
  return { code, stdout, stderr: all.replace(stdout, '') };
}

export interface Dataset {
  /** key -> [value, flags] */
  entries: Map<string, { value: Buffer; flags: bigint }>;
  bytes: number;
}

/** `n` keys under `prefix` with seeded random names (UTF-8, some non-ASCII) and binary values of 0..maxValue bytes. */
export function randomDataset(seed: number, n: number, prefix: string, maxValue = 512): Dataset {
  const rnd = mulberry32(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_/.é漢🙂';
  const chars = [...alphabet];
  const entries = new Map<string, { value: Buffer; flags: bigint }>();
  let bytes = 0;
  while (entries.size < n) {
    let name = prefix;
    const len = 4 + Math.floor(rnd() * 24);
    for (let i = 0; i < len; i++) name += chars[Math.floor(rnd() * chars.length)];
    if (entries.has(name)) continue;
    const value = Buffer.alloc(Math.floor(rnd() * maxValue));
    for (let i = 0; i < value.length; i++) value[i] = Math.floor(rnd() * 256);
    entries.set(name, { value, flags: 0n });
    bytes += Buffer.byteLength(name) + value.length;
  }
  return { entries, bytes };
}

/** Writes the dataset's values to an etcd (genuine or dcsgw) in transactions of 100 puts. */
export async function loadIntoEtcd(endpoint: string, data: Dataset): Promise<void> {
  const b = createEtcdBackend({ endpoints: [endpoint.replace(/^https?:\/\//, "")] });
  try {
    const all = [...data.entries];
    for (let i = 0; i < all.length; i += 100) {
      const success = all.slice(i, i + 100).map(([k, e]) => ({ requestPut: putRequest(Buffer.from(k), e.value) }));
      await b.txn({ compare: [], success, failure: [] });
    }
  } finally {
    await b.close();
  }
}

/** key -> value of every key under `prefix`, read with genuine etcdctl. */
export async function etcdContent(endpoint: string, prefix: string): Promise<Map<string, Buffer>> {
  const r = await etcdctl(endpoint, ['get', prefix, '--prefix', '-w', 'json'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`etcdctl get: ${r.stderr}`);
  const res = JSON.parse(r.stdout) as { kvs?: Array<{ key: string; value?: string }> };
  const out = new Map<string, Buffer>();
  for (const kv of res.kvs ?? []) out.set(Buffer.from(kv.key, 'base64').toString('utf8'), Buffer.from(kv.value ?? '', 'base64'));
  return out;
}

/** Flags of every key under `prefix` as a Consul client sees them (GET /v1/kv/<prefix>?recurse). */
export async function consulFlags(httpAddr: string, prefix: string): Promise<Map<string, bigint>> {
  const res = await fetch(`http://${httpAddr}/v1/kv/${encodeURI(prefix)}?recurse`);
  if (res.status === 404) return new Map();
  const text = await res.text();
  // Flags is a uint64: read it from the text so all 64 bits survive
  const list = JSON.parse(text.replace(/"Flags":(\d+)/g, '"Flags":"$1"')) as Array<{ Key: string; Flags: string }>;
  return new Map(list.map((e) => [e.Key, BigInt(e.Flags)]));
}

/** `dcsgw --backend etcd://<endpoint>` with its Consul face on a port of ours; resolves with its HTTP address. */
export async function consulFaceOverEtcd(endpoint: string): Promise<{ http: string; proc: ManagedProcess }> {
  const [client, peer, http] = await allocatePorts(3, PORTS);
  const dir = tempDir('face');
  const proc = spawnManaged(process.execPath, [
    process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw'),
    '--backend', `etcd://${endpoint.replace(/^http:\/\//, '')}`,
    '--data-dir', dir,
    '--listen-client-urls', `http://127.0.0.1:${client}`,
    '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--consul-http-addr', `127.0.0.1:${http}`,
    '--consul-dns-addr', 'off',
  ]);
  const addr = `127.0.0.1:${http}`;
  await waitFor(async () => (await fetch(`http://${addr}/v1/status/leader`).then((r) => r.ok).catch(() => false)) || !proc.alive(), { timeoutMs: 30_000, what: () => proc.output() });
  if (!proc.alive()) throw new Error(`dcsgw over etcd exited: ${proc.output()}`);
  return { http: addr, proc };
}

export interface RedisServer {
  url: string;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

export function hasRedis(): boolean {
  return hasBinary('redis-server');
}

export async function startRedis(): Promise<RedisServer> {
  const port = await allocatePort(PORTS);
  const dir = tempDir('redis');
  const proc = spawnManaged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]);
  await waitFor(() => proc.output().includes('Ready to accept connections') || !proc.alive(), { timeoutMs: 15_000, what: () => proc.output() });
  return {
    url: `redis://127.0.0.1:${port}`,
    proc,
    async stop() {
      await proc.stop();
      removeTempDir(dir);
    },
  };
}

/** The keys of `expected` missing or different in `actual`, and the keys `actual` has in excess. */
export function diffContent(expected: Map<string, Buffer>, actual: Map<string, Buffer>): { missing: string[]; differing: string[]; extra: string[] } {
  const missing: string[] = [];
  const differing: string[] = [];
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (!a) missing.push(k);
    else if (!a.equals(v)) differing.push(k);
  }
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  return { missing, differing, extra };
}
