// Clusters for the TLS + auth differential suite (tls-auth.test.ts): three members of genuine etcd
// or dcsgw started with the same flags (https client URLs with --client-cert-auth, peer TLS from
// the CA or --peer-auto-tls, simple or JWT tokens), the certificates whose common names are users
// (root, alice) or no user (nobody), the RS256 key pair for JWT, and the corpus subset that makes
// sense once auth is on.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpcJs from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { allocatePorts, startMemberOfKind, waitFor, type MemberKind, type RunningMember } from '../support/index.js';
import { makePki, waitTlsHealthy, type Pki } from '../integration/tls/tls-support.js';
import { GrpcTarget } from './harness/grpc.js';
import type { Scenario, Step } from '../../src/compat/conformance/etcd/types.js';

export const TLS_AUTH_PORTS = { from: 24000, to: 24999 };

export interface AuthPki extends Pki {
  /** CN=root: the harness's own clients are root through it. */
  rootCert: string;
  rootKey: string;
  aliceCert: string;
  aliceKey: string;
  /** CA-signed, CN=nobody (no such user). */
  nobodyCert: string;
  nobodyKey: string;
  jwtPriv: string;
  jwtPub: string;
}

export function makeAuthPki(): AuthPki {
  const pki = makePki();
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const cn of ['root', 'alice', 'nobody']) {
    run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${cn}.key`]);
    run(['req', '-new', '-key', `${cn}.key`, '-subj', `/CN=${cn}`, '-out', `${cn}.csr`]);
    run(['ca', '-batch', '-config', 'ca.cnf', '-extfile', 'ext.cnf', '-days', '3', '-in', `${cn}.csr`, '-out', `${cn}.pem`, '-notext']);
  }
  run(['genrsa', '-out', 'jwt.key', '2048']);
  run(['rsa', '-in', 'jwt.key', '-pubout', '-out', 'jwt.pub']);
  const p = (f: string) => join(pki.dir, f);
  return {
    ...pki,
    rootCert: p('root.pem'), rootKey: p('root.key'),
    aliceCert: p('alice.pem'), aliceKey: p('alice.key'),
    nobodyCert: p('nobody.pem'), nobodyKey: p('nobody.key'),
    jwtPriv: p('jwt.key'), jwtPub: p('jwt.pub'),
  };
}

/** The CN certificates the scenarios name as {TMP}/alice.pem ... (the runner's scratch dir). */
export function placeCnCerts(pki: AuthPki, tmp: string): void {
  copyFileSync(pki.aliceCert, join(tmp, 'alice.pem'));
  copyFileSync(pki.aliceKey, join(tmp, 'alice.key'));
  copyFileSync(pki.nobodyCert, join(tmp, 'nobody.pem'));
  copyFileSync(pki.nobodyKey, join(tmp, 'nobody.key'));
}

export interface TlsAuthConfig {
  /** Label in reports and the README. */
  name: string;
  /** Client TLS: certificates from the CA with --client-cert-auth, or --auto-tls (given with
   * --client-cert-auth and --trusted-ca-file too, which etcd 3.4 then drops: no CN auth). */
  client: 'ca' | 'auto';
  /** Peer TLS: certificates from the CA with --peer-client-cert-auth, or --peer-auto-tls. */
  peer: 'ca' | 'auto';
  tokens: 'simple' | 'jwt';
  /** etcdctl steps carry --user=root:rootpw (token auth) instead of relying on the CN certificate. */
  ctlPassword: boolean;
}

function memberId(peerUrl: string, token: string): bigint {
  return createHash('sha1').update(peerUrl + token).digest().readBigUInt64BE(0);
}

/** A cluster token under which member IDs sort m1 < m2 < m3 (etcd lists members by ID): both
 * clusters then list their members in the same order. */
function tokenOrderingIds(peerUrls: string[], base: string): string {
  for (let i = 0; ; i++) {
    const token = `${base}-${i}`;
    const ids = peerUrls.map((u) => memberId(u, token));
    if (ids.every((id, j) => j === 0 || (ids[j - 1] as bigint) < id)) return token;
  }
}

export function rootCredentials(pki: AuthPki): grpcJs.ChannelCredentials {
  return grpcJs.credentials.createSsl(readFileSync(pki.ca), readFileSync(pki.rootKey), readFileSync(pki.rootCert));
}

/** Three members, each https-only with client-certificate auth and peer TLS per `config`; led by m1. */
export async function startTlsAuthCluster(kind: MemberKind, config: TlsAuthConfig, pki: AuthPki): Promise<RunningMember[]> {
  const ports = await allocatePorts(6, TLS_AUTH_PORTS);
  const names = ['m1', 'm2', 'm3'];
  const peerUrls = names.map((_, i) => `https://127.0.0.1:${ports[2 * i + 1]}`);
  const token = tokenOrderingIds(peerUrls, `tls-auth-${config.name}`);
  const initialCluster = names.map((n, i) => `${n}=${peerUrls[i]}`).join(',');
  const peerFlags =
    config.peer === 'ca'
      ? ['--peer-cert-file', pki.serverCert, '--peer-key-file', pki.serverKey, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth']
      : ['--peer-auto-tls'];
  const clientTlsFlags =
    config.client === 'ca'
      ? ['--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth']
      : ['--auto-tls', '--client-cert-auth', '--trusted-ca-file', pki.ca];
  const tokenFlags =
    config.tokens === 'jwt' ? ['--auth-token', `jwt,pub-key=${pki.jwtPub},priv-key=${pki.jwtPriv},sign-method=RS256,ttl=10m`] : ['--auth-token', 'simple'];
  const members = await Promise.all(
    names.map(async (name, i) => {
      const clientPort = ports[2 * i] as number;
      const peerPort = ports[2 * i + 1] as number;
      const url = `https://127.0.0.1:${clientPort}`;
      const m = await startMemberOfKind(kind, {
        name,
        clientPort,
        peerPort,
        advertisePeerUrl: peerUrls[i],
        initialCluster,
        initialClusterToken: token,
        waitReady: false,
        env: { DCSGW_CONSUL_HTTP_ADDR: 'off', DCSGW_CONSUL_DNS_ADDR: 'off' },
        // after the helper's http:// URLs: the last one wins, as with Go's flags
        extraArgs: [
          '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', peerUrls[i] as string,
          ...clientTlsFlags, ...peerFlags, ...tokenFlags,
        ],
      });
      return { ...m, clientUrl: url, endpoints: [url] };
    }),
  );
  const rootCtl = config.client === 'ca' ? [`--cacert=${pki.ca}`, `--cert=${pki.rootCert}`, `--key=${pki.rootKey}`] : ['--insecure-transport=false', '--insecure-skip-tls-verify'];
  await Promise.all(members.map((m) => waitTlsHealthy({ kind, proc: m.process, dataDir: m.dataDir, args: [] }, m.clientUrl, rootCtl, 40_000)));
  await leadFromFirst(members, (m) => (config.client === 'ca' ? rootCredentials(pki) : grpcJs.credentials.createSsl(readFileSync(autoTlsCert(m)))));
  return members;
}

/** Moves leadership to m1, so "who leads" reads the same on both clusters. */
async function leadFromFirst(members: RunningMember[], creds: (m: RunningMember) => grpcJs.ChannelCredentials): Promise<void> {
  const first = new GrpcTarget(`127.0.0.1:${members[0]?.clientPort}`, creds(members[0] as RunningMember));
  try {
    const status = async () => (await first.unary('Maintenance.Status', {})).value as { leader: string; header: { member_id: string } } | undefined;
    const st = await waitFor(async () => {
      const s = await status();
      return s && s.leader !== '0' ? s : undefined;
    }, { what: 'a leader', timeoutMs: 30_000 });
    if (st.leader !== st.header.member_id) {
      for (const m of members.slice(1)) {
        const g = new GrpcTarget(`127.0.0.1:${m.clientPort}`, creds(m));
        const r = await g.unary('Maintenance.MoveLeader', { targetID: st.header.member_id });
        g.close();
        if (!r.error) break;
      }
      await waitFor(async () => ((await status())?.leader === st.header.member_id ? true : undefined), { what: 'm1 to lead', timeoutMs: 30_000 });
    }
    const lister = first;
    await waitFor(
      async () => {
        const r = await lister.unary('Cluster.MemberList', {});
        const ms = (r.value as { members?: { clientURLs: string[] }[] } | undefined)?.members ?? [];
        return ms.length === 3 && ms.every((x) => x.clientURLs.length > 0) ? true : undefined;
      },
      { timeoutMs: 30_000, what: "every member's client URLs in the member list" },
    );
  } finally {
    first.close();
  }
}

/** The self-signed client certificate --auto-tls made for member `m` (etcd's place for it): the
 * harness's clients trust it as they would a CA. */
export function autoTlsCert(m: RunningMember): string {
  return join(m.dataDir, 'fixtures', 'client', 'cert.pem');
}

/** With --auto-tls on the client port the harness has no CN to be root by: only scenarios a user
 * runs with etcdctl alone (a password per call; seeds and lease cleanup by the harness with a root
 * token), against the first member only (each member has its own self-signed certificate). */
export function etcdctlOnlyReason(s: Scenario): string | undefined {
  for (const step of s.steps as Step[]) {
    if ('grpc' in step || 'grpcStream' in step || 'grpcRaw' in step || 'http' in step || 'client' in step) return 'not etcdctl-only (--auto-tls: no client certificate, no CN)';
    if ('ctl' in step && step.endpoints !== undefined) return 'etcdctl to other members (--auto-tls: a certificate per member)';
  }
  return undefined;
}

/** Why a corpus scenario is left out with auth always on (undefined: it runs). */
export function skipReason(s: Scenario): string | undefined {
  if (s.late) return 'late: toggles auth or compacts for the whole run';
  for (const step of s.steps as Step[]) {
    if ('stopMember' in step || 'startMember' in step || 'startNewMember' in step || 'dropMember' in step) return 'changes membership';
    if ('ctl' in step) {
      const [a, b] = step.ctl;
      if (a === 'auth' || a === 'user' || a === 'role') return 'manages auth itself';
      if (a === 'member' && b !== 'list') return 'changes membership (http:// peer URLs)';
      if (a === 'snapshot' || a === 'defrag' || a === 'move-leader') return 'member-local maintenance';
      // bytes the text normalisation cannot label: member and cluster IDs (from each cluster's own
      // ports) and the raft term sit inside the protobuf header
      if (a === 'endpoint' && b === 'hashkv') return "hash over keys' lease IDs, which each cluster draws from its own member ID and clock";
      if (step.ctl.includes('protobuf')) return 'binary answer with the cluster\'s own IDs and term';
    }
    if ('grpcRaw' in step) return "binary answer with the cluster's own IDs and term";
    if ('grpc' in step && (step.grpc.startsWith('Auth.') || (step.grpc.startsWith('Cluster.') && step.grpc !== 'Cluster.MemberList'))) return 'manages auth or membership itself';
    if ('client' in step && /new Etcd3|fetch\(/.test(String(step.client))) return 'its own plaintext client';
  }
  return undefined;
}
