// The pieces of agent encryption a user meets before a cluster runs, in-process: `dcsgw keygen`'s
// key and Consul's checks of an `encrypt` value, the keyring file in the data dir, the serf LAN
// port refusing an agent with another key (or none), and auto_encrypt's signing refusing a request
// that does not prove the gossip key or reaches a server without allow_tls.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeygen } from '../../../src/cli/keygen.js';
import { generateCa } from '../../../src/cli/tls-command/agent-certificates.js';
import { listenSerf, serfCall, setSerfTransport } from '../../../src/native/cluster/serf-port.js';
import { decodeGossipKey, encryptSerfLan, gossipKeyringOf, keyringFile, resolveGossipKey } from '../../../src/native/cluster/transport-tls-gossip.js';
import { autoEncryptSigner, signProof, type SignReply } from '../../../src/native/cluster/transport-tls-auto-encrypt.js';
import { renewAt } from '../../../src/native/cluster/transport-tls.js';
import { allocatePorts } from '../../support/index.js';
import { createServer, request } from 'node:http';

const dir = mkdtempSync(join(tmpdir(), 'dcsgw-gossip-'));
afterAll(() => {
  setSerfTransport({ createServer: (h) => createServer(h), request: (o, cb) => request(o, cb) });
  rmSync(dir, { recursive: true, force: true });
});

describe('the gossip key', () => {
  it('dcsgw keygen prints 32 random bytes in base64, as consul keygen', () => {
    const a = runKeygen([]);
    const b = runKeygen([]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(a.stdout).not.toBe(b.stdout);
    expect(decodeGossipKey(a.stdout)).toHaveLength(32);
    expect(runKeygen(['extra']).code).toBe(1);
  });

  it('a bad encrypt value is refused with the reason', () => {
    expect(() => decodeGossipKey('not base64!')).toThrow(/^encrypt has invalid key: illegal base64 data/);
    expect(() => decodeGossipKey(Buffer.alloc(10).toString('base64'))).toThrow('encrypt has invalid key: key size must be 16, 24 or 32 bytes');
  });

  it('the key is kept in <data-dir>/serf/local.keyring, which wins over a later encrypt', () => {
    const first = runKeygen([]).stdout.trim();
    const second = runKeygen([]).stdout.trim();
    const warnings: string[] = [];
    expect(resolveGossipKey(first, dir, (t) => warnings.push(t))?.toString('base64')).toBe(first);
    expect(JSON.parse(readFileSync(keyringFile(dir), 'utf8'))).toEqual([first]);
    expect(resolveGossipKey(second, dir, (t) => warnings.push(t))?.toString('base64')).toBe(first);
    expect(warnings).toEqual(['WARNING: LAN keyring exists but -encrypt given, using keyring']);
    writeFileSync(keyringFile(dir), '[]');
    expect(() => resolveGossipKey('', dir, () => undefined)).toThrow(/no keys present in keyring file/);
    expect(resolveGossipKey('', join(dir, 'elsewhere'), () => undefined)).toBeUndefined();
  });

  it('the serf LAN port answers only an agent with the same key, and never in plaintext', async () => {
    const [port] = await allocatePorts(1, { from: 21000, to: 21999 });
    const keyA = decodeGossipKey(runKeygen([]).stdout);
    const keyB = decodeGossipKey(runKeygen([]).stdout);
    encryptSerfLan(keyA);
    const listener = await listenSerf('127.0.6.90', port!, {
      hello: async (req) => ({ self: req.from, servers: [], clustered: false }),
      heartbeat: async () => ({ servers: [] }),
      forceLeave: async () => undefined,
    });
    try {
      const from = { Name: 'n1' } as never;
      await expect(serfCall(`127.0.6.90:${port}`, '/dcsgw/serf/hello', { from, servers: [] })).resolves.toMatchObject({ self: { Name: 'n1' } });
      // plaintext HTTP gets no answer from a TLS-PSK port
      const plain = await new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.6.90', port: port! }, () => s.write('POST /dcsgw/serf/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'));
        let got = '';
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
        setTimeout(() => s.destroy(), 2000);
      });
      expect(plain).not.toMatch(/HTTP\/1\.1 200/);
      // another key: the handshake fails
      encryptSerfLan(keyB);
      await expect(serfCall(`127.0.6.90:${port}`, '/dcsgw/serf/hello', { from, servers: [] })).rejects.toThrow();
    } finally {
      encryptSerfLan(keyA);
      await listener.close();
    }
  });
});

describe('auto_encrypt signing on a server', () => {
  const ca = generateCa({ commonName: '', days: 30, domain: 'consul', permittedDnsDomains: [], clusterId: '' });
  const caFile = join(dir, 'consul-agent-ca.pem');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(join(dir, 'consul-agent-ca-key.pem'), ca.keyPem);
  const gossipKey = decodeGossipKey(runKeygen([]).stdout);
  const signer = autoEncryptSigner({ allowTls: true, caFile: () => caFile, datacenter: 'dc1', domain: 'consul.', gossipKey });

  it('signs a client certificate from the agent CA for a request proving the gossip key', async () => {
    const reply = (await signer({ node: 'c1', datacenter: 'dc1', proof: signProof(gossipKey, 'c1') })) as SignReply;
    const cert = new X509Certificate(reply.certPem);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=client.dc1.consul');
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(reply.keyPem))).toBe(true);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
    // asked for again half way through its life
    const renew = renewAt({ certPem: reply.certPem, keyPem: reply.keyPem, notAfter: new Date(reply.notAfter) });
    expect((renew - Date.now()) / 86_400_000).toBeGreaterThan(1.4);
    expect((renew - Date.now()) / 86_400_000).toBeLessThan(1.6);
  });

  it('refuses a request without the proof, with another node name, another datacenter, or on a server without allow_tls', async () => {
    await expect(signer({ node: 'c1', datacenter: 'dc1' })).rejects.toThrow('Permission denied: the request does not prove the gossip encryption key');
    await expect(signer({ node: 'c2', datacenter: 'dc1', proof: signProof(gossipKey, 'c1') })).rejects.toThrow(/Permission denied/);
    await expect(signer({ node: 'c1', datacenter: 'dc2', proof: signProof(gossipKey, 'c1') })).rejects.toThrow('AutoEncrypt.Sign: this server is in datacenter dc1, not dc2');
    const closed = autoEncryptSigner({ allowTls: false, caFile: () => caFile, datacenter: 'dc1', domain: 'consul.', gossipKey: undefined });
    await expect(closed({ node: 'c1', datacenter: 'dc1' })).rejects.toThrow(/does not allow auto_encrypt/);
    const noKey = autoEncryptSigner({ allowTls: true, caFile: () => join(dir, 'missing.pem'), datacenter: 'dc1', domain: 'consul.', gossipKey: undefined });
    await expect(noKey({ node: 'c1', datacenter: 'dc1' })).rejects.toThrow(/this server cannot sign: .*missing-key\.pem|missing\.pem/);
  });
  it('after a key rotation (keyring -install K2, -use K2), a server not restarted signs for a client proving K2; a key outside its ring is refused', async () => {
    const k1 = decodeGossipKey(runKeygen([]).stdout);
    const k2 = decodeGossipKey(runKeygen([]).stdout);
    const outsider = decodeGossipKey(runKeygen([]).stdout);
    const rotating = autoEncryptSigner({ allowTls: true, caFile: () => caFile, datacenter: 'dc1', domain: 'consul.', gossipKey: k1 });
    const ring = gossipKeyringOf(k1);
    ring.install(k2);
    ring.use(k2);
    const reply = (await rotating({ node: 'c1', datacenter: 'dc1', proof: signProof(k2, 'c1') })) as SignReply;
    expect(new X509Certificate(reply.certPem).subject).toBe('CN=client.dc1.consul');
    await expect(rotating({ node: 'c1', datacenter: 'dc1', proof: signProof(outsider, 'c1') })).rejects.toThrow(/Permission denied/);
  });
});
