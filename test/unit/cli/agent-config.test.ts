// `dcsgw agent`'s command line and configuration files on their own: Go's flag syntax and error
// texts, JSON and HCL files, Consul's merge order (defaults, -dev, flag lists, files in order,
// flag values, -hcl) and its checks.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { AgentConfigError } from '../../../src/cli/agent/config-sources.js';
import { AgentFlagError, AgentHelpRequested, goFlagDefaults, parseAgentFlags } from '../../../src/cli/agent/flags.js';
import { parseHcl } from '../../../src/cli/agent/hcl.js';
import { buildRuntimeConfig, type AgentRuntimeConfig } from '../../../src/cli/agent/runtime-config.js';
import { resolveNodeId } from '../../../src/cli/agent/node-id.js';

const dir = mkdtempSync(join(tmpdir(), 'dcsgw-agent-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileSeq = 0;
function file(name: string, text: string): string {
  const sub = join(dir, `f${++fileSeq}`);
  mkdirSync(sub, { recursive: true });
  const p = join(sub, name);
  writeFileSync(p, text);
  return p;
}

function build(argv: string[]): AgentRuntimeConfig {
  return buildRuntimeConfig(parseAgentFlags(argv));
}

/** The message of the `kind` error `run` throws; any other outcome fails the test. */
function messageOf(run: () => unknown, kind: new (...args: never[]) => Error, what: string): string {
  try {
    run();
  } catch (err) {
    if (err instanceof kind) return err.message;
    throw err;
  }
  throw new Error(`expected a ${what} error`);
}

const configError = (argv: string[]): string => messageOf(() => build(argv), AgentConfigError, 'configuration');
const flagError = (argv: string[]): string => messageOf(() => parseAgentFlags(argv), AgentFlagError, 'flag');

describe('flag syntax (Go flag package)', () => {
  test('single and double dash, -flag=value and -flag value, bare booleans', () => {
    const c = build(['-dev', '--node', 'n1', '-http-port=9500', '--dns-port', '9600', '-datacenter=DC2', '-ui']);
    expect(c.devMode).toBe(true);
    expect(c.nodeName).toBe('n1');
    expect(c.ports.http).toBe(9500);
    expect(c.ports.dns).toBe(9600);
    expect(c.datacenter).toBe('dc2');
    expect(c.uiEnabled).toBe(true);
  });

  test('unknown flag: Go\'s text, and the flag list Go prints after it', () => {
    expect(flagError(['-dev', '-bogus'])).toBe('flag provided but not defined: -bogus');
    expect(flagError(['--bogus=1'])).toBe('flag provided but not defined: -bogus');
    const usage = goFlagDefaults();
    expect(usage.startsWith('Usage:\n  -advertise value\n    \tSets the advertise address to use.\n')).toBe(true);
    expect(usage).toContain('\n  -dev\n    \tStarts the agent in development mode.\n');
    expect(usage).toContain('\n  -node-meta key:value\n    \tAn arbitrary metadata key/value pair for this node, of the format key:value. Can be specified multiple times.\n');
    expect(usage).toContain('\n  -config-format string\n');
  });

  test('missing argument, bad number, bad boolean, bad duration', () => {
    expect(flagError(['-node'])).toBe('flag needs an argument: -node');
    expect(flagError(['-http-port', 'abc'])).toBe('invalid value "abc" for flag -http-port: strconv.Atoi: parsing "abc": invalid syntax');
    expect(flagError(['-dev=maybe'])).toBe('invalid boolean value "maybe" for -dev: strconv.ParseBool: parsing "maybe": invalid syntax');
    expect(flagError(['-retry-interval', '5x'])).toBe('invalid value "5x" for flag -retry-interval: time: invalid duration "5x"');
  });

  test('-h and -help ask for help; parsing stops at the first non-flag, which Consul refuses', () => {
    expect(() => parseAgentFlags(['-h'])).toThrow(AgentHelpRequested);
    expect(() => parseAgentFlags(['--help'])).toThrow(AgentHelpRequested);
    expect(configError(['-dev', 'extra', '-node', 'x'])).toBe('Unexpected extra arguments: [extra -node x]');
  });
});

describe('-dev and defaults', () => {
  test('-dev: a bootstrapped server on 127.0.0.1 named after the host, ui on, debug logs', () => {
    const c = build(['-dev']);
    expect(c).toMatchObject({ server: true, bootstrap: true, bindAddr: '127.0.0.1', advertiseAddr: '127.0.0.1', clientAddrs: ['127.0.0.1'], uiEnabled: true, logLevel: 'DEBUG', nodeName: hostname(), dataDir: '' });
    expect(c.ports).toMatchObject({ http: 8500, dns: 8600, grpc: 8502, etcd: 2379, server: 8300, serfLan: 8301 });
    expect(c.etcdPortExplicit).toBe(false);
    expect(c.sessionTtlMinMs).toBe(10_000);
    expect(c.raftMultiplier).toBe(1);
  });

  test('a port <= 0 disables its listener, reported as -1, as Consul does', () => {
    expect(build(['-dev', '-http-port', '0', '-dns-port', '-5', '-etcd-port', '-1']).ports).toMatchObject({ http: -1, dns: -1, etcd: -1 });
    expect(configError(['-dev', '-http-port', '70000'])).toBe('ports.http: invalid port 70000');
  });

  test('without -dev a data dir is required', () => {
    expect(configError(['-server', '-bootstrap'])).toBe('data_dir cannot be empty');
  });

  test("Consul's bootstrap checks", () => {
    expect(configError(['-data-dir', dir, '-bootstrap'])).toBe("'bootstrap = true' requires 'server = true'");
    expect(configError(['-data-dir', dir, '-server', '-bootstrap', '-bootstrap-expect', '1'])).toBe("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive");
    expect(configError(['-data-dir', dir, '-server', '-bootstrap-expect', '-1'])).toBe('bootstrap_expect cannot be negative');
    expect(build(['-data-dir', dir, '-server', '-bootstrap-expect', '1']).bootstrap).toBe(true);
  });

  test('what dcsgw cannot do yet is refused, saying so', () => {
    // a client agent (no -server) is built: it runs over its servers (src/cli/agent/run-client.ts)
    expect(build(['-data-dir', dir]).server).toBe(false);
    // servers form a cluster with -bootstrap-expect (src/native/cluster): Consul's builder warning
    const expect3 = build(['-data-dir', dir, '-server', '-bootstrap-expect', '3', '-retry-join', '10.0.0.2']);
    expect([expect3.bootstrapExpect, expect3.bootstrap, expect3.retryJoin]).toEqual([3, false, ['10.0.0.2']]);
    expect(expect3.notes).toContainEqual({ level: 'WARN', message: 'bootstrap_expect > 0: expecting 3 servers' });
    // ACLs are built (src/compat/acl/): enabled from the acl block; a bad default policy is refused
    const acl = file('acl.json', JSON.stringify({ acl: { enabled: true, default_policy: 'deny' } }));
    expect(build(['-dev', '-config-file', acl]).aclEnabled).toBe(true);
    const badAcl = file('acl-bad.json', JSON.stringify({ acl: { enabled: true, default_policy: 'maybe' } }));
    expect(configError(['-dev', '-config-file', badAcl])).toMatch(/^acl: invalid default policy "maybe"/);
  });

  test('-node-meta: key:value pairs; a pair without a colon is a key with an empty value', () => {
    expect(build(['-dev', '-node-meta', 'rack:r1', '-node-meta', 'zone:a:b', '-node-meta', 'bare']).nodeMeta).toEqual({ rack: 'r1', zone: 'a:b', bare: '' });
  });

  test('watches and bootstrap config entries are noted as not run', () => {
    const f = file('watches.hcl', 'watches = [\n  { type = "key", key = "a", args = ["/bin/true"] }\n]\nconfig_entries {\n  bootstrap = [ { kind = "proxy-defaults", name = "global" } ]\n}\n');
    const msgs = build(['-dev', '-config-file', f]).notes.map((n) => n.message);
    expect(msgs.some((m) => /watches of the agent configuration are not run/.test(m))).toBe(true);
    expect(msgs.some((m) => /config_entries\.bootstrap is ignored/.test(m))).toBe(true);
  });

  test('-join / -retry-join on a -dev agent are accepted and noted as ignored', () => {
    const c = build(['-dev', '-join', '10.0.0.1', '-retry-join', '10.0.0.2']);
    expect(c.startJoin).toEqual(['10.0.0.1']);
    expect(c.retryJoin).toEqual(['10.0.0.2']);
    expect(c.notes.some((n) => n.level === 'WARN' && /ignored/.test(n.message))).toBe(true);
  });

  test('several client addresses: the first is used, with a warning; go-sockaddr templates are refused, saying so', () => {
    const c = build(['-dev', '-client', '127.0.0.1 127.0.0.2']);
    expect(c.clientAddrs).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(c.httpAddrs[0]).toBe('127.0.0.1');
    expect(c.notes).toContainEqual({ level: 'WARN', message: 'dcsgw: client_addr lists several addresses; dcsgw listens on the first one only', fields: { address: '127.0.0.1' } });
    expect(configError(['-dev', '-bind', '{{ GetPrivateIP }}'])).toBe('bind_addr: go-sockaddr templates are not supported by dcsgw yet; give an IP address');
  });

  test('log level: accepted case-insensitively; an unknown one is refused', () => {
    expect(build(['-dev', '-log-level', 'warn']).logLevel).toBe('WARN');
    expect(build(['-dev', '-log-level', 'err']).logLevel).toBe('ERROR');
    expect(configError(['-dev', '-log-level', 'loud'])).toBe('Invalid log level: loud. Valid log levels are: [TRACE DEBUG INFO WARN ERR ERROR]');
  });
});

describe('configuration files', () => {
  test('an empty file is skipped, as Consul skips it (the Go client\'s reload tests start with one)', () => {
    const empty = file('empty.json', '');
    const blank = file('blank.hcl', '  \n');
    const named = file('named.json', JSON.stringify({ node_name: 'from-file', data_dir: join(dir, 'd0'), server: true, bootstrap: true }));
    expect(build(['-config-file', named, '-config-file', empty, '-config-file', blank]).nodeName).toBe('from-file');
  });

  test('a JSON file of the Go client\'s test server shape', () => {
    const f = file(
      'server.json',
      JSON.stringify({
        node_name: 'node-abc',
        node_id: '2F1C7D3E-5B1A-4C1E-9D7A-3A1F0E6B9C01',
        performance: { raft_multiplier: 1 },
        bootstrap: true,
        server: true,
        bind_addr: '127.0.0.1',
        addresses: {},
        ports: { dns: 36101, http: 36102, https: -1, serf_lan: 36103, serf_wan: 36104, server: 36105, grpc: 36106 },
        data_dir: join(dir, 'data'),
        log_level: 'debug',
        acl: { enabled: false },
        connect: { enabled: true, ca_config: { cluster_id: '11111111-2222-3333-4444-555555555555' } },
        session_ttl_min: '1s',
      }),
    );
    const c = build(['-config-file', f]);
    expect(c).toMatchObject({ nodeName: 'node-abc', nodeId: '2f1c7d3e-5b1a-4c1e-9d7a-3a1f0e6b9c01', server: true, bootstrap: true, advertiseAddr: '127.0.0.1', logLevel: 'DEBUG', sessionTtlMinMs: 1000, raftMultiplier: 1 });
    expect(c.ports).toMatchObject({ dns: 36101, http: 36102, serfLan: 36103, server: 36105, grpc: 36106, etcd: 2379 });
  });

  test('HCL: blocks, lists, comments, heredoc, service blocks', () => {
    const f = file(
      'agent.hcl',
      `# an agent
datacenter = "east"
data_dir   = "${join(dir, 'hcl-data').replace(/\\/g, '\\\\')}"
server     = true
bootstrap_expect = 1
/* ports of this agent */
ports {
  http = 36111 // HTTP
  dns  = -1
  etcd = 36112
}
recursors = ["1.1.1.1", "8.8.8.8",]
node_meta {
  rack = "r1"
}
service {
  name = "web"
  port = 80
  tags = ["a", "b"]
  check {
    id = "web-ttl"
    ttl = "30s"
  }
}
service {
  name = "db"
  port = 5432
}
ui_config { enabled = true }
`,
    );
    const c = build(['-config-file', f]);
    expect(c.datacenter).toBe('east');
    expect(c.ports).toMatchObject({ http: 36111, dns: -1, etcd: 36112 });
    expect(c.etcdPortExplicit).toBe(true);
    expect(c.recursors).toEqual(['1.1.1.1', '8.8.8.8']);
    expect(c.nodeMeta).toEqual({ rack: 'r1' });
    expect(c.uiEnabled).toBe(true);
    expect(c.services).toHaveLength(2);
    expect(c.services[0]).toMatchObject({ name: 'web', port: 80, tags: ['a', 'b'], check: { id: 'web-ttl', ttl: '30s' } });
  });

  test('HCL parser: strings with escapes, heredocs, labelled blocks, numbers; errors carry line:column', () => {
    expect(parseHcl('a = "x\\"y\\n" \n b = 1.5\n c = -3\n d = <<EOF\nline1\n  line2\nEOF\n e = false')).toEqual({ a: 'x"y\n', b: 1.5, c: -3, d: 'line1\n  line2\n', e: false });
    expect(parseHcl('service "web" { port = 1 }')).toEqual({ service: { web: { port: 1 } } });
    expect(() => parseHcl('a = "\\UFFFFFFFF"')).toThrow('invalid \\U escape'); // a code point past Unicode: a syntax error, not a crash
    expect(parseHcl('x = { a = 1, b = [ { c = 2 } ] }')).toEqual({ x: { a: 1, b: [{ c: 2 }] } });
    expect(() => parseHcl('a = \n b = 2')).toThrow(/At 2:/);
    expect(() => parseHcl('a = "open')).toThrow(/At 1:5: literal not terminated/);
  });

  test('merge: files in order, later values win, lists append, flag values beat files, flag lists come first', () => {
    const confDir = join(dir, 'merge.d');
    mkdirSync(confDir);
    writeFileSync(join(confDir, '20-b.json'), JSON.stringify({ datacenter: 'b', retry_join: ['from-b'], services: [{ name: 's2' }], ports: { dns: 36122 } }));
    writeFileSync(join(confDir, '10-a.hcl'), 'datacenter = "a"\nretry_join = ["from-a"]\nservice { name = "s1" }\nports { http = 36121 }\nnode_meta { x = "1" }\n');
    writeFileSync(join(confDir, 'notes.txt'), 'not config');
    const later = file('later.json', JSON.stringify({ node_meta: { y: '2' }, log_level: 'warn' }));
    const warnings: string[] = [];
    const c = buildRuntimeConfig(parseAgentFlags(['-dev', '-config-dir', confDir, '-config-file', later, '-retry-join', 'from-flag', '-log-level', 'error']), { warn: (t) => warnings.push(t) });
    expect(c.datacenter).toBe('b');
    expect(c.retryJoin).toEqual(['from-flag', 'from-a', 'from-b']);
    expect(c.services.map((s) => (s as { name: string }).name)).toEqual(['s1', 's2']);
    expect(c.ports).toMatchObject({ http: 36121, dns: 36122 });
    expect(c.nodeMeta).toEqual({ y: '2' }); // a free-form map is replaced, not merged
    expect(c.logLevel).toBe('ERROR'); // the flag beats the file
    expect(warnings).toEqual([`skipping file ${join(confDir, 'notes.txt')}, extension must be .hcl or .json, or config format must be set`]);
  });

  test('a key Consul does not know is named in a warning (and has no effect)', () => {
    const f = file('typo.json', JSON.stringify({ datacenter: 'dc1', node_nmae: 'typo', ports: { http: 36141 } }));
    const warnings: string[] = [];
    const c = buildRuntimeConfig(parseAgentFlags(['-dev', '-config-file', f]), { warn: (t) => warnings.push(t) });
    expect(warnings).toEqual([`dcsgw: ${f}: unknown configuration key "node_nmae" ignored`]);
    expect(c.nodeName).toBe(hostname());
  });

  test('-hcl fragments come last', () => {
    const f = file('dc.json', JSON.stringify({ datacenter: 'file' }));
    expect(build(['-dev', '-config-file', f, '-datacenter', 'flag', '-hcl', 'datacenter = "fragment"']).datacenter).toBe('fragment');
  });

  test('file errors: missing file, bad JSON, unknown extension, -config-format', () => {
    expect(configError(['-dev', '-config-file', join(dir, 'nope.json')])).toBe(`Error loading ${join(dir, 'nope.json')}: stat ${join(dir, 'nope.json')}: no such file or directory`);
    const bad = file('bad.json', '{"datacenter": ');
    expect(configError(['-dev', '-config-file', bad])).toMatch(new RegExp(`^failed to parse ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    const noext = file('agent.conf', '{"datacenter": "x"}');
    expect(configError(['-dev', '-config-file', noext])).toMatch(/file extension must be \.hcl or \.json, or config format must be set/);
    expect(build(['-dev', '-config-format', 'json', '-config-file', noext]).datacenter).toBe('x');
    expect(configError(['-dev', '-config-format', 'yaml'])).toBe("-config-format must be either 'hcl' or 'json'");
  });

  test('service and check definitions are validated with the agent\'s parser', () => {
    const bad = file('svc.json', JSON.stringify({ services: [{ name: 'web', port: 'eighty' }] }));
    expect(configError(['-dev', '-config-file', bad])).toMatch(/^Error loading service definition: /);
  });

  test('keys are matched case-insensitively, as Consul\'s decoder does', () => {
    const f = file('case.json', JSON.stringify({ Node_Name: 'caps', Ports: { HTTP: 36131 } }));
    const c = build(['-dev', '-config-file', f]);
    expect(c.nodeName).toBe('caps');
    expect(c.ports.http).toBe(36131);
  });
});

describe('node ID', () => {
  test('kept in data-dir/node-id across starts; -node-id must be a UUID', () => {
    const d = join(dir, 'nid');
    mkdirSync(d);
    const first = resolveNodeId('', d);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(resolveNodeId('', d)).toBe(first);
    expect(resolveNodeId('AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', d)).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(() => resolveNodeId('short', d)).toThrow('failed to setup node ID: uuid string is wrong length');
    expect(() => resolveNodeId('zzzzzzzz-bbbb-cccc-dddd-eeeeeeeeeeee', d)).toThrow('failed to setup node ID: uuid is improperly formatted');
  });
});
