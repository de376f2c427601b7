// Which tests of the Go client's own suite (github.com/hashicorp/consul/api) are outside the Consul
// face of issue 6, each with the reason; and the known causes of failures, so STATUS.md can say
// which dcsgw endpoint a failing test waits for. Out-of-scope tests are listed in STATUS.md and not
// run (they would only cost time: each starts an agent and waits for a feature that is not built).

const MESH = 'service mesh / Connect (CA, proxies, gateways, intentions, config entries): out of scope of issue 6';
const ACL = 'ACLs (acl.enabled agent, tokens, policies): until the security issue';
const PEERING = 'cluster peering: out of scope (open-source feature not in issue 6)';
const ENTERPRISE = 'namespaces / partitions / enterprise-only API: out of scope';
const CLUSTER = 'several agents joined into one cluster (or a second datacenter): the multi-agent cluster issue';
const GOSSIP = 'gossip encryption keyring (serf): the multi-agent cluster issue';
const GO_RUNTIME = 'Go runtime profiles (/debug/pprof heap, profile, goroutine, trace): no Go runtime inside dcsgw';
const V2 = 'Consul resource API v2 (/api/...): experimental, not in issue 6';

/** Whole files whose every test is out of scope. */
export const OUT_OF_SCOPE_FILES = {
  'acl_test.go': ACL,
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
  'operator_keyring_test.go': GOSSIP,
  'raw_test.go': V2,
};

/** Single tests out of scope in otherwise in-scope files. */
export const OUT_OF_SCOPE_TESTS = {
  // agent_test.go
  TestAPI_AgentMembersOpts: CLUSTER + ' (a dc2 server joined over WAN)',
  TestAPI_AgentLeave: CLUSTER + ' (a client agent joins a server, then leaves)',
  TestAgent_ServiceRegisterOpts_Token: ACL,
  TestAPI_AgentServices_SidecarService: MESH,
  TestAPI_AgentServices_ExternalConnectProxy: MESH,
  TestAPI_AgentConnectCARoots_empty: MESH,
  TestAPI_AgentConnectCARoots_list: MESH,
  TestAPI_AgentConnectCALeaf: MESH,
  TestAPI_AgentConnectAuthorize: MESH,
  TestAPI_AgentUpdateToken: ACL,
  TestAgentService_Register_MeshGateway: MESH,
  TestAgentService_Register_TerminatingGateway: MESH,
  TestAgentService_ExposeChecks: MESH,
  TestAPI_AgentChecks_Docker: 'Docker checks need a container runtime: none on this machine kind',
  // api_test.go
  TestAPI_ClientTLSOptions: 'agent HTTPS with client certificates (TLS listener): not in issue 6',
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
  // snapshot_test.go
  TestAPI_Snapshot_Options: ACL,
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
