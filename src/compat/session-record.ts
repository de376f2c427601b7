// A Consul session as stored in the system keyspace at session/<uuid> (system-keys.ts) and as the
// HTTP API shows it (Go's structs.Session). A session with a TTL is attached to a backend lease
// whose expiry deletes the record (sessions.ts); CreateIndex / ModifyIndex are the record's
// create / mod revisions.
import type { KeyValue } from '../adapters/backend.js';
import { SystemPrefix, systemKey } from './system-keys.js';

export type SessionBehavior = 'release' | 'delete';

export interface ServiceCheckRef {
  ID: string;
  Namespace: string;
}

export interface SessionRecord {
  ID: string;
  Name: string;
  Node: string;
  /** Nanoseconds (Go's time.Duration), as the API reports it. */
  LockDelay: number;
  Behavior: SessionBehavior;
  /** As the client sent it ("15s", "15.0s", or "" for none). */
  TTL: string;
  NodeChecks: string[] | null;
  ServiceChecks: ServiceCheckRef[] | null;
  /** The backend lease (decimal) a TTL session's record is attached to; "0" without a TTL. */
  Lease: string;
}

export interface StoredSession {
  record: SessionRecord;
  createIndex: number;
  modifyIndex: number;
}

export const sessionKey = (id: string): Buffer => systemKey(SystemPrefix.session, id);
export const SESSION_PREFIX = systemKey(SystemPrefix.session);

export function decodeSession(kv: KeyValue): StoredSession | undefined {
  try {
    const record = JSON.parse(kv.value.toString('utf8')) as SessionRecord;
    return { record, createIndex: kv.createRevision, modifyIndex: kv.modRevision };
  } catch {
    return undefined;
  }
}

export function encodeSession(r: SessionRecord): Buffer {
  return Buffer.from(JSON.stringify(r), 'utf8');
}

/** Every check ID the session is bound to (node checks, then service checks), as Consul's CheckIDs(). */
export function boundCheckIds(r: SessionRecord): string[] {
  return [...(r.NodeChecks ?? []), ...(r.ServiceChecks ?? []).map((c) => c.ID)];
}

/** The API shape, in Consul's field order. */
export function sessionView(s: StoredSession): Record<string, unknown> {
  const r = s.record;
  return {
    ID: r.ID,
    Name: r.Name,
    Node: r.Node,
    LockDelay: r.LockDelay,
    Behavior: r.Behavior,
    TTL: r.TTL,
    NodeChecks: r.NodeChecks,
    ServiceChecks: r.ServiceChecks,
    CreateIndex: s.createIndex,
    ModifyIndex: s.modifyIndex,
  };
}
