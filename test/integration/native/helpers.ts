// Shared by the native Backend tests: a one-member cluster's config, etcd-model requests with every
// field at its proto default, and a poll that waits for the members to reach a state.
import pino from 'pino';
import type { PutRequest, RangeRequest } from '../../../src/adapters/backend.js';
import type { NativeBackendConfig } from '../../../src/adapters/native.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';

export const b = (s: string) => Buffer.from(s);
export const rangeReq = (key: string, over?: Partial<RangeRequest>): RangeRequest => rangeRequest(b(key), over);
export const putReq = (key: string, value: string, over?: Partial<PutRequest>): PutRequest =>
  putRequest(b(key), b(value), over);

/**
 * Polls `fn` every 25 ms until it returns something other than undefined or false; fails after `ms`.
 * Unlike test/support's waitFor, an error thrown by `fn` fails at once (members must not throw here).
 */
export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SingleMember {
  dataDir: string;
  memberId: bigint;
  clusterId: bigint;
  clientURL: string;
  peerURL: string;
  /** Defaults to etcd's 'default'. */
  name?: string;
}

/** A new one-member cluster: fast raft timers (heartbeat 50 ms, election 500 ms), 2 GiB quota, silent logs. */
export function singleMemberConfig(m: SingleMember, over: Partial<NativeBackendConfig> = {}): NativeBackendConfig {
  const name = m.name ?? 'default';
  return {
    name,
    dataDir: m.dataDir,
    memberId: m.memberId,
    clusterId: m.clusterId,
    initialCluster: [{ id: m.memberId, name, peerURLs: [m.peerURL] }],
    initialClusterState: 'new',
    advertiseClientURLs: [m.clientURL],
    advertisePeerURLs: [m.peerURL],
    snapshotCount: 100000,
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 * 1024 * 1024 * 1024,
    logger: pino({ level: 'silent' }),
    ...over,
  };
}
