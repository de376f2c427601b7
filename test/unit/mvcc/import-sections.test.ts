// MvccStore.importSections writes a store from sections given in key order (an etcd restore's
// conversion): a section may be a function putting its entries itself. What it wrote is what a
// member opening the store serves; a key out of order fails the import (LMDB's append mode), and
// the import reports how long the writing and the closing sync took.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { rangeRequest } from '../../../src/adapters/requests.js';
import { MvccStore, openMvccStore } from '../../../src/native/mvcc/index.js';
import { encodeKvRecord } from '../../../src/native/mvcc/kv-record.js';
import { encodeRevKey } from '../../../src/native/mvcc/revision.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storeDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dcsgw-import-sections-'));
  dirs.push(d);
  return join(d, 'db');
}

function record(key: string, value: string, createRevision: number, modRevision: number, version: number): Buffer {
  return encodeKvRecord({ key: Buffer.from(key), value: Buffer.from(value), createRevision, modRevision, version, lease: 0n });
}

function state(consistentIndex: number, revision: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeDoubleLE(consistentIndex, 0);
  b.writeDoubleLE(revision, 8);
  b.writeDoubleLE(-1, 16);
  return b;
}

describe('MvccStore.importSections', () => {
  it('a section given as a put function: the opened store serves its records at their revisions', async () => {
    const dir = storeDir();
    const times = await MvccStore.importSections({ dir, quotaBackendBytes: -1, minLeaseTtl: 1, logger }, [
      (put) => {
        put(encodeRevKey(2, 0, false), record('a', 'one', 2, 2, 1));
        put(encodeRevKey(3, 0, false), record('b', 'two', 3, 3, 1));
        put(encodeRevKey(4, 0, false), record('a', 'three', 2, 4, 2));
      },
      [],
      [{ key: Buffer.from('state'), value: state(9, 4) }],
      [],
    ]);
    expect(times.writeMs).toBeGreaterThanOrEqual(0);
    expect(times.syncMs).toBeGreaterThanOrEqual(0);
    const store = openMvccStore({ dir, quotaBackendBytes: -1, minLeaseTtl: 1, logger });
    try {
      expect(store.currentRevision()).toBe(4);
      expect(store.consistentIndex()).toBe(9);
      const all = store.range(rangeRequest(Buffer.from('a'), { rangeEnd: Buffer.from('c') }));
      expect(all.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.createRevision, kv.modRevision, kv.version])).toEqual([
        ['a', 'three', 2, 4, 2],
        ['b', 'two', 3, 3, 1],
      ]);
      const old = store.range(rangeRequest(Buffer.from('a'), { revision: 3 }));
      expect(old.kvs.map((kv) => kv.value.toString())).toEqual(['one']);
    } finally {
      store.close();
    }
  });

  it("a key out of order fails the import, saying which (append mode alone would skip it)", async () => {
    const dir = storeDir();
    await expect(
      MvccStore.importSections({ dir, quotaBackendBytes: -1, minLeaseTtl: 1, logger }, [
        (put) => {
          put(encodeRevKey(3, 0, false), record('b', 'two', 3, 3, 1));
          put(encodeRevKey(2, 0, false), record('a', 'one', 2, 2, 1));
        },
        [],
        [{ key: Buffer.from('state'), value: state(9, 3) }],
        [],
      ]),
    ).rejects.toThrow(/section 0: key 0000000000000002/);
  });
});
