// A TLS-only three-member cluster, genuine etcd 3.4.23 beside dcsgw, the same commands through
// genuine etcdctl (--cacert --cert --key, client-cert auth on every client port, mutual TLS between
// members) and curl, outputs compared after labelling what differs by construction (member and
// cluster IDs by member name, ports, timings, sizes). Prints "TLS cluster differential: N identical".
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, skipUnlessBinaries, stopAllProcesses, waitFor } from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Kind, type Pki, type TlsMember } from './tls-support.js';

interface TlsCluster {
  kind: Kind;
  members: { name: string; m: TlsMember; client: string; clientPort: number; peerPort: number }[];
  labels: Array<[string, string]>;
}

let pki: Pki;
const clusters = new Map<Kind, TlsCluster>();
const NAMES = ['m1', 'm2', 'm3'];

/** A cluster token under which etcd's member IDs (sha1 of peer URLs + token) sort m1 < m2 < m3, so both clusters list members in the same order. */
function orderingToken(peers: string[]): string {
  const id = (peer: string, token: string): bigint => createHash('sha1').update(peer + token).digest().readBigUInt64BE(0);
  for (let i = 0; ; i++) {
    const token = `tls-cluster-diff-${i}`;
    const ids = peers.map((p) => id(p, token));
    if (ids.every((v, j) => j === 0 || (ids[j - 1] as bigint) < v)) return token;
  }
}

async function startTlsCluster(kind: Kind): Promise<TlsCluster> {
  const ports = await allocatePorts(6, TLS_PORTS);
  const peers = NAMES.map((_, i) => `https://127.0.0.1:${ports[2 * i + 1]}`);
  const token = orderingToken(peers);
  const initialCluster = NAMES.map((n, i) => `${n}=${peers[i]}`).join(',');
  const members = NAMES.map((name, i) => {
    const dataDir = tempDataDir(kind);
    const client = `https://127.0.0.1:${ports[2 * i]}`;
    const args = [
      ...memberFlags({ name, dataDir, client: [client], peer: peers[i] as string, initialCluster }),
      '--initial-cluster-token', token,
      '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth',
      '--peer-cert-file', pki.serverCert, '--peer-key-file', pki.serverKey, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth',
    ];
    return { name, m: spawnMember(kind, args, dataDir), client, clientPort: ports[2 * i] as number, peerPort: ports[2 * i + 1] as number };
  });
  await Promise.all(members.map((x) => waitTlsHealthy(x.m, x.client, clientFlags(pki), 60_000)));
  // every member published (its client URL in the list)
  // (IDs are 64-bit: read from the text, JSON numbers would lose digits)
  const raw = await waitFor(
    async () => {
      const r = await etcdctl(members[0]!.client, [...clientFlags(pki), 'member', 'list', '-w', 'json']);
      return (r.stdout.match(/"clientURLs":\["https/g) ?? []).length === 3 ? r.stdout : undefined;
    },
    { timeoutMs: 30_000, what: `${kind}: all members published` },
  );
  const labels: Array<[string, string]> = [];
  const idForms = (id: bigint): string[] => [id.toString(10), id.toString(16)];
  for (const m of raw.matchAll(/"ID":(\d+),"name":"(m\d)"/g)) for (const f of idForms(BigInt(m[1] as string))) labels.push([f, `<M:${m[2]}>`]);
  for (const f of idForms(BigInt(/"cluster_id":(\d+)/.exec(raw)?.[1] ?? '0'))) labels.push([f, '<CLUSTER>']);
  for (const x of members) labels.push([String(x.clientPort), `<C:${x.name}>`], [String(x.peerPort), `<P:${x.name}>`]);
  return { kind, members, labels };
}

function normalise(text: string, c: TlsCluster): string {
  let t = text;
  for (const [from, to] of c.labels) t = t.split(from).join(to);
  return t
    .replace(/took = [0-9.]+[µm]?s/g, 'took = <T>')
    .replace(/\d+(\.\d+)? kB/g, '<SIZE>')
    // who won the first election is left to chance on both
    .replace(/(<SIZE> \|\s+)(true|false)/g, '$1<L>')
    // table padding follows the widths of IDs and values that were labelled
    .replace(/ {2,}/g, ' ')
    .replace(/-{2,}/g, '--')
    .replace(/"(raft_term|raftTerm|raft_index|raftIndex|raft_applied_index|raftAppliedIndex|dbSize|dbSizeInUse)":"?\d+"?/g, '"$1":<N>')
    .replace(/"target":"[^"]*"/g, '"target":"<T>"')
    .replace(/"ts":"[^"]*"/g, '"ts":"<TS>"');
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '5', ...args], (err, stdout, stderr) => resolve(`${err ? 'FAIL ' : ''}${stdout}${err ? stderr : ''}`)));
}

type Step = { what: string; run: (c: TlsCluster) => Promise<string>; sort?: boolean };

const ctl = (endpoints: 'all' | number, args: string[], sort = false): Step => ({
  what: `etcdctl ${args.join(' ')}${endpoints === 'all' ? ' (all endpoints)' : ` (m${endpoints + 1})`}`,
  sort,
  run: async (c) => {
    const eps = endpoints === 'all' ? c.members.map((m) => m.client) : [c.members[endpoints]!.client];
    const r = await etcdctl(eps, [...clientFlags(pki), ...args]);
    return `rc=${r.code}\n${r.stdout}${r.stderr.includes('Error') ? r.stderr.split('\n').filter((l) => l.startsWith('Error')).join('\n') : ''}`;
  },
});

const STEPS: Step[] = [
  ctl(0, ['put', 'c/a', '1']),
  ctl(1, ['put', 'c/b', '2']),
  ctl(2, ['get', 'c/', '--prefix']),
  ctl(1, ['get', 'c/', '--prefix', '-w', 'json']),
  ctl(0, ['txn'], false),
  ctl(2, ['del', 'c/b']),
  ctl(0, ['get', 'c/', '--prefix', '--keys-only']),
  ctl(1, ['put', 'c/n', 'x', '--prev-kv', '-w', 'json']),
  ctl('all', ['endpoint', 'health'], true),
  ctl(0, ['endpoint', 'health', '--cluster'], true),
  ctl(0, ['endpoint', 'status', '--cluster', '-w', 'table'], true),
  ctl(0, ['member', 'list', '-w', 'table'], true),
  ctl(1, ['member', 'list', '-w', 'json']),
  ctl(0, ['alarm', 'list']),
  ctl(0, ['compaction', '3']),
  ctl(2, ['get', 'c/a', '--rev', '2']),
  ctl(0, ['watch', 'c/', '--prefix', '--rev', '4']),
  ctl(0, ['lease', 'list']),
  ctl(0, ['check', 'datascale', '--load', 's']),
  { what: 'curl --cacert --cert https://m2/v3/kv/range', run: async (c) => curl(['--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey, '-X', 'POST', '-d', '{"key":"Yy9h"}', `${c.members[1]!.client}/v3/kv/range`]) },
  { what: 'curl --cacert --cert https://m3/health', run: async (c) => curl(['--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey, `${c.members[2]!.client}/health`]) },
  { what: 'curl --cacert (no client cert) https://m1/health', run: async (c) => (await curl(['--cacert', pki.ca, `${c.members[0]!.client}/health`])).startsWith('FAIL') ? 'refused' : 'served' },
  { what: 'etcdctl without a client certificate', run: async (c) => { const r = await etcdctl(c.members[0]!.client, [`--cacert=${pki.ca}`, '--dial-timeout=1s', '--command-timeout=2s', 'get', 'c/a']); return `rc=${r.code} ${r.stderr.trim().split('\n').pop()}`; } },
];

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl', 'curl'))('TLS-only 3-member cluster: dcsgw beside genuine etcd', () => {
  beforeAll(async () => {
    pki = makePki();
    const [e, d] = await Promise.all([startTlsCluster('etcd'), startTlsCluster('dcsgw')]);
    clusters.set('etcd', e);
    clusters.set('dcsgw', d);
  }, 120_000);
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('the same commands answer the same over TLS', { timeout: 180_000 }, async () => {
    const diffs: string[] = [];
    let identical = 0;
    for (const step of STEPS) {
      const out: Record<string, string> = {};
      for (const kind of ['etcd', 'dcsgw'] as Kind[]) {
        const c = clusters.get(kind) as TlsCluster;
        let text = normalise(await step.run(c), c);
        if (step.sort) text = text.split('\n').sort().join('\n');
        out[kind] = text;
      }
      if (out.etcd === out.dcsgw) identical++;
      else diffs.push(`${step.what}\n--- etcd\n${out.etcd}\n--- dcsgw\n${out.dcsgw}`);
    }
    console.log(`TLS cluster differential: ${identical} identical, ${diffs.length} differ (of ${STEPS.length})\n${diffs.join('\n')}`);
    expect(diffs).toEqual([]);
  });
});
