// The three roles a store plays in a migration: a source read page by page, a sink written batch by
// batch, and (after the copy) a look-up the verification reads the destination through.
import type { KvRecord, RecordPage } from './record.js';

export interface SourceOpening {
  /** The revision the copy reads at (0 for files, which have no revisions). */
  revision: number;
  /** Keys to copy, when the source can tell without reading them all. */
  total?: number;
}

export interface RecordSource {
  /** Fixes the point in time; a resumed run passes the interrupted run's revision. */
  open(resumeRevision?: number): Promise<SourceOpening>;
  /** Records in source order from just after `cursor` (undefined = from the start). */
  pages(cursor: string | undefined): AsyncIterable<RecordPage>;
  readonly warnings: string[];
  /** How far through the source a cursor is (0..1), for sources that cannot count their keys up front. */
  fractionAt?(cursor: string): number;
  close(): Promise<void>;
}

export interface RecordLookup {
  /** Every record the store holds with first <= key <= last (destination keys; no last = to the end of the destination prefix), in key order. */
  span(first: Buffer, last: Buffer | undefined): Promise<KvRecord[]>;
  /** Keys the store holds under the destination prefix. */
  count(): Promise<number>;
}

export interface RecordSink {
  /** Prepares writing; `state` is what state() returned at the checkpoint a resumed run starts from. */
  open(state: unknown): Promise<void>;
  /** Writes records (destination keys); resolves once the store has them. */
  write(records: KvRecord[]): Promise<void>;
  /** Makes what write() wrote durable, then says how to resume after it. */
  checkpointState(): Promise<unknown>;
  /** Completes the destination (a file's closing bytes); the copy is then whole. */
  finish(): Promise<void>;
  /** A reader of the finished destination for verification. */
  lookup(): Promise<RecordLookup>;
  /** Transactions (or file batches) written so far. */
  readonly batches: number;
  readonly warnings: string[];
  close(): Promise<void>;
}

/** A record the destination cannot hold (too large, a key a file format cannot spell, ...). */
export class RecordRejected extends Error {
  constructor(
    readonly key: Buffer,
    message: string,
  ) {
    super(message);
  }
}
