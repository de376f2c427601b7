import { describe, expect, it } from 'vitest';
import { MemberStore, encodeMemberContext } from '../../../src/native/node/members.js';
import { ConfChangeType } from '../../../src/native/raft/api.js';
import { decodeEnvelope, encodeEnvelope, EnvelopeKind } from '../../../src/native/node/envelope.js';
import { IdGenerator } from '../../../src/native/node/id-generator.js';
import { parseRetentionMs } from '../../../src/native/node/auto-compactor.js';

const member = (id: bigint, learner = false) => ({ id, name: '', peerURLs: [`http://10.0.0.${Number(id)}:2380`], clientURLs: [], isLearner: learner });

describe('MemberStore', () => {
  it('follows conf changes and attribute publications, idempotently, sorted by ID', () => {
    const s = new MemberStore();
    const add = (id: bigint, learner = false) =>
      s.applyConfChange({ type: learner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode, nodeId: id, context: encodeMemberContext(member(id, learner)) });
    expect(add(3n)?.kind).toBe('added');
    expect(add(3n)).toBeUndefined(); // a replay changes nothing
    add(2n, true);
    s.applyAttributes({ id: '3', name: 'm3', clientURLs: ['http://10.0.0.3:2379'] });
    expect(s.isStarted(3n)).toBe(true);
    expect(s.isStarted(2n)).toBe(false);
    expect(s.list().map((m) => [m.id, m.name, m.isLearner])).toEqual([
      [2n, '', true],
      [3n, 'm3', false],
    ]);
    expect(add(2n)?.kind).toBe('updated'); // AddNode of a learner promotes it
    expect(s.get(2n)?.isLearner).toBe(false);
    s.applyConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2n, context: new Uint8Array(0) });
    expect(add(2n)).toBeUndefined(); // a removed ID never comes back
    expect(s.isRemoved(2n)).toBe(true);

    const copy = new MemberStore();
    copy.load(JSON.parse(JSON.stringify(s.toJSON())));
    expect(copy.list()).toEqual(s.list());
    expect(copy.isRemoved(2n)).toBe(true);
  });
});

describe('entry envelope', () => {
  it('round-trips kind, proposer and request ID around the payload; empty data is the leader no-op', () => {
    const e = decodeEnvelope(encodeEnvelope(EnvelopeKind.Store, 0xffffffffffffffffn, 2 ** 52 + 7, Buffer.from('cmd')));
    expect(e?.kind).toBe(EnvelopeKind.Store);
    expect(e?.proposer).toBe(0xffffffffffffffffn);
    expect(e?.requestId).toBe(2 ** 52 + 7);
    expect(Buffer.from(e!.payload).toString()).toBe('cmd');
    expect(decodeEnvelope(new Uint8Array(0))).toBeUndefined();
    expect(() => decodeEnvelope(new Uint8Array(20).fill(9))).toThrow(/unknown entry envelope kind/);
  });
});

describe('IdGenerator', () => {
  it('puts the member ID in the top 16 bits and counts up', () => {
    const g = new IdGenerator(0xabcd1234n, 1_000_000);
    const a = g.next();
    const b = g.next();
    expect(a >> 48n).toBe(0x1234n);
    expect(b - a).toBe(1n);
  });
});

describe('parseRetentionMs', () => {
  it('reads Go durations and bare hours as etcd 3.4 does', () => {
    expect(parseRetentionMs('1')).toBe(3_600_000);
    expect(parseRetentionMs('1h30m')).toBe(5_400_000);
    expect(parseRetentionMs('10s')).toBe(10_000);
    expect(parseRetentionMs('500ms')).toBe(500);
    expect(() => parseRetentionMs('ten')).toThrow(/invalid auto-compaction retention/);
  });
});

describe('AutoCompactor', () => {
  it('revision mode compacts to current - retention every 5 minutes, on the leader only', async () => {
    const { vi } = await import('vitest');
    const { AutoCompactor } = await import('../../../src/native/node/auto-compactor.js');
    vi.useFakeTimers();
    try {
      let rev = 100;
      let leader = true;
      const compacted: number[] = [];
      const c = new AutoCompactor(
        { mode: 'revision', retention: '10' },
        {
          isLeader: () => leader,
          currentRevision: () => rev,
          compact: (r) => {
            compacted.push(r);
            return Promise.resolve();
          },
          logger: { info: () => undefined, warn: () => undefined } as never,
        },
      );
      c.start();
      await vi.advanceTimersByTimeAsync(4 * 60_000);
      expect(compacted).toEqual([]);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(compacted).toEqual([90]);
      await vi.advanceTimersByTimeAsync(5 * 60_000); // nothing changed: no second compaction
      expect(compacted).toEqual([90]);
      leader = false;
      rev = 200;
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(compacted).toEqual([90]);
      leader = true;
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      expect(compacted).toEqual([90, 190]);
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('periodic mode compacts to the revision of one retention period ago', async () => {
    const { vi } = await import('vitest');
    const { AutoCompactor } = await import('../../../src/native/node/auto-compactor.js');
    vi.useFakeTimers();
    try {
      let rev = 1;
      const compacted: number[] = [];
      const c = new AutoCompactor(
        { mode: 'periodic', retention: '10m' },
        {
          isLeader: () => true,
          currentRevision: () => rev,
          compact: (r) => {
            compacted.push(r);
            return Promise.resolve();
          },
          logger: { info: () => undefined, warn: () => undefined } as never,
        },
      );
      c.start();
      // One write per minute; samples every minute (retention / 10).
      for (let m = 1; m <= 10; m++) {
        rev++;
        await vi.advanceTimersByTimeAsync(60_000);
      }
      expect(compacted).toHaveLength(1);
      expect(compacted[0]).toBeLessThanOrEqual(2); // the revision current ~10 minutes earlier
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
