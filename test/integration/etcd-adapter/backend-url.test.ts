// --backend URLs (src/adapters/backend-url.ts) and the flag's place on the command line
// (src/cli/backend-flag.ts); then the URL's credentials and TLS options against genuine etcd with
// auth enabled and with client-certificate TLS.
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUrlError, parseBackendUrl } from '../../../src/adapters/backend-url.js';
import { openBackend } from '../../../src/adapters/open-backend.js';
import { createEtcdBackend } from '../../../src/adapters/etcd.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { CliExit } from '../../../src/cli/config.js';
import { takeBackendFlag } from '../../../src/cli/backend-arg.js';
import { etcdctl, skipUnlessBinaries, startEtcd, stopAllProcesses, allocatePorts } from '../../support/index.js';
import { makePki } from '../tls/tls-support.js';

const PORTS = { from: 39500, to: 39999 };

describe('--backend URLs', () => {
  it('etcd:// with several members, credentials and TLS options', () => {
    const t = parseBackendUrl('etcd://app:p%40ss@10.0.0.1:2379,10.0.0.2:22379?cacert=/ca.pem&cert=/c.pem&key=/c.key');
    expect(t.options).toEqual({
      endpoints: ['10.0.0.1:2379', '10.0.0.2:22379'],
      credentials: { user: 'app', password: 'p@ss' },
      tls: { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/c.key' },
    });
    expect(t.display).toBe('etcd://app:***@10.0.0.1:2379,10.0.0.2:22379?cacert=/ca.pem&cert=/c.pem&key=/c.key');
    expect(parseBackendUrl('etcd://127.0.0.1:2379').options).toEqual({ endpoints: ['127.0.0.1:2379'] });
    expect(parseBackendUrl('etcds://[::1]:2379/').options).toEqual({ endpoints: ['[::1]:2379'], tls: {} });
  });

  it('refuses what it cannot serve, saying why', () => {
    const cases: Array<[string, string]> = [
      ['http://127.0.0.1:2379', 'unsupported backend URL'],
      ['etcd://', 'no host:port given'],
      ['etcd://host', '"host" is not host:port'],
      ['etcd://host:99999', '"host:99999" is not host:port'],
      ['etcd://u@host:1', 'credentials must be user:password@'],
      ['etcd://host:1?cert=/c.pem', 'cert and key go together'],
      ['etcd://host:1?timeout=3s', 'unknown option "timeout"'],
    ];
    for (const [url, text] of cases) {
      expect(() => parseBackendUrl(url), url).toThrow(BackendUrlError);
      expect(() => parseBackendUrl(url), url).toThrow(text);
    }
  });

  it('the flag is taken off the command line in any of Go\'s spellings, or from DCSGW_BACKEND', () => {
    expect(takeBackendFlag(['--name', 'x', '--backend', 'etcd://h:1', '--debug'], {})).toEqual({ argv: ['--name', 'x', '--debug'], backend: 'etcd://h:1' });
    expect(takeBackendFlag(['-backend=etcd://h:1'], {})).toEqual({ argv: [], backend: 'etcd://h:1' });
    expect(takeBackendFlag(['--name', 'x'], { DCSGW_BACKEND: 'etcd://e:2' })).toEqual({ argv: ['--name', 'x'], backend: 'etcd://e:2' });
    expect(takeBackendFlag(['--backend=etcd://flag:1'], { DCSGW_BACKEND: 'etcd://env:2' }).backend).toBe('etcd://flag:1');
    expect(takeBackendFlag(['--name', 'x'], {}).backend).toBeUndefined();
    expect(() => takeBackendFlag(['--backend'], {})).toThrow(CliExit);
  });
});

describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl'))('the URL\'s credentials and TLS against genuine etcd', () => {
  afterAll(() => stopAllProcesses());

  it('user:password@ signs in to an etcd with auth enabled; a wrong password gets etcd\'s own error', async () => {
    const etcd = await startEtcd({ portRange: PORTS });
    for (const args of [['user', 'add', 'root:rootpw'], ['auth', 'enable']]) {
      const r = await etcdctl(etcd.endpoints, args);
      expect(r.code, r.stderr).toBe(0);
    }
    const good = openBackend(parseBackendUrl(`etcd://root:rootpw@127.0.0.1:${etcd.clientPort}`));
    await good.ready();
    await good.put(putRequest(Buffer.from('authed'), Buffer.from('yes')));
    expect((await good.range(rangeRequest(Buffer.from('authed')))).kvs[0]!.value.toString()).toBe('yes');
    await good.close();
    const bad = openBackend(parseBackendUrl(`etcd://root:wrong@127.0.0.1:${etcd.clientPort}`));
    await expect(bad.range(rangeRequest(Buffer.from('authed')))).rejects.toThrow('etcdserver: authentication failed, invalid user ID or password');
    await bad.close();
    const anonymous = createEtcdBackend({ endpoints: [`127.0.0.1:${etcd.clientPort}`] });
    await expect(anonymous.range(rangeRequest(Buffer.from('authed')))).rejects.toThrow('etcdserver: user name is empty');
    await anonymous.close();
  });

  it('?cacert=&cert=&key= reach an etcd that asks for client certificates', async () => {
    const pki = makePki();
    const [client, peer] = await allocatePorts(2, PORTS);
    const url = `https://127.0.0.1:${client}`;
    await startEtcd({
      clientPort: client!,
      peerPort: peer!,
      waitReady: false,
      extraArgs: ['--listen-client-urls', url, '--advertise-client-urls', url, '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--trusted-ca-file', pki.ca, '--client-cert-auth'],
    });
    const be = openBackend(parseBackendUrl(`etcd://127.0.0.1:${client}?cacert=${pki.ca}&cert=${pki.clientCert}&key=${pki.clientKey}`));
    await be.ready(20_000);
    const put = await be.put(putRequest(Buffer.from('tls'), Buffer.from('ok')));
    expect(put.header.revision).toBeGreaterThan(1);
    await be.close();
    // without a client certificate the handshake fails: the adapter reports the cluster unreachable
    const noCert = openBackend(parseBackendUrl(`etcd://127.0.0.1:${client}?cacert=${pki.ca}`));
    await expect(noCert.ready(2000)).rejects.toThrow();
    await noCert.close();
  });
});
