// Client ports with TLS beyond the everyday: one address given both as http:// and https:// (etcd
// serves both on one listener), --cipher-suites restricting TLS 1.2, and hostile input on the TLS
// port (garbage, a plaintext request, a truncated or oversized ClientHello, a silent connection)
// closed cleanly while a watch keeps receiving and other clients are served. Genuine etcd beside.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, skipUnlessBinaries, stopAllProcesses, waitFor } from '../../support/index.js';
import { makePki, memberFlags, spawnMember, tempDataDir, TLS_PORTS, waitTlsHealthy, type Kind, type Pki } from './tls-support.js';

const KINDS: Kind[] = ['etcd', 'dcsgw'];
let pki: Pki;

/** Connects, writes `bytes`, and reports what came back and how the connection ended. */
function poke(port: number, bytes: Buffer, waitMs = 1500): Promise<{ got: number; ended: 'closed' | 'open' }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = 0;
    let done = false;
    const finish = (ended: 'closed' | 'open') => {
      if (done) return;
      done = true;
      s.destroy();
      resolve({ got, ended });
    };
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('close', () => finish('closed'));
    s.on('error', () => finish('closed'));
    s.on('connect', () => s.write(bytes));
    setTimeout(() => finish('open'), waitMs);
  });
}

function tlsProbe(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...opts }, () => {
      const answer = `${s.getProtocol()} ${s.getCipher().standardName}`;
      s.destroy();
      resolve(answer);
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
  });
}

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl'))('TLS client ports: shared addresses, cipher suites, hostile input', () => {
  beforeAll(() => {
    pki = makePki();
  });
  afterAll(async () => {
    await stopAllProcesses();
  });

  it('http:// and https:// on the same address: one listener serves both, with etcd\'s lines', async () => {
    for (const kind of KINDS) {
      const [c, p] = await allocatePorts(2, TLS_PORTS);
      const dataDir = tempDataDir(kind);
      const plain = `http://127.0.0.1:${c}`;
      const secure = `https://127.0.0.1:${c}`;
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [plain, secure], advertise: [secure], peer: `http://127.0.0.1:${p}` }), '--cert-file', pki.serverCert, '--key-file', pki.serverKey], dataDir);
      await waitTlsHealthy(m, secure, [`--cacert=${pki.ca}`]);
      // TLS gRPC and plaintext /health on the one port, on both. Plaintext gRPC and the plaintext
      // JSON gateway there: dcsgw serves them; genuine etcd 3.4.23 answers the gateway 503 and
      // serves plaintext gRPC in some runs only (its internal gateway connection and cmux race).
      expect((await etcdctl(secure, [`--cacert=${pki.ca}`, 'put', 'both', kind])).stdout, kind).toBe('OK\n');
      expect((await etcdctl(secure, [`--cacert=${pki.ca}`, 'get', 'both', '--print-value-only'])).stdout, kind).toBe(`${kind}\n`);
      if (kind === 'dcsgw') {
        expect((await etcdctl(plain, ['get', 'both', '--print-value-only'])).stdout).toBe('dcsgw\n');
        const range = await fetch(`${plain}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('both').toString('base64') }) });
        expect(((await range.json()) as { kvs: { value: string }[] }).kvs[0]?.value).toBe(Buffer.from('dcsgw').toString('base64'));
      }
      const h1 = await fetch(`${plain}/health`);
      expect(await h1.text(), kind).toBe('{"health":"true"}');
      const lines = m.proc
        .output()
        .split('\n')
        .filter((l) => /embed: (serving|The scheme)/.test(l))
        .map((l) => l.replace(/^\S+ \S+ /, '').replace(String(c), '<PORT>'))
        .sort();
      expect(lines, kind).toEqual([
        'I | embed: serving client requests on 127.0.0.1:<PORT>',
        'N | embed: serving insecure client requests on 127.0.0.1:<PORT>, this is strongly discouraged!',
        'W | embed: The scheme of client url http://127.0.0.1:<PORT> is HTTP while peer key/cert files are presented. Ignored key/cert files.',
      ]);
      await m.proc.stop();
    }
  }, 90_000);

  it('--cipher-suites limits TLS 1.2 to the listed suites (TLS 1.3 unaffected), as Go does', async () => {
    // (HTTP/2 needs an AES_128_GCM_SHA256 suite in the list: see tls-startup.test.ts)
    const results: Record<string, string[]> = {};
    for (const kind of KINDS) {
      const [c, p] = await allocatePorts(2, TLS_PORTS);
      const dataDir = tempDataDir(kind);
      const url = `https://127.0.0.1:${c}`;
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--cipher-suites', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], dataDir);
      await waitTlsHealthy(m, url, [`--cacert=${pki.ca}`]);
      const ca = readFileSync(pki.ca);
      results[kind] = [
        await tlsProbe(c as number, { ca, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }),
        await tlsProbe(c as number, { ca, maxVersion: 'TLSv1.2' }),
        await tlsProbe(c as number, { ca }),
      ];
      await m.proc.stop();
    }
    expect(results.dcsgw?.[1]).toBe('TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(results.dcsgw?.[0]).toMatch(/^error /);
    expect(results.dcsgw?.[2]).toMatch(/^TLSv1\.3 /);
    // both refuse the unlisted suite (the error codes are the client's), agree on the rest
    expect(results.dcsgw?.slice(1)).toEqual(results.etcd?.slice(1));
    expect(results.etcd?.[0]).toMatch(/^error /);
  }, 90_000);

  it('--listen-metrics-urls: https served with the client TLS settings, http beside it; /health reaches the TLS client port', async () => {
    const runs: Record<string, string[]> = {};
    for (const kind of KINDS) {
      const [c, p, mTls, mPlain] = (await allocatePorts(4, TLS_PORTS)) as [number, number, number, number];
      const dataDir = tempDataDir(kind);
      const url = `https://127.0.0.1:${c}`;
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth', '--listen-metrics-urls', `https://127.0.0.1:${mTls},http://127.0.0.1:${mPlain}`], dataDir);
      await waitTlsHealthy(m, url, [`--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`]);
      const get = (u: string, opts: tls.ConnectionOptions): Promise<string> =>
        new Promise((resolve) => {
          const req = (u.startsWith('https') ? httpsRequest : httpRequest)(u, { ...opts, agent: false }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve(`${res.statusCode} ${u.endsWith('/metrics') ? String(body.includes('etcd_server_has_leader 1')) : body}`));
          });
          req.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code === 'ECONNRESET' || /alert|certificate/.test(e.message) ? 'refused' : e.code}`));
          req.end();
        });
      const good = { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) };
      runs[kind] = [
        await get(`https://127.0.0.1:${mTls}/health`, good),
        await get(`https://127.0.0.1:${mTls}/metrics`, good),
        await get(`https://127.0.0.1:${mTls}/health`, { ca: good.ca }),
        await get(`http://127.0.0.1:${mPlain}/health`, {}),
      ];
      await m.proc.stop();
    }
    expect(runs.dcsgw).toEqual(['200 {"health":"true"}', '200 true', 'error refused', '200 {"health":"true"}']);
    expect(runs.dcsgw).toEqual(runs.etcd);
  }, 90_000);

  it('--client-cert-allowed-hostname: a client certificate not valid for that name is refused, one valid for it accepted', async () => {
    const runs: Record<string, string[]> = {};
    for (const kind of KINDS) {
      runs[kind] = [];
      for (const hostname of ['example.test', 'localhost']) {
        const [c, p] = (await allocatePorts(2, TLS_PORTS)) as [number, number];
        const dataDir = tempDataDir(kind);
        const url = `https://127.0.0.1:${c}`;
        const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth', '--client-cert-allowed-hostname', hostname], dataDir);
        await waitFor(() => /ready to serve client requests/.test(m.proc.output()) || undefined, { timeoutMs: 60_000, what: `${kind} ready` });
        const r = await etcdctl(url, [`--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`, '--dial-timeout=1s', '--command-timeout=2s', 'put', 'h', hostname]);
        const rejected = /rejected connection from "127\.0\.0\.1:\d+" \(error "client certificate authentication failed", ServerName "", IPAddresses \["127\.0\.0\.1"\], DNSNames \["localhost"\]\)/.test(m.proc.output());
        runs[kind]!.push(`${hostname}: ${r.code} ${r.stdout.trim() || r.stderr.trim().split('\n').pop()} rejected-logged=${rejected}`);
        await m.proc.stop();
      }
    }
    expect(runs.dcsgw).toEqual(['example.test: 1 Error: context deadline exceeded rejected-logged=true', 'localhost: 0 OK rejected-logged=false']);
    expect(runs.dcsgw).toEqual(runs.etcd);
  }, 240_000);

  it('garbage, plaintext, a truncated or oversized ClientHello and a silent client on the TLS port: closed or ignored, a watch keeps receiving', async () => {
    for (const kind of KINDS) {
      const [c, p] = await allocatePorts(2, TLS_PORTS);
      const dataDir = tempDataDir(kind);
      const url = `https://127.0.0.1:${c}`;
      const flags = [`--cacert=${pki.ca}`, `--cert=${pki.clientCert}`, `--key=${pki.clientKey}`];
      const m = spawnMember(kind, [...memberFlags({ dataDir, client: [url], peer: `http://127.0.0.1:${p}` }), '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth'], dataDir);
      await waitTlsHealthy(m, url, flags);
      const ac = new AbortController();
      let watched = '';
      const watch = etcdctl(url, [...flags, 'watch', 'hostile'], { signal: ac.signal, timeoutMs: 180_000, onStdout: (o) => void (watched = o) });
      // the watch is in place once it prints a write made after it started (etcdctl says nothing before)
      await waitFor(async () => (await etcdctl(url, [...flags, 'put', 'hostile', 'watch-ready'])).code === 0 && watched.includes('PUT\nhostile\nwatch-ready\n') || undefined, { timeoutMs: 30_000, intervalMs: 300, what: `${kind}: the watch in place` });
      const silent = net.connect(c as number, '127.0.0.1'); // holds a connection open, says nothing
      silent.on('error', () => undefined);
      const outcomes = {
        garbage: await poke(c as number, Buffer.from('\x00\x01\x02garbage\xff'.repeat(20), 'latin1')),
        plaintext: await poke(c as number, Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')),
        // a TLS handshake record header announcing 16 KiB, then only a few bytes of it
        truncatedHello: await poke(c as number, Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f]), 1500),
        // a record longer than TLS allows (2^14 + 2048)
        oversizedRecord: await poke(c as number, Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), Buffer.alloc(70_000, 1)])),
      };
      expect(outcomes.garbage, kind).toEqual({ got: expect.any(Number), ended: 'closed' });
      expect(outcomes.plaintext, kind).toEqual({ got: 0, ended: 'closed' });
      expect(outcomes.oversizedRecord.ended, kind).toBe('closed');
      expect(outcomes.truncatedHello.ended, kind).toBe('open'); // waiting for the rest, like Go
      expect((await etcdctl(url, [...flags, 'put', 'hostile', 'still-here'])).stdout, kind).toBe('OK\n');
      await waitFor(() => watched.includes('PUT\nhostile\nstill-here\n') || undefined, { timeoutMs: 20_000, what: `${kind}: the watch receiving the write` }).catch(() => undefined);
      ac.abort();
      await watch;
      expect(watched, kind).toContain('PUT\nhostile\nstill-here\n');
      silent.destroy();
      expect(m.proc.alive(), kind).toBe(true);
      await m.proc.stop();
    }
  }, 240_000);
});
