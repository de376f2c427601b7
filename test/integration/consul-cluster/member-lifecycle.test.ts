// The raft leader's member list (src/native/cluster/member-tracker.ts) through a member's whole
// life, with short timeouts so the 72 h reaping can be seen: alive on its first heartbeat (node and
// serfHealth passing in the catalog), failed after silence (serfHealth critical), alive again when
// it comes back, reaped after reconnect_timeout (record and node gone), leaving/left on a graceful
// leave (node deregistered), force-leave of a failed member, ?prune. Over the in-memory test
// Backend playing the leader's store; what is asserted is what /v1/agent/members and the catalog
// would show.
import { afterEach, describe, expect, test } from 'vitest';
import type { NativeBackend } from '../../../src/adapters/native.js';
import type { SerfMember } from '../../../src/compat/agent/agent-self.js';
import { Catalog } from '../../../src/compat/catalog.js';
import { Hclog } from '../../../src/cli/agent/hclog.js';
import { readMembers } from '../../../src/native/cluster/member-record.js';
import { MemberTracker } from '../../../src/native/cluster/member-tracker.js';
import { MemoryBackend } from '../../support/memory-backend.js';
import { waitFor } from '../../support/wait.js';

const trackers: MemberTracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.stop();
});

function member(name: string, role: 'node' | 'consul' = 'node'): SerfMember {
  return {
    Name: name,
    Addr: '127.0.1.50',
    Port: 8301,
    Tags: { role, dc: 'dc1', id: `00000000-0000-0000-0000-00000000000${name.length}`, vsn: '2', vsn_min: '2', vsn_max: '3', build: '1.22.1:dcsgw', segment: '' },
    Status: 1,
    ProtocolMin: 1,
    ProtocolMax: 5,
    ProtocolCur: 2,
    DelegateMin: 2,
    DelegateMax: 5,
    DelegateCur: 4,
  };
}

function setup(timeouts: { failAfterMs: number; reconnectTimeoutMs: number; tombstoneTimeoutMs: number }) {
  const store = new MemoryBackend();
  // the leader's store: the tracker acts only on a leader and reads the raft configuration
  const leader = Object.assign(store, {
    isLeader: () => true,
    memberId: 1n,
  }) as unknown as NativeBackend;
  const catalog = new Catalog(leader, 'dc1');
  const tracker = new MemberTracker({ backend: leader, catalog, datacenter: 'dc1', log: new Hclog({ level: 'OFF', json: false, fds: [] }), ...timeouts });
  trackers.push(tracker);
  tracker.start();
  const statusOf = async (name: string) => (await readMembers(leader)).find((m) => m.Name === name)?.Status;
  const serfHealth = async (name: string) => (await catalog.getCheck(name, 'serfHealth'))?.value;
  return { tracker, catalog, statusOf, serfHealth };
}

describe('the leader keeps the member list and the catalog in step', () => {
  test('alive -> failed after silence -> alive again -> reaped after reconnect_timeout', async () => {
    const { tracker, catalog, statusOf, serfHealth } = setup({ failAfterMs: 300, reconnectTimeoutMs: 600, tombstoneTimeoutMs: 60_000 });
    const reply = await tracker.heartbeat({ member: member('c1'), status: 1 });
    expect(reply.servers).toEqual([]);
    expect(await statusOf('c1')).toBe(1);
    expect(await serfHealth('c1')).toMatchObject({ Status: 'passing', Output: 'Agent alive and reachable', Name: 'Serf Health Status' });
    expect((await catalog.getNode('c1'))?.value).toMatchObject({ Node: 'c1', Address: '127.0.1.50' });

    await waitFor(async () => (await statusOf('c1')) === 4, { timeoutMs: 15_000, what: 'c1 failed' });
    expect(await serfHealth('c1')).toMatchObject({ Status: 'critical', Output: 'Agent not live or unreachable' });

    await tracker.heartbeat({ member: member('c1'), status: 1 });
    expect(await statusOf('c1')).toBe(1);
    expect((await serfHealth('c1'))?.Status).toBe('passing');

    // silent for good: failed, then reaped (the record and the node go)
    await waitFor(async () => (await statusOf('c1')) === 4, { timeoutMs: 15_000, what: 'c1 failed again' });
    await waitFor(async () => (await statusOf('c1')) === undefined, { timeoutMs: 15_000, what: 'c1 reaped' });
    expect(await catalog.getNode('c1')).toBeUndefined();
  });

  test('a graceful leave: leaving, then left, and the node leaves the catalog', async () => {
    const { tracker, catalog, statusOf } = setup({ failAfterMs: 60_000, reconnectTimeoutMs: 60_000, tombstoneTimeoutMs: 60_000 });
    await tracker.heartbeat({ member: member('c2'), status: 1 });
    await tracker.heartbeat({ member: member('c2'), status: 2 });
    expect(await statusOf('c2')).toBe(2);
    await tracker.heartbeat({ member: member('c2'), status: 3 });
    expect(await statusOf('c2')).toBe(3);
    expect(await catalog.getNode('c2')).toBeUndefined();
  });

  test('an alive heartbeat that arrives after the leave it preceded does not bring the member back', async () => {
    const { tracker, statusOf } = setup({ failAfterMs: 60_000, reconnectTimeoutMs: 60_000, tombstoneTimeoutMs: 60_000 });
    await tracker.heartbeat({ member: member('c5'), status: 1, seq: 10 });
    await tracker.heartbeat({ member: member('c5'), status: 2, seq: 12 });
    await tracker.heartbeat({ member: member('c5'), status: 3, seq: 13 });
    // sent before the leave (seq 11), slow in flight
    await tracker.heartbeat({ member: member('c5'), status: 1, seq: 11 });
    expect(await statusOf('c5')).toBe(3);
    // the agent restarted and joins again: a later heartbeat is heard
    await tracker.heartbeat({ member: member('c5'), status: 1, seq: 20 });
    expect(await statusOf('c5')).toBe(1);
  });

  test('force-leave: unknown is refused with Consul\'s text, alive stays alive, failed turns left, prune forgets', async () => {
    const { tracker, statusOf } = setup({ failAfterMs: 300, reconnectTimeoutMs: 60_000, tombstoneTimeoutMs: 60_000 });
    await expect(tracker.forceLeave({ node: 'ghost', prune: false })).rejects.toThrow("agent: No node found with name 'ghost'");
    await tracker.heartbeat({ member: member('c3'), status: 1 });
    await tracker.forceLeave({ node: 'c3', prune: false });
    expect(await statusOf('c3')).toBe(1);
    await waitFor(async () => (await statusOf('c3')) === 4, { timeoutMs: 15_000, what: 'c3 failed' });
    await tracker.forceLeave({ node: 'c3', prune: false });
    expect(await statusOf('c3')).toBe(3);
    await tracker.forceLeave({ node: 'c3', prune: true });
    expect(await statusOf('c3')).toBeUndefined();
  });
});
