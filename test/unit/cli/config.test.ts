// resolveCli on its own: etcd's defaults, flag syntax, environment precedence and validation.
import { describe, expect, test } from 'vitest';
import { CliExit, StartupError, checkCluster, resolveCli, type CliRequest, type ServeConfig } from '../../../src/cli/config.js';

type Line = { level: string; pkg: string; text: string };

function run(argv: string[], env: Record<string, string> = {}): { req?: CliRequest; err?: unknown; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  try {
    const req = resolveCli(argv, env, (level, pkg, text) => lines.push({ level, pkg, text }), (t) => raw.push(t));
    return { req, lines, raw };
  } catch (err) {
    return { err, lines, raw };
  }
}

function serveConfig(argv: string[], env: Record<string, string> = {}): ServeConfig {
  const { req, err } = run(argv, env);
  if (err) throw err;
  if (req?.kind !== 'serve') throw new Error(`expected serve, got ${req?.kind}`);
  return req.config;
}

describe('defaults and flag syntax', () => {
  test('no flags: etcd 3.4 defaults', () => {
    const { req } = run([]);
    expect(req?.kind).toBe('serve');
    const c = (req as Extract<CliRequest, { kind: 'serve' }>).config;
    checkCluster(c);
    expect(c).toMatchObject({
      name: 'default',
      dataDir: 'default.etcd',
      listenClientUrls: ['http://localhost:2379'],
      advertiseClientUrls: ['http://localhost:2379'],
      listenPeerUrls: ['http://localhost:2380'],
      advertisePeerUrls: ['http://localhost:2380'],
      initialCluster: [{ name: 'default', peerURLs: ['http://localhost:2380'] }],
      initialClusterToken: 'etcd-cluster',
      initialClusterState: 'new',
      snapshotCount: 100000,
      heartbeatMs: 100,
      electionMs: 1000,
      quotaBackendBytes: 2 * 1024 ** 3,
      maxRequestBytes: 1572864,
      maxTxnOps: 128,
      logger: 'capnslog',
      logLevel: 'info',
    });
    expect(c.autoCompaction).toBeUndefined();
    const notes = (req as Extract<CliRequest, { kind: 'serve' }>).notes;
    expect(notes.map((n) => n.text)).toEqual(['no data-dir provided, using default data-dir ./default.etcd']);
  });

  test('Go flag forms: -flag, --flag=value, --flag value, bare booleans, last one wins', () => {
    const c = serveConfig(['-name', 'a', '--snapshot-count=5', '--heartbeat-interval', '50', '--election-timeout=0x1f4', '--debug', '--name=b']);
    expect(c.name).toBe('b');
    expect(c.snapshotCount).toBe(5);
    expect(c.heartbeatMs).toBe(50);
    expect(c.electionMs).toBe(500);
    expect(c.logLevel).toBe('debug');
    // --name given without --initial-cluster: this member alone on its advertised peer URL
    checkCluster(c);
    expect(c.initialCluster).toEqual([{ name: 'b', peerURLs: ['http://localhost:2380'] }]);
    expect(c.dataDir).toBe('b.etcd');
  });

  test('a boolean does not consume the next argument, which then is not a valid flag', () => {
    const { err, lines } = run(['--debug', 'false']);
    expect(err).toBeInstanceOf(CliExit);
    expect((err as CliExit).exitCode).toBe(1);
    expect(lines).toEqual([{ level: 'error', pkg: 'etcdmain', text: "error verifying flags, 'false' is not a valid flag. See 'etcd --help'." }]);
  });

  test('flag errors are Go\'s, followed by the usage, exit 2', () => {
    for (const [argv, first] of [
      [['--bogus'], 'flag provided but not defined: -bogus'],
      [['--name'], 'flag needs an argument: -name'],
      [['--heartbeat-interval', 'abc'], 'invalid value "abc" for flag -heartbeat-interval: parse error'],
      [['--debug=maybe'], 'invalid boolean value "maybe" for -debug: parse error'],
      [['--initial-cluster-state', 'bogus'], 'invalid value "bogus" for flag -initial-cluster-state: invalid value'],
      [['--listen-client-urls', 'notaurl'], 'invalid value "notaurl" for flag -listen-client-urls: URL scheme must be http, https, unix, or unixs: notaurl'],
    ] as const) {
      const { err } = run([...argv]);
      expect(err, argv.join(' ')).toBeInstanceOf(CliExit);
      expect((err as CliExit).exitCode).toBe(2);
      expect((err as CliExit).stderr.split('\n')[0]).toBe(first);
      expect((err as CliExit).stderr).toContain('Usage:\n\n  etcd [flags]');
    }
  });

  test('-h, -help and --help ask for help; --version for the version', () => {
    for (const h of ['-h', '-help', '--help']) expect(run([h]).req).toEqual({ kind: 'help' });
    expect(run(['--version']).req).toEqual({ kind: 'version' });
    expect(run(['--version=false', '--name', 'x']).req?.kind).toBe('serve');
  });
});

describe('environment variables', () => {
  test('ETCD_* fills unset flags, is reported, and unknown ETCD_* variables are warned about', () => {
    const { req, lines } = run(['--snapshot-count', '9'], { ETCD_NAME: 'envname', ETCD_INITIAL_CLUSTER_TOKEN: 'tok', ETCD_FOO: 'bar', ETCDCTL_API: '3' });
    const c = (req as Extract<CliRequest, { kind: 'serve' }>).config;
    expect(c.name).toBe('envname');
    expect(c.initialClusterToken).toBe('tok');
    expect(c.snapshotCount).toBe(9);
    expect(lines).toEqual([
      { level: 'info', pkg: 'pkg/flags', text: 'recognized and used environment variable ETCD_NAME=envname' },
      { level: 'info', pkg: 'pkg/flags', text: 'recognized and used environment variable ETCD_INITIAL_CLUSTER_TOKEN=tok' },
      { level: 'warn', pkg: 'pkg/flags', text: 'unrecognized environment variable ETCD_FOO=bar' },
    ]);
  });

  test('a flag given on the command line and in the environment is fatal, as in etcd 3.4', () => {
    const { err, lines } = run(['--name', 'y'], { ETCD_NAME: 'x' });
    expect((err as CliExit).exitCode).toBe(1);
    expect(lines).toEqual([
      { level: 'fatal', pkg: 'pkg/flags', text: 'conflicting environment variable "ETCD_NAME" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)' },
    ]);
  });

  test('an invalid value in the environment is a flag verification error', () => {
    const { err, lines } = run([], { ETCD_HEARTBEAT_INTERVAL: 'abc' });
    expect((err as CliExit).exitCode).toBe(1);
    expect(lines.at(-1)?.text).toBe(`error verifying flags, invalid value "abc" for ETCD_HEARTBEAT_INTERVAL: parse error. See 'etcd --help'.`);
  });
});

describe('etcd validation', () => {
  const errorOf = (argv: string[]): string[] => {
    const { err, lines } = run(argv);
    expect(err).toBeInstanceOf(CliExit);
    expect((err as CliExit).exitCode).toBe(1);
    return lines.map((l) => l.text);
  };

  test('election timeout below 5 heartbeats, unknown logger and compaction mode, client URLs without advertise', () => {
    expect(errorOf(['--election-timeout', '400'])).toEqual([
      "error verifying flags, --election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]. See 'etcd --help'.",
    ]);
    expect(errorOf(['--logger=bogus'])).toEqual([`error verifying flags, unknown logger option "bogus". See 'etcd --help'.`]);
    expect(errorOf(['--auto-compaction-mode', 'bogus'])).toEqual([`error verifying flags, unknown auto-compaction-mode "bogus". See 'etcd --help'.`]);
    expect(errorOf(['--listen-client-urls', 'http://127.0.0.1:28011'])).toEqual([
      "error verifying flags, --advertise-client-urls is required when --listen-client-urls is set explicitly. See 'etcd --help'.",
      'When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.',
    ]);
  });

  test('the capnslog deprecation warning comes before validation errors, as in etcd', () => {
    expect(run(['--election-timeout', '400']).raw).toEqual(["[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n"]);
    const zap = run(['--logger=zap', '--election-timeout', '400']);
    expect(zap.lines).toEqual([]);
    expect(zap.raw.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      {
        level: 'warn',
        ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        caller: 'etcdmain/etcd.go:66',
        msg: 'failed to verify flags',
        error: '--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]',
      },
    ]);
  });

  test('cluster checks: local name missing, advertised URLs not matching, bad URL, force-new-cluster refused', () => {
    const clusterError = (argv: string[]): string => {
      try {
        checkCluster(serveConfig(argv));
      } catch (err) {
        expect(err).toBeInstanceOf(StartupError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    const peer = ['--initial-advertise-peer-urls', 'http://127.0.0.1:28020'];
    expect(clusterError(['--name', 'foo', '--initial-cluster', 'bar=http://127.0.0.1:28020', ...peer])).toBe(
      'couldn\'t find local name "foo" in the initial cluster configuration',
    );
    expect(clusterError(['--name', 'foo', '--initial-cluster', 'foo=http://127.0.0.1:28021', ...peer])).toBe(
      '--initial-cluster has foo=http://127.0.0.1:28021 but missing from --initial-advertise-peer-urls=http://127.0.0.1:28020 (resolved urls: "http://127.0.0.1:28020" != "http://127.0.0.1:28021")',
    );
    expect(clusterError(['--initial-cluster', 'a=x'])).toBe('error setting up initial cluster: URL scheme must be http, https, unix, or unixs: x');
    expect(serveConfig(['--force-new-cluster']).forceNewCluster).toBe(true);
    expect(serveConfig([]).forceNewCluster).toBe(false);
  });

  test('TLS flags and their ETCD_* variables fill the client and peer TLS settings', () => {
    const c = serveConfig(['--cert-file', 'c.pem', '--key-file', 'k.pem', '--trusted-ca-file', 'ca.pem', '--client-cert-auth', '--client-crl-file', 'c.crl', '--client-cert-allowed-hostname', 'app.example', '--peer-auto-tls', '--peer-cert-allowed-cn', 'member', '--peer-cert-allowed-hostname', 'peer.example', '--cipher-suites', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
    expect(c.tls.client).toMatchObject({ certFile: 'c.pem', keyFile: 'k.pem', trustedCaFile: 'ca.pem', clientCertAuth: true, crlFile: 'c.crl', allowedHostname: 'app.example' });
    expect(c.tls.peer).toMatchObject({ certFile: '', allowedCN: 'member', allowedHostname: 'peer.example', clientCertAuth: false });
    expect(c.tls).toMatchObject({ clientAutoTls: false, peerAutoTls: true, cipherSuites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
    const { req } = run([], { ETCD_AUTO_TLS: 'true', ETCD_PEER_CERT_FILE: 'p.pem', ETCD_PEER_KEY_FILE: 'p.key', ETCD_PEER_CLIENT_CERT_AUTH: 'true' });
    const fromEnv = (req as Extract<CliRequest, { kind: 'serve' }>).config.tls;
    expect(fromEnv.clientAutoTls).toBe(true);
    expect(fromEnv.peer).toMatchObject({ certFile: 'p.pem', keyFile: 'p.key', clientCertAuth: true });
  });

  test('flags without meaning for dcsgw are accepted with a warning', () => {
    const { req } = run(['--enable-pprof', '--max-concurrent-streams', '10', '--data-dir', 'x']);
    const notes = (req as Extract<CliRequest, { kind: 'serve' }>).notes;
    expect(notes.map((n) => n.text)).toEqual([
      '--enable-pprof is accepted for compatibility with etcd and ignored',
      '--max-concurrent-streams is accepted for compatibility with etcd and ignored',
    ]);
  });

  test('auto compaction and quota', () => {
    const c = serveConfig(['--auto-compaction-mode', 'revision', '--auto-compaction-retention', '1000', '--quota-backend-bytes', '1048576']);
    expect(c.autoCompaction).toEqual({ mode: 'revision', retention: '1000' });
    expect(c.quotaBackendBytes).toBe(1048576);
  });
});
