// checkLinearizable: partition the history when the model allows (P-compositionality: a history
// is linearizable iff every independent sub-history is), then search each partition.
import { searchLinearization } from './search.js';
import type { CheckOptions, CheckResult, Model, Operation } from './types.js';

function validate<I, O>(ops: readonly Operation<I, O>[]): void {
  for (const op of ops) {
    if (!(op.return >= op.call)) {
      throw new Error(`operation of client ${String(op.clientId)} returns (${op.return}) before its call (${op.call})`);
    }
    if (op.output !== undefined && op.return === Infinity) {
      throw new Error(`operation of client ${String(op.clientId)} has an output but never returned`);
    }
  }
}

export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult {
  validate(history);
  const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
  const partitions = model.partition ? model.partition(history) : [history.slice()];
  // Small partitions first: a violation in a small one is found quickly and ends the check.
  const order = partitions.map((_, i) => i).sort((a, b) => partitions[a]!.length - partitions[b]!.length);
  let steps = 0;
  for (const index of order) {
    const ops = partitions[index]!;
    const violation = model.findViolation?.(ops);
    if (violation) {
      return {
        ok: false,
        timedOut: false,
        partitions: partitions.length,
        operations: history.length,
        steps,
        counterexample: {
          partitionIndex: index,
          partitionSize: ops.length,
          prefixLength: 0,
          longestLinearizedPrefix: [],
          stateAfterPrefix: '(not searched: a necessary condition failed)',
          blockedOperation: model.describeOperation ? model.describeOperation(violation.op) : JSON.stringify(violation.op),
          reason: violation.reason,
        },
      };
    }
    const outcome = searchLinearization(model, ops, deadline);
    steps += outcome.steps;
    if (outcome.verdict === 'timed-out') {
      return { ok: false, timedOut: true, partitions: partitions.length, operations: history.length, steps };
    }
    if (outcome.verdict === 'not-linearizable') {
      const describe = (i: number): string =>
        model.describeOperation ? model.describeOperation(ops[i]!) : JSON.stringify(ops[i]);
      const prefix = outcome.longestPrefix;
      return {
        ok: false,
        timedOut: false,
        partitions: partitions.length,
        operations: history.length,
        steps,
        counterexample: {
          partitionIndex: index,
          partitionSize: ops.length,
          prefixLength: prefix ? prefix.ops.length : 0,
          longestLinearizedPrefix: prefix ? prefix.ops.slice(-50).map(describe) : [],
          stateAfterPrefix: prefix
            ? model.describeState
              ? model.describeState(prefix.state)
              : model.stateKey(prefix.state)
            : model.stateKey(model.init()),
          blockedOperation: prefix ? describe(prefix.blockedOp) : '(none)',
        },
      };
    }
  }
  return { ok: true, timedOut: false, partitions: partitions.length, operations: history.length, steps };
}

/** Groups operations by a key (the usual P-compositional split of per-key models). */
export function partitionByKey<I, O>(
  ops: readonly Operation<I, O>[],
  keyOf: (op: Operation<I, O>) => string,
): Operation<I, O>[][] {
  const groups = new Map<string, Operation<I, O>[]>();
  for (const op of ops) {
    const key = keyOf(op);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(op);
  }
  return [...groups.values()];
}
