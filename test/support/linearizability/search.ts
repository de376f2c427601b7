// The just-in-time linearization search of Wing & Gong, with Lowe's memoisation, in the shape
// Porcupine popularised: the history is a doubly linked list of call and return events in time
// order; at each step we try to linearize the earliest pending calls (any call that precedes the
// first remaining return may be linearized next). Linearizing an operation "lifts" its call and
// return out of the list; reaching a return means the operation it closes was not linearized in
// time, so we backtrack. A (linearized set, model state) pair that was already explored is never
// explored again: that cache is what makes the search practical.
import { LinearizedSet } from './linearized-set.js';
import type { Model, Operation } from './types.js';

const CALL = 0;
const RETURN = 1;

interface EventNode {
  kind: typeof CALL | typeof RETURN;
  op: number;
  time: number;
  /** For a call: its return node. */
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

export interface SearchOutcome<S> {
  verdict: 'linearizable' | 'not-linearizable' | 'timed-out';
  steps: number;
  /** On not-linearizable: the deepest linearization reached and what blocked it. */
  longestPrefix?: { ops: number[]; state: S; blockedOp: number };
}

/** Infinity - Infinity is NaN, so compare explicitly (unknown outcomes all return at +Infinity). */
function compareTimes(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function buildEventList(ops: readonly Operation<unknown, unknown>[]): EventNode {
  const events: EventNode[] = [];
  ops.forEach((op, index) => {
    const ret: EventNode = { kind: RETURN, op: index, time: op.return, match: null, prev: null, next: null };
    const call: EventNode = { kind: CALL, op: index, time: op.call, match: ret, prev: null, next: null };
    events.push(call, ret);
  });
  // On equal times a call sorts before a return: the two operations are then concurrent, which
  // is the lenient (and the only sound) reading of coarse clocks.
  events.sort((a, b) => compareTimes(a.time, b.time) || a.kind - b.kind || a.op - b.op);
  const head: EventNode = { kind: CALL, op: -1, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

function lift(call: EventNode): void {
  // A call always has its return after it, so call.next is never null.
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: EventNode): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

/** Checks one (already partitioned) history. deadline is a performance.now() value or Infinity. */
export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
): SearchOutcome<S> {
  const head = buildEventList(ops);
  const linearized = new LinearizedSet(ops);
  const seen = new Set<string>();
  const stack: { call: EventNode; stateBefore: S }[] = [];
  let state = model.init();
  let entry: EventNode | null = head.next;
  let steps = 0;
  let longest: { ops: number[]; state: S; blockedOp: number } | undefined;

  // Clock pruning: operations with a needed clock, sorted by it; `floor` indexes the first one
  // not yet linearized (everything before it is linearized).
  const stateClock = model.stateClock?.bind(model);
  const needed = new Float64Array(ops.length).fill(Infinity);
  const byClock: number[] = [];
  if (stateClock && model.clockNeeded) {
    ops.forEach((op, i) => {
      const c = model.clockNeeded!(op.input, op.output);
      if (c !== undefined) {
        needed[i] = c;
        byClock.push(i);
      }
    });
    byClock.sort((a, b) => needed[a]! - needed[b]!);
  }
  const position = new Int32Array(ops.length).fill(-1);
  byClock.forEach((opIndex, pos) => (position[opIndex] = pos));
  let floor = 0;
  const isLinearized = (i: number): boolean => linearized.has(i);
  /** The smallest clock still needed by an unlinearized operation other than `except`. */
  const minimumNeeded = (except: number): number => {
    while (floor < byClock.length && isLinearized(byClock[floor]!)) floor++;
    for (let p = floor; p < byClock.length; p++) {
      const i = byClock[p]!;
      if (i !== except && !isLinearized(i)) return needed[i]!;
    }
    return Infinity;
  };

  while (head.next !== null) {
    if ((steps & 1023) === 0 && deadline !== Infinity && performance.now() > deadline) {
      return { verdict: 'timed-out', steps };
    }
    if (entry === null) throw new Error('linearizability search: ran past the end of the history');
    if (entry.kind === CALL) {
      const op = ops[entry.op]!;
      steps++;
      const result = model.step(state, op.input, op.output);
      if (result.ok && stateClock && stateClock(result.state) > minimumNeeded(entry.op)) {
        entry = entry.next; // some pending operation could never be applied after this one
        continue;
      }
      if (result.ok) {
        linearized.add(entry.op);
        const key = linearized.key() + '\u0000' + model.stateKey(result.state);
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ call: entry, stateBefore: state });
          state = result.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.remove(entry.op);
      }
      entry = entry.next;
    } else {
      // The operation closed by this return could not be linearized before it returned.
      if (longest === undefined || stack.length > longest.ops.length) {
        longest = { ops: stack.map((s) => s.call.op), state, blockedOp: entry.op };
      }
      const top = stack.pop();
      if (top === undefined) return { verdict: 'not-linearizable', steps, longestPrefix: longest };
      linearized.remove(top.call.op);
      if (position[top.call.op]! >= 0 && position[top.call.op]! < floor) floor = position[top.call.op]!;
      state = top.stateBefore;
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: 'linearizable', steps };
}
