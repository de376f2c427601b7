import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeNode, type NativeNodeConfig } from '../../../src/native/node.js';
import { FakeStateMachine } from './fake-state-machine.js';

const dirs: string[] = [];
const nodes: NativeNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ID = 0x8e9e05c52164694dn;
function config(dataDir: string, sm: FakeStateMachine, over: Partial<NativeNodeConfig> = {}): NativeNodeConfig {
  return {
    name: 'n1',
    memberId: ID,
    clusterId: 0xcdf818194e3a8c32n,
    dataDir,
    initialCluster: [{ id: ID, name: 'n1', peerURLs: ['http://127.0.0.1:24380'] }],
    initialClusterState: 'new',
    clientURLs: ['http://127.0.0.1:24379'],
    peerURLs: ['http://127.0.0.1:24380'],
    heartbeatMs: 100,
    electionMs: 1000,
    snapshotCount: 100000,
    stateMachine: sm,
    logger: pino({ level: 'silent' }),
    ...over,
  };
}
async function startNode(dataDir: string, over: Partial<NativeNodeConfig> = {}) {
  const sm = new FakeStateMachine(join(dataDir, 'fake-sm.json'));
  const node = new NativeNode(config(dataDir, sm, over));
  nodes.push(node);
  await node.start();
  await node.ready();
  return { node, sm };
}
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcsgw-node-'));
  dirs.push(d);
  return d;
}
const put = (key: string, value: string) =>
  ({ kind: 'put', req: { key: Buffer.from(key), value: Buffer.from(value), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }) as const;

describe('NativeNode, single member', () => {
  it('becomes leader, publishes itself and applies proposals', async () => {
    const dir = tmp();
    const { node, sm } = await startNode(dir);
    expect(node.isLeader()).toBe(true);
    expect(node.leader()).toBe(ID);
    expect(node.members.list()).toEqual([
      { id: ID, name: 'n1', peerURLs: ['http://127.0.0.1:24380'], clientURLs: ['http://127.0.0.1:24379'], isLearner: false },
    ]);
    const r = await node.propose(put('a', '1'));
    expect(r).toMatchObject({ ok: true, revision: 2 });
    expect(sm.get('a')).toBe('1');
    // etcd's layout: a bootstrap conf change, the leader's no-op, the cluster version, the publication, the put.
    expect(node.appliedRaftIndex()).toBe(5);
    await node.linearizableRead();
  });

  it('group-commits many concurrent proposals and applies them all in order', async () => {
    const dir = tmp();
    let syncs = 0;
    const { node, sm } = await startNode(dir, { onWalSync: () => void syncs++ });
    const before = syncs;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => node.propose(put(`k${i}`, `v${i}`))));
    // Group commit: 200 proposals made in one go share a handful of fdatasyncs, not 200.
    expect(syncs - before).toBeLessThanOrEqual(3);
    const revs = results.map((r) => r.revision);
    expect(new Set(revs).size).toBe(200);
    expect(Math.max(...revs)).toBe(201);
    expect(sm.get('k199')).toBe('v199');
    // The 200 writes were applied in proposal order.
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
  });

  it('restarts with everything acknowledged, replaying the WAL into a store that lost its state', async () => {
    const dir = tmp();
    const first = await startNode(dir);
    for (let i = 0; i < 10; i++) await first.node.propose(put(`k${i}`, `v${i}`));
    await first.node.stop();
    nodes.splice(nodes.indexOf(first.node), 1);
    rmSync(join(dir, 'fake-sm.json')); // the store lost everything: the WAL must bring it back

    const again = await startNode(dir);
    expect(again.node.isLeader()).toBe(true);
    expect(again.sm.get('k9')).toBe('v9');
    const r = await again.node.propose(put('after', 'restart'));
    expect(r.revision).toBe(12);
    expect(again.node.members.list()[0]!.name).toBe('n1');
  });

  it('does not apply entries the store already has when it restarts', async () => {
    const dir = tmp();
    const first = await startNode(dir);
    for (let i = 0; i < 5; i++) await first.node.propose(put(`k${i}`, `v${i}`));
    await first.node.stop();
    nodes.splice(nodes.indexOf(first.node), 1);
    // FakeStateMachine throws if an index is applied twice; a restart must skip up to its consistent index.
    const again = await startNode(dir);
    expect(again.sm.state.applied).toHaveLength(5); // the five puts, each applied once
    expect(again.sm.get('k4')).toBe('v4');
  });

  it('takes snapshots, releases the WAL, and restarts from the snapshot', async () => {
    const dir = tmp();
    const first = await startNode(dir, { snapshotCount: 20, snapshotCatchUpEntries: 5, walSegmentBytes: 4096 });
    for (let i = 0; i < 60; i++) await first.node.propose(put(`k${i % 7}`, `v${i}`));
    const snaps = readdirSync(join(dir, 'member', 'snap')).filter((n) => n.endsWith('.snap'));
    expect(snaps.length).toBeGreaterThan(0);
    await first.node.stop();
    nodes.splice(nodes.indexOf(first.node), 1);
    rmSync(join(dir, 'fake-sm.json')); // only the snapshot + WAL tail can rebuild the store now
    const again = await startNode(dir, { snapshotCount: 20, snapshotCatchUpEntries: 5, walSegmentBytes: 4096 });
    expect(again.sm.get('k3')).toBe('v59'); // 59 % 7 === 3: the last write of k3
    expect(again.sm.currentRevision()).toBe(61);
    expect(again.node.members.list()[0]!.clientURLs).toEqual(['http://127.0.0.1:24379']);
  });

  it('keeps committing writes while a snapshot waits for the store to reach disk, and finishes the snapshot after', async () => {
    // A store that persists itself is its own snapshot: the snapshot waits for its flush, which
    // can take half a second at a gigabyte of fresh pages. Writes must not wait with it.
    const dir = tmp();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let flushes = 0;
    const sm = Object.assign(new FakeStateMachine(join(dir, 'fake-sm.json')), {
      flush: async () => {
        flushes++;
        await held;
      },
    });
    const node = new NativeNode(config(dir, sm, { snapshotCount: 20, snapshotCatchUpEntries: 5 }));
    nodes.push(node);
    await node.start();
    await node.ready();
    const snaps = () => readdirSync(join(dir, 'member', 'snap')).filter((n) => n.endsWith('.snap'));
    for (let i = 0; i < 25; i++) await node.propose(put(`k${i}`, `v${i}`));
    expect(flushes).toBe(1);
    // the flush is held: more writes are acknowledged meanwhile, and no snapshot is recorded yet
    for (let i = 25; i < 40; i++) await node.propose(put(`k${i}`, `v${i}`));
    expect(sm.get('k39')).toBe('v39');
    expect(snaps()).toEqual([]);
    expect(flushes).toBe(1);
    release();
    for (let i = 0; i < 100 && snaps().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(snaps()).toHaveLength(1);
    // the next write finds the next snapshot due (40 applied, the first at about 20) and takes it
    await node.propose(put('k40', 'v40'));
    for (let i = 0; i < 100 && snaps().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(snaps()).toHaveLength(2);
  });

  it('applies a Ready of megabytes in pieces of about 256 KiB, every write acknowledged with its own revision', async () => {
    // 64 writes of 64 KiB proposed at once: one Ready can carry all 4 MiB. Applied in one store
    // transaction it held the event loop for the whole of it; in pieces the loop turns between.
    const dir = tmp();
    const sm = new FakeStateMachine(join(dir, 'fake-sm.json'));
    const pieces: number[] = [];
    const applyBatch = sm.applyBatch.bind(sm);
    sm.applyBatch = (batch) => {
      pieces.push(batch.reduce((n, c) => n + (c.command?.kind === 'put' ? c.command.req.value.length : 0), 0));
      return applyBatch(batch);
    };
    const node = new NativeNode(config(dir, sm));
    nodes.push(node);
    await node.start();
    await node.ready();
    const big = (i: number) => String.fromCharCode(97 + (i % 26)).repeat(64 * 1024);
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => node.propose(put(`big${i}`, big(i)))));
    const revisions = results.map((r) => r.revision).sort((a, b) => a - b);
    expect(new Set(revisions).size).toBe(64);
    for (let i = 0; i < 64; i++) expect(sm.get(`big${i}`)).toBe(big(i));
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(64 * 64 * 1024);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    expect(pieces.filter((n) => n > 0).length).toBeGreaterThanOrEqual(16);
  });

  it('without quorum is never ready; stopping fails the wait, and waiting proposals time out first', async () => {
    const dir = tmp();
    const sm = new FakeStateMachine();
    const peers = [ID, 2n, 3n].map((id, i) => ({ id, name: `n${i}`, peerURLs: [`http://127.0.0.1:2439${i}`] }));
    const node = new NativeNode(config(dir, sm, { initialCluster: peers, requestTimeoutMs: 300 }));
    await node.start();
    let ready = false;
    const readyOutcome = node.ready().then(
      () => (ready = true),
      (e: Error) => e.message,
    );
    await expect(node.propose(put('a', '1'))).rejects.toThrow('etcdserver: request timed out');
    await expect(node.linearizableRead()).rejects.toThrow('etcdserver: request timed out');
    expect(ready).toBe(false);
    expect(node.leader()).toBe(0n);
    await node.stop();
    expect(await readyOutcome).toBe('etcdserver: server stopped');
  });

  it('fails waiting proposals with "server stopped" when stopped', async () => {
    const dir = tmp();
    const { node } = await startNode(dir);
    await node.stop();
    await expect(node.propose(put('x', 'y'))).rejects.toThrow('etcdserver: server stopped');
  });
});

describe('NativeNode, crash before the bootstrap entries were synced', () => {
  it('bootstraps again from a WAL that holds no raft state, instead of restarting memberless', async () => {
    const dir = tmp();
    // What a kill -9 right after the WAL was created leaves: the metadata segment, no entries, no hard state.
    const { Wal } = await import('../../../src/native/wal/wal.js');
    const wal = await Wal.create(join(dir, 'member', 'wal'), { memberId: ID, clusterId: 0xcdf818194e3a8c32n });
    await wal.close();
    const { node, sm } = await startNode(dir);
    expect(node.isLeader()).toBe(true);
    expect(node.members.list().map((m) => m.id)).toEqual([ID]);
    const r = await node.propose(put('a', '1'));
    expect(r).toMatchObject({ ok: true });
    expect(sm.get('a')).toBe('1');
    // The bootstrap went into the log the crash left behind: a restart replays it as any other.
    await node.stop();
    const again = await startNode(dir);
    expect(again.node.isLeader()).toBe(true);
    expect(again.node.members.list().map((m) => m.id)).toEqual([ID]);
    expect(again.sm.get('a')).toBe('1');
  });
});
