// The vocabulary of the linearizability checker: operations with call/return times, sequential
// models, and the verdict. Times are any monotonic numbers (ns, ms, or log line indices); an
// operation whose outcome is unknown (Jepsen's :info, a client timeout) has no output and a return
// time of +Infinity: it may have taken effect at any point after its call, or never.

export interface Operation<I, O> {
  /** The client (Jepsen "process") that issued it; only used in reports. */
  readonly clientId: number | string;
  readonly input: I;
  /** undefined = outcome unknown (the model must accept any effect the input could have had). */
  readonly output: O | undefined;
  readonly call: number;
  /** +Infinity when the outcome is unknown. Must be >= call. */
  readonly return: number;
}

export type StepResult<S> = { readonly ok: true; readonly state: S } | { readonly ok: false };

/** A deterministic sequential specification. States must be treated as immutable values. */
export interface Model<S, I, O> {
  readonly name: string;
  init(): S;
  /** Applies input in state; ok=false when the observed output is impossible there. */
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  /** A string that is equal for equal states (the memoisation key, with the linearized set). */
  stateKey(state: S): string;
  /**
   * Splits a history into independent sub-histories (P-compositionality) when the model allows,
   * e.g. one per key for a register per key. Absent = check the history as one.
   */
  partition?(ops: readonly Operation<I, O>[]): Operation<I, O>[][];
  /**
   * Optional monotone clock pruning (sound only if the model never decreases it): stateClock(s)
   * is a number that no step lowers (etcd's store revision), and clockNeeded(input, output) is the
   * exact clock value the state must have when that operation is applied (undefined = no
   * constraint, e.g. unknown outcomes). A branch whose clock has passed what some not-yet-
   * linearized operation needs can never complete, so the search abandons it at once. Without
   * this, every in-flight operation of unknown outcome multiplies the search.
   */
  stateClock?(state: S): number;
  clockNeeded?(input: I, output: O | undefined): number | undefined;
  /**
   * Optional fast refutation run before the search: returns an operation and a reason when a
   * necessary condition of linearizability fails (the history is then surely not linearizable).
   */
  findViolation?(ops: readonly Operation<I, O>[]): { op: Operation<I, O>; reason: string } | undefined;
  describeOperation?(op: Operation<I, O>): string;
  describeState?(state: S): string;
}

export interface CheckOptions {
  /** Give up (timedOut: true, ok: false) after this many milliseconds. Default: no limit. */
  readonly timeoutMs?: number;
}

export interface Counterexample {
  /** Index (in the partition) of the partition that failed, and its size. */
  readonly partitionIndex: number;
  readonly partitionSize: number;
  /** How many operations the longest linearization the search found holds. */
  readonly prefixLength: number;
  /** The last (up to 50) operations of that linearization, in order. */
  readonly longestLinearizedPrefix: readonly string[];
  /** The model state after that prefix. */
  readonly stateAfterPrefix: string;
  /** An operation that had returned but could not be linearized after that prefix. */
  readonly blockedOperation: string;
  /** Why, when a fast necessary-condition check (Model.findViolation) found the violation. */
  readonly reason?: string;
}

export interface CheckResult {
  /** true only when a linearization was found for every partition. */
  readonly ok: boolean;
  /** true when the time budget ran out before a verdict (then ok is false: unknown). */
  readonly timedOut: boolean;
  readonly partitions: number;
  readonly operations: number;
  /** Search steps taken (model.step calls), summed over partitions. */
  readonly steps: number;
  readonly counterexample?: Counterexample;
}
