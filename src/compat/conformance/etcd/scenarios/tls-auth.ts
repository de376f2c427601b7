// Scenarios for a cluster that already runs with TLS and authentication (test/conformance/tls-auth.test.ts):
// the harness's own clients are root through their client certificate's common name, so these
// scenarios exercise what the rest of the corpus cannot: a limited user (password and JWT/simple
// tokens, and a certificate whose CN names the user) meeting etcd 3.4's permission checks on keys,
// ranges, txns, watches, leases and admin RPCs. Not in allScenarios: they need auth enabled
// before they start and the CN certificates in {TMP} (alice.pem / alice.key, nobody.pem / nobody.key).
import type { Scenario } from '../types.js';
import { ctl, ctlFor, ctlIn, scenario, seed } from './dsl.js';

const ALICE = '--user=alice:alicepw';
/** Alice by her certificate alone: `--user=` (empty) drops any password the run adds for root. */
const ALICE_CN = ['--user=', '--cert={TMP}/alice.pem', '--key={TMP}/alice.key'];
/** A CA-signed certificate whose CN is no user. */
const NOBODY_CN = ['--user=', '--cert={TMP}/nobody.pem', '--key={TMP}/nobody.key'];

/** Run first, with auth still off: root, alice and her role, then auth on. */
export const tlsAuthSetupScenario: Scenario = scenario('tls-auth-setup',
  ctl('user', 'add', 'root', '--new-user-password=rootpw'),
  ctl('role', 'add', 'root'),
  ctl('user', 'grant-role', 'root', 'root'),
  ctl('user', 'add', 'alice', '--new-user-password=alicepw'),
  ctl('role', 'add', 'limited'),
  ctl('user', 'grant-role', 'alice', 'limited'),
  ctl('auth', 'enable'),
  ctl('user', 'list'),
  ctl('role', 'get', 'limited'),
  ctl('user', 'get', 'alice', '--detail'),
);

/** alice may read {P}ro/, read and write {P}rw/, write {P}wo/ (granted by root in the scenario). */
const grants = [
  ctl('role', 'grant-permission', 'limited', 'read', '{P}ro/', '--prefix'),
  ctl('role', 'grant-permission', 'limited', 'readwrite', '{P}rw/', '--prefix'),
  ctl('role', 'grant-permission', 'limited', 'write', '{P}wo/', '--prefix'),
  seed(['{P}ro/a', '1'], ['{P}rw/a', '2'], ['{P}wo/a', '3'], ['{P}other', '4']),
];

export const tlsAuthScenarios: Scenario[] = [
  scenario('tls-auth-limited-password-kv', ...grants,
    ctl('get', '{P}ro/a', ALICE),
    ctl('get', '{P}ro/', '--prefix', '-w', 'json', ALICE),
    ctl('put', '{P}ro/a', 'x', ALICE),
    ctl('put', '{P}rw/b', 'v', ALICE),
    ctl('get', '{P}rw/', '--prefix', ALICE),
    ctl('get', '{P}wo/a', ALICE),
    ctl('put', '{P}wo/b', 'w', ALICE),
    ctl('get', '{P}', '--prefix', ALICE),
    ctl('get', '{P}other', ALICE),
    ctl('put', '{P}other', 'x', ALICE),
    ctl('del', '{P}ro/a', ALICE),
    ctl('del', '{P}rw/a', '--prev-kv', ALICE),
    ctl('del', '{P}wo/a', '--prev-kv', ALICE),
    ctl('del', '{P}wo/a', ALICE),
    ctl('get', '{P}', '--prefix'),
  ),
  scenario('tls-auth-limited-password-txn', ...grants,
    ctlIn('value("{P}ro/a") = "1"\n\nput {P}rw/t yes\n\nput {P}rw/t no\n\n', 'txn', ALICE),
    ctlIn('value("{P}ro/a") = "1"\n\nput {P}ro/t yes\n\n\n', 'txn', ALICE),
    ctlIn('value("{P}other") = "4"\n\nput {P}rw/t yes\n\n\n', 'txn', ALICE),
    ctlIn('\nget {P}rw/t\nget {P}wo/a\n\n\n', 'txn', ALICE),
    ctl('get', '{P}rw/t'),
  ),
  scenario('tls-auth-limited-password-watch',
    ...grants,
    // the server cancels these watches (permission denied) and etcdctl exits by itself: the window
    // only bounds a watch that is wrongly let through, and a password login over TLS on a loaded
    // machine can take seconds
    ctlFor(10_000, 'watch', '{P}other', ALICE),
    ctlFor(10_000, 'watch', '{P}', '--prefix', ALICE),
  ),
  scenario('tls-auth-limited-password-admin', ...grants,
    ctl('user', 'list', ALICE),
    ctl('user', 'get', 'alice', ALICE),
    ctl('role', 'get', 'limited', ALICE),
    ctl('role', 'add', 'mine', ALICE),
    ctl('user', 'add', 'eve', '--new-user-password=x', ALICE),
    ctl('role', 'grant-permission', 'limited', 'readwrite', '{P}', '--prefix', ALICE),
    ctl('auth', 'disable', ALICE),
    ctl('compaction', '1', ALICE),
    ctl('alarm', 'list', ALICE),
    ctl('member', 'list', ALICE),
    ctl('user', 'passwd', 'alice', '--interactive=false', ALICE),
  ),
  scenario('tls-auth-bad-credentials',
    ctl('get', '{P}a', '--user=alice:wrong'),
    ctl('get', '{P}a', '--user=nosuchuser:pw'),
    ctl('get', '{P}a', '--user=alice'),
    ctl('put', '{P}a', 'v', '--user=root:rootpw'),
    ctl('get', '{P}a', '--user=root:rootpw', '-w', 'json'),
  ),
  scenario('tls-auth-cn-user', ...grants,
    ctl('get', '{P}ro/a', ...ALICE_CN),
    ctl('put', '{P}ro/a', 'x', ...ALICE_CN),
    ctl('put', '{P}rw/c', 'cn', ...ALICE_CN),
    ctl('get', '{P}rw/c', '-w', 'json', ...ALICE_CN),
    ctl('get', '{P}other', ...ALICE_CN),
    ctl('user', 'list', ...ALICE_CN),
    ctl('get', '{P}ro/a', ...NOBODY_CN),
    ctl('put', '{P}rw/d', 'x', ...NOBODY_CN),
    // a password wins over the certificate's name
    ctl('get', '{P}other', '--user=root:rootpw', '--cert={TMP}/alice.pem', '--key={TMP}/alice.key'),
  ),
  scenario('tls-auth-revoke-and-role-changes', ...grants,
    ctl('put', '{P}rw/x', '1', ALICE),
    ctl('role', 'revoke-permission', 'limited', '{P}rw/', '--prefix'),
    ctl('put', '{P}rw/x', '2', ALICE),
    ctl('get', '{P}rw/x', ALICE),
    ctl('role', 'grant-permission', 'limited', 'readwrite', '{P}rw/', '--prefix'),
    ctl('put', '{P}rw/x', '3', ALICE),
    ctl('user', 'revoke-role', 'alice', 'limited'),
    ctl('get', '{P}ro/a', ALICE),
    ctl('user', 'grant-role', 'alice', 'limited'),
    ctl('get', '{P}ro/a', ALICE),
    ctl('role', 'get', 'limited'),
  ),
  scenario('tls-auth-limited-lease', ...grants,
    ctl('lease', 'grant', '300', ALICE),
    ctl('put', '{P}rw/l', 'v', '--lease={L1}', ALICE),
    ctl('lease', 'timetolive', '{L1}', ALICE),
    ctl('lease', 'list', ALICE),
    ctl('lease', 'revoke', '{L1}', ALICE),
    ctl('lease', 'revoke', '{L1}'),
  ),
];
