// The client port over TLS, genuine etcd 3.4.23 and dcsgw started with the same TLS flags, side by
// side: genuine etcdctl (--cacert --cert --key), curl --cacert on the JSON gateway and /health, the
// etcd3 npm client, and the refusals (missing client certificate, another CA's certificate, a
// revoked one, a server the client does not trust, plaintext to the TLS port) compared as a user
// sees them. Both keep serving good clients afterwards.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, skipUnlessBinaries, stopAllProcesses } from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Kind, type Pki, type TlsMember } from './tls-support.js';

interface Side {
  member: TlsMember;
  https: string;
  http: string;
}

const KINDS: Kind[] = ['etcd', 'dcsgw'];
let pki: Pki;
const sides = new Map<Kind, Side>();

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '5', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** What differs between two members by construction: ports, member/cluster IDs, timings, sizes. */
function normalise(text: string, side: Side): string {
  const port = (u: string): string => new URL(u).port;
  return text
    .split(port(side.https)).join('<TLS-PORT>')
    .split(port(side.http)).join('<HTTP-PORT>')
    // member IDs: Go prints them in hex without leading zeros
    .replace(/\b[0-9a-f]{12,16}\b/g, '<ID>')
    .replace(/took = [0-9.]+[µm]?s/g, 'took = <T>')
    .replace(/[0-9.]+ kB/g, '<SIZE>')
    .replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"<N>"');
}

async function both<T>(fn: (s: Side, kind: Kind) => Promise<T>): Promise<Record<Kind, T>> {
  const out = {} as Record<Kind, T>;
  for (const k of KINDS) out[k] = await fn(sides.get(k) as Side, k);
  return out;
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl', 'curl'))('client TLS: dcsgw answers as genuine etcd', () => {
  beforeAll(async () => {
    pki = makePki();
    for (const kind of KINDS) {
      const [tlsPort, httpPort, peerPort] = await allocatePorts(3, TLS_PORTS);
      const https = `https://127.0.0.1:${tlsPort}`;
      const http = `http://127.0.0.1:${httpPort}`;
      const dataDir = tempDataDir(kind);
      const args = [
        ...memberFlags({ dataDir, client: [https, http], peer: `http://127.0.0.1:${peerPort}` }),
        '--cert-file', pki.serverCert,
        '--key-file', pki.serverKey,
        '--trusted-ca-file', pki.ca,
        '--client-cert-auth',
        '--client-crl-file', pki.crl,
      ];
      const member = spawnMember(kind, args, dataDir);
      sides.set(kind, { member, https, http });
      await waitTlsHealthy(member, https, clientFlags(pki));
    }
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('etcdctl --cacert --cert --key: put, get, endpoint health, endpoint status answer the same', async () => {
    const runs = await both(async (s) => {
      const ctl = (args: string[]) => etcdctl(s.https, [...clientFlags(pki), ...args]);
      const put = await ctl(['put', 'tls/k', 'v1']);
      const get = await ctl(['get', 'tls/k', '-w', 'simple']);
      const health = await ctl(['endpoint', 'health']);
      const status = await ctl(['endpoint', 'status']);
      return [put, get, health, status].map((r) => `${r.code}|${normalise(r.stdout, s)}|${normalise(r.stderr, s)}`);
    });
    expect(runs.dcsgw[0]).toBe('0|OK\n|');
    expect(runs.dcsgw[1]).toBe('0|tls/k\nv1\n|');
    expect(runs.dcsgw.slice(0, 3)).toEqual(runs.etcd.slice(0, 3));
    // status: same columns; version, leader flags
    const cols = (line: string | undefined) => (line ?? '').split('|')[1]?.split(', ').filter((_, i) => i !== 3 && i !== 6 && i !== 7 && i !== 8);
    expect(cols(runs.dcsgw[3])).toEqual(cols(runs.etcd[3]));
  });

  it('a client without a certificate, with another CA\'s, an expired, a self-signed or a revoked certificate, or not trusting the server: the same etcdctl error', async () => {
    const cases: Record<string, string[]> = {
      'no client cert': [`--cacert=${pki.ca}`],
      'other CA client cert': [`--cacert=${pki.ca}`, `--cert=${pki.otherClientCert}`, `--key=${pki.otherClientKey}`],
      'revoked client cert (CRL)': [`--cacert=${pki.ca}`, `--cert=${pki.revokedCert}`, `--key=${pki.revokedKey}`],
      'expired client cert': [`--cacert=${pki.ca}`, `--cert=${pki.expiredCert}`, `--key=${pki.expiredKey}`],
      'self-signed client cert': [`--cacert=${pki.ca}`, `--cert=${pki.selfSignedCert}`, `--key=${pki.selfSignedKey}`],
      'server not trusted': [`--cacert=${pki.otherCa}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`],
    };
    for (const [what, flags] of Object.entries(cases)) {
      const runs = await both(async (s) => {
        const r = await etcdctl(s.https, [...flags, '--dial-timeout=1s', '--command-timeout=2s', 'get', 'tls/k']);
        return `${r.code}|${r.stdout}|${r.stderr.trim().split('\n').pop()}`;
      });
      expect(runs.dcsgw, what).toBe('1||Error: context deadline exceeded');
      expect(runs.dcsgw, what).toBe(runs.etcd);
    }
    // and good clients are still served
    const after = await both(async (s) => (await etcdctl(s.https, [...clientFlags(pki), 'get', 'tls/k', '--print-value-only'])).stdout);
    expect(after).toEqual({ etcd: 'v1\n', dcsgw: 'v1\n' });
  });

  it('client certificates naming other addresses or host names are accepted on the client port by both (no SAN check there)', async () => {
    const runs = await both(async (s) => {
      const out: string[] = [];
      for (const [cert, key] of [[pki.farIpCert, pki.farIpKey], [pki.farDnsCert, pki.farDnsKey]]) {
        out.push((await etcdctl(s.https, [`--cacert=${pki.ca}`, `--cert=${cert}`, `--key=${key}`, 'get', 'tls/k', '--print-value-only'])).stdout);
      }
      return out;
    });
    expect(runs).toEqual({ etcd: ['v1\n', 'v1\n'], dcsgw: ['v1\n', 'v1\n'] });
  });

  it('large requests over TLS (up to the 1.5 MiB limit) arrive whole on both', async () => {
    const runs = await both(async (s) => {
      const out: string[] = [];
      for (const size of [70_000, 200_000, 1_400_000]) {
        const put = await etcdctl(s.https, [...clientFlags(pki), 'put', `tls/big${size}`], { input: 'x'.repeat(size) });
        const get = await etcdctl(s.https, [...clientFlags(pki), 'get', `tls/big${size}`, '--print-value-only']);
        out.push(`${size}: ${put.stdout.trim() || put.stderr.trim().split('\n').pop()} ${get.stdout.length - 1}`);
      }
      return out;
    });
    expect(runs.dcsgw).toEqual(['70000: OK 70000', '200000: OK 200000', '1400000: OK 1400000']);
    expect(runs.dcsgw).toEqual(runs.etcd);
  });

  it('--insecure-skip-tls-verify with a client certificate works on both', async () => {
    const runs = await both(async (s) => (await etcdctl(s.https, ['--insecure-skip-tls-verify', `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`, 'get', 'tls/k'])).stdout);
    expect(runs).toEqual({ etcd: 'tls/k\nv1\n', dcsgw: 'tls/k\nv1\n' });
  });

  it('curl --cacert --cert: /health, /version and /v3/kv/range on the TLS port answer the same', async () => {
    const runs = await both(async (s) => {
      const tls = ['--cacert', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey];
      const health = await curl([...tls, `${s.https}/health`]);
      const range = await curl([...tls, '-X', 'POST', '-d', JSON.stringify({ key: Buffer.from('tls/k').toString('base64') }), `${s.https}/v3/kv/range`]);
      const version = await curl([...tls, `${s.https}/version`]);
      return [health, range, version].map((r) => `${r.code}|${normalise(r.stdout, s)}`);
    });
    expect(runs.dcsgw[0]).toBe('0|{"health":"true"}');
    expect(runs.dcsgw[1]).toContain('"value":"djE="');
    expect(runs.dcsgw).toEqual(runs.etcd);
  });

  it('curl without a client certificate is refused by both; plaintext HTTP to the TLS port gets an empty reply from both', async () => {
    const runs = await both(async (s) => {
      const noCert = await curl(['--cacert', pki.ca, `${s.https}/health`]);
      const plain = await curl([`${s.https.replace('https:', 'http:')}/health`]);
      return { noCertFailed: noCert.code !== 0 && noCert.stdout === '', plain: `${plain.code}|${plain.stdout}` };
    });
    expect(runs.dcsgw).toEqual({ noCertFailed: true, plain: '52|' });
    expect(runs.dcsgw).toEqual(runs.etcd);
  });

  it('the http:// listener beside it serves plaintext; TLS to it fails on both; both keep serving', async () => {
    const runs = await both(async (s) => {
      const plain = await etcdctl(s.http, ['get', 'tls/k', '--print-value-only']);
      const tlsToPlain = await curl(['--cacert', pki.ca, `${s.http.replace('http:', 'https:')}/health`]);
      const again = await curl([`${s.http}/health`]);
      return { plain: plain.stdout, tlsToPlainFailed: tlsToPlain.code !== 0, again: again.stdout };
    });
    expect(runs.dcsgw).toEqual({ plain: 'v1\n', tlsToPlainFailed: true, again: '{"health":"true"}' });
    expect(runs.dcsgw).toEqual(runs.etcd);
  });

  it('the etcd3 npm client over TLS with a client certificate', async () => {
    for (const kind of KINDS) {
      const s = sides.get(kind) as Side;
      const client = new Etcd3({
        hosts: s.https,
        credentials: { rootCertificate: readFileSync(pki.ca), privateKey: readFileSync(pki.clientKey), certChain: readFileSync(pki.clientCert) },
      });
      try {
        await client.put('tls/npm').value(kind);
        expect(await client.get('tls/npm').string()).toBe(kind);
      } finally {
        client.close();
      }
    }
  });

  it('start-up lines: the TLS lines and the http-listener warnings are etcd\'s', () => {
    const lines = (kind: Kind): string[] =>
      (sides.get(kind) as Side).member.proc
        .output()
        .split('\n')
        .filter((l) => /embed: (ClientTLS|peerTLS|The scheme|serving client requests on|rejected connection)/.test(l))
        .map((l) => normalise(l.replace(/^\S+ \S+ /, ''), sides.get(kind) as Side).replace(/"127\.0\.0\.1:\d+"/, '"127.0.0.1:<PORT>"').replace(/error "[^"]*"/, 'error "<E>"'))
        .sort();
    const d = lines('dcsgw');
    expect(d.some((l) => l.startsWith(`I | embed: ClientTLS: cert = ${pki.serverCert}, key = ${pki.serverKey}, trusted-ca = ${pki.ca}, client-cert-auth = true, crl-file = ${pki.crl}`))).toBe(true);
    expect(new Set(d)).toEqual(new Set(lines('etcd')));
  });
});
