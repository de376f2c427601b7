// Certificates and TLS members for the TLS suites: a CA with server and client certificates, a
// second CA ("other") whose client certificate the first does not trust, a revoked client with a
// CRL, all made by openssl; and genuine etcd or dcsgw started with TLS flags, ready once
// `etcdctl endpoint health` succeeds over TLS.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdctl, makeTempDir, repoRoot, spawnManaged, waitFor, type ManagedProcess } from '../../support/index.js';

export const TLS_PORTS = { from: 38000, to: 38999 };

export interface Pki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by another CA. */
  otherCa: string;
  otherClientCert: string;
  otherClientKey: string;
  /** Signed by `ca`, listed in `crl`. */
  revokedCert: string;
  revokedKey: string;
  crl: string;
  /** A second server key pair from the same CA (for rotation). */
  server2Cert: string;
  server2Key: string;
  /** Client certificates naming only an address (10.9.9.9) / only a host name (nohost.invalid) that is not the connection's. */
  farIpCert: string;
  farIpKey: string;
  farDnsCert: string;
  farDnsKey: string;
  /** Signed by `ca` but valid only in 2020. */
  expiredCert: string;
  expiredKey: string;
  /** Its own issuer (no CA). */
  selfSignedCert: string;
  selfSignedKey: string;
}

function ossl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, cn: string, caName: string, ext: string, validity: string[] = ['-days', '3']): void {
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
  ossl(dir, ['ca', '-batch', '-config', `${caName}.cnf`, '-extfile', ext, ...validity, '-in', `${name}.csr`, '-out', `${name}.pem`, '-notext']);
}

function makeCa(dir: string, name: string, cn: string): void {
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  ossl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '3', '-out', `${name}.pem`]);
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(join(dir, `${name}.serial`), name === 'ca' ? '1000\n' : '2000\n');
  writeFileSync(join(dir, `${name}.crlnumber`), '01\n');
  writeFileSync(
    join(dir, `${name}.cnf`),
    [
      '[ca]',
      'default_ca = this',
      '[this]',
      `database = ${name}.index`,
      `serial = ${name}.serial`,
      `crlnumber = ${name}.crlnumber`,
      `certificate = ${name}.pem`,
      `private_key = ${name}.key`,
      'new_certs_dir = .',
      'default_md = sha256',
      'default_crl_days = 3',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
}

/** A fresh PKI in a temp dir (openssl ca; a few hundred ms), removed by stopAllProcesses(). */
export function makePki(): Pki {
  const dir = makeTempDir('dcsgw-pki-');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  makeCa(dir, 'ca', 'test-ca');
  makeCa(dir, 'other', 'other-ca');
  issue(dir, 'server', 'server', 'ca', 'ext.cnf');
  issue(dir, 'server2', 'server2', 'ca', 'ext.cnf');
  issue(dir, 'client', 'client', 'ca', 'ext.cnf');
  issue(dir, 'revoked', 'revoked', 'ca', 'ext.cnf');
  issue(dir, 'otherclient', 'client', 'other', 'ext.cnf');
  writeFileSync(join(dir, 'far-ip.cnf'), 'subjectAltName=IP:10.9.9.9\nextendedKeyUsage=clientAuth\n');
  writeFileSync(join(dir, 'far-dns.cnf'), 'subjectAltName=DNS:nohost.invalid\nextendedKeyUsage=clientAuth\n');
  issue(dir, 'far-ip', 'far-ip', 'ca', 'far-ip.cnf');
  issue(dir, 'far-dns', 'far-dns', 'ca', 'far-dns.cnf');
  issue(dir, 'expired', 'client', 'ca', 'ext.cnf', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  ossl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'selfsigned.key']);
  ossl(dir, ['req', '-x509', '-new', '-key', 'selfsigned.key', '-subj', '/CN=client', '-days', '3', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'extendedKeyUsage=clientAuth', '-out', 'selfsigned.pem']);
  ossl(dir, ['ca', '-config', 'ca.cnf', '-revoke', 'revoked.pem']);
  ossl(dir, ['ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl']);
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    otherCa: p('other.pem'),
    otherClientCert: p('otherclient.pem'),
    otherClientKey: p('otherclient.key'),
    revokedCert: p('revoked.pem'),
    revokedKey: p('revoked.key'),
    crl: p('ca.crl'),
    server2Cert: p('server2.pem'),
    server2Key: p('server2.key'),
    farIpCert: p('far-ip.pem'),
    farIpKey: p('far-ip.key'),
    farDnsCert: p('far-dns.pem'),
    farDnsKey: p('far-dns.key'),
    expiredCert: p('expired.pem'),
    expiredKey: p('expired.key'),
    selfSignedCert: p('selfsigned.pem'),
    selfSignedKey: p('selfsigned.key'),
  };
}

export type Kind = 'etcd' | 'dcsgw';

export interface TlsMember {
  kind: Kind;
  proc: ManagedProcess;
  dataDir: string;
  args: string[];
}

/** The flags every member of these suites needs besides its TLS flags. */
export function memberFlags(o: { name?: string; dataDir: string; client: string[]; advertise?: string[]; peer: string; initialCluster?: string }): string[] {
  const name = o.name ?? 'default';
  return [
    '--name', name,
    '--data-dir', o.dataDir,
    '--listen-client-urls', o.client.join(','),
    '--advertise-client-urls', (o.advertise ?? o.client.slice(0, 1)).join(','),
    '--listen-peer-urls', o.peer,
    '--initial-advertise-peer-urls', o.peer,
    '--initial-cluster', o.initialCluster ?? `${name}=${o.peer}`,
  ];
}

/** Starts etcd or dcsgw with `args` (no readiness wait). dcsgw's Consul face is off: ports of its own. */
export function spawnMember(kind: Kind, args: string[], dataDir: string): TlsMember {
  const env = { ...process.env, DCSGW_CONSUL_HTTP_ADDR: 'off', DCSGW_CONSUL_DNS_ADDR: 'off' };
  // DCSGW_BIN: another entry script (e.g. a private build), as test/support's members honour it
  const entry = process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw');
  const proc = kind === 'etcd' ? spawnManaged('etcd', args, { env, cwd: tmpdir() }) : spawnManaged(process.execPath, [entry, ...args], { env, cwd: tmpdir() });
  return { kind, proc, dataDir, args };
}

/** etcdctl's TLS flags for a client with the good certificate. */
export const clientFlags = (pki: Pki): string[] => [`--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`];

/** Waits until `etcdctl endpoint health` (with `tlsFlags`) succeeds against `endpoint`. */
export async function waitTlsHealthy(m: TlsMember, endpoint: string, tlsFlags: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      if (!m.proc.alive()) throw new Error(`${m.kind} exited: ${m.proc.output().slice(-2000)}`);
      const r = await etcdctl(endpoint, [...tlsFlags, '--dial-timeout=1s', '--command-timeout=2s', 'endpoint', 'health'], { timeoutMs: 5_000 });
      return r.code === 0 || undefined;
    },
    { timeoutMs, intervalMs: 200, what: `${m.kind} healthy over TLS at ${endpoint}` },
  );
}

/** A data dir path in a fresh temp dir (the member creates it), removed by stopAllProcesses(). */
export function tempDataDir(kind: Kind): string {
  return join(makeTempDir(`tls-${kind}-`), 'data');
}
