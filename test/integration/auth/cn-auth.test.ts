// CN-based auth (etcd's AuthInfoFromTLS): with --client-cert-auth, a gRPC call without a token is
// made as the user named by its verified client certificate's common name. Compared with genuine
// etcd 3.4.23 through etcdctl (puts, gets, denied writes and a denied watch, admin calls, --user
// overriding the certificate).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allocatePorts, etcdctl, hasDcsgwBuild, skipUnlessBinaries, stopAllProcesses } from '../../support/index.js';
import { memberFlags, spawnMember, tempDataDir, waitTlsHealthy, type Kind } from '../tls/tls-support.js';

const RANGE = { from: 39240, to: 39279 };
const ready = hasDcsgwBuild() && !skipUnlessBinaries('etcd', 'etcdctl', 'openssl');
const dir = mkdtempSync(join(tmpdir(), 'dcsgw-cn-auth-'));

function pki(): Record<'ca' | 'server' | 'alice' | 'root', { crt: string; key: string }> {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test-ca');
  for (const name of ['server', 'alice', 'root']) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
  const f = (n: string) => ({ crt: join(dir, `${n}.crt`), key: join(dir, `${n}.key`) });
  return { ca: f('ca'), server: f('server'), alice: f('alice'), root: f('root') };
}

/** Without what differs between any two servers: retry/info log lines' times, member IDs, ports, file names. */
const stable = (s: string) =>
  s
    .replace(/^\{"level":"warn".*"error":("[^"]*")\}$/gm, 'retry $1')
    .replace(/^\{"level":"info".*\n/gm, '')
    .replace(/\b[0-9a-f]{12,16}\b/g, '<id>') // etcdctl prints IDs with %x: leading zeros dropped
    .replace(/127\.0\.0\.1:\d+/g, '<addr>');

describe.skipIf(!ready)('CN-based auth against genuine etcd', () => {
  afterAll(async () => {
    await stopAllProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the certificate\'s common name is the user, as on genuine etcd', async () => {
    const p = pki();
    const transcript = async (kind: Kind): Promise<string[]> => {
      const [client, peer] = await allocatePorts(2, RANGE);
      const endpoint = `https://127.0.0.1:${client}`;
      const dataDir = tempDataDir(kind);
      const m = spawnMember(kind, [
        ...memberFlags({ dataDir, client: [endpoint], peer: `http://127.0.0.1:${peer}` }),
        '--cert-file', p.server.crt, '--key-file', p.server.key, '--trusted-ca-file', p.ca.crt, '--client-cert-auth',
      ], dataDir);
      const as = (who: 'alice' | 'root') => [`--endpoints=${endpoint}`, `--cacert=${p.ca.crt}`, `--cert=${p[who].crt}`, `--key=${p[who].key}`];
      await waitTlsHealthy(m, endpoint, as('root').slice(1));
      const out: string[] = [];
      const ctl = async (who: 'alice' | 'root', ...args: string[]) => {
        const r = await etcdctl([], [...as(who), ...args], { timeoutMs: 10_000, interruptAtTimeout: true });
        out.push(`${who}$ ${args.join(' ')}\n${stable(r.stdout)}${stable(r.stderr)}`);
      };
      for (const args of [
        ['user', 'add', 'root:pw'], ['user', 'grant-role', 'root', 'root'], ['role', 'add', 'app'],
        ['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix'], ['user', 'add', 'alice:apw'],
        ['user', 'grant-role', 'alice', 'app'], ['auth', 'enable'],
      ]) await ctl('root', ...args);
      await ctl('alice', 'put', '/app/a', '1');
      await ctl('alice', 'put', '/b', '1');
      await ctl('alice', 'get', '/app/a');
      await ctl('alice', 'get', '', '--from-key');
      await ctl('root', 'get', '/app/a', '--print-value-only');
      await ctl('root', 'user', 'list');
      await ctl('alice', 'user', 'list');
      await ctl('alice', 'user', 'get', 'alice');
      await ctl('alice', '--user', 'root:pw', 'user', 'list');
      await ctl('alice', 'watch', '/b');
      await ctl('alice', 'member', 'list');
      await ctl('alice', 'snapshot', 'save', join(dir, 'snap.db'));
      await m.proc.stop();
      rmSync(dataDir, { recursive: true, force: true });
      return out;
    };
    const genuine = await transcript('etcd');
    const ours = await transcript('dcsgw');
    expect(ours).toEqual(genuine);
    expect(ours.join('\n')).toContain('alice$ put /app/a 1\nOK\n');
    expect(ours.join('\n')).toContain('watch was canceled (rpc error: code = PermissionDenied desc = etcdserver: permission denied)');
  }, 180_000);
});
