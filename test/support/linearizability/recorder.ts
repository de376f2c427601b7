// Recording a concurrent client history against a live system, and the "no lost acknowledged
// write" check that complements linearizability at the end of a nemesis run.
import type { KvInput, KvOperation } from './models/etcd-kv.js';
import type { Operation } from './types.js';

/**
 * Collects operations with call/return times from performance.now(). An operation whose promise
 * rejects is recorded with an unknown outcome (it may have taken effect: a timeout, a connection
 * lost after the request was sent), unless `isDefiniteFailure(err)` says it surely had no effect.
 */
export class HistoryRecorder<I, O> {
  private readonly ops: Operation<I, O>[] = [];
  private acknowledged = 0;
  private unknown = 0;
  private dropped = 0;

  constructor(private readonly isDefiniteFailure: (err: unknown) => boolean = () => false) {}

  /**
   * Runs one operation and records it. `failureHasNoEffect` (e.g. for reads) drops a failed
   * operation from the history instead of recording an unknown outcome.
   */
  async record(
    clientId: number | string,
    input: I,
    run: () => Promise<O>,
    options: { failureHasNoEffect?: boolean } = {},
  ): Promise<O | undefined> {
    const call = performance.now();
    try {
      const output = await run();
      this.ops.push({ clientId, input, output, call, return: performance.now() });
      this.acknowledged++;
      return output;
    } catch (err) {
      if (!options.failureHasNoEffect && !this.isDefiniteFailure(err)) {
        this.ops.push({ clientId, input, output: undefined, call, return: Infinity });
        this.unknown++;
      } else {
        this.dropped++;
      }
      return undefined;
    }
  }

  history(): Operation<I, O>[] {
    return this.ops.slice();
  }

  /** total = recorded operations (acknowledged + unknown); dropped = failures left out. */
  counts(): { total: number; acknowledged: number; unknown: number; dropped: number } {
    return { total: this.ops.length, acknowledged: this.acknowledged, unknown: this.unknown, dropped: this.dropped };
  }
}

/** What a final linearizable read of one key returned. */
export interface FinalRead {
  readonly value?: string;
  readonly modRevision?: number;
}

/**
 * Acknowledged writes that are not visible at the end although nothing later overwrote them.
 * An acknowledged put (or succeeded cas) of revision r on key k is lost when k's final
 * mod_revision is below r, or equals r with another value, or k is absent and no delete could
 * have removed it.
 */
export function findLostWrites(history: readonly KvOperation[], finalReads: ReadonlyMap<string, FinalRead>): string[] {
  const problems: string[] = [];
  for (const op of history) {
    const out = op.output;
    if (out === undefined) continue;
    const input: KvInput = op.input;
    if (input.kind !== 'put' && input.kind !== 'cas') continue;
    const acked = out.kind === 'put' || (out.kind === 'cas' && out.succeeded);
    if (!acked) continue;
    const final = finalReads.get(input.key);
    if (final === undefined) continue; // key not read at the end: nothing to say
    const revision = out.revision;
    if (final.modRevision === undefined) {
      const deletedLater = history.some(
        (d) => d.input.kind === 'delete' && d.input.key === input.key && (d.output === undefined || (d.output.kind === 'delete' && d.output.revision > revision)),
      );
      if (!deletedLater) problems.push(`${input.key}=${JSON.stringify(input.value)} acknowledged at rev ${revision} but the key is absent at the end`);
    } else if (final.modRevision < revision) {
      problems.push(`${input.key}=${JSON.stringify(input.value)} acknowledged at rev ${revision} but the final mod_revision is ${final.modRevision}`);
    } else if (final.modRevision === revision && final.value !== input.value) {
      problems.push(`${input.key}=${JSON.stringify(input.value)} acknowledged at rev ${revision} but that revision holds ${JSON.stringify(final.value)}`);
    }
  }
  return problems;
}
