// Consul KV as a register per key whose compare-and-set names the ModifyIndex (PUT ?cas=<index>;
// ?cas=0 means "only if absent"). Reads return the value with its ModifyIndex; a successful
// write answers only `true`, so the index a write got is learned from the reads that saw its
// value. Every written value must be unique (the workload's values are client.seq strings): then
// a value and the index it was written at identify each other, which lets the model stay a
// deterministic register over values while still deciding CAS by index.
import { partitionByKey } from '../check.js';
import type { Model, Operation, StepResult } from '../types.js';

export type ConsulKvInput =
  | { readonly kind: 'read'; readonly key: string }
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'cas'; readonly key: string; readonly index: number; readonly value: string };

export type ConsulKvOutput =
  /** value null = 404 (absent); modifyIndex is the key's ModifyIndex when present. */
  | { readonly kind: 'read'; readonly value: string | null; readonly modifyIndex?: number }
  | { readonly kind: 'put' }
  | { readonly kind: 'cas'; readonly ok: boolean };

export type ConsulKvOperation = Operation<ConsulKvInput, ConsulKvOutput>;

/** The model state: the key's current value (null = absent). Its index comes from indexOfValue. */
type State = string | null;

/** Every (value -> ModifyIndex) the reads of these operations observed. */
function observedIndexes(ops: readonly ConsulKvOperation[]): Map<string, number> {
  const byValue = new Map<string, number>();
  for (const op of ops) {
    const o = op.output;
    if (o?.kind === 'read' && o.value !== null && o.modifyIndex !== undefined) byValue.set(o.value, o.modifyIndex);
  }
  return byValue;
}

/**
 * A necessary condition checked before the search: one value is read with one index only, and one
 * index of a key names one value only (values are written once each).
 */
function findIndexConflict(ops: readonly ConsulKvOperation[]): { op: ConsulKvOperation; reason: string } | undefined {
  const indexOf = new Map<string, number>();
  const valueAt = new Map<number, string>();
  for (const op of ops) {
    const o = op.output;
    if (o?.kind !== 'read' || o.value === null || o.modifyIndex === undefined) continue;
    const seen = indexOf.get(o.value);
    if (seen !== undefined && seen !== o.modifyIndex) return { op, reason: `value ${o.value} read with ModifyIndex ${seen} and ${o.modifyIndex}` };
    const other = valueAt.get(o.modifyIndex);
    if (other !== undefined && other !== o.value) return { op, reason: `ModifyIndex ${o.modifyIndex} read holding ${other} and ${o.value}` };
    indexOf.set(o.value, o.modifyIndex);
    valueAt.set(o.modifyIndex, o.value);
  }
  return undefined;
}

/**
 * The model for one history. `history` is the whole recorded history (its reads tell which index
 * each value was written at); the checker still partitions it per key.
 */
export function consulKvModel(history: readonly ConsulKvOperation[]): Model<State, ConsulKvInput, ConsulKvOutput> {
  const indexOfValue = observedIndexes(history);
  /** Whether ?cas=index succeeds on state: 0 on an absent key, else the current value's index. */
  const casMatches = (state: State, index: number): boolean => {
    if (index === 0) return state === null;
    // a value nobody read has an index no client could have named (clients take indexes from reads)
    return state !== null && indexOfValue.get(state) === index;
  };
  const step = (state: State, input: ConsulKvInput, output: ConsulKvOutput | undefined): StepResult<State> => {
    switch (input.kind) {
      case 'read':
        if (output === undefined) return { ok: true, state };
        return output.kind === 'read' && output.value === state ? { ok: true, state } : { ok: false };
      case 'put':
        return { ok: true, state: input.value };
      case 'cas': {
        const matches = casMatches(state, input.index);
        if (output === undefined) return { ok: true, state: matches ? input.value : state };
        if (output.kind !== 'cas' || output.ok !== matches) return { ok: false };
        return { ok: true, state: matches ? input.value : state };
      }
    }
  };
  return {
    name: 'consul-kv',
    init: () => null,
    step,
    stateKey: (s) => (s === null ? '-' : `=${s}`),
    partition: (ops) => partitionByKey(ops, (op) => op.input.key),
    findViolation: findIndexConflict,
    describeState: (s) => (s === null ? 'absent' : `${s}@${indexOfValue.get(s) ?? '?'}`),
    describeOperation(op) {
      const i = op.input;
      const o = op.output;
      const what =
        i.kind === 'read'
          ? `read -> ${o?.kind === 'read' ? (o.value === null ? 'absent' : `${o.value}@${o.modifyIndex ?? '?'}`) : '?'}`
          : i.kind === 'put'
            ? `put ${i.value}${o ? '' : ' (outcome unknown)'}`
            : `put ?cas=${i.index} ${i.value} -> ${o?.kind === 'cas' ? String(o.ok) : '(outcome unknown)'}`;
      return `client ${String(op.clientId)} [${op.call.toFixed(1)}, ${op.return === Infinity ? 'inf' : op.return.toFixed(1)}] ${i.key}: ${what}`;
    },
  };
}
