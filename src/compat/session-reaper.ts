// The leader's session reaper (DESIGN.md: "when a lease ends or a bound check turns critical, the
// leader's session reaper releases or deletes the held keys in one txn, exactly as Consul does").
//
// It watches the system keyspace:
// - session/<id> deleted (its TTL lease expired): release or delete the keys it held, with its
//   lock-delay (the deleted record, from the event's prev_kv, says which and how long);
// - check/<node>/<id> turned critical or deregistered: invalidate the sessions bound to it;
// - node/<node> deregistered: invalidate the sessions of that node.
// Only the member that is the store's leader acts (Consul's session timers and invalidations run
// on its leader), and a periodic sweep repairs what a leader change or a restarted watch missed:
// sessions whose node or checks are gone or critical, and keys still naming a vanished session.
import type { Backend, Event, WatchHandle } from '../adapters/backend.js';
import { EventType } from '../adapters/backend.js';
import type { Catalog } from './catalog.js';
import { decodeCheck, decodeNode } from './catalog-records.js';
import { prefixRange } from './kv-read.js';
import { boundCheckIds, decodeSession, type SessionRecord } from './session-record.js';
import type { Sessions } from './sessions.js';
import { SYSTEM, SystemPrefix, systemKey } from './system-keys.js';

const SWEEP_MS = 5_000;
const RESTART_DELAY_MS = 200;

export interface SessionReaperOptions {
  /** How often the leader re-checks every session's bindings and orphaned locks. */
  sweepMs?: number;
  /** More housekeeping for the leader's sweep (the KV metadata garbage collection, kv.ts). */
  alsoOnSweep?: () => Promise<unknown>;
}

export class SessionReaper {
  private readonly handles: WatchHandle[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** One invalidation at a time (they would only conflict and retry otherwise). */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    private readonly sessions: Sessions,
    private readonly catalog: Catalog,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly opts: SessionReaperOptions = {},
  ) {
    const from = backend.header().revision + 1;
    for (const prefix of [SystemPrefix.session, SystemPrefix.check, SystemPrefix.node]) this.watch(prefix, from);
    this.timer = setInterval(() => this.enqueue(() => this.sweep()), opts.sweepMs ?? SWEEP_MS);
    this.timer.unref();
    this.enqueue(() => this.sweep());
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const h of this.handles) h.cancel();
  }

  /** Resolves once every invalidation queued so far has run (tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async isLeader(): Promise<boolean> {
    try {
      const st = await this.backend.status();
      return st.leader !== 0n && st.leader === this.backend.header().memberId;
    } catch {
      return false;
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.closed || !(await this.isLeader())) return;
      try {
        await job();
      } catch (err) {
        this.onError(err);
      }
    });
  }

  private watch(prefix: string, from: number): void {
    if (this.closed) return;
    let last = from - 1;
    const [key, rangeEnd] = prefixRange(systemKey(prefix));
    const restart = () => {
      if (!this.closed) setTimeout(() => this.watch(prefix, last + 1), RESTART_DELAY_MS).unref();
    };
    this.handles.push(
      this.backend.watch(
        { keyspace: SYSTEM, key, rangeEnd, startRevision: from, prevKv: true, filters: [] },
        {
          onEvents: (events, revision) => {
            last = revision;
            for (const e of events) this.onEvent(prefix, e);
          },
          onCompacted: (_c, revision) => {
            last = revision;
            this.enqueue(() => this.sweep());
            restart();
          },
          onCanceled: () => restart(),
        },
      ),
    );
  }

  private onEvent(prefix: string, e: Event): void {
    if (prefix === SystemPrefix.session) {
      if (e.type !== EventType.DELETE) return;
      const id = e.kv.key.subarray(SystemPrefix.session.length).toString('utf8');
      const gone = e.prevKv ? decodeSession(e.prevKv)?.record : undefined;
      this.enqueue(() => this.sessions.invalidate(id, gone));
      return;
    }
    if (prefix === SystemPrefix.check) {
      const before = e.prevKv ? safe(() => decodeCheck(e.prevKv!).value) : undefined;
      if (e.type === EventType.DELETE) {
        if (before) this.enqueue(() => this.invalidateBoundTo(before.Node, before.CheckID));
        return;
      }
      const check = safe(() => decodeCheck(e.kv).value);
      if (check?.Status === 'critical') this.enqueue(() => this.invalidateBoundTo(check.Node, check.CheckID));
      return;
    }
    if (prefix === SystemPrefix.node && e.type === EventType.DELETE) {
      const node = e.prevKv ? safe(() => decodeNode(e.prevKv!).value.Node) : undefined;
      if (node) this.enqueue(() => this.invalidateOfNode(node));
    }
  }

  private async sessionsWhere(match: (r: SessionRecord) => boolean): Promise<string[]> {
    const { value } = await this.sessions.list(false);
    return value.filter((s) => match(s.record)).map((s) => s.record.ID);
  }

  private async invalidateBoundTo(node: string, checkId: string): Promise<void> {
    const n = node.toLowerCase();
    const c = checkId.toLowerCase();
    for (const id of await this.sessionsWhere((r) => r.Node.toLowerCase() === n && boundCheckIds(r).some((b) => b.toLowerCase() === c))) {
      await this.sessions.invalidate(id);
    }
  }

  private async invalidateOfNode(node: string): Promise<void> {
    const n = node.toLowerCase();
    for (const id of await this.sessionsWhere((r) => r.Node.toLowerCase() === n)) await this.sessions.invalidate(id);
  }

  /** Re-checks every session's bindings, and releases keys whose session no longer exists. */
  private async sweep(): Promise<void> {
    const { value } = await this.sessions.list(false);
    for (const s of value) {
      const r = s.record;
      let broken = !(await this.catalog.getNode(r.Node));
      for (const id of broken ? [] : boundCheckIds(r)) {
        const status = await this.catalog.checkStatus(r.Node, id);
        if (status === undefined || status === 'critical') broken = true;
      }
      if (broken) await this.sessions.invalidate(r.ID);
    }
    for (const id of await this.sessions.orphanHolders()) await this.sessions.invalidate(id);
    await this.opts.alsoOnSweep?.();
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
