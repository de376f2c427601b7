// The deregistration pain (../shared/seeds/004: "some services must be deregistered three times,
// some never") on a real cluster: a server agent (-server -bootstrap) and two client agents that
// join it with -retry-join and reach it through its server RPC, each on its own loopback address
// (serf LAN 8301 and server 8300 by default there). The same scenarios as over -backend
// (deregistration-scenarios.ts): every order of server / other client / owner with full syncs and
// a restart of the owner, and a deregistration the owner could not see because it was frozen.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allocatePorts, hasDcsgwBuild, stopAllProcesses } from '../../support/index.js';
import { json, startAgent, until, type Agent, type AgentSpec } from './agents.js';
import { deregistrationInEveryOrder, deregistrationWhileOwnerFrozen } from './deregistration-scenarios.js';

const RANGE = { from: 15400, to: 15499 };
const skip = !hasDcsgwBuild();
if (skip) console.warn('SKIP cluster client agent tests: no build (dist/src/cli/main.js)');
const work = mkdtempSync(join(tmpdir(), 'dcsgw-cluster-clients-'));
const AE_MS = 1000;
const SERVER_ADDR = '127.0.2.61';

let server: Agent;
let c1: Agent;
let c2: Agent;

beforeAll(async () => {
  if (skip) return;
  const [httpPort, dnsPort] = await allocatePorts(2, RANGE);
  const spec = (node: string, addr: string, extra: string[], isServer = false): AgentSpec => {
    const dataDir = join(work, node);
    mkdirSync(dataDir, { recursive: true });
    return { node, addr, dataDir, httpPort: httpPort!, dnsPort: dnsPort!, server: isServer, extra };
  };
  server = await startAgent(spec('s1', SERVER_ADDR, ['-bootstrap'], true));
  const joinFlags = [`-retry-join=${SERVER_ADDR}`, '-hcl', `ae_interval = "${AE_MS / 1000}s"`];
  [c1, c2] = await Promise.all([startAgent(spec('c1', '127.0.2.62', joinFlags)), startAgent(spec('c2', '127.0.2.63', joinFlags))]);
}, 180_000);

afterAll(async () => {
  await stopAllProcesses();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip)('client agents of a cluster (-retry-join, the server RPC)', () => {
  test('the clients joined: members with their roles, their nodes in the catalog, no data of their own', async () => {
    const members = await until('three members alive', () => json<Array<{ Name: string; Status: number; Tags: Record<string, string> }>>(c2, '/v1/agent/members'), (l) => l.length === 3 && l.every((m) => m.Status === 1));
    expect(members.map((m) => `${m.Name}:${m.Tags.role}`).sort()).toEqual(['c1:node', 'c2:node', 's1:consul']);
    expect(c1.proc.output()).toContain('agent: dcsgw: this agent keeps no replicated data: reads and writes go to the servers');
    expect(c1.proc.output()).toMatch(/agent\.client: adding server: server="s1 \(Addr: tcp\/127\.0\.2\.61:8300\) \(DC: dc1\)"/);
    const nodes = await json<Array<{ Node: string }>>(server, '/v1/catalog/nodes');
    expect(nodes.map((n) => n.Node).sort()).toEqual(['c1', 'c2', 's1']);
  });

  test('a deregistration issued on any agent sticks, in every order of server, other client and owner', async () => {
    await deregistrationInEveryOrder({ server, c1, c2, aeMs: AE_MS });
  }, 120_000);

  test('a deregistration the owner could not see (frozen, then killed) sticks after its restart', async () => {
    await deregistrationWhileOwnerFrozen({ server, c1, c2, aeMs: AE_MS });
  }, 60_000);
});
