// etcd's revisioned key-value store as a sequential model: a global revision that every
// effective write raises by exactly one (put, a delete that deletes, a txn whose taken branch
// writes), a per-key record (value, mod_revision), and response headers that carry the store
// revision at the moment the request was applied. A linearizable read therefore returns the state
// at exactly its header revision. The global revision couples all keys, so this model does not
// partition by key: the revisions returned pin most operations in place, which keeps the search
// small anyway.
import type { Model, Operation, StepResult } from '../types.js';
import { findKvViolation } from './etcd-kv-precheck.js';

export interface KvRecord {
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
}

export interface KvState {
  readonly revision: number;
  readonly records: ReadonlyMap<string, KvRecord>;
  readonly key: string;
}

/** A compare of a txn (etcd Compare with result EQUAL). */
export type KvCompare =
  | { readonly target: 'value'; readonly value: string }
  /** modRevision 0 = "the key does not exist", as etcd compares an absent key's revisions as 0. */
  | { readonly target: 'modRevision'; readonly modRevision: number };

export type KvInput =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'delete'; readonly key: string }
  /** if (compare) { put key=value } else { nothing } — compare-and-swap as a txn. */
  | { readonly kind: 'cas'; readonly key: string; readonly compare: KvCompare; readonly value: string };

export type KvOutput =
  | { readonly kind: 'put'; readonly revision: number }
  /** value/modRevision undefined = key absent. revision is the response header revision. */
  | { readonly kind: 'get'; readonly revision: number; readonly value?: string; readonly modRevision?: number }
  | { readonly kind: 'delete'; readonly revision: number; readonly deleted: number }
  | { readonly kind: 'cas'; readonly revision: number; readonly succeeded: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

function makeState(revision: number, records: ReadonlyMap<string, KvRecord>): KvState {
  const parts = [...records.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, r]) => `${k}\u0001${r.value}\u0001${r.modRevision}\u0001${r.createRevision}`);
  return { revision, records, key: `${revision}\u0002${parts.join('\u0002')}` };
}

function withPut(state: KvState, key: string, value: string): KvState {
  const revision = state.revision + 1;
  const records = new Map(state.records);
  const previous = state.records.get(key);
  records.set(key, { value, modRevision: revision, createRevision: previous?.createRevision ?? revision });
  return makeState(revision, records);
}

function withDelete(state: KvState, key: string): KvState {
  const records = new Map(state.records);
  records.delete(key);
  return makeState(state.revision + 1, records);
}

function compareHolds(state: KvState, key: string, compare: KvCompare): boolean {
  const record = state.records.get(key);
  if (compare.target === 'value') return record !== undefined && record.value === compare.value;
  return (record?.modRevision ?? 0) === compare.modRevision;
}

function stepKv(state: KvState, input: KvInput, output: KvOutput | undefined): StepResult<KvState> {
  const ok = (next: KvState): StepResult<KvState> => ({ ok: true, state: next });
  const fail: StepResult<KvState> = { ok: false };
  switch (input.kind) {
    case 'put': {
      const next = withPut(state, input.key, input.value);
      if (output === undefined) return ok(next);
      return output.kind === 'put' && output.revision === next.revision ? ok(next) : fail;
    }
    case 'get': {
      if (output === undefined) return ok(state);
      if (output.kind !== 'get' || output.revision !== state.revision) return fail;
      const record = state.records.get(input.key);
      if (record === undefined) return output.value === undefined ? ok(state) : fail;
      return output.value === record.value && output.modRevision === record.modRevision ? ok(state) : fail;
    }
    case 'delete': {
      const exists = state.records.has(input.key);
      const next = exists ? withDelete(state, input.key) : state;
      if (output === undefined) return ok(next);
      return output.kind === 'delete' && output.deleted === (exists ? 1 : 0) && output.revision === next.revision
        ? ok(next)
        : fail;
    }
    case 'cas': {
      const holds = compareHolds(state, input.key, input.compare);
      const next = holds ? withPut(state, input.key, input.value) : state;
      if (output === undefined) return ok(next);
      return output.kind === 'cas' && output.succeeded === holds && output.revision === next.revision ? ok(next) : fail;
    }
  }
}

/** The store revision just before this operation applied, as its response tells. */
function revisionNeeded(input: KvInput, output: KvOutput | undefined): number | undefined {
  if (output === undefined) return undefined;
  switch (output.kind) {
    case 'put':
      return output.revision - 1;
    case 'get':
      return output.revision;
    case 'delete':
      return output.deleted > 0 ? output.revision - 1 : output.revision;
    case 'cas':
      return output.succeeded ? output.revision - 1 : output.revision;
  }
}

export interface EtcdKvModelOptions {
  /** The store revision before the history starts (a fresh etcd is at revision 1). */
  readonly initialRevision?: number;
  /** Keys that exist before the history starts. */
  readonly initialRecords?: ReadonlyMap<string, KvRecord>;
  /** Run the O(n log n) necessary-condition checks before the search (default true). */
  readonly precheck?: boolean;
}

function describeOutput(o: KvOutput | undefined): string {
  if (o === undefined) return '(outcome unknown)';
  switch (o.kind) {
    case 'put':
      return `-> rev ${o.revision}`;
    case 'get':
      return o.value === undefined ? `-> absent @rev ${o.revision}` : `-> ${JSON.stringify(o.value)} mod ${o.modRevision} @rev ${o.revision}`;
    case 'delete':
      return `-> deleted ${o.deleted} @rev ${o.revision}`;
    case 'cas':
      return `-> ${o.succeeded ? 'succeeded' : 'failed'} @rev ${o.revision}`;
  }
}

function describeInput(i: KvInput): string {
  switch (i.kind) {
    case 'put':
      return `put ${i.key}=${JSON.stringify(i.value)}`;
    case 'get':
      return `get ${i.key}`;
    case 'delete':
      return `delete ${i.key}`;
    case 'cas':
      return `cas ${i.key} if ${i.compare.target === 'value' ? `value==${JSON.stringify(i.compare.value)}` : `mod==${i.compare.modRevision}`} then put ${JSON.stringify(i.value)}`;
  }
}

export function etcdKvModel(options: EtcdKvModelOptions = {}): Model<KvState, KvInput, KvOutput> {
  const initial = makeState(options.initialRevision ?? 1, new Map(options.initialRecords ?? []));
  const describeOperation = (op: KvOperation): string =>
    `client ${String(op.clientId)} [${op.call}, ${op.return}] ${describeInput(op.input)} ${describeOutput(op.output)}`;
  return {
    name: 'etcd-kv',
    init: () => initial,
    step: stepKv,
    stateKey: (state) => state.key,
    stateClock: (state) => state.revision,
    clockNeeded: revisionNeeded,
    describeOperation,
    ...(options.precheck === false ? {} : { findViolation: (ops: readonly KvOperation[]) => findKvViolation(ops, initial, describeOperation) }),
    describeState: (state) =>
      `rev ${state.revision} {${[...state.records].map(([k, r]) => `${k}=${JSON.stringify(r.value)}@${r.modRevision}`).join(', ')}}`,
  };
}
