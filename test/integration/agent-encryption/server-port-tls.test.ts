// The server port's TLS in-process, with the agent's real pieces (listenServerPort, InternalTls,
// the remote backend) over an in-memory store: with verify_incoming, plaintext is closed and a TLS
// peer without a CA-signed certificate gets only auto_encrypt's call; a client certificate from the
// CA gets the store; verify_server_hostname refuses a server whose certificate does not name
// server.dc1.consul (a client certificate used as one); a certificate rotated on disk is served
// after reload only.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createRemoteBackend } from '../../../src/adapters/remote.js';
import { rangeRequest } from '../../../src/adapters/requests.js';
import { runTlsCommand } from '../../../src/cli/tls-command/run.js';
import { listenServerPort, type ServerPort } from '../../../src/gateway/rpc/server-port.js';
import { InternalTls, serverPortTlsOf, type InternalRpcSettings } from '../../../src/native/cluster/transport-tls.js';
import { allocatePorts } from '../../support/index.js';
import { MemoryBackend } from '../../support/memory-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'dcsgw-server-port-tls-'));
const cwd = process.cwd();
const ports: ServerPort[] = [];
afterAll(async () => {
  for (const p of ports) await p.close();
  rmSync(dir, { recursive: true, force: true });
});

function make(args: string[]): void {
  process.chdir(dir);
  try {
    const r = runTlsCommand(args);
    if (r.code !== 0) throw new Error(r.stderr);
  } finally {
    process.chdir(cwd);
  }
}

const settings = (over: Partial<InternalRpcSettings>): InternalRpcSettings => ({
  caFile: join(dir, 'consul-agent-ca.pem'),
  caPath: '',
  certFile: '',
  keyFile: '',
  verifyIncoming: false,
  verifyOutgoing: true,
  tlsMinVersion: 'TLSv1_2',
  cipherSuites: [],
  verifyServerHostname: false,
  ...over,
});

describe('the server port with TLS', () => {
  it('verify_incoming, verify_server_hostname and reload as an agent meets them', async () => {
    make(['ca', 'create']);
    make(['cert', 'create', '-server']);
    make(['cert', 'create', '-client']);
    const serverCert = join(dir, 'served.pem');
    const serverKey = join(dir, 'served-key.pem');
    copyFileSync(join(dir, 'dc1-server-consul-0.pem'), serverCert);
    copyFileSync(join(dir, 'dc1-server-consul-0-key.pem'), serverKey);
    const serverSettings = settings({ certFile: serverCert, keyFile: serverKey, verifyIncoming: true });
    const serverTls = new InternalTls({ settings: serverSettings, datacenter: 'dc1', domain: 'consul.', server: true, autoEncryptClient: false });
    const store = new MemoryBackend();
    await store.put({ key: Buffer.from('k'), value: Buffer.from('v'), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false });
    const [port] = await allocatePorts(1, { from: 21000, to: 21999 });
    ports.push(
      await listenServerPort({
        host: '127.0.6.95',
        port: port!,
        raftTarget: () => undefined,
        tls: serverPortTlsOf(serverTls),
        rpc: { backend: () => store, logger: pino({ level: 'silent' }), extensions: { 'AutoEncrypt.Sign': async () => ({ signed: true }) } },
        logger: pino({ level: 'silent' }),
      }),
    );
    const addr = `127.0.6.95:${port}`;
    const clientOf = (tls: InternalTls) => createRemoteBackend({ servers: [addr], connectWaitMs: 1500, callTimeoutMs: 3000, dial: tls.dial });
    const value = async (tls: InternalTls) => {
      const remote = clientOf(tls);
      try {
        const r = await remote.range(rangeRequest(Buffer.from('k')));
        return r.kvs[0]?.value.toString();
      } finally {
        await remote.close();
      }
    };

    // a client agent with only the CA (auto_encrypt before its certificate): only the sign call
    const anonymous = new InternalTls({ settings: settings({ verifyServerHostname: true }), datacenter: 'dc1', domain: 'consul.', server: false, autoEncryptClient: true });
    await expect(value(anonymous)).rejects.toThrow('Permission denied: this connection presented no certificate signed by the CA (verify_incoming)');
    const asking = clientOf(anonymous);
    await expect(asking.call('AutoEncrypt.Sign', {})).resolves.toEqual({ signed: true });
    await asking.close();

    // with a certificate from the CA: the store
    const issued = { certPem: readFileSync(join(dir, 'dc1-client-consul-0.pem'), 'utf8'), keyPem: readFileSync(join(dir, 'dc1-client-consul-0-key.pem'), 'utf8'), notAfter: new Date(Date.now() + 86_400_000) };
    anonymous.setIssued(issued);
    expect(await value(anonymous)).toBe('v');

    // plaintext: closed
    const plain = createRemoteBackend({ servers: [addr], connectWaitMs: 1500, callTimeoutMs: 3000 });
    await expect(plain.range(rangeRequest(Buffer.from('k')))).rejects.toThrow();
    await plain.close();

    // verify_server_hostname: a server showing a certificate without server.dc1.consul is refused
    copyFileSync(join(dir, 'dc1-client-consul-0.pem'), serverCert);
    copyFileSync(join(dir, 'dc1-client-consul-0-key.pem'), serverKey);
    // not before the reload: the loaded certificate is still served
    expect(await value(anonymous)).toBe('v');
    serverTls.reload(serverSettings);
    const served = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.6.95', port: port!, ca: readFileSync(join(dir, 'consul-agent-ca.pem')), checkServerIdentity: () => undefined }, () => {
        resolve(s.getPeerX509Certificate()?.subject ?? '');
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(served).toBe('CN=client.dc1.consul');
    await expect(value(anonymous)).rejects.toThrow();
    const lenient = new InternalTls({ settings: settings({ verifyServerHostname: false }), datacenter: 'dc1', domain: 'consul.', server: false, autoEncryptClient: true });
    lenient.setIssued(issued);
    expect(await value(lenient)).toBe('v');
    expect(new X509Certificate(readFileSync(serverCert)).subject).toBe('CN=client.dc1.consul');
  }, 30_000);
});
