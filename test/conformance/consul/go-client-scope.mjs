// Which tests of the Go client's own suite (github.com/hashicorp/consul/api) are outside the Consul
// face of issue 6, each with the reason; and the known causes of failures, so STATUS.md can say
// which dcsgw endpoint a failing test waits for. Out-of-scope tests are listed in STATUS.md and not
// run (they would only cost time: each starts an agent and waits for a feature that is not built).

const MESH = 'service mesh / Connect (CA, proxies, gateways, intentions, config entries): out of scope of issue 6';
const PEERING = 'cluster peering: out of scope (open-source feature not in issue 6)';
const ENTERPRISE = 'namespaces / partitions / enterprise-only API: out of scope';
const CLUSTER = 'several agents joined into one cluster (or a second datacenter): the multi-agent cluster issue';
const GO_RUNTIME = 'Go runtime profiles (/debug/pprof heap, profile, goroutine, trace): no Go runtime inside dcsgw';
const V2 = 'Consul resource API v2 (/api/...): experimental, not in issue 6';

/** Whole files whose every test is out of scope. */
export const OUT_OF_SCOPE_FILES = {
  'config_entry_discoverychain_test.go': MESH,
  'config_entry_exports_test.go': MESH,
  'config_entry_gateways_test.go': MESH,
  'config_entry_inline_certificate_test.go': MESH,
  'config_entry_intentions_test.go': MESH,
  'config_entry_jwt_provider_test.go': MESH,
  'config_entry_routes_test.go': MESH,
  'connect_ca_test.go': MESH,
  'connect_intention_test.go': MESH,
  'discovery_chain_test.go': MESH,
  'internal_test.go': MESH + ' (virtual IPs of mesh services)',
  'namespace_test.go': ENTERPRISE,
  'peering_test.go': PEERING,
  'debug_test.go': GO_RUNTIME,
  'raw_test.go': V2,
};

/** Single tests out of scope in otherwise in-scope files. */
export const OUT_OF_SCOPE_TESTS = {
  // agent_test.go
  TestAPI_AgentMembersOpts: CLUSTER + ' (a dc2 server joined over WAN)',
  TestAPI_AgentLeave: CLUSTER + ' (a client agent joins a server, then leaves)',
  TestAPI_AgentServices_SidecarService: MESH,
  TestAPI_AgentServices_ExternalConnectProxy: MESH,
  TestAPI_AgentConnectCARoots_empty: MESH,
  TestAPI_AgentConnectCARoots_list: MESH,
  TestAPI_AgentConnectCALeaf: MESH,
  TestAPI_AgentConnectAuthorize: MESH,
  TestAgentService_Register_MeshGateway: MESH,
  TestAgentService_Register_TerminatingGateway: MESH,
  TestAgentService_ExposeChecks: MESH,
  TestAPI_AgentChecks_Docker: 'Docker checks need a container runtime: none on this machine kind',
  // api_test.go
  TestAPI_ClientTLSOptions: 'agent HTTPS with client certificates (TLS listener): not in issue 6; also reads ../test/client_certs, which the api module does not ship',
  TestAPI_SetupTLSConfig: 'client-side TLS setup reading ../test/client_certs from the Consul repository, which the api module does not ship (fails with genuine Consul too when run from the module)',
  // config_entry_test.go (TestDecodeConfigEntry decodes client-side and stays in)
  TestAPI_ConfigEntries: MESH + ' (service-defaults / proxy-defaults config entries)',
  // catalog_test.go
  TestAPI_CatalogServiceUnmanagedProxy: MESH,
  TestAPI_CatalogConnect: MESH,
  TestAPI_CatalogConnectNative: MESH,
  TestAPI_CatalogConnect_Filter: MESH,
  TestAPI_CatalogGatewayServices_Terminating: MESH,
  TestAPI_CatalogGatewayServices_Ingress: MESH,
  // health_test.go
  TestAPI_HealthConnect: MESH,
  TestAPI_HealthConnect_Filter: MESH,
  TestAPI_HealthIngress: MESH,
  // operator_raft_test.go
  TestAPI_OperatorRaftRemovePeerByAddress: CLUSTER,
  TestAPI_OperatorRaftRemovePeerByID: CLUSTER,
  TestAPI_OperatorRaftLeaderTransfer: CLUSTER,
  // watch/funcs_test.go
  TestConnectRootsWatch: MESH,
  TestConnectLeafWatch: MESH,
};

/** The reason a test is out of scope, or undefined when it is in scope. */
export function outOfScopeReason(file, test) {
  return OUT_OF_SCOPE_TESTS[test] ?? OUT_OF_SCOPE_FILES[file.replace(/^watch\//, '')];
}

/**
 * Known causes of failures, matched against a failing test's output (first match wins). `owner` is
 * the endpoint group that has to change; the rest of the output is quoted in STATUS.md.
 */
export const FAILURE_CAUSES = [
  {
    match: /consul not found on \$PATH/,
    cause: 'harness: the consul shim is not on PATH',
    owner: 'go-client harness',
  },
  {
    match: /error parsing consul version|failed to get consul version/,
    cause: '`consul version -format=json` (shim) gave no Consul version',
    owner: 'go-client harness / dcsgw agent',
  },
  {
    match: /Failed to start server: api unavailable/,
    cause:
      '`dcsgw agent -config-file F` did not answer GET /v1/status/leader within testutil\'s 2 s (agent failed to start, rejected the testutil config, or starts too slowly)',
    owner: 'dcsgw agent (src/cli agent) / status endpoint',
  },
  {
    match: /\/v1\/agent\/connect\/ca\/roots/,
    cause:
      'testutil.WaitForActiveCARoot: the default testutil config has connect.enabled=true, so every makeClient() waits until GET /v1/agent/connect/ca/roots answers 200 with ActiveRootID and at least one root',
    owner: 'agent endpoints (connect CA roots while connect.enabled)',
  },
  {
    match: /no leader address|\/v1\/status\/leader/,
    cause: 'testutil.WaitForLeader: GET /v1/status/leader must answer 200 with a non-empty JSON string',
    owner: 'status endpoint',
  },
  {
    match: /missing serfHealth registration|\/v1\/catalog\/nodes\?index=0|\/v1\/health\/node\//,
    cause: 'testutil.WaitForSerfCheck: the agent\'s node must be in /v1/catalog/nodes with a serfHealth check in /v1/health/node/<node>',
    owner: 'catalog / health (the agent\'s own node and serfHealth check)',
  },
  {
    match: /Unexpected response code: 404 \(404 page not found\)/,
    cause: 'an endpoint the client calls is not routed yet (404 page not found)',
    owner: 'see the failing request',
  },
  {
    match: /Unexpected response code: 405/,
    cause: 'method not allowed on an endpoint the client calls',
    owner: 'see the failing request',
  },
  {
    match: /Unexpected response code: 5\d\d/,
    cause: 'the agent answered a 5xx error',
    owner: 'see the failing request',
  },
  {
    match: /Unexpected response code: 4\d\d/,
    cause: 'the agent answered a 4xx error where genuine Consul answers 200',
    owner: 'see the failing request',
  },
  {
    match: /panic: test timed out/,
    cause: 'the test did not finish within its batch time limit (a blocking query that never returns, or a wait for state that never comes)',
    owner: 'see the test output',
  },
  {
    match: /connection refused|EOF|connection reset/,
    cause: 'the agent closed the connection or died during the test',
    owner: 'dcsgw agent (see the agent log)',
  },
];

/**
 * The order files run in when the time budget may not reach them all: the core of the Consul face
 * first (after the baseline and dcsgw's own CLI tests), client-only and peripheral files last.
 */
export const FILE_PRIORITY = [
  'kv_test.go', 'session_test.go', 'txn_test.go', 'lock_test.go', 'semaphore_test.go', 'status_test.go',
  'catalog_test.go', 'health_test.go', 'agent_test.go', 'event_test.go', 'coordinate_test.go',
  'prepared_query_test.go', 'operator_raft_test.go', 'operator_autopilot_test.go', 'snapshot_test.go',
  'watch/funcs_test.go', 'api_test.go', 'operator_usage_test.go',
];

export function filePriority(file) {
  const i = FILE_PRIORITY.indexOf(file);
  return i < 0 ? FILE_PRIORITY.length : i;
}

/**
 * What the harness found that the agent (not a single endpoint) must do for the suite to run at
 * all; rendered at the top of STATUS.md. Each line: the fact from testutil/the tests, and the ask.
 */
export const HARNESS_NOTES = [
  'testutil\'s default config has connect.enabled = true, so makeClient() — used by ~150 in-scope tests — waits (7 s) for GET /v1/agent/connect/ca/roots to answer 200 with a non-empty ActiveRootID and at least one entry in Roots, and fails the test otherwise. Genuine Consul serves its built-in CA there; dcsgw now serves its built-in CA root there (the rest of Connect stays out of scope).',
  'testutil.waitForAPI polls GET /v1/status/leader for exactly 2 s after exec and needs any HTTP answer by then (404 counts); WaitForLeader then needs 200 and a non-empty JSON string. `dcsgw agent` took 2.7-5 s from exec to its HTTP listener on this (heavily loaded) machine, ~2 s of it loading modules before the first log line: the shim\'s relay therefore holds early connections until the agent listens (see the start times above). Serving HTTP before the store is up (Consul answers /v1/status/leader with "" meanwhile) and loading less at start would make the relay unnecessary.',
  'TestAPI_AgentReload and TestAPI_AgentReload_MultiPort pass a second -config-file that is an EMPTY .json file at start (filled before /v1/agent/reload); genuine Consul skips an empty file (dcsgw agent now does too).',
  'The shim adds `-http-port <P\'>` (the recording relay sits on testutil\'s port) and `-etcd-port -1` (agents started side by side would race for 2379); both are dcsgw agent flags already.',
];

/**
 * Hand-written triage of failing tests, read from their output and the agent's answers (shown in
 * STATUS.md beside the generated cause). Remove a line when its test passes.
 */
export const TRIAGE = {
  TestAPI_UnixSocket: 'addresses.http = "unix:///path/test.sock": Consul serves HTTP on that Unix socket; dcsgw agent takes it for a host name (getaddrinfo ENOTFOUND) and exits. Owner: dcsgw agent listeners.',
  TestAPI_ClientTxn: 'a Service registered through /v1/txn comes back without Consul\'s default Weights {Passing: 1, Warning: 1} (dcsgw: 0/0). Owner: txn service verbs / catalog defaults.',
  TestCLI_OperatorRaftListPeers: 'RaftConfiguration.Index is 0; genuine Consul reports the raft index of the configuration (> 0 once bootstrapped). Owner: operator raft.',
  TestCLI_ExecRefused: 'with remote exec disabled (the default) genuine Consul handles the _rexec user event internally and never lists it in /v1/event/list; dcsgw lists it. Owner: events.',
  ...Object.fromEntries(
    ['TestAPI_LockLockUnlock', 'TestAPI_LockForceInvalidate', 'TestAPI_LockDeleteKey', 'TestAPI_LockContend', 'TestAPI_LockDestroy', 'TestAPI_LockConflict', 'TestAPI_LockReclaimLock', 'TestAPI_LockMonitorRetry', 'TestAPI_LockOneShot'].map((t) => [
      t,
      'intermittent: lock tests start the agent without Connect, so only WaitForLeader precedes the first session create, which then races the agent registering its own node (500 "Missing node registration"). The agent\'s node (and serfHealth) must be in the catalog by the time /v1/status/leader names a leader. Owner: agent start-up / anti-entropy. Kept out of the CI baseline until fixed.',
    ]),
  ),
};
