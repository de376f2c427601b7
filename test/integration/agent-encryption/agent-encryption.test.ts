// Agent-to-agent encryption as a user sets it up (docs/agent-encryption.md): one CA and a server
// certificate made by `dcsgw tls ca create` / `tls cert create -server`, a gossip key from
// `dcsgw keygen`, three servers with verify_incoming / verify_server_hostname and
// auto_encrypt { allow_tls }, two client agents with only the CA file and auto_encrypt { tls }.
// KV writes, a service registration and a lock go through the clients while tshark captures every
// byte on the agents' serf LAN and server ports: none of the written keys, values or the marker
// may appear in it. A connection without a CA-signed certificate is refused; a rotated server
// certificate is served after SIGHUP.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRemoteBackend } from '../../../src/adapters/remote.js';
import { rangeRequest } from '../../../src/adapters/requests.js';
import { allocatePorts, repoRoot, spawnManaged, stopAllProcesses, waitFor, type ManagedProcess } from '../../support/index.js';

const bin = process.env.DCSGW_BIN ?? join(repoRoot(), 'bin', 'dcsgw');
const tshark = ['/usr/bin/tshark', '/usr/bin/dumpcap'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-agent-encryption-'));
const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

function dcsgw(args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
}

async function http(base: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, text: await res.text() };
}

// capturing on lo needs root (CI runs as root; .ci/run installs tshark)
describe.skipIf(!tshark || process.getuid?.() !== 0 || !existsSync(join(repoRoot(), 'dist')))('agents encrypted end to end from one CA and auto_encrypt', () => {
  const procs: ManagedProcess[] = [];
  let capture: ReturnType<typeof spawn> | undefined;
  afterAll(async () => {
    capture?.kill('SIGTERM');
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('servers and clients come up encrypted; no plaintext on the wire; strangers refused; rotation on reload', async () => {
    dcsgw(['tls', 'ca', 'create']);
    dcsgw(['tls', 'cert', 'create', '-server']);
    const key = dcsgw(['keygen']).trim();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const [serfPort, serverPort, httpPort, dnsPort] = await allocatePorts(4, { from: 21000, to: 21999 });
    const ca = join(dir, 'consul-agent-ca.pem');

    // every agent has its own address: the same ports on each
    const pcap = join(dir, 'agents.pcap');
    capture = spawn(tshark!, ['-i', 'lo', '-w', pcap, '-f', `net 127.0.6.0/24 and (port ${serfPort} or port ${serverPort})`], { stdio: 'ignore' });
    await waitFor(() => existsSync(pcap), { timeoutMs: 15_000, what: 'the capture started' });

    const serverConf = (i: number) => {
      const cert = join(dir, `s${i}.pem`);
      const certKey = join(dir, `s${i}-key.pem`);
      copyFileSync(join(dir, 'dc1-server-consul-0.pem'), cert);
      copyFileSync(join(dir, 'dc1-server-consul-0-key.pem'), certKey);
      const file = join(dir, `server${i}.hcl`);
      writeFileSync(
        file,
        `encrypt = "${key}"\n` +
          `tls { defaults { ca_file = "${ca}" cert_file = "${cert}" key_file = "${certKey}" verify_incoming = true verify_outgoing = true }\n` +
          `  internal_rpc { verify_server_hostname = true } }\n` +
          `auto_encrypt { allow_tls = true }\n`,
      );
      return { file, cert, certKey };
    };
    const common = (i: number) => [`-bind=127.0.6.${i}`, `-client=127.0.6.${i}`, `-serf-lan-port=${serfPort}`, `-server-port=${serverPort}`, `-http-port=${httpPort}`, `-dns-port=${dnsPort}`, '-etcd-port=-1', `-data-dir=${join(dir, `data${i}`)}`, `-node=agent${i}`];
    const servers = [1, 2, 3].map((i) => ({ i, ...serverConf(i) }));
    for (const s of servers) {
      procs.push(spawnManaged(process.execPath, [bin, 'agent', '-server', '-bootstrap-expect=3', ...common(s.i), `-config-file=${s.file}`, `-retry-join=127.0.6.1:${serfPort}`, '-retry-interval=1s'], { env: { ...process.env, DCSGW_BACKEND: '' } }));
    }
    const clientConf = join(dir, 'client.hcl');
    writeFileSync(clientConf, `encrypt = "${key}"\ntls { defaults { ca_file = "${ca}" verify_outgoing = true } internal_rpc { verify_server_hostname = true } }\nauto_encrypt { tls = true }\n`);
    for (const i of [4, 5]) {
      procs.push(spawnManaged(process.execPath, [bin, 'agent', ...common(i), `-config-file=${clientConf}`, `-retry-join=127.0.6.1:${serfPort}`, '-retry-interval=1s'], { env: { ...process.env, DCSGW_BACKEND: '' } }));
    }
    const c1 = `http://127.0.6.4:${httpPort}`;
    const c2 = `http://127.0.6.5:${httpPort}`;
    const out = () => procs.map((p, n) => `--- agent${n + 1}\n${p.output().slice(-3000)}`).join('\n');
    try {
      await waitFor(async () => (await http(c1, 'GET', '/v1/status/leader').catch(() => ({ text: '""' }))).text.length > 2, { timeoutMs: 60_000, what: 'a leader seen by client 1' });
      await waitFor(async () => {
        const r = await http(c2, 'GET', '/v1/agent/members').catch(() => ({ text: '[]' }));
        return (JSON.parse(r.text) as unknown[]).length === 5;
      }, { timeoutMs: 30_000, what: 'five members' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${out()}`);
    }
    expect(out()).toMatch(/auto_encrypt: agent certificate obtained from the servers/);

    // KV through one client, read through the other
    const kvKey = `secret/${MARKER}-key`;
    const kvValue = `${MARKER}-value`;
    expect((await http(c1, 'PUT', `/v1/kv/${kvKey}`, kvValue)).text).toBe('true');
    expect((await http(c2, 'GET', `/v1/kv/${kvKey}?raw`)).text).toBe(kvValue);
    // a registration on one client, seen in the catalog through the other
    expect((await http(c2, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: `${MARKER}-svc`, Port: 9999 }))).status).toBe(200);
    await waitFor(async () => (await http(c1, 'GET', '/v1/catalog/services')).text.includes(`${MARKER}-svc`), { timeoutMs: 10_000, what: 'the service in the catalog' });
    // a lock: a session holds the key, another cannot take it
    const session = (JSON.parse((await http(c1, 'PUT', '/v1/session/create', JSON.stringify({ Name: 'lock' }))).text) as { ID: string }).ID;
    const session2 = (JSON.parse((await http(c2, 'PUT', '/v1/session/create', JSON.stringify({ Name: 'lock2' }))).text) as { ID: string }).ID;
    expect((await http(c1, 'PUT', `/v1/kv/lock/${MARKER}?acquire=${session}`, `${MARKER}-holder`)).text).toBe('true');
    expect((await http(c2, 'PUT', `/v1/kv/lock/${MARKER}?acquire=${session2}`, 'other')).text).toBe('false');

    // no plaintext on the agents' ports
    await new Promise((r) => setTimeout(r, 1500));
    capture.kill('SIGTERM');
    await new Promise((r) => capture!.once('exit', r));
    capture = undefined;
    const wire = readFileSync(pcap);
    expect(wire.length).toBeGreaterThan(10_000);
    for (const needle of [MARKER, 'DCSGWRPC', 'dcsgw-raft', '/dcsgw/serf/', 'agent4']) {
      expect(wire.includes(Buffer.from(needle)), `"${needle}" in the capture`).toBe(false);
    }

    // a connection with the CA but without a CA-signed certificate gets nothing from the store
    const stranger = createRemoteBackend({
      servers: [`127.0.6.2:${serverPort}`],
      connectWaitMs: 3000,
      dial: (host, port) => tlsConnect({ host, port, ca: readFileSync(ca), checkServerIdentity: () => undefined }),
    });
    await expect(stranger.range(rangeRequest(Buffer.from(kvKey)))).rejects.toThrow(/no certificate signed by the CA/);
    await stranger.close();
    // plaintext is refused outright (after the capture: its own preface is plaintext)
    const plain = createRemoteBackend({ servers: [`127.0.6.2:${serverPort}`], connectWaitMs: 1500, callTimeoutMs: 3000 });
    await expect(plain.range(rangeRequest(Buffer.from(kvKey)))).rejects.toThrow();
    await plain.close();

    // rotation: a new server certificate in place of server 1's, picked up on SIGHUP
    dcsgw(['tls', 'cert', 'create', '-server']);
    copyFileSync(join(dir, 'dc1-server-consul-1.pem'), servers[0]!.cert);
    copyFileSync(join(dir, 'dc1-server-consul-1-key.pem'), servers[0]!.certKey);
    const rotated = new X509Certificate(readFileSync(servers[0]!.cert)).serialNumber;
    procs[0]!.kill('SIGHUP');
    const served = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.6.1', port: serverPort, ca: readFileSync(ca), checkServerIdentity: () => undefined }, () => {
          const serial = s.getPeerX509Certificate()?.serialNumber ?? '';
          s.destroy();
          resolve(serial);
        });
        s.on('error', reject);
      });
    await waitFor(async () => (await served()) === rotated, { timeoutMs: 10_000, what: 'the rotated certificate served' });
    // the cluster still works through the rotated server
    expect((await http(c2, 'PUT', '/v1/kv/after-rotation', 'ok')).text).toBe('true');
  }, 180_000);
});
