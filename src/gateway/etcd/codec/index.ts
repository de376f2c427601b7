// The etcd message codecs: binary (gRPC) and JSON (grpc-gateway), by message name.
// Hot messages (Put/Range requests and responses) get the hand-written codecs of ./fast-kv.ts;
// all others the schema-driven codec of ./schema-codec.ts. protobufjs (./reflect-codec.ts) is the
// reference both are tested against.
//
//   import { binaryCodecTable, jsonCodecTable } from './codec/index.js';
//   const codecs = binaryCodecTable<MessageTypes>();   // codecs.PutRequest.decode(buf)
//   const json = jsonCodecTable<MessageTypes>();       // json.PutResponse.toJson(res)
//
// Short names ('PutRequest') resolve in package order etcdserverpb, mvccpb, authpb, v3lockpb,
// v3electionpb; full names ('v3electionpb.LeaderRequest') work too.
import type { MessageCodec } from '../../grpc/api.js';
import { fastPutRequest, fastPutResponse, fastRangeRequest, fastRangeResponse } from './fast-kv.js';
import type { JsonCodec } from './json-codec.js';
import { jsonCodec } from './json-codec.js';
import { reflectCodec } from './reflect-codec.js';
import { schemaCodec } from './schema-codec.js';
import { allMessageNames } from './schema.js';

export type { JsonCodec } from './json-codec.js';
export { httpStatusOf, jsonErrorBody, parseJsonBody } from './json-codec.js';
export { EMPTY_BYTES } from './reflect-codec.js';
export { fastPutRequest, fastPutResponse, fastRangeRequest, fastRangeResponse } from './fast-kv.js';

const PACKAGE_ORDER = ['etcdserverpb', 'mvccpb', 'authpb', 'v3lockpb', 'v3electionpb'];

const FAST: Record<string, MessageCodec<unknown>> = {
  'etcdserverpb.PutRequest': fastPutRequest as MessageCodec<unknown>,
  'etcdserverpb.PutResponse': fastPutResponse as MessageCodec<unknown>,
  'etcdserverpb.RangeRequest': fastRangeRequest as MessageCodec<unknown>,
  'etcdserverpb.RangeResponse': fastRangeResponse as MessageCodec<unknown>,
};

let fullNames: Map<string, string> | undefined;

/** Short or full message name -> full name. */
export function resolveMessageName(name: string): string {
  if (!fullNames) {
    const all = allMessageNames();
    fullNames = new Map();
    for (const full of all) fullNames.set(full, full);
    for (const pkg of [...PACKAGE_ORDER].reverse()) {
      for (const full of all) {
        if (full.startsWith(pkg + '.')) fullNames.set(full.slice(pkg.length + 1), full);
      }
    }
  }
  const full = fullNames.get(name);
  if (full === undefined) throw new Error(`dcsgw codec: no message named ${name} in proto/etcd`);
  return full;
}

const binaryCache = new Map<string, MessageCodec<unknown>>();
const jsonCache = new Map<string, JsonCodec<unknown>>();

/** The binary codec of one message (the hand-written one where there is one). */
export function binaryCodec<T>(name: string): MessageCodec<T> {
  const full = resolveMessageName(name);
  let c = binaryCache.get(full);
  if (!c) {
    c = FAST[full] ?? schemaCodec<unknown>(full);
    binaryCache.set(full, c);
  }
  return c as MessageCodec<T>;
}

/** The general (protobufjs) codec even where a hand-written one exists: the reference the fast ones are tested against. */
export function referenceCodec<T>(name: string): MessageCodec<T> {
  return reflectCodec<T>(resolveMessageName(name));
}

export function jsonCodecOf<T>(name: string): JsonCodec<T> {
  const full = resolveMessageName(name);
  let c = jsonCache.get(full);
  if (!c) {
    c = jsonCodec<unknown>(full);
    jsonCache.set(full, c);
  }
  return c as JsonCodec<T>;
}

function lazyTable<C>(make: (name: string) => C): Record<string, C> {
  return new Proxy({} as Record<string, C>, {
    get(target, prop) {
      if (typeof prop !== 'string') return undefined;
      let c = target[prop];
      if (c === undefined) {
        c = make(prop);
        target[prop] = c;
      }
      return c;
    },
  });
}

/** A table of binary codecs typed by the caller's name -> type map (e.g. MessageTypes of ../codecs.ts). */
export function binaryCodecTable<Types>(): { [K in keyof Types]: MessageCodec<Types[K]> } {
  return lazyTable((n) => binaryCodec<unknown>(n)) as unknown as { [K in keyof Types]: MessageCodec<Types[K]> };
}

export function jsonCodecTable<Types>(): { [K in keyof Types]: JsonCodec<Types[K]> } {
  return lazyTable((n) => jsonCodecOf<unknown>(n)) as unknown as { [K in keyof Types]: JsonCodec<Types[K]> };
}
