// A small state machine for testing the node alone: single-key puts and deletes with etcd-like
// revisions, persisted (with its consistent index) to a JSON file after every batch, so restart
// and replay can be observed. Not the real MVCC store: it only has to be faithful about order.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ApplyResult, CommittedCommand, StateMachine } from '../../../src/native/mvcc/api.js';
import type { KeyValue, WatchHandle } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';

interface State {
  ci: number;
  rev: number;
  kv: Record<string, { value: string; mod: number }>;
  applied: number[];
}

export class FakeStateMachine implements StateMachine {
  state: State = { ci: 0, rev: 1, kv: {}, applied: [] };
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) this.state = JSON.parse(readFileSync(file, 'utf8')) as State;
  }
  private save(): void {
    if (this.file) writeFileSync(this.file, JSON.stringify(this.state));
  }
  consistentIndex(): number {
    return this.state.ci;
  }
  applyBatch(batch: CommittedCommand[]): ApplyResult[] {
    const out: ApplyResult[] = [];
    for (const c of batch) {
      if (c.index <= this.state.ci) throw new Error(`index ${c.index} applied twice`);
      this.state.ci = c.index;
      const cmd = c.command;
      if (!cmd) {
        out.push({ ok: true, revision: this.state.rev, value: { kind: 'noop' } });
        continue;
      }
      this.state.applied.push(c.index);
      if (cmd.kind === 'put') {
        this.state.rev++;
        this.state.kv[cmd.req.key.toString()] = { value: cmd.req.value.toString(), mod: this.state.rev };
        out.push({ ok: true, revision: this.state.rev, value: { kind: 'put' } });
      } else if (cmd.kind === 'deleteRange') {
        const k = cmd.req.key.toString();
        if (this.state.kv[k]) {
          this.state.rev++;
          delete this.state.kv[k];
          out.push({ ok: true, revision: this.state.rev, value: { kind: 'deleteRange', deleted: 1, prevKvs: [] } });
        } else out.push({ ok: true, revision: this.state.rev, value: { kind: 'deleteRange', deleted: 0, prevKvs: [] } });
      } else if (cmd.kind === 'leaseRevoke') {
        out.push({ ok: false, revision: this.state.rev, error: Errors.LeaseNotFound });
      } else {
        out.push({ ok: true, revision: this.state.rev, value: { kind: 'noop' } });
      }
    }
    this.save();
    return out;
  }
  get(key: string): string | undefined {
    return this.state.kv[key]?.value;
  }
  range(): { kvs: KeyValue[]; more: boolean; count: number; revision: number } {
    return { kvs: [], more: false, count: 0, revision: this.state.rev };
  }
  currentRevision(): number {
    return this.state.rev;
  }
  compactRevision(): number {
    return 0;
  }
  watch(): WatchHandle {
    return { cancel: () => undefined, isSynced: () => true };
  }
  leaseExists(): boolean {
    return false;
  }
  leaseInfo(): undefined {
    return undefined;
  }
  leaseIds(): bigint[] {
    return [];
  }
  leaseRenew(): number {
    throw Errors.LeaseNotFound;
  }
  expiredLeases(): bigint[] {
    return [];
  }
  promote(): void {}
  demote(): void {}
  alarms() {
    return [];
  }
  hash(): number {
    return 0;
  }
  hashKV() {
    return { hash: 0, compactRevision: 0, revision: this.state.rev };
  }
  dbSize(): number {
    return 0;
  }
  dbSizeInUse(): number {
    return 0;
  }
  snapshotData(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(JSON.stringify(this.state)));
  }
  restore(data: Buffer): void {
    this.state = JSON.parse(data.toString()) as State;
    this.save();
  }
  close(): void {}
}
