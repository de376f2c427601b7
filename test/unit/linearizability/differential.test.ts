// Differential test of the whole checker (search, memo keys, clock pruning, prechecks) against a
// brute-force enumeration of linearizations, on many small random histories: linearizable ones
// made by simulating a real execution, and perturbed ones (one output changed).
import { describe, expect, test } from 'vitest';
import {
  checkLinearizable,
  etcdKvModel,
  registerModel,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
} from '../../support/linearizability/index.js';
import { mulberry32 } from '../../support/prng.js';

/** Exhaustive: is there an order of all known operations (and any subset of unknown ones)? */
function bruteForce<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  const done = new Array<boolean>(ops.length).fill(false);
  const search = (state: S, remainingKnown: number): boolean => {
    if (remainingKnown === 0) return true;
    // an operation may go next only if no pending operation returned before it was called
    let firstReturn = Infinity;
    ops.forEach((op, i) => {
      if (!done[i] && op.return < firstReturn) firstReturn = op.return;
    });
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (done[i] || op.call > firstReturn) continue;
      const r = model.step(state, op.input, op.output);
      if (!r.ok) continue;
      done[i] = true;
      const found = search(r.state, remainingKnown - (op.output === undefined ? 0 : 1));
      done[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(model.init(), ops.filter((op) => op.output !== undefined).length);
}

interface Timed {
  clientId: number;
  call: number;
  ret: number;
  point: number;
}

/** Random non-overlapping-per-client intervals with a linearization point inside each. */
function intervals(rand: () => number, count: number, clients: number): Timed[] {
  const clock = new Array<number>(clients).fill(0);
  const out: Timed[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = Math.floor(rand() * clients);
    const call = clock[clientId]! + rand() * 3;
    const ret = call + 0.1 + rand() * 4;
    clock[clientId] = ret;
    out.push({ clientId, call, ret, point: call + rand() * (ret - call) });
  }
  return out;
}

function kvHistory(rand: () => number): Operation<KvInput, KvOutput>[] {
  const timed = intervals(rand, 3 + Math.floor(rand() * 7), 3);
  const keys = ['a', 'b'];
  const inputs: KvInput[] = timed.map((_, i) => {
    const key = keys[Math.floor(rand() * keys.length)]!;
    const r = rand();
    if (r < 0.35) return { kind: 'get', key };
    if (r < 0.65) return { kind: 'put', key, value: `v${i}` };
    if (r < 0.75) return { kind: 'delete', key };
    return rand() < 0.5
      ? { kind: 'cas', key, compare: { target: 'value', value: `v${Math.floor(rand() * i)}` }, value: `v${i}` }
      : { kind: 'cas', key, compare: { target: 'modRevision', modRevision: 1 + Math.floor(rand() * 4) }, value: `v${i}` };
  });
  // simulate: apply in linearization-point order; an "unknown" op may not take effect at all
  const unknown = timed.map(() => rand() < 0.2);
  const skipped = unknown.map((u) => u && rand() < 0.5);
  const model = etcdKvModel();
  let state = model.init();
  const outputs: (KvOutput | undefined)[] = new Array(timed.length);
  const order = timed.map((_, i) => i).sort((x, y) => timed[x]!.point - timed[y]!.point);
  for (const i of order) {
    if (skipped[i]) continue;
    const input = inputs[i]!;
    const records = state.records;
    const rec = records.get(input.key);
    let output: KvOutput;
    switch (input.kind) {
      case 'put':
        output = { kind: 'put', revision: state.revision + 1 };
        break;
      case 'get':
        output = rec ? { kind: 'get', revision: state.revision, value: rec.value, modRevision: rec.modRevision } : { kind: 'get', revision: state.revision };
        break;
      case 'delete':
        output = { kind: 'delete', revision: state.revision + (rec ? 1 : 0), deleted: rec ? 1 : 0 };
        break;
      case 'cas': {
        const holds = input.compare.target === 'value' ? rec?.value === input.compare.value : (rec?.modRevision ?? 0) === input.compare.modRevision;
        output = { kind: 'cas', revision: state.revision + (holds ? 1 : 0), succeeded: holds };
        break;
      }
    }
    const r = model.step(state, input, output);
    if (!r.ok) throw new Error('simulation and model disagree');
    state = r.state;
    outputs[i] = output;
  }
  const ops = timed.map((t, i) => ({
    clientId: t.clientId,
    input: inputs[i]!,
    output: unknown[i] ? undefined : outputs[i],
    call: t.call,
    return: unknown[i] ? Infinity : t.ret,
  }));
  // perturb one known output half of the time
  if (rand() < 0.5) {
    const known = ops.map((op, i) => i).filter((i) => ops[i]!.output !== undefined);
    const i = known[Math.floor(rand() * known.length)];
    if (i !== undefined) {
      const out = ops[i]!.output!;
      const delta = rand() < 0.5 ? -1 : 1;
      ops[i] = {
        ...ops[i]!,
        output:
          out.kind === 'get' && out.value !== undefined && rand() < 0.5
            ? { ...out, value: `v${Math.floor(rand() * ops.length)}` }
            : out.kind === 'cas' && rand() < 0.5
              ? { ...out, succeeded: !out.succeeded }
              : { ...out, revision: out.revision + delta },
      };
    }
  }
  return ops;
}

describe('checker vs brute force', () => {
  test('etcd KV model, with and without prechecks: 2000 random histories', () => {
    const rand = mulberry32(12345);
    let linearizable = 0;
    for (let n = 0; n < 2000; n++) {
      const ops = kvHistory(rand);
      const truth = bruteForce(etcdKvModel({ precheck: false }), ops);
      const fast = checkLinearizable(etcdKvModel(), ops);
      const searchOnly = checkLinearizable(etcdKvModel({ precheck: false }), ops);
      if (fast.ok !== truth || searchOnly.ok !== truth) {
        throw new Error(`history ${n}: brute force ${truth}, checker ${fast.ok}, search only ${searchOnly.ok}\n${JSON.stringify(ops, null, 1)}`);
      }
      if (truth) linearizable++;
    }
    // both kinds of verdict were exercised
    console.log(`etcd KV: ${linearizable} of 2000 linearizable`);
    expect(linearizable).toBeGreaterThan(500);
    expect(linearizable).toBeLessThan(1900);
  });

  test('register model: 600 random histories', () => {
    const rand = mulberry32(777);
    let linearizable = 0;
    for (let n = 0; n < 600; n++) {
      const timed = intervals(rand, 3 + Math.floor(rand() * 5), 3);
      const ops = timed.map((t) => {
        const r = rand();
        const unknown = rand() < 0.15;
        const value = Math.floor(rand() * 3);
        const input =
          r < 0.4 ? ({ kind: 'read' } as const) : r < 0.7 ? ({ kind: 'write', value } as const) : ({ kind: 'cas', from: Math.floor(rand() * 3), to: value } as const);
        const output =
          input.kind === 'read'
            ? ({ kind: 'read', value: rand() < 0.2 ? null : Math.floor(rand() * 3) } as const)
            : input.kind === 'write'
              ? ({ kind: 'write' } as const)
              : ({ kind: 'cas', ok: rand() < 0.5 } as const);
        return { clientId: t.clientId, input, output: unknown && input.kind !== 'read' ? undefined : output, call: t.call, return: unknown && input.kind !== 'read' ? Infinity : t.ret };
      });
      const truth = bruteForce(registerModel, ops);
      const got = checkLinearizable(registerModel, ops).ok;
      if (got !== truth) throw new Error(`history ${n}: brute force ${truth}, checker ${got}\n${JSON.stringify(ops, null, 1)}`);
      if (truth) linearizable++;
    }
    console.log(`register: ${linearizable} of 600 linearizable`);
    expect(linearizable).toBeGreaterThan(50);
    expect(linearizable).toBeLessThan(550);
  });
});
