import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeBackend, createNativeBackend } from '../../../src/adapters/native.js';
import { putReq, rangeReq, until } from './helpers.js';
import { MemoryNetwork } from './memory-transport.js';

// A one-member cluster keeps only a short tail of its applied raft log in memory (nobody else
// could ask for older entries), so a member added after many writes is caught up from a snapshot,
// and one added right after a handful of writes still from the log. Over the in-memory network.
const FIRST = 0x2001n;
const root = mkdtempSync(join(tmpdir(), 'dcsgw-lone-voter-'));
const net = new MemoryNetwork();
const up = new Map<bigint, NativeBackend>();
const peerURL = (id: bigint) => `http://127.0.0.1:${16400 + Number(id & 0xffn)}`;

async function start(id: bigint, state: 'new' | 'existing', initial: bigint[]): Promise<NativeBackend> {
  const be = await createNativeBackend({
    name: `n${id.toString(16)}`,
    dataDir: join(root, id.toString(16)),
    memberId: id,
    clusterId: 0x78n,
    initialCluster: initial.map((x) => ({ id: x, name: `n${x.toString(16)}`, peerURLs: [peerURL(x)] })),
    initialClusterState: state,
    advertiseClientURLs: [`http://127.0.0.1:${16500 + Number(id & 0xffn)}`],
    advertisePeerURLs: [peerURL(id)],
    snapshotCount: 500, // snapshots are taken between the trims (the trim must not go behind them)
    heartbeatMs: 50,
    electionMs: 500,
    quotaBackendBytes: 2 ** 31,
    requestTimeoutMs: 3000,
    transport: net.transport(id),
    logger: pino({ level: 'silent' }),
  });
  up.set(id, be);
  return be;
}

afterAll(async () => {
  for (const be of up.values()) await be.close();
  rmSync(root, { recursive: true, force: true });
});

async function addAndCatchUp(l: NativeBackend, key: string, value: string): Promise<bigint> {
  const added = await l.memberAdd({ peerURLs: [peerURL(BigInt(0x2010 + up.size))], isLearner: true });
  const id = added.member.id;
  const joiner = await start(id, 'existing', added.members.map((m) => m.id));
  await joiner.ready();
  await until(`member ${id.toString(16)} to catch up`, async () => {
    const r = await joiner.range(rangeReq(key, { serializable: true }));
    return r.kvs[0]?.value.toString() === value;
  });
  return id;
}

const snapFiles = (id: bigint) => {
  const dir = join(root, id.toString(16), 'member', 'snap');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.snap')) : [];
};

describe('a lone voter trims its in-memory raft log', () => {
  it('catches a member added after a few writes up from the log, one added after 2000 writes from a snapshot', async () => {
    const l = await start(FIRST, 'new', [FIRST]);
    await l.ready();
    for (let i = 0; i < 20; i++) await l.put(putReq(`few${i}`, `v${i}`));
    // a handful of writes: still in the leader's log, replicated entry by entry (no snapshot file)
    const early = await addAndCatchUp(l, 'few19', 'v19');
    expect(snapFiles(early)).toEqual([]);
    await up.get(early)!.close();
    up.delete(early);
    await l.memberRemove(early);

    // alone again: 2000 writes later the early entries are gone from memory (the WAL keeps them)
    // in rounds of 16 (small Readies, as many clients make): a snapshot lands between two trims
    for (let i = 0; i < 2000; i += 16) await Promise.all(Array.from({ length: 16 }, (_, j) => l.put(putReq(`k${(i + j) % 100}`, `v${i + j}`))));
    const late = await addAndCatchUp(l, 'k99', 'v1999');
    expect(snapFiles(late).length).toBe(1);
    const r = await up.get(late)!.range(rangeReq('k', { rangeEnd: Buffer.from('l'), serializable: true }));
    expect(r.count).toBe(100);
    expect((await up.get(late)!.range(rangeReq('few0', { serializable: true }))).kvs[0]?.value.toString()).toBe('v0');

    // restarted, the leader has everything (its WAL holds what the in-memory log let go)
    await up.get(late)!.close();
    up.delete(late);
    await l.memberRemove(late);
    await l.close();
    up.delete(FIRST);
    const again = await start(FIRST, 'new', [FIRST]);
    await again.ready();
    expect((await again.range(rangeReq('k99'))).kvs[0]?.value.toString()).toBe('v1999');
    expect((await again.range(rangeReq('few0'))).kvs[0]?.value.toString()).toBe('v0');
  });
});
