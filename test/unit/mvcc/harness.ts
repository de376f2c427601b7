// A store in a temporary directory plus helpers that apply commands the way the node does
// (committed entries with increasing raft indexes), so tests read like etcdctl sessions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type {
  Compare,
  DeleteRangeRequest,
  Event,
  KeyValue,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
  WatchListener,
  WatchOptions,
} from '../../../src/adapters/backend.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import type { ApplyResult, ApplyValue, Command } from '../../../src/native/mvcc/api.js';
import { openMvccStore, type MvccStore, type MvccStoreOptions } from '../../../src/native/mvcc/index.js';

export const b = (s: string): Buffer => Buffer.from(s);

export class Harness {
  store: MvccStore;
  index = 0;
  clock = 1_000_000;
  readonly dir: string;

  constructor(private readonly extra: Partial<MvccStoreOptions> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'mvcc-test-'));
    this.store = this.open();
  }

  open(): MvccStore {
    return openMvccStore({
      dir: this.dir,
      quotaBackendBytes: -1,
      minLeaseTtl: 2,
      logger: pino({ level: 'silent' }),
      now: () => this.clock,
      ...this.extra,
    });
  }

  /** Close and reopen on the same directory (a restart). */
  reopen(): void {
    this.store.close();
    this.store = this.open();
    this.index = this.store.consistentIndex();
  }

  destroy(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  applyAll(cmds: Command[]): ApplyResult[] {
    return this.store.applyBatch(cmds.map((command) => ({ index: ++this.index, term: 1, command })));
  }

  apply(cmd: Command): ApplyResult {
    return this.applyAll([cmd])[0]!;
  }

  /** Applies and returns the value, throwing the EtcdError of a failed command. */
  ok(cmd: Command): ApplyValue {
    const r = this.apply(cmd);
    if (!r.ok) throw r.error;
    return r.value;
  }

  put(key: string, value: string, extra: Partial<PutRequest> = {}): ApplyValue {
    return this.ok({ kind: 'put', req: putReq(key, value, extra) });
  }

  del(key: string, rangeEnd = '', prevKv = false): ApplyValue {
    return this.ok({ kind: 'deleteRange', req: delReq(key, rangeEnd, prevKv) });
  }

  get(key: string, extra: Partial<RangeRequest> = {}) {
    return this.store.range(rangeReq(key, extra));
  }

  /** Current value of a key as a string, or undefined. */
  val(key: string): string | undefined {
    return this.get(key).kvs[0]?.value.toString();
  }

  txn(t: Partial<TxnRequest>): ApplyValue {
    return this.ok({ kind: 'txn', req: { compare: [], success: [], failure: [], ...t } });
  }
}

export function putReq(key: string, value: string, extra?: Partial<PutRequest>): PutRequest {
  return putRequest(b(key), b(value), extra);
}

export function delReq(key: string, rangeEnd = '', prevKv = false): DeleteRangeRequest {
  return { key: b(key), rangeEnd: rangeEnd === '\0' ? Buffer.from([0]) : b(rangeEnd), prevKv };
}

export function rangeReq(key: string, extra?: Partial<RangeRequest>): RangeRequest {
  return rangeRequest(b(key), extra);
}

export const op = {
  put: (key: string, value: string, extra: Partial<PutRequest> = {}): RequestOp => ({ requestPut: putReq(key, value, extra) }),
  del: (key: string, rangeEnd = ''): RequestOp => ({ requestDeleteRange: delReq(key, rangeEnd) }),
  get: (key: string, extra: Partial<RangeRequest> = {}): RequestOp => ({ requestRange: rangeReq(key, extra) }),
  txn: (t: Partial<TxnRequest>): RequestOp => ({ requestTxn: { compare: [], success: [], failure: [], ...t } }),
};

export function cmp(key: string, target: Compare['target'], result: Compare['result'], v: Partial<Compare>): Compare {
  return { key: b(key), rangeEnd: Buffer.alloc(0), target, result, ...v };
}

/** Prefix range end, as etcdctl --prefix computes it. */
export function prefixEnd(prefix: string): string {
  const bytes = b(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]!++;
      return bytes.subarray(0, i + 1).toString('latin1');
    }
  }
  return '\0';
}

export const keys = (kvs: KeyValue[]): string[] => kvs.map((kv) => kv.key.toString());

/** A listener that records what it is told. */
export class Recorder implements WatchListener {
  calls: { events: Event[]; revision: number }[] = [];
  compacted?: { compactRevision: number; revision: number };
  canceled?: string;
  onEvents(events: Event[], revision: number): void {
    this.calls.push({ events, revision });
  }
  onCompacted(compactRevision: number, revision: number): void {
    this.compacted = { compactRevision, revision };
  }
  onCanceled(reason: string): void {
    this.canceled = reason;
  }
  get events(): Event[] {
    return this.calls.flatMap((c) => c.events);
  }
  /** "PUT k=v@rev" / "DELETE k@rev" lines. */
  get lines(): string[] {
    return this.events.map((e) =>
      e.type === 0 ? `PUT ${e.kv.key}=${e.kv.value}@${e.kv.modRevision}` : `DELETE ${e.kv.key}@${e.kv.modRevision}`,
    );
  }
}

export function watchOpts(key: string, extra: Partial<WatchOptions> = {}): WatchOptions {
  return { key: b(key), rangeEnd: Buffer.alloc(0), startRevision: 0, prevKv: false, filters: [], ...extra };
}

/** Lets setImmediate-driven catch-up run to completion. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
