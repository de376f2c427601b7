// Consul's per-service index: the X-Consul-Index of /v1/catalog/service/:name and
// /v1/health/service/:name is the last revision that touched *that* service — one of its
// instances, a check of one of them, or a node (or node-level check) hosting one — so a blocking
// query on one service is not woken by changes to others. A service with no instance left answers
// with the index at which the last instance of any service disappeared (Consul's
// "service_last_extinction"), so an index never goes backwards when a service vanishes.
//
// Tracked incrementally from three watches of the system keyspace (node/, service/, check/, with
// previous values so deletions name what they removed), never by scanning on a read. At start and
// after missed history (compaction), every service's index is the store's revision then: an upper
// bound, as index-tracker.ts does for tables.
import type { Backend, Event, KeyValue, WatchHandle } from '../adapters/backend.js';
import { EventType } from '../adapters/backend.js';
import { rangeRequest } from '../adapters/requests.js';
import type { CheckRecord, ServiceRecord } from './catalog-records.js';
import { SYSTEM, SystemPrefix, prefixEnd, systemKey } from './system-keys.js';

interface Waiter {
  name: string;
  afterIndex: number;
  resolve: () => void;
  timer?: NodeJS.Timeout;
}

const RESTART_DELAY_MS = 200;
const WATCHED = [SystemPrefix.node, SystemPrefix.service, SystemPrefix.check] as const;

/** The node segment and the rest of a catalog key ("service/<node>/<id>" -> ["<node>", "<id>"]). */
function splitKey(key: Buffer, prefix: string): [string, string] {
  const rest = key.toString('utf8', prefix.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? [rest, ''] : [rest.slice(0, slash), rest.slice(slash + 1)];
}

function parse<T>(kv: KeyValue | undefined): T | undefined {
  if (!kv || kv.value.length === 0) return undefined;
  try {
    return JSON.parse(kv.value.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export class ServiceIndexes {
  private floor = 0;
  private extinction = 0;
  private readonly byService = new Map<string, number>();
  /** node segment -> service id (lower-cased) -> service name (lower-cased). */
  private readonly onNode = new Map<string, Map<string, string>>();
  /** service name (lower-cased) -> number of instances. */
  private readonly instances = new Map<string, number>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly handles: WatchHandle[] = [];
  private closed = false;
  private ready: Promise<void>;

  constructor(private readonly backend: Backend) {
    this.ready = this.startSafely();
  }

  /** The index of a service (name case-insensitive); never below 1. */
  async index(service: string): Promise<number> {
    await this.ready;
    const name = service.toLowerCase();
    const own = this.instances.has(name) ? this.byService.get(name) : undefined;
    return Math.max(1, this.floor, own ?? this.extinction);
  }

  /** Resolves once the service's index is above `afterIndex`, after `timeoutMs`, or when `signal` aborts. Never rejects. */
  async waitForChange(service: string, afterIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const name = service.toLowerCase();
    if (this.closed || (await this.index(name)) > afterIndex || signal?.aborted) return;
    return new Promise<void>((resolve) => {
      const w: Waiter = {
        name,
        afterIndex,
        resolve: () => {
          if (w.timer) clearTimeout(w.timer);
          this.waiters.get(name)?.delete(w);
          signal?.removeEventListener('abort', w.resolve);
          resolve();
        },
      };
      w.timer = setTimeout(w.resolve, timeoutMs);
      signal?.addEventListener('abort', w.resolve, { once: true });
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      set.add(w);
    });
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles.splice(0)) h.cancel();
    for (const set of this.waiters.values()) for (const w of [...set]) w.resolve();
  }

  /** Reads where every service instance is, then follows changes from that revision on. */
  private async start(): Promise<void> {
    const prefix = systemKey(SystemPrefix.service);
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    this.onNode.clear();
    this.instances.clear();
    for (const kv of res.kvs) {
      const s = parse<ServiceRecord>(kv);
      if (s) this.place(kv.key, s);
    }
    this.floor = Math.max(this.floor, res.header.revision);
    this.notifyAll();
    if (this.closed) return;
    for (const p of WATCHED) this.watch(p, res.header.revision + 1);
  }

  /** start(), retried later when the store cannot answer now (closing, no leader): reads meanwhile see the floor. */
  private async startSafely(): Promise<void> {
    try {
      await this.start();
    } catch {
      this.restart();
    }
  }

  private restart(): void {
    for (const h of this.handles.splice(0)) h.cancel();
    if (this.closed) return;
    setTimeout(() => {
      if (!this.closed) this.ready = this.startSafely();
    }, RESTART_DELAY_MS).unref();
  }

  private watch(prefix: string, fromRevision: number): void {
    const key = systemKey(prefix);
    const handle = this.backend.watch(
      { keyspace: SYSTEM, key, rangeEnd: prefixEnd(key), startRevision: fromRevision, prevKv: true, filters: [] },
      {
        onEvents: (events: Event[]) => {
          for (const e of events) this.apply(prefix, e);
        },
        onCompacted: (_compactRevision: number, revision: number) => {
          this.floor = Math.max(this.floor, revision);
          this.notifyAll();
          this.restart();
        },
        onCanceled: () => this.restart(),
      },
    );
    this.handles.push(handle);
  }

  private place(key: Buffer, s: ServiceRecord): void {
    const [node, id] = splitKey(key, SystemPrefix.service);
    let m = this.onNode.get(node);
    if (!m) this.onNode.set(node, (m = new Map()));
    const name = s.Service.toLowerCase();
    m.set(id, name);
    this.instances.set(name, (this.instances.get(name) ?? 0) + 1);
  }

  private unplace(key: Buffer): string | undefined {
    const [node, id] = splitKey(key, SystemPrefix.service);
    const m = this.onNode.get(node);
    const name = m?.get(id);
    if (!m || name === undefined) return undefined;
    m.delete(id);
    if (m.size === 0) this.onNode.delete(node);
    const left = (this.instances.get(name) ?? 1) - 1;
    if (left <= 0) this.instances.delete(name);
    else this.instances.set(name, left);
    return name;
  }

  private apply(prefix: string, e: Event): void {
    const rev = e.kv.modRevision;
    if (prefix === SystemPrefix.service) {
      const before = this.unplace(e.kv.key);
      if (before !== undefined) this.bump(before, rev);
      if (e.type === EventType.PUT) {
        const s = parse<ServiceRecord>(e.kv);
        if (s) {
          this.place(e.kv.key, s);
          this.bump(s.Service.toLowerCase(), rev);
        }
      } else if (before !== undefined && !this.instances.has(before)) {
        // The last instance went: every service without instances now answers this index.
        this.extinction = Math.max(this.extinction, rev);
        for (const [name, set] of this.waiters) {
          if (this.instances.has(name)) continue;
          for (const w of [...set]) if (this.extinction > w.afterIndex) w.resolve();
        }
      }
      return;
    }
    const [node] = splitKey(e.kv.key, prefix);
    if (prefix === SystemPrefix.node) {
      for (const name of new Set(this.onNode.get(node)?.values() ?? [])) this.bump(name, rev);
      return;
    }
    // A check: node-level ones concern every service on the node, bound ones their service.
    const check = parse<CheckRecord>(e.kv) ?? parse<CheckRecord>(e.prevKv);
    if (!check || check.ServiceID === '') {
      for (const name of new Set(this.onNode.get(node)?.values() ?? [])) this.bump(name, rev);
      return;
    }
    const name = this.onNode.get(node)?.get(check.ServiceID.toLowerCase()) ?? check.ServiceName.toLowerCase();
    this.bump(name, rev);
  }

  private bump(name: string, rev: number): void {
    if (rev <= (this.byService.get(name) ?? 0)) return;
    this.byService.set(name, rev);
    const set = this.waiters.get(name);
    if (set) for (const w of [...set]) if (rev > w.afterIndex) w.resolve();
  }

  private notifyAll(): void {
    for (const [, set] of this.waiters) for (const w of [...set]) w.resolve();
  }
}
