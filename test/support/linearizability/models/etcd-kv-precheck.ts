// Fast refutation for etcd KV histories: necessary conditions of linearizability that the
// revisions in the responses make checkable in O(n log n), before the (exponential in the worst
// case) search. Each check reports only certain violations, so passing them proves nothing and
// the search still runs; failing one ends the check at once with a precise reason, where the
// search would have to exhaust every linearization of the history before giving up.
import type { Operation } from '../types.js';
import type { KvInput, KvOutput, KvState } from './etcd-kv.js';

type KvOp = Operation<KvInput, KvOutput>;

interface Known {
  op: KvOp;
  /** Store revision just before it applied, and just after. */
  pre: number;
  post: number;
  /** Puts, deletes that deleted, cas that succeeded. */
  effective: boolean;
}

function classify(op: KvOp): Known | undefined {
  const out = op.output;
  if (out === undefined) return undefined;
  switch (out.kind) {
    case 'put':
      return { op, pre: out.revision - 1, post: out.revision, effective: true };
    case 'get':
      return { op, pre: out.revision, post: out.revision, effective: false };
    case 'delete':
      return out.deleted > 0 ? { op, pre: out.revision - 1, post: out.revision, effective: true } : { op, pre: out.revision, post: out.revision, effective: false };
    case 'cas':
      return out.succeeded ? { op, pre: out.revision - 1, post: out.revision, effective: true } : { op, pre: out.revision, post: out.revision, effective: false };
  }
}

/** The written value of an effective write (undefined for a delete). */
function writtenValue(input: KvInput): string | undefined {
  return input.kind === 'put' || input.kind === 'cas' ? input.value : undefined;
}

export function findKvViolation(
  ops: readonly KvOp[],
  initial: KvState,
  describe: (op: KvOp) => string,
): { op: KvOp; reason: string } | undefined {
  const known = ops.map(classify).filter((k): k is Known => k !== undefined);

  // 1. The store starts at the initial revision and never goes back.
  for (const k of known) {
    if (k.pre < initial.revision) return { op: k.op, reason: `revision ${k.pre} precedes the initial revision ${initial.revision}` };
  }

  // 2. Every effective write has a revision of its own.
  const writeAt = new Map<number, Known>();
  for (const k of known) {
    if (!k.effective) continue;
    const other = writeAt.get(k.post);
    if (other) return { op: k.op, reason: `revision ${k.post} was also returned by another write: ${describe(other.op)}` };
    writeAt.set(k.post, k);
  }

  // 3. Real time: if A returned before B was invoked, A applied first, so post(A) <= pre(B).
  const byReturn = known.slice().sort((a, b) => a.op.return - b.op.return);
  const byCall = known.slice().sort((a, b) => a.op.call - b.op.call);
  let best: Known | undefined;
  let i = 0;
  for (const b of byCall) {
    while (i < byReturn.length && byReturn[i]!.op.return < b.op.call) {
      const a = byReturn[i]!;
      if (best === undefined || a.post > best.post) best = a;
      i++;
    }
    if (best !== undefined && best.post > b.pre) {
      return { op: b.op, reason: `it was invoked after ${describe(best.op)} had returned, yet it applied at revision ${b.pre} < ${best.post}` };
    }
  }

  // 4. A read at revision R of key k sees the last write to k at or before R.
  const writesByKey = new Map<string, Known[]>();
  for (const k of known) {
    if (!k.effective) continue;
    const list = writesByKey.get(k.op.input.key) ?? [];
    list.push(k);
    writesByKey.set(k.op.input.key, list);
  }
  for (const list of writesByKey.values()) list.sort((a, b) => a.post - b.post);
  const unknownWrites = ops.filter((op) => op.output === undefined && op.input.kind !== 'get');
  for (const k of known) {
    const out = k.op.output;
    if (out?.kind !== 'get') continue;
    const key = k.op.input.key;
    const R = out.revision;
    const list = writesByKey.get(key) ?? [];
    // the latest known write to key at or before R (binary search on post)
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.post <= R) lo = mid + 1;
      else hi = mid;
    }
    const latest = lo > 0 ? list[lo - 1] : undefined;
    const initialRecord = initial.records.get(key);
    const floorRevision = latest?.post ?? initialRecord?.modRevision ?? 0;
    const mayBeUnknown = (kind: 'write' | 'delete', value?: string): boolean =>
      unknownWrites.some(
        (u) =>
          u.input.key === key &&
          u.call < k.op.return &&
          (kind === 'delete' ? u.input.kind === 'delete' : writtenValue(u.input) === value),
      );
    if (out.value === undefined) {
      const lastIsDelete = latest ? latest.op.input.kind === 'delete' : initialRecord === undefined;
      if (!lastIsDelete && !mayBeUnknown('delete')) {
        return { op: k.op, reason: `key absent at revision ${R}, but ${latest ? describe(latest.op) : 'its initial record'} wrote it before and nothing could have deleted it` };
      }
      continue;
    }
    const m = out.modRevision ?? -1;
    if (m > R) return { op: k.op, reason: `mod_revision ${m} is after the read's own revision ${R}` };
    if (m < floorRevision) {
      return { op: k.op, reason: `stale: mod_revision ${m}, but ${latest ? describe(latest.op) : 'the initial record'} wrote the key at revision ${floorRevision} <= ${R}` };
    }
    const writer = writeAt.get(m);
    if (writer) {
      if (writer.op.input.key !== key || writtenValue(writer.op.input) !== out.value) {
        return { op: k.op, reason: `revision ${m} was written by ${describe(writer.op)}, not this value` };
      }
    } else if (!(initialRecord && m === initialRecord.modRevision && initialRecord.value === out.value) && !mayBeUnknown('write', out.value)) {
      return { op: k.op, reason: `no write of this value to this key could have produced revision ${m}` };
    }
  }
  return undefined;
}
