// Consul's user events (/v1/event/fire, /v1/event/list).
//
// Genuine Consul gossips an event through serf; each agent that the event's node/service/tag
// filters select keeps it in a ring buffer of the newest 256 and lists those. Here an event is a
// record of the system keyspace, event/<Lamport time, zero-padded>, so every agent over the same
// store sees it; the newest 256 are kept. An agent lists the events its own node and services
// match, as a Consul agent only ever records those.
//
// The list's X-Consul-Index is Consul's: the XOR of the two 64-bit halves of the newest listed
// event's UUID (not monotonic; 1 when the list is empty).
import { randomUUID } from 'node:crypto';
import type { Backend } from '../adapters/backend.js';
import { CompareResult, CompareTarget, SortOrder, SortTarget } from '../adapters/backend.js';
import { EMPTY_BYTES, rangeRequest } from '../adapters/requests.js';
import { compileGoRegexp, GoRegexpError, type GoRegexp } from './go-regexp.js';
import { SYSTEM, SystemPrefix, prefixEnd, systemKey } from './system-keys.js';

/** Consul's UserEvent JSON (Payload base64, null when empty; LTime 0 in the fire answer). */
export interface UserEvent {
  ID: string;
  Name: string;
  Payload: string | null;
  NodeFilter: string;
  ServiceFilter: string;
  TagFilter: string;
  Version: number;
  LTime: number;
}

export interface FireParams {
  name: string;
  payload: Buffer;
  nodeFilter: string;
  serviceFilter: string;
  tagFilter: string;
}

/** What an agent matches an event's filters against: its node name and its services (ID and tags). */
export interface EventAudience {
  nodeName: string;
  services: ReadonlyArray<{ ID: string; Tags: readonly string[] | null }>;
}

/** An event Consul refuses to fire; `message` is Consul's text (answered as HTTP 500). */
export class EventError extends Error {}

/** Consul's ring buffer of user events per agent. */
export const EVENT_BUFFER_SIZE = 256;
/** serf's default UserEventSizeLimit. */
export const USER_EVENT_SIZE_LIMIT = 512;
const USER_EVENT_VERSION = 1;
const SERF_EVENT_PREFIX = 'consul:event:';
const MAX_ATTEMPTS = 16;

const eventsPrefix = (): Buffer => systemKey(SystemPrefix.event);
const eventKey = (ltime: number): Buffer => systemKey(SystemPrefix.event, String(ltime).padStart(20, '0'));

/** A Go regular expression; undefined when Go would not compile it. */
function goRegexp(pattern: string): GoRegexp | undefined {
  try {
    return compileGoRegexp(pattern);
  } catch {
    return undefined;
  }
}

/** Go's regexp.Compile error text for a pattern it refuses ('' when it compiles). */
function regexpError(pattern: string): string {
  try {
    compileGoRegexp(pattern);
    return '';
  } catch (e) {
    return e instanceof GoRegexpError ? e.message : String(e);
  }
}

/** Consul's validateUserEvent. */
function validate(p: FireParams): void {
  const invalid = (what: string, pattern: string) => {
    const err = pattern === '' ? '' : regexpError(pattern);
    if (err !== '') throw new EventError(`Invalid ${what} filter: ${err}`);
  };
  invalid('node', p.nodeFilter);
  invalid('service', p.serviceFilter);
  if (p.tagFilter !== '' && p.serviceFilter === '') throw new EventError('cannot provide tag filter without service filter');
  invalid('tag', p.tagFilter);
}

/** Bytes msgpack spends on a string / byte string of length n. */
function msgpackStrSize(n: number): number {
  return n < 32 ? 1 + n : n < 256 ? 2 + n : n < 65536 ? 3 + n : 5 + n;
}
function msgpackBinSize(n: number): number {
  return n < 256 ? 2 + n : n < 65536 ? 3 + n : 5 + n;
}

/**
 * The size serf checks against its limit before encoding: the serf event name plus the
 * msgpack-encoded Consul event (ID, n, p, nf, sf, tf, v; empty ones omitted), as Consul builds it.
 */
export function userEventSize(event: UserEvent, payload: Buffer): number {
  let body = 1 + msgpackStrSize(2) + msgpackStrSize(event.ID.length);
  body += msgpackStrSize(1) + msgpackStrSize(Buffer.byteLength(event.Name));
  if (payload.length > 0) body += msgpackStrSize(1) + msgpackBinSize(payload.length);
  for (const f of [event.NodeFilter, event.ServiceFilter, event.TagFilter]) if (f !== '') body += msgpackStrSize(2) + msgpackStrSize(Buffer.byteLength(f));
  body += msgpackStrSize(1) + 1;
  return Buffer.byteLength(SERF_EVENT_PREFIX + event.Name) + 1 + body;
}

/** Consul's uuidToUint64: the XOR of the UUID's two 64-bit halves (the event list's index). */
export function eventIndex(id: string): bigint {
  const lower = BigInt('0x' + id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18));
  const upper = BigInt('0x' + id.slice(19, 23) + id.slice(24, 36));
  return lower ^ upper;
}

/** The index of an event list: the newest event's, 1 when empty (never 0, so watches do not spin). */
export function eventListIndex(events: UserEvent[]): bigint {
  return events.length === 0 ? 1n : eventIndex(events[events.length - 1]!.ID);
}

/** Consul's shouldProcessUserEvent: does this agent (node name, its services) take the event? */
export function acceptedBy(e: UserEvent, audience: EventAudience): boolean {
  if (e.Version > USER_EVENT_VERSION) return false;
  if (e.NodeFilter !== '' && !goRegexp(e.NodeFilter)?.test(audience.nodeName)) return false;
  if (e.ServiceFilter !== '') {
    const svc = goRegexp(e.ServiceFilter);
    const tag = e.TagFilter !== '' ? goRegexp(e.TagFilter) : undefined;
    if (!svc) return false;
    const found = audience.services.some((s) => svc.test(s.ID) && (e.TagFilter === '' || (tag !== undefined && (s.Tags ?? []).some((t) => tag.test(t)))));
    if (!found) return false;
  }
  return true;
}

export class UserEvents {
  constructor(private readonly backend: Backend) {}

  /** Fires an event; resolves with what Consul's fire endpoint answers (a fresh ID, LTime 0). */
  async fire(p: FireParams): Promise<UserEvent> {
    validate(p);
    const event: UserEvent = {
      ID: randomUUID(),
      Name: p.name,
      Payload: p.payload.length > 0 ? p.payload.toString('base64') : null,
      NodeFilter: p.nodeFilter,
      ServiceFilter: p.serviceFilter,
      TagFilter: p.tagFilter,
      Version: USER_EVENT_VERSION,
      LTime: 0,
    };
    if (userEventSize(event, p.payload) > USER_EVENT_SIZE_LIMIT) throw new EventError(`user event exceeds configured limit of ${USER_EVENT_SIZE_LIMIT} bytes before encoding`);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const prefix = eventsPrefix();
      const last = await this.backend.range(
        rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix), limit: 1, sortOrder: SortOrder.DESCEND, sortTarget: SortTarget.KEY }),
      );
      const lastLTime = last.kvs[0] ? (JSON.parse(last.kvs[0].value.toString('utf8')) as UserEvent).LTime : 0;
      const ltime = lastLTime + 1;
      const key = eventKey(ltime);
      const stored: UserEvent = { ...event, LTime: ltime };
      const res = await this.backend.txn({
        compare: [{ keyspace: SYSTEM, result: CompareResult.EQUAL, target: CompareTarget.VERSION, key, rangeEnd: EMPTY_BYTES, version: 0 }],
        success: [{ requestPut: { keyspace: SYSTEM, key, value: Buffer.from(JSON.stringify(stored)), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false } }],
        failure: [],
      });
      if (res.succeeded) {
        await this.prune();
        return event;
      }
    }
    throw new EventError('user event: too much contention, try again');
  }

  /** Keeps the newest EVENT_BUFFER_SIZE events. */
  private async prune(): Promise<void> {
    const prefix = eventsPrefix();
    const count = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix), countOnly: true }));
    const excess = count.count - EVENT_BUFFER_SIZE;
    if (excess <= 0) return;
    const oldest = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix), keysOnly: true, limit: excess }));
    const lastKey = oldest.kvs[oldest.kvs.length - 1];
    if (!lastKey) return;
    await this.backend.deleteRange({ keyspace: SYSTEM, key: prefix, rangeEnd: Buffer.concat([lastKey.key, Buffer.from([0])]), prevKv: false });
  }

  /** Every kept event, oldest first. */
  async list(): Promise<UserEvent[]> {
    const prefix = eventsPrefix();
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    return res.kvs.map((kv) => JSON.parse(kv.value.toString('utf8')) as UserEvent);
  }
}
