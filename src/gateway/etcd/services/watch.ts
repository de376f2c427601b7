// etcdserverpb.Watch: many watchers on one bidi stream, as etcd 3.4's serverWatchStream
// (etcdserver/api/v3rpc/watch.go) and mvcc's watchStream behave. Verified against genuine 3.4.23:
// - create: watch_id 0 = assign the lowest free ID counting up; a taken ID or an empty range answers
//   {watch_id: -1, created: true, canceled: true, cancel_reason: "mvcc: ..."};
// - the created response carries the store revision at creation; events follow it;
// - a start revision below the compaction answers {compact_revision, canceled: true} with header
//   revision 0, and the ID stays taken until cancelled;
// - cancel of an unknown ID, and an empty request, are ignored; progress_request answers watch_id -1;
// - the client half-closing does not end the stream (only cancellation does).
import type { Event, ResponseHeader, WatchFilter, WatchHandle } from '../../../adapters/backend.js';
import { isEtcdError } from '../../../adapters/errors.js';
import type { ServerStream } from '../../grpc/api.js';
import type { ServiceDeps } from '../deps.js';
import type { WatchCreateRequest, WatchRequest, WatchResponse } from '../messages.js';
import { stream, type MethodDef } from '../method.js';
import { eventSize, watchResponseSizeWithoutEvents } from '../sizes.js';

export const ErrWatcherDuplicateID = 'mvcc: duplicate watch ID provided on the WatchStream';
export const ErrEmptyWatcherRange = 'mvcc: watcher range is empty';

export function watchMethods(deps: ServiceDeps): MethodDef[] {
  // Events sent, counted in a plain number per batch and pushed into the counter at scrape time.
  const sent = { events: 0 };
  deps.metrics.onScrape(() => {
    deps.metrics.eventsSent.inc(sent.events);
    sent.events = 0;
  });
  return [
    stream('/etcdserverpb.Watch/Watch', 'WatchRequest', 'WatchResponse', true, (s) => {
      new WatchSession(deps, s, sent).start();
    }),
  ];
}

interface Watcher {
  id: number;
  handle?: WatchHandle;
  /** The backend ended this watcher (compacted, canceled): its handle must not be kept. */
  dead: boolean;
  progressNotify: boolean;
  fragment: boolean;
}

const NO_EVENTS: Event[] = [];

export class WatchSession {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 0;
  private progressTimer?: NodeJS.Timeout;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly s: ServerStream<WatchRequest, WatchResponse>,
    private readonly sent: { events: number } = { events: 0 },
  ) {}

  start(): void {
    this.deps.metrics.watchStreams.inc();
    this.s.onMessage((req) => this.onRequest(req));
    this.s.onClose(() => this.close());
    const every = this.deps.watchProgressIntervalMs;
    if (every > 0) {
      this.progressTimer = setInterval(() => this.sendProgressNotifications(), every);
      this.progressTimer.unref();
    }
  }

  private header(revision: number): ResponseHeader {
    const h = this.deps.backend.header();
    return { clusterId: h.clusterId, memberId: h.memberId, revision, raftTerm: h.raftTerm };
  }

  private send(res: WatchResponse): void {
    if (!this.s.closed) this.s.write(res);
  }

  private response(header: ResponseHeader, watchId: number, over: Partial<WatchResponse>): WatchResponse {
    return {
      header,
      watchId,
      created: false,
      canceled: false,
      compactRevision: 0,
      cancelReason: '',
      fragment: false,
      events: NO_EVENTS,
      ...over,
    };
  }

  private onRequest(req: WatchRequest): void {
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) this.cancel(req.cancelRequest.watchId);
    else if (req.progressRequest) void this.progress();
    // anything else: etcd ignores it and keeps the stream
  }

  private create(creq: WatchCreateRequest): void {
    // etcd's normalisation: no key = from "\0"; range_end "\0" = every key >= key.
    const key = creq.key.length === 0 ? Buffer.from([0]) : creq.key;
    const fromKey = creq.rangeEnd.length === 1 && creq.rangeEnd[0] === 0;
    const now = this.deps.backend.header();
    const created = (watchId: number, cancelReason?: string) =>
      this.response(this.header(now.revision), watchId, {
        created: true,
        canceled: cancelReason !== undefined,
        cancelReason: cancelReason ?? '',
      });

    if (!fromKey && creq.rangeEnd.length !== 0 && Buffer.compare(key, creq.rangeEnd) >= 0) {
      return this.send(created(-1, ErrEmptyWatcherRange));
    }
    let id = creq.watchId;
    if (id === 0) {
      while (this.watchers.has(this.nextId)) this.nextId++;
      id = this.nextId++;
    } else if (this.watchers.has(id)) {
      return this.send(created(-1, ErrWatcherDuplicateID));
    }
    const w: Watcher = { id, dead: false, progressNotify: creq.progressNotify, fragment: creq.fragment };
    this.watchers.set(id, w);
    this.deps.metrics.watchers.inc();
    this.send(created(id));

    const filters: WatchFilter[] = creq.filters;
    try {
      const handle = this.deps.backend.watch(
        {
          key,
          rangeEnd: creq.rangeEnd,
          startRevision: creq.startRevision > 0 ? creq.startRevision : now.revision + 1,
          prevKv: creq.prevKv,
          filters,
        },
        {
          onEvents: (events, revision) => this.onEvents(w, events, revision),
          onCompacted: (compactRevision) => {
            // etcd sends this with a zero header revision and keeps the ID until the client cancels.
            w.dead = true;
            w.handle = undefined;
            this.send(this.response(this.header(0), id, { canceled: true, compactRevision }));
          },
          onCanceled: (reason) => {
            w.dead = true;
            w.handle = undefined;
            this.dropWatcher(id);
            this.send(this.response(this.header(this.deps.backend.header().revision), id, { canceled: true, cancelReason: reason }));
          },
        },
      );
      // The backend may have delivered (and ended the watcher) synchronously inside watch().
      if (w.dead) handle.cancel();
      else w.handle = handle;
    } catch (err) {
      this.dropWatcher(id);
      this.send(this.response(this.header(now.revision), id, { canceled: true, cancelReason: errText(err) }));
    }
  }

  private onEvents(w: Watcher, events: Event[], revision: number): void {
    if (events.length === 0 || this.s.closed || !this.watchers.has(w.id)) return;
    this.sent.events += events.length;
    const res = this.response(this.header(revision), w.id, { events });
    if (w.fragment && events.length > 1) this.sendFragments(res);
    else this.send(res);
  }

  /** etcd's sendFragments: split only when the whole response reaches max-request-bytes; at least one event per part. */
  private sendFragments(wr: WatchResponse): void {
    const limit = this.deps.maxRequestBytes;
    const base = watchResponseSizeWithoutEvents(wr);
    const sizes = wr.events.map((ev) => {
      const n = eventSize(ev);
      return 1 + varintLen(n) + n;
    });
    const total = sizes.reduce((a, b) => a + b, base);
    if (total < limit) return this.send(wr);
    // A part with fragment=true is two bytes larger than the unfragmented response header fields.
    const fragBase = base + (wr.fragment ? 0 : 2);
    let idx = 0;
    while (idx < wr.events.length) {
      let size = fragBase;
      const start = idx;
      while (idx < wr.events.length) {
        size += sizes[idx]!;
        if (idx > start && size >= limit) break;
        idx++;
      }
      const last = idx === wr.events.length;
      this.send({ ...wr, fragment: !last, events: wr.events.slice(start, idx) });
    }
  }

  private cancel(id: number): void {
    const w = this.watchers.get(id);
    if (!w) return; // etcd: unknown ID, no answer
    w.handle?.cancel();
    this.dropWatcher(id);
    this.send(this.response(this.header(this.deps.backend.header().revision), id, { canceled: true }));
  }

  private dropWatcher(id: number): void {
    if (this.watchers.delete(id)) this.deps.metrics.watchers.dec();
  }

  private async progress(): Promise<void> {
    try {
      const header = await this.deps.backend.progressHeader();
      this.send(this.response(header, -1, {}));
    } catch (err) {
      this.deps.logger.debug({ err }, 'watch progress request not answered');
    }
  }

  /** progress_notify watchers that are caught up get an empty response at the current revision. */
  private sendProgressNotifications(): void {
    if (this.s.closed) return;
    let header: ResponseHeader | undefined;
    for (const w of this.watchers.values()) {
      if (!w.progressNotify || !w.handle || !w.handle.isSynced()) continue;
      header ??= this.deps.backend.header();
      this.send(this.response(header, w.id, {}));
    }
  }

  private close(): void {
    if (this.progressTimer) clearInterval(this.progressTimer);
    for (const w of this.watchers.values()) {
      w.handle?.cancel();
      this.deps.metrics.watchers.dec();
    }
    this.watchers.clear();
    this.deps.metrics.watchStreams.dec();
  }
}

function varintLen(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

function errText(err: unknown): string {
  if (isEtcdError(err)) return err.message;
  return err instanceof Error ? err.message : String(err);
}
