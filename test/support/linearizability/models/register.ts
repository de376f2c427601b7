// A read / write / compare-and-set register (Jepsen's etcd "single register" workload), one per
// key: the model partitions the history by key. The initial value is null (the key is absent).
import { partitionByKey } from '../check.js';
import type { Model, Operation, StepResult } from '../types.js';

export type RegisterValue = number | string | null;

export type RegisterInput =
  | { readonly kind: 'read'; readonly key?: string }
  | { readonly kind: 'write'; readonly key?: string; readonly value: RegisterValue }
  | { readonly kind: 'cas'; readonly key?: string; readonly from: RegisterValue; readonly to: RegisterValue };

export type RegisterOutput =
  | { readonly kind: 'read'; readonly value: RegisterValue }
  | { readonly kind: 'write' }
  /** ok=false: the comparison failed and nothing was written (Jepsen's :fail). */
  | { readonly kind: 'cas'; readonly ok: boolean };

export type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

function describeValue(v: RegisterValue): string {
  return v === null ? 'nil' : String(v);
}

function stepRegister(
  state: RegisterValue,
  input: RegisterInput,
  output: RegisterOutput | undefined,
): StepResult<RegisterValue> {
  switch (input.kind) {
    case 'read':
      if (output === undefined) return { ok: true, state };
      return output.kind === 'read' && output.value === state ? { ok: true, state } : { ok: false };
    case 'write':
      return { ok: true, state: input.value };
    case 'cas': {
      const matches = input.from === state;
      if (output === undefined) return { ok: true, state: matches ? input.to : state };
      if (output.kind !== 'cas' || output.ok !== matches) return { ok: false };
      return { ok: true, state: matches ? input.to : state };
    }
  }
}

export const registerModel: Model<RegisterValue, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => null,
  step: stepRegister,
  stateKey: (state) => (state === null ? 'n' : typeof state === 'number' ? `#${state}` : `s${state}`),
  partition: (ops) => partitionByKey(ops, (op) => op.input.key ?? ''),
  describeState: describeValue,
  describeOperation(op) {
    const i = op.input;
    const o = op.output;
    const what =
      i.kind === 'read'
        ? `read -> ${o && o.kind === 'read' ? describeValue(o.value) : '?'}`
        : i.kind === 'write'
          ? `write ${describeValue(i.value)}${o ? '' : ' (outcome unknown)'}`
          : `cas ${describeValue(i.from)}->${describeValue(i.to)} ${o && o.kind === 'cas' ? (o.ok ? 'ok' : 'fail') : '(outcome unknown)'}`;
    return `client ${String(op.clientId)} [${op.call}, ${op.return}] ${i.key !== undefined ? `${i.key}: ` : ''}${what}`;
  },
};
