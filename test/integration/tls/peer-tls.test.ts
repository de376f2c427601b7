// Peer TLS: three dcsgw members whose peer URLs are https://, with CA-signed certificates and
// mutual authentication (--peer-client-cert-auth, --peer-cert-allowed-cn), and with
// --peer-auto-tls; each cluster forms, replicates, survives its leader stopping, and its peer
// port speaks nothing but TLS.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, skipUnlessBinaries, sleep, stopAllProcesses, waitFor } from '../../support/index.js';
import { makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Pki, type TlsMember } from './tls-support.js';

interface ClusterMember {
  m: TlsMember;
  client: string;
  peer: string;
}

let pki: Pki;

async function startCluster(peerTls: (pki: Pki) => string[]): Promise<ClusterMember[]> {
  const ports = await allocatePorts(6, TLS_PORTS);
  const names = ['t1', 't2', 't3'];
  const peers = names.map((_, i) => `https://127.0.0.1:${ports[2 * i + 1]}`);
  const initialCluster = names.map((n, i) => `${n}=${peers[i]}`).join(',');
  const members = names.map((name, i) => {
    const dataDir = tempDataDir('dcsgw');
    const client = `http://127.0.0.1:${ports[2 * i]}`;
    const args = [...memberFlags({ name, dataDir, client: [client], peer: peers[i] as string, initialCluster }), '--initial-cluster-token', `peer-tls-${ports[0]}`, ...peerTls(pki)];
    return { m: spawnMember('dcsgw', args, dataDir), client, peer: peers[i] as string };
  });
  await Promise.all(members.map((c) => waitTlsHealthy(c.m, c.client, [], 60_000)));
  return members;
}

function curlCode(url: string): Promise<number> {
  return new Promise((resolve) => execFile('curl', ['-sS', '--max-time', '3', url], (err) => resolve(err ? ((err as { code?: number }).code ?? -1) : 0)));
}

async function leaderOf(members: ClusterMember[]): Promise<ClusterMember> {
  return waitFor(
    async () => {
      for (const c of members) {
        if (!c.m.proc.alive()) continue;
        const r = await etcdctl(c.client, ['endpoint', 'status', '-w', 'json']);
        if (r.code !== 0) continue;
        const st = JSON.parse(r.stdout)[0].Status;
        if (st.leader !== undefined && String(st.leader) === String(st.header.member_id)) return c;
      }
      return undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'a leader' },
  );
}

async function exercise(members: ClusterMember[]): Promise<void> {
  const [a, b, c] = members as [ClusterMember, ClusterMember, ClusterMember];
  expect((await etcdctl(a.client, ['put', 'peer/k', 'one'])).stdout).toBe('OK\n');
  for (const x of [b, c]) expect((await etcdctl(x.client, ['get', 'peer/k', '--print-value-only'])).stdout).toBe('one\n');
  // the peer port answers plaintext with nothing: it speaks TLS only
  expect(await curlCode(`${a.peer.replace('https:', 'http:')}/version`)).toBe(52);
  const leader = await leaderOf(members);
  await leader.m.proc.stop('SIGKILL');
  const rest = members.filter((x) => x !== leader);
  await leaderOf(rest);
  await waitFor(async () => (await etcdctl(rest[0]!.client, ['put', 'peer/k', 'two'], { timeoutMs: 8_000 })).stdout === 'OK\n' || undefined, { timeoutMs: 20_000, what: 'a write after the leader stopped' });
  await waitFor(async () => (await etcdctl(rest[1]!.client, ['get', 'peer/k', '--print-value-only'])).stdout === 'two\n' || undefined, { timeoutMs: 10_000, what: 'the write replicated' });
}

describe.skipIf(skipUnlessBinaries('etcdctl', 'openssl', 'curl'))('peer TLS between dcsgw members', () => {
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('CA-signed peer certificates with --peer-client-cert-auth and --peer-cert-allowed-cn: forms, replicates, survives a leader stop', async () => {
    const members = await startCluster((p) => [
      '--peer-cert-file', p.serverCert,
      '--peer-key-file', p.serverKey,
      '--peer-trusted-ca-file', p.ca,
      '--peer-client-cert-auth',
      '--peer-cert-allowed-cn', 'server',
      '--peer-crl-file', p.crl,
    ]);
    expect(members[0]!.m.proc.output()).toContain(`embed: peerTLS: cert = ${pki.serverCert}, key = ${pki.serverKey}, trusted-ca = ${pki.ca}, client-cert-auth = true, crl-file = ${pki.crl}`);
    await exercise(members);
    for (const c of members) await c.m.proc.stop();
  }, 120_000);

  it('--peer-auto-tls: self-signed peer certificates under fixtures/peer; forms, replicates, survives a leader stop', async () => {
    const members = await startCluster(() => ['--peer-auto-tls']);
    expect(members[1]!.m.proc.output()).toMatch(/embed: peerTLS: cert = \S+\/fixtures\/peer\/cert\.pem, key = \S+\/fixtures\/peer\/key\.pem, trusted-ca = , client-cert-auth = false, crl-file = /);
    await exercise(members);
    for (const c of members) await c.m.proc.stop();
  }, 120_000);

  it('a member added with `member add` joins over peer TLS (--initial-cluster-state existing reads the members over https)', async () => {
    const ports = await allocatePorts(4, TLS_PORTS);
    const peers = [`https://127.0.0.1:${ports[1]}`, `https://127.0.0.1:${ports[3]}`];
    const clients = [`http://127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[2]}`];
    const tlsFlags = ['--peer-cert-file', pki.serverCert, '--peer-key-file', pki.serverKey, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth'];
    const d1 = tempDataDir('dcsgw');
    const first = spawnMember('dcsgw', [...memberFlags({ name: 'j1', dataDir: d1, client: [clients[0] as string], peer: peers[0] as string }), ...tlsFlags], d1);
    await waitTlsHealthy(first, clients[0] as string, []);
    expect((await etcdctl(clients[0] as string, ['put', 'join/k', 'before'])).stdout).toBe('OK\n');
    const added = await etcdctl(clients[0] as string, ['member', 'add', 'j2', `--peer-urls=${peers[1]}`]);
    expect(added.stdout).toContain('Member');
    const d2 = tempDataDir('dcsgw');
    const initialCluster = `j1=${peers[0]},j2=${peers[1]}`;
    const second = spawnMember('dcsgw', [...memberFlags({ name: 'j2', dataDir: d2, client: [clients[1] as string], peer: peers[1] as string, initialCluster }), '--initial-cluster-state', 'existing', ...tlsFlags], d2);
    await waitTlsHealthy(second, clients[1] as string, [], 60_000);
    await waitFor(async () => (await etcdctl(clients[1] as string, ['get', 'join/k', '--print-value-only'])).stdout === 'before\n' || undefined, { timeoutMs: 10_000, what: 'the data on the new member' });
    const list = await etcdctl(clients[1] as string, ['member', 'list']);
    expect(list.stdout.trim().split('\n').map((l) => l.split(', ').slice(1, 4).join(', ')).sort()).toEqual([`started, j1, ${peers[0]}`, `started, j2, ${peers[1]}`]);
    await second.proc.stop();
    await first.proc.stop();
  }, 90_000);

  const refusals: [string, (p: Pki) => { cert: string; key: string }, string[], RegExp][] = [
    ['from another CA', (p) => ({ cert: p.otherClientCert, key: p.otherClientKey }), [], /\(error "tls: failed to verify client certificate: x509: certificate signed by unknown authority", ServerName ""\)/],
    ['with a common name other than --peer-cert-allowed-cn', (p) => ({ cert: p.clientCert, key: p.clientKey }), ['--peer-cert-allowed-cn', 'server'], /\(error "client certificate authentication failed", ServerName "", IPAddresses \["127\.0\.0\.1"\], DNSNames \["localhost"\]\)/],
    ['revoked in --peer-crl-file', (p) => ({ cert: p.revokedCert, key: p.revokedKey }), ['--peer-crl-file', '<CRL>'], /\(error "transport: certificate serial [0-9a-f]+ revoked", ServerName "", IPAddresses \["127\.0\.0\.1"\], DNSNames \["localhost"\]\)/],
  ];
  for (const [what, intruderPair, guardFlags, expected] of refusals) {
    it(`a member whose peer certificate is ${what} is refused by the other, which logs it as etcd does`, async () => {
      const ports = await allocatePorts(4, TLS_PORTS);
      const peers = [`https://127.0.0.1:${ports[1]}`, `https://127.0.0.1:${ports[3]}`];
      const initialCluster = `u1=${peers[0]},u2=${peers[1]}`;
      const start = (i: number, cert: string, key: string, extra: string[]) => {
        const dataDir = tempDataDir('dcsgw');
        const client = `http://127.0.0.1:${ports[2 * i]}`;
        const args = [...memberFlags({ name: `u${i + 1}`, dataDir, client: [client], peer: peers[i] as string, initialCluster }), '--peer-cert-file', cert, '--peer-key-file', key, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth', ...extra];
        return spawnMember('dcsgw', args, dataDir);
      };
      const guard = start(0, pki.serverCert, pki.serverKey, guardFlags.map((f) => (f === '<CRL>' ? pki.crl : f)));
      const bad = intruderPair(pki);
      const intruder = start(1, bad.cert, bad.key, []);
      await waitFor(() => /embed: rejected connection from "127\.0\.0\.1:\d+"/.test(guard.proc.output()) || undefined, { timeoutMs: 15_000, what: 'the member to reject the other' });
      const line = guard.proc.output().split('\n').find((l) => l.includes('rejected connection'));
      expect(line).toMatch(expected);
      // no quorum was ever formed with it
      const r = await etcdctl(`http://127.0.0.1:${ports[0]}`, ['--command-timeout=2s', 'put', 'x', 'y']);
      expect(r.code).not.toBe(0);
      await guard.proc.stop();
      await intruder.proc.stop();
    }, 60_000);
  }
});

describe.skipIf(skipUnlessBinaries('etcd', 'openssl', 'curl'))('peer port: a connecting certificate must name the address it comes from, as etcd checks', () => {
  let pki2: Pki;
  beforeAll(() => {
    pki2 = makePki();
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('other IP, unresolvable DNS name, matching SANs; and --experimental-peer-skip-client-san-verification', async () => {
    const curlPeer = (url: string, cert: string, key: string): Promise<number> =>
      new Promise((resolve) => execFile('curl', ['-sS', '--http1.1', '--max-time', '10', '--cacert', pki2.ca, '--cert', cert, '--key', key, `${url}/version`], (err) => resolve(err ? ((err as { code?: number }).code ?? -1) : 0)));
    const outcome: Record<string, string[]> = {};
    for (const kind of ['etcd', 'dcsgw'] as const) {
      outcome[kind] = [];
      for (const skip of [false, true]) {
        const [c, p] = (await allocatePorts(2, TLS_PORTS)) as [number, number];
        const dataDir = tempDataDir(kind);
        const peer = `https://127.0.0.1:${p}`;
        const m = spawnMember(kind, [...memberFlags({ dataDir, client: [`http://127.0.0.1:${c}`], peer }), '--peer-cert-file', pki2.serverCert, '--peer-key-file', pki2.serverKey, '--peer-trusted-ca-file', pki2.ca, '--peer-client-cert-auth', ...(skip ? ['--experimental-peer-skip-client-san-verification'] : [])], dataDir);
        await waitTlsHealthy(m, `http://127.0.0.1:${c}`, []);
        const codes = [
          await curlPeer(peer, pki2.farIpCert, pki2.farIpKey),
          await curlPeer(peer, pki2.farDnsCert, pki2.farDnsKey),
          await curlPeer(peer, pki2.clientCert, pki2.clientKey),
        ];
        // the refusals are logged once their checks (a DNS lookup among them) are done
        if (!skip) await waitFor(() => (m.proc.output().match(/rejected connection/g) ?? []).length >= 2 || undefined, { timeoutMs: 10_000, what: 'both refusals logged' });
        else await sleep(300);
        const rejected = m.proc
          .output()
          .split('\n')
          .filter((l) => l.includes('rejected connection'))
          .map((l) => l.replace(/^\S+ \S+ /, '').replace(/"127\.0\.0\.1:\d+"/, '"127.0.0.1:<PORT>"'));
        outcome[kind]!.push(`skip=${skip} curl=${codes.join(',')}`, ...rejected);
        await m.proc.stop();
      }
    }
    expect(outcome.dcsgw?.[0]).toBe('skip=false curl=52,52,0');
    expect(outcome.dcsgw?.[1]).toBe('I | embed: rejected connection from "127.0.0.1:<PORT>" (error "x509: certificate is valid for 10.9.9.9, not 127.0.0.1", ServerName "", IPAddresses ["10.9.9.9"], DNSNames [])');
    expect(outcome.dcsgw).toEqual(outcome.etcd);
  }, 90_000);
});
