// Read-only txns take etcd's read path on the native store: no raft proposal (the raft index and
// the WAL stay put, no fsync), a linearizable one waits for a ReadIndex (so a follower sees a
// write the leader acknowledged just before), a serializable one is answered locally; txns with a
// write still go through the log.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CompareResult, CompareTarget, type RequestOp, type TxnRequest } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import { type NativeBackend, type NodeMetricsSink, createNativeBackend } from '../../../src/adapters/native.js';
import { b, putReq, rangeReq, singleMemberConfig, until } from './helpers.js';
import { MemoryNetwork } from './memory-transport.js';

const get = (key: string, serializable = false, over: Partial<ReturnType<typeof rangeReq>> = {}): RequestOp => ({
  requestRange: rangeReq(key, { serializable, ...over }),
});
const txn = (t: Partial<TxnRequest>): TxnRequest => ({ compare: [], success: [], failure: [], ...t });
const valueOf = (r: { responses: { responseRange?: { kvs: { value: Buffer }[] } }[] }, i = 0) => r.responses[i]?.responseRange?.kvs[0]?.value.toString();

function walBytes(dataDir: string): number {
  const dir = join(dataDir, 'member', 'wal');
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** Counts the WAL fsyncs the member reports (etcd_disk_wal_fsync_duration_seconds observations). */
function fsyncCounter(): NodeMetricsSink & { fsyncs: number } {
  const sink = {
    fsyncs: 0,
    walFsyncDuration: { observe: () => void sink.fsyncs++ },
    proposalsPending: { set: () => undefined },
    proposalsFailed: { inc: () => undefined },
  };
  return sink;
}

const dirs: string[] = [];
const backends: NativeBackend[] = [];
afterEach(async () => {
  for (const x of backends.splice(0)) await x.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('read-only txn, one member', () => {
  async function open() {
    const dataDir = mkdtempSync(join(tmpdir(), 'dcsgw-rotxn-'));
    dirs.push(dataDir);
    const metrics = fsyncCounter();
    const be = await createNativeBackend({
      ...singleMemberConfig({ dataDir, memberId: 0x8e9e05c52164694dn, clusterId: 0xcdf818194e3a8c32n, clientURL: 'http://127.0.0.1:1', peerURL: 'http://127.0.0.1:2' }),
      metrics,
    });
    backends.push(be);
    await be.ready();
    return { be, dataDir, metrics };
  }

  it('100 read-only txns (linearizable and serializable) move neither the raft index nor the WAL; 100 writes do', async () => {
    const { be, dataDir, metrics } = await open();
    await be.put(putReq('/k', 'v1'));
    await be.put(putReq('/m', 'meta'));
    // let the WAL settle (the put's Ready is done once it is acknowledged, but be sure)
    await new Promise((r) => setTimeout(r, 100));
    const index0 = be.node.committedIndex();
    const wal0 = walBytes(dataDir);
    const fsync0 = metrics.fsyncs;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        be.txn(
          txn({
            compare: [{ key: b('/k'), rangeEnd: b(''), target: CompareTarget.VALUE, result: CompareResult.EQUAL, value: b('v1') }],
            success: [get('/k', i % 2 === 0), get('/m', i % 2 === 0)],
            failure: [get('/nothing', i % 2 === 0)],
          }),
        ),
      ),
    );
    for (const a of answers) {
      expect(a.succeeded).toBe(true);
      expect([valueOf(a, 0), valueOf(a, 1)]).toEqual(['v1', 'meta']);
      expect(a.header.revision).toBe(3);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(be.node.committedIndex()).toBe(index0);
    expect(walBytes(dataDir)).toBe(wal0);
    expect(metrics.fsyncs).toBe(fsync0);

    // the same count of write txns does grow the log
    for (let i = 0; i < 100; i++) await be.txn(txn({ success: [{ requestPut: putReq(`/w${i}`, 'x') }] }));
    expect(be.node.committedIndex()).toBe(index0 + 100);
    expect(walBytes(dataDir)).toBeGreaterThan(wal0);
    expect(metrics.fsyncs).toBeGreaterThan(fsync0);
    // and a txn whose only write is nested is a write txn too (etcd's isTxnReadonly)
    await be.txn(txn({ success: [{ requestTxn: txn({ success: [get('/k')] }) }] }));
    expect(be.node.committedIndex()).toBe(index0 + 101);
  });

  it("answers as etcd: headers (the txn's revision nested), branches, compacted and future revisions", async () => {
    const { be } = await open();
    const p1 = await be.put(putReq('/a', '1'));
    await be.put(putReq('/a', '2'));
    const r = await be.txn(
      txn({
        compare: [{ key: b('/a'), rangeEnd: b(''), target: CompareTarget.VERSION, result: CompareResult.GREATER, version: 5 }],
        success: [get('/a')],
        failure: [get('/a', false, { revision: p1.header.revision }), get('/a')],
      }),
    );
    expect(r.succeeded).toBe(false);
    expect(r.header).toEqual({ clusterId: be.clusterId, memberId: be.memberId, revision: 3, raftTerm: be.node.raftTerm() });
    expect([valueOf(r, 0), valueOf(r, 1)]).toEqual(['1', '2']);
    for (const op of r.responses) expect(op.responseRange!.header).toEqual({ clusterId: 0n, memberId: 0n, revision: 3, raftTerm: 0 });

    await expect(be.txn(txn({ success: [get('/a', false, { revision: 4 })] }))).rejects.toThrow(Errors.FutureRev.message);
    await expect(be.txn(txn({ success: [get('/a', true, { revision: 4 })] }))).rejects.toThrow(Errors.FutureRev.message);
    await be.compact({ revision: 3, physical: false });
    await expect(be.txn(txn({ success: [get('/a', false, { revision: 2 })] }))).rejects.toThrow(Errors.Compacted.message);
    await expect(be.txn(txn({ success: [get('/a', true, { revision: 2 })] }))).rejects.toThrow(Errors.Compacted.message);
    // an empty txn (compares only) is read-only and serializable: answered at once
    const empty = await be.txn(txn({ compare: [{ key: b('/a'), rangeEnd: b(''), target: CompareTarget.MOD, result: CompareResult.EQUAL, modRevision: 3 }] }));
    expect(empty).toEqual({ header: { clusterId: be.clusterId, memberId: be.memberId, revision: 3, raftTerm: be.node.raftTerm() }, succeeded: true, responses: [] });
  });

  it('the system keyspace is read through a read-only txn too (Consul KV GET shape)', async () => {
    const { be } = await open();
    await be.txn(txn({ success: [{ requestPut: putReq('k', 'value') }, { requestPut: { ...putReq('kv/k', 'flags'), keyspace: 'system' } }] }));
    const r = await be.txn(txn({ success: [get('k'), { requestRange: { ...rangeReq('kv/k'), keyspace: 'system' } }, { requestRange: { ...rangeReq('kv/k') } }] }));
    expect([valueOf(r, 0), valueOf(r, 1), valueOf(r, 2)]).toEqual(['value', 'flags', undefined]);
  });
});

describe('read-only txn, three members (in-memory network)', () => {
  const IDS = [0x1a2b3c4d5e6f7081n, 0x2b3c4d5e6f708192n, 0x3c4d5e6f708192a3n];
  const root = mkdtempSync(join(tmpdir(), 'dcsgw-rotxn-cluster-'));
  const net = new MemoryNetwork();
  const members: NativeBackend[] = [];
  afterAll(async () => {
    for (const m of members) await m.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a linearizable read-only txn through a follower sees the write the leader just acknowledged; the log does not grow', async () => {
    const peer = (i: number) => `http://127.0.0.1:${25391 + i}`;
    for (let i = 0; i < 3; i++) {
      members.push(
        await createNativeBackend({
          name: `m${i}`,
          dataDir: join(root, `m${i}`),
          memberId: IDS[i]!,
          clusterId: 0x99aa5c0ffee00001n,
          initialCluster: IDS.map((id, j) => ({ id, name: `m${j}`, peerURLs: [peer(j)] })),
          initialClusterState: 'new',
          advertiseClientURLs: [`http://127.0.0.1:${25381 + i}`],
          advertisePeerURLs: [peer(i)],
          snapshotCount: 100000,
          heartbeatMs: 50,
          electionMs: 500,
          quotaBackendBytes: 2 ** 31,
          transport: net.transport(IDS[i]!),
          preVote: false,
          requestTimeoutMs: 2000,
          logger: pino({ level: 'silent' }),
        }),
      );
    }
    await Promise.all(members.map((m) => m.ready()));
    const leader = await until('a leader', () => members.find((m) => m.isLeader()));
    const followers = members.filter((m) => m !== leader);

    let staleSerializable = 0;
    for (let i = 0; i < 60; i++) {
      const w = await leader.put(putReq('/lin', `v${i}`));
      const f = followers[i % 2]!;
      // The serializable read is taken first, in the same tick: it may lag (that is what it promises).
      const local = f.txn(txn({ success: [get('/lin', true)] }));
      const lin = await f.txn(txn({ success: [get('/lin')] }));
      expect(valueOf(lin)).toBe(`v${i}`);
      expect(lin.header.revision).toBeGreaterThanOrEqual(w.header.revision);
      if (valueOf(await local) !== `v${i}`) staleSerializable++;
    }
    // The local read lags (the follower learns the commit on the next append/heartbeat): the
    // linearizable answer above is due to its ReadIndex wait, not to luck.
    expect(staleSerializable).toBeGreaterThan(0);

    await until('the followers caught up', () => followers.every((f) => f.node.appliedRaftIndex() === leader.node.appliedRaftIndex()));
    const indexes = members.map((m) => m.node.committedIndex());
    const wals = members.map((_, i) => walBytes(join(root, `m${i}`)));
    await Promise.all(Array.from({ length: 100 }, (_, i) => members[i % 3]!.txn(txn({ success: [get('/lin', i % 4 === 0)] }))));
    await new Promise((r) => setTimeout(r, 200));
    expect(members.map((m) => m.node.committedIndex())).toEqual(indexes);
    expect(members.map((_, i) => walBytes(join(root, `m${i}`)))).toEqual(wals);
  });
});
