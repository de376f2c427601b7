// The layout of the system keyspace (DESIGN.md, "One keyspace, two views"): where each piece of
// Consul-only state lives. Every record is a key of the 'system' keyspace of the same store as the
// etcd keys, so it shares their revision space and is written in the same transaction as the user
// record it belongs to; no etcd request can see or touch it.
//
//   kv/<user key bytes>            KV metadata of the user key of the same bytes (kv-meta.ts):
//                                  Flags, Session, LockIndex, lock-delay; valid only for the
//                                  generation (create revision) it records
//   session/<uuid>                 a session (JSON); attached to its lease when it has a TTL
//   node/<node>                    a catalog node (JSON)
//   service/<node>/<service id>    a catalog service instance (JSON); the ID may contain '/'
//   check/<node>/<check id>        a catalog health check (JSON)
//   coordinate/<node>              a network coordinate (JSON)
//   event/<ltime padded>           a user event (JSON); the newest 256 are kept, as Consul's buffer
//   query/<uuid>                   a prepared query (JSON)
//   acl/...                        ACL state (security issue)
//   connect/ca-root                the built-in Connect CA's root certificate (JSON)
//
// The first path segment names the Consul "table" whose index (X-Consul-Index) a change moves;
// the user keyspace as a whole is the 'kvs' table (index-tracker.ts).
import type { Keyspace } from '../adapters/backend.js';

export const SYSTEM: Keyspace = 'system';

export const SystemPrefix = {
  kvMeta: 'kv/',
  session: 'session/',
  node: 'node/',
  service: 'service/',
  check: 'check/',
  coordinate: 'coordinate/',
  event: 'event/',
  query: 'query/',
  acl: 'acl/',
  connect: 'connect/',
} as const;

/** Consul's table names, as index-tracker.ts reports them. */
export type Table = 'kvs' | 'sessions' | 'nodes' | 'services' | 'checks' | 'coordinates' | 'events' | 'prepared-queries' | 'acls' | 'connect-ca';

const TABLE_OF_PREFIX: Record<string, Table> = {
  kv: 'kvs',
  session: 'sessions',
  node: 'nodes',
  service: 'services',
  check: 'checks',
  coordinate: 'coordinates',
  event: 'events',
  query: 'prepared-queries',
  acl: 'acls',
  connect: 'connect-ca',
};

/** The table a system key belongs to (undefined for a key outside the layout). */
export function tableOfSystemKey(key: Buffer): Table | undefined {
  const slash = key.indexOf(0x2f);
  if (slash <= 0) return undefined;
  return TABLE_OF_PREFIX[key.toString('latin1', 0, slash)];
}

/** The system key `prefix + rest` (rest may be raw bytes, e.g. a user key). */
export function systemKey(prefix: string, rest: string | Buffer = ''): Buffer {
  return Buffer.concat([Buffer.from(prefix, 'latin1'), typeof rest === 'string' ? Buffer.from(rest, 'utf8') : rest]);
}

// The range end for a prefix is the adapters' one, re-exported so system-key users find it here.
export { prefixEnd } from '../adapters/requests.js';
