// An in-process Consul face for tests: a one-member native backend in a temp dir, the Consul
// core over it, and the Consul HTTP API on an ephemeral loopback port. The same objects the
// `dcsgw` binary wires (src/cli), so a test sees what a user of the binary sees, minus the process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { createNativeBackend, type NativeBackend } from '../../src/adapters/native.js';
import type { AgentRuntime } from '../../src/compat/agent/agent-runtime.js';
import { CONSUL_VERSION, type AgentIdentity, type ConsulContext } from '../../src/gateway/consul/context.js';
import type { ConsulHttpServer } from '../../src/gateway/consul/http-server.js';
import { startConsulFace as startFace, type FaceRuntimeOptions } from '../../src/gateway/consul/start.js';

export interface ConsulFace {
  backend: NativeBackend;
  ctx: ConsulContext;
  /** The agent runtime (this node registered with serfHealth, local services and checks), as the binary runs it. */
  runtime: AgentRuntime;
  http: ConsulHttpServer;
  /** http://127.0.0.1:<port> */
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

let seq = 0;
/** A reopened data dir must start as the member that created it (the WAL records its ID). */
const memberOfDataDir = new Map<string, bigint>();

export function testAgentIdentity(over: Partial<AgentIdentity> = {}): AgentIdentity {
  return {
    nodeName: 'dcsgw-test',
    nodeId: '2f1c7d3e-5b1a-4c1e-9d7a-3a1f0e6b9c01',
    datacenter: 'dc1',
    domain: 'consul.',
    advertiseAddr: '127.0.0.1',
    server: true,
    ports: { http: 0, dns: -1, serfLan: -1, server: -1, etcd: -1 },
    consulVersion: CONSUL_VERSION,
    config: {},
    ...over,
  };
}

/** Starts a fresh one-member store with the Consul HTTP API; `dataDir` reopens an existing one. */
export interface ConsulFaceOptions {
  dataDir?: string;
  agent?: Partial<AgentIdentity>;
  runtime?: FaceRuntimeOptions;
}

export async function startConsulFace(opts: ConsulFaceOptions = {}): Promise<ConsulFace> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'dcsgw-consul-'));
  const logger = pino({ level: 'silent' });
  const memberId = memberOfDataDir.get(dataDir) ?? 0x1000n + BigInt(process.pid) * 1000n + BigInt(++seq);
  memberOfDataDir.set(dataDir, memberId);
  const clientURL = 'http://127.0.0.1:2379';
  const peerURL = 'http://127.0.0.1:2380';
  const backend = await createNativeBackend({
    name: 'default',
    dataDir,
    memberId,
    clusterId: 0xc0ffeen,
    initialCluster: [{ id: memberId, name: 'default', peerURLs: [peerURL] }],
    initialClusterState: 'new',
    advertiseClientURLs: [clientURL],
    advertisePeerURLs: [peerURL],
    snapshotCount: 100000,
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 * 1024 * 1024 * 1024,
    logger,
  });
  await backend.ready();
  const agent = testAgentIdentity(opts.agent);
  // the same wiring as the binary's (src/gateway/consul/start.ts), on an ephemeral port, without DNS
  const face = await startFace(backend, agent, { http: { host: '127.0.0.1', port: 0 }, ...(opts.runtime ? { runtime: opts.runtime } : {}) }, logger);
  await face.runtimeStarted;
  const http = face.http!;
  return {
    backend,
    ctx: face.ctx,
    runtime: face.runtime,
    http,
    url: `http://127.0.0.1:${http.address.port}`,
    dataDir,
    close: async () => {
      await face.stop();
      await backend.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One face for the enclosing suite (the test file, or the describe it is called in): started, then
 * `prepare`d, in a beforeAll and closed in an afterAll.
 * The object returned stands for the started face, so tests keep writing `face.url`; reading it
 * before the beforeAll has run throws rather than handing out a face that is not there.
 */
export function consulFaceForSuite(opts: ConsulFaceOptions = {}, prepare?: (face: ConsulFace) => Promise<void>): ConsulFace {
  let started: ConsulFace | undefined;
  beforeAll(async () => {
    started = await startConsulFace(opts);
    await prepare?.(started);
  });
  afterAll(async () => {
    await started?.close();
  });
  const current = (): ConsulFace => {
    if (!started) throw new Error('the Consul face starts in beforeAll: use it inside a test or a later hook');
    return started;
  };
  return {
    get backend() {
      return current().backend;
    },
    get ctx() {
      return current().ctx;
    },
    get runtime() {
      return current().runtime;
    },
    get http() {
      return current().http;
    },
    get url() {
      return current().url;
    },
    get dataDir() {
      return current().dataDir;
    },
    close: () => current().close(),
  };
}
