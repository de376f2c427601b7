// etcd's TLS start-up lines, dcsgw beside genuine etcd 3.4.23 with the same flags, in both log
// formats: "peerTLS" / "starting with peer TLS", "ClientTLS" / "starting with client TLS" with the
// tls-info string and the cipher-suites list, the warnings for http:// URLs given with key files or
// client-cert-auth, auto-tls "created cert/key file", and "serving client traffic securely".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, skipUnlessBinaries, stopAllProcesses } from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Kind, type Pki } from './tls-support.js';

let pki: Pki;
const TLS_MSGS = /starting with (peer|client) TLS|scheme is HTTP while|created (cert|key) file|serving client traffic|ignoring (peer|client) auto TLS/;
const TLS_TEXT = /embed: (peerTLS|ClientTLS|The scheme|serving (insecure )?client requests|ignoring (peer|client) auto TLS)/;

/** Starts `kind` with the flags `build` gives for its ports and data dir; returns its TLS lines, normalised. */
async function tlsLines(kind: Kind, logger: 'zap' | 'capnslog', build: (o: { c1: number; c2: number; p: number; dataDir: string }) => { args: string[]; health: string; healthFlags: string[] }): Promise<string[]> {
  const [c1, c2, p] = (await allocatePorts(3, TLS_PORTS)) as [number, number, number];
  const dataDir = tempDataDir(kind);
  const { args, health, healthFlags } = build({ c1, c2, p, dataDir });
  const m = spawnMember(kind, ['--logger', logger, ...args], dataDir);
  await waitTlsHealthy(m, health, healthFlags);
  await m.proc.stop();
  const norm = (t: string): string => t.split(dataDir).join('<DATA>').split(String(c1)).join('<C1>').split(String(c2)).join('<C2>').split(String(p)).join('<P>');
  const out: string[] = [];
  for (const line of m.proc.output().split('\n')) {
    if (logger === 'zap') {
      if (!line.startsWith('{')) continue;
      const o = JSON.parse(line) as Record<string, unknown>;
      if (!TLS_MSGS.test(String(o.msg))) continue;
      delete o.ts;
      out.push(norm(JSON.stringify(o)));
    } else if (TLS_TEXT.test(line)) {
      out.push(norm(line.replace(/^\S+ \S+ /, '')));
    }
  }
  return out.sort();
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl'))('TLS start-up lines as genuine etcd prints them', () => {
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  const withFiles = (o: { c1: number; c2: number; p: number; dataDir: string }) => ({
    args: [
      ...memberFlags({ dataDir: o.dataDir, client: [`https://127.0.0.1:${o.c1}`, `http://127.0.0.1:${o.c2}`], peer: `https://127.0.0.1:${o.p}` }),
      '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth',
      '--peer-cert-file', pki.serverCert, '--peer-key-file', pki.serverKey, '--peer-trusted-ca-file', pki.ca, '--peer-client-cert-auth',
      '--cipher-suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    ],
    health: `https://127.0.0.1:${o.c1}`,
    healthFlags: clientFlags(pki),
  });
  const auto = (o: { c1: number; c2: number; p: number; dataDir: string }) => ({
    args: [...memberFlags({ dataDir: o.dataDir, client: [`https://127.0.0.1:${o.c1}`], peer: `https://127.0.0.1:${o.p}` }), '--auto-tls', '--peer-auto-tls', '--peer-client-cert-auth', '--cert-file', ''],
    health: `https://127.0.0.1:${o.c1}`,
    healthFlags: ['--insecure-transport=false', '--insecure-skip-tls-verify'],
  });
  const autoWithFiles = (o: { c1: number; c2: number; p: number; dataDir: string }) => ({
    args: [...memberFlags({ dataDir: o.dataDir, client: [`https://127.0.0.1:${o.c1}`], peer: `http://127.0.0.1:${o.p}` }), '--auto-tls', '--peer-auto-tls', '--cert-file', pki.serverCert, '--key-file', pki.serverKey],
    health: `https://127.0.0.1:${o.c1}`,
    healthFlags: [`--cacert=${pki.ca}`],
  });

  for (const [what, build] of [['key files, client-cert-auth, cipher suites, mixed listeners', withFiles], ['--auto-tls and --peer-auto-tls', auto], ['auto-tls beside given files; peer auto-tls with http peers', autoWithFiles]] as const) {
    for (const logger of ['zap', 'capnslog'] as const) {
      it(`${what} (${logger})`, async () => {
        const etcd = await tlsLines('etcd', logger, build);
        const dcsgw = await tlsLines('dcsgw', logger, build);
        expect(etcd.length).toBeGreaterThan(0);
        expect(dcsgw).toEqual(etcd);
      }, 60_000);
    }
  }
});
