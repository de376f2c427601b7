// The client port's plain-HTTP side (JSON gateway, /health, /version, /metrics, a /v3/watch stream)
// over HTTP/2 on our own transport (DCSGW_GRPC_TRANSPORT=own): curl --http2-prior-knowledge on the
// plaintext URL and curl over TLS (ALPN h2) must get, field by field, what HTTP/1.1 gets from the
// same member, and exactly the HTTP/2 answers node's http2 server gives (a second member on
// DCSGW_GRPC_TRANSPORT=node). A node:http2 client with a tiny receive window checks that a watch
// stream keeps flowing when the client reads slowly (our send-side flow control under the shim).
// With --client-cert-auth and auth on, the gateway's common-name guard (etcd's CVE-2020-15136 fix)
// must see the client certificate through the shim as it does over HTTP/1.1.
import { execFile, spawn } from 'node:child_process';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_CN_REFUSAL } from '../../../src/gateway/tls/gateway-cn-guard.js';
import { allocatePorts, etcdctl, skipUnlessBinaries, stopAllProcesses, waitFor } from '../../support/index.js';
import { clientFlags, makePki, memberFlags, spawnMember, tempDataDir, waitTlsHealthy, type Pki, type TlsMember } from '../tls/tls-support.js';

const PORTS = { from: 12000, to: 12999 };
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Member {
  proc: TlsMember;
  http: string;
  https: string;
}

interface Answer {
  /** '2' or '1.1', from the status line. */
  version: string;
  status: number;
  /** Lower-case names, in order, without the fields only one protocol has (date, connection, framing). */
  headers: Array<[string, string]>;
  body: string;
}

/** Fields that belong to one protocol or one moment: HTTP/1.1's connection and framing, and the date. */
const PROTOCOL_FIELDS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

let pki: Pki;

function curl(args: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-i', '--max-time', '10', '--cacert', pki.ca, ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${args.join(' ')}: ${stderr || err.message}`));
      const split = stdout.indexOf('\r\n\r\n');
      const head = stdout.slice(0, split).split('\r\n');
      const m = /^HTTP\/([\d.]+) (\d+)/.exec(head[0] ?? '');
      if (!m) return reject(new Error(`curl: no status line in ${stdout.slice(0, 200)}`));
      const headers: Array<[string, string]> = [];
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).toLowerCase();
        if (!PROTOCOL_FIELDS.has(name)) headers.push([name, line.slice(colon + 1).trim()]);
      }
      resolve({ version: m[1] as string, status: Number(m[2]), headers, body: stdout.slice(split + 4) });
    });
  });
}

const H2_PLAIN = ['--http2-prior-knowledge'];
const H2_TLS = ['--http2'];
const H1 = ['--http1.1'];

async function startMember(transport: 'own' | 'node'): Promise<Member> {
  const [client, secure, peer] = await allocatePorts(3, PORTS);
  const http = `http://127.0.0.1:${client}`;
  const https = `https://127.0.0.1:${secure}`;
  const dataDir = tempDataDir('dcsgw');
  process.env['DCSGW_GRPC_TRANSPORT'] = transport;
  const proc = spawnMember(
    'dcsgw',
    [
      ...memberFlags({ name: `h2-${transport}`, dataDir, client: [http, https], peer: `http://127.0.0.1:${peer}` }),
      '--cert-file', pki.serverCert, '--key-file', pki.serverKey,
    ],
    dataDir,
  );
  await waitFor(
    async () => {
      if (!proc.proc.alive()) throw new Error(`dcsgw exited: ${proc.proc.output().slice(-2000)}`);
      const r = await fetch(`${http}/health`).catch(() => undefined);
      return r?.status === 200 || undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `dcsgw (${transport} transport) healthy` },
  );
  return { proc, http, https };
}

let own: Member;
let node: Member;

const skip = skipUnlessBinaries('curl', 'openssl');

beforeAll(async () => {
  if (skip) return;
  pki = makePki();
  [own, node] = await Promise.all([startMember('own'), startMember('node')]);
}, 120_000);

afterAll(async () => {
  delete process.env['DCSGW_GRPC_TRANSPORT'];
  await stopAllProcesses();
});

/** The requests compared: [what, path, curl args]. Bodies that change between calls are compared separately. */
const STABLE_REQUESTS: Array<[string, string, string[]]> = [
  ['/health', '/health', []],
  ['/version', '/version', []],
  ['range', '/v3/kv/range', ['-X', 'POST', '-d', JSON.stringify({ key: b64('h2/k') })]],
  ['range with a prefix and a limit', '/v3/kv/range', ['-X', 'POST', '-d', JSON.stringify({ key: b64('h2/'), range_end: b64('h20'), limit: 2 })]],
  ['range error (no key)', '/v3/kv/range', ['-X', 'POST', '-d', '{}']],
  ['malformed JSON', '/v3/kv/range', ['-X', 'POST', '-d', '{bad']],
  ['GET on a POST route', '/v3/kv/range', []],
  ['OPTIONS (CORS preflight)', '/v3/kv/range', ['-X', 'OPTIONS']],
  ['unknown path', '/nope', []],
  ['POST to /version', '/version', ['-X', 'POST']],
  ['HEAD on a GET-only path (an answer without content)', '/health', ['-I']],
  ['HEAD on an unknown path', '/nope', ['-I']],
];

describe.skipIf(skip)('HTTP over our own HTTP/2 transport answers as HTTP/1.1 and node:http2 do', () => {
  it('puts over h2c and over TLS h2: the same answer as HTTP/1.1 but for the revision', async () => {
    for (const [base, h2] of [[own.http, H2_PLAIN], [own.https, H2_TLS]] as const) {
      const put = (args: readonly string[], key: string) =>
        curl([...args, '-X', 'POST', '-d', JSON.stringify({ key: b64(key), value: b64('v'), prev_kv: true }), `${base}/v3/kv/put`]);
      const a2 = await put(h2, `h2put/${base}/h2`);
      const a1 = await put(H1, `h2put/${base}/h1`);
      expect(a2.version).toBe('2');
      expect(a1.version).toBe('1.1');
      expect(a2.status).toBe(200);
      expect(a2.headers).toEqual(a1.headers);
      const j2 = JSON.parse(a2.body);
      const j1 = JSON.parse(a1.body);
      expect(Number(j1.header.revision)).toBe(Number(j2.header.revision) + 1);
      expect({ ...j1, header: { ...j1.header, revision: '' } }).toEqual({ ...j2, header: { ...j2.header, revision: '' } });
    }
    // Keys the stable requests read; the same on both members.
    for (const m of [own, node]) {
      for (const k of ['h2/k', 'h2/a', 'h2/b', 'h2/c']) {
        await curl([...H1, '-X', 'POST', '-d', JSON.stringify({ key: b64(k), value: b64(`value of ${k}`) }), `${m.http}/v3/kv/put`]);
      }
    }
  });

  for (const [what, path, args] of STABLE_REQUESTS) {
    it(`${what}: h2c, TLS h2 and HTTP/1.1 agree field by field`, async () => {
      const h2c = await curl([...H2_PLAIN, ...args, own.http + path]);
      const h2tls = await curl([...H2_TLS, ...args, own.https + path]);
      const h1 = await curl([...H1, ...args, own.http + path]);
      const h1tls = await curl([...H1, ...args, own.https + path]);
      expect([h2c.version, h2tls.version, h1.version, h1tls.version]).toEqual(['2', '2', '1.1', '1.1']);
      for (const a of [h2tls, h1, h1tls]) {
        expect(a.status).toBe(h2c.status);
        expect(a.headers).toEqual(h2c.headers);
        expect(a.body).toBe(h2c.body);
      }
    });
  }

  it('every HTTP/2 answer is node:http2\'s (the other member), header for header', async () => {
    for (const [, path, args] of STABLE_REQUESTS) {
      const ours = await curl([...H2_PLAIN, ...args, own.http + path]);
      const nodes = await curl([...H2_PLAIN, ...args, node.http + path]);
      expect({ path, status: ours.status, headers: ours.headers }).toEqual({ path, status: nodes.status, headers: nodes.headers });
      // The members' ids differ, and so do their revisions (the own member took more writes): compared without them.
      const strip = (s: string) => s.replace(/"(cluster_id|member_id|\w*revision)":"\d+"/g, '"$1":""');
      expect(strip(ours.body)).toBe(strip(nodes.body));
    }
  });

  it('/metrics: the same content type and metric families over h2c, TLS h2 and HTTP/1.1', async () => {
    const families = (body: string) => body.split('\n').filter((l) => l.startsWith('# TYPE ')).sort();
    const h2c = await curl([...H2_PLAIN, `${own.http}/metrics`]);
    const h2tls = await curl([...H2_TLS, `${own.https}/metrics`]);
    const h1 = await curl([...H1, `${own.http}/metrics`]);
    expect(h2c.status).toBe(200);
    expect(families(h2c.body)).toContain('# TYPE etcd_server_has_leader gauge');
    for (const a of [h2tls, h1]) {
      expect(a.headers).toEqual(h2c.headers);
      expect(families(a.body)).toEqual(families(h2c.body));
    }
  });

  it('a /v3/watch stream over h2c and TLS h2 delivers the same lines as over HTTP/1.1, as they happen', async () => {
    const key = b64('h2/watched');
    const watch = (args: string[], url: string) => {
      const p = spawn('curl', ['-sS', '-N', '--cacert', pki.ca, ...args, '-X', 'POST', '-d', JSON.stringify({ create_request: { key } }), url]);
      let out = '';
      p.stdout.on('data', (c: Buffer) => (out += c.toString()));
      return { lines: () => out.split('\n').filter(Boolean), stop: () => p.kill() };
    };
    const watchers = [watch(H2_PLAIN, `${own.http}/v3/watch`), watch(H2_TLS, `${own.https}/v3/watch`), watch(H1, `${own.http}/v3/watch`)];
    try {
      await waitFor(() => watchers.every((w) => w.lines().length === 1) || undefined, { timeoutMs: 10_000, what: 'three watches created' });
      for (let i = 0; i < 3; i++) {
        await curl([...H1, '-X', 'POST', '-d', JSON.stringify({ key, value: b64(`w${i}`) }), `${own.http}/v3/kv/put`]);
        // Each event arrives while the stream stays open (nothing waits for the end of the answer).
        await waitFor(() => watchers.every((w) => w.lines().length === i + 2) || undefined, { timeoutMs: 10_000, what: `event ${i} on every watch` });
      }
      const [h2c, h2tls, h1] = watchers.map((w) => w.lines());
      expect(JSON.parse((h2c as string[])[0] as string).result.created).toBe(true);
      expect(JSON.parse((h2c as string[])[3] as string).result.events[0].kv.value).toBe(b64('w2'));
      expect(h2tls).toEqual(h2c);
      expect(h1).toEqual(h2c);
    } finally {
      for (const w of watchers) w.stop();
    }
  });

  it('a watch read slowly through a 1 KiB window still delivers every event, in order (send-side flow control)', async () => {
    const client = http2.connect(own.http, { settings: { initialWindowSize: 1024 } });
    client.on('error', () => {});
    const key = b64('h2/slow');
    try {
      const req = client.request({ ':method': 'POST', ':path': '/v3/watch', 'content-type': 'application/json' });
      req.end(JSON.stringify({ create_request: { key } }));
      req.pause();
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      const lines = () => text.split('\n').filter(Boolean);
      req.resume();
      await waitFor(() => lines().length === 1 || undefined, { timeoutMs: 10_000, what: 'watch created' });
      req.pause(); // nothing read from here on: the server must queue and wait for WINDOW_UPDATE
      const value = 'x'.repeat(2000);
      const puts = 60;
      for (let i = 0; i < puts; i++) {
        await curl([...H1, '-X', 'POST', '-d', JSON.stringify({ key, value: b64(`${i}:${value}`) }), `${own.http}/v3/kv/put`]);
      }
      req.resume();
      await waitFor(() => lines().length === puts + 1 || undefined, { timeoutMs: 20_000, what: `${puts} events through a small window` });
      const values = lines().slice(1).map((l) => Buffer.from(JSON.parse(l).result.events[0].kv.value, 'base64').toString());
      expect(values.map((v) => Number(v.slice(0, v.indexOf(':'))))).toEqual(Array.from({ length: puts }, (_, i) => i));
      req.close();
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(skipUnlessBinaries('curl', 'openssl', 'etcdctl'))('the gateway\'s common-name guard over TLS h2', () => {
  it('refuses a /v3/ request with a client certificate once auth is on, as over HTTP/1.1; /health still answers', async () => {
    const [secure, peer] = await allocatePorts(2, PORTS);
    const https = `https://127.0.0.1:${secure}`;
    const dataDir = tempDataDir('dcsgw');
    process.env['DCSGW_GRPC_TRANSPORT'] = 'own';
    const m = spawnMember(
      'dcsgw',
      [
        ...memberFlags({ name: 'h2-cn', dataDir, client: [https], peer: `http://127.0.0.1:${peer}` }),
        '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--client-cert-auth', '--trusted-ca-file', pki.ca,
      ],
      dataDir,
    );
    await waitTlsHealthy(m, https, clientFlags(pki));
    const withCert = ['--cert', pki.clientCert, '--key', pki.clientKey];
    const range = (proto: string[]) => curl([...proto, ...withCert, '-X', 'POST', '-d', JSON.stringify({ key: b64('k') }), `${https}/v3/kv/range`]);
    // Before auth: the CN does not matter.
    expect((await range(H2_TLS)).status).toBe(200);
    for (const args of [['user', 'add', 'root:pw'], ['role', 'add', 'root'], ['user', 'grant-role', 'root', 'root'], ['auth', 'enable']]) {
      const r = await etcdctl(https, [...clientFlags(pki), '--user=root:pw', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const h2 = await range(H2_TLS);
    const h1 = await range(H1);
    expect(h2.version).toBe('2');
    expect(h2.status).toBe(400);
    expect(h2.body).toBe(`${GATEWAY_CN_REFUSAL}\n`);
    expect(h2.headers).toEqual(h1.headers);
    expect(h2.body).toBe(h1.body);
    const health = await curl([...H2_TLS, ...withCert, `${https}/health`]);
    expect(health.status).toBe(200);
  });
});
