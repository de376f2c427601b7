// The ContentHash of /v1/agent/service/:id (and X-Consul-ContentHash): Consul hashes the
// api.AgentService it answers with mitchellh/hashstructure (FNV-1 64; a struct is its type name
// XOR each field's ordered (name, value) hash; maps XOR their entries; slices chain in order;
// nil pointers hash as int 0; fields tagged hash:"ignore" — Namespace, Partition, Datacenter,
// Locality — left out). Reproducing it exactly lets clients that compare hashes (the Go client's
// tests do) see the values genuine Consul gives for the same service.
import type { ServiceRecord } from './definitions.js';

const MASK = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;

function fnv1(bytes: Uint8Array): bigint {
  let h = FNV_OFFSET;
  for (const b of bytes) {
    h = (h * FNV_PRIME) & MASK;
    h ^= BigInt(b);
  }
  return h;
}

function le64(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v & MASK);
  return b;
}

const hashString = (s: string): bigint => fnv1(Buffer.from(s, 'utf8'));
/** int and int64 widen to int64; uint64 is written as is (same little-endian bytes). */
const hashInt = (n: number): bigint => fnv1(le64(BigInt.asUintN(64, BigInt(n))));
const hashBool = (b: boolean): bigint => fnv1(Uint8Array.of(b ? 1 : 0));
/** A nil pointer is hashed as the int 0. */
const hashNil = (): bigint => hashInt(0);
const ordered = (a: bigint, b: bigint): bigint => fnv1(Buffer.concat([le64(a), le64(b)]));

function hashSlice(items: readonly bigint[]): bigint {
  let h = 0n;
  for (const item of items) h = ordered(h, item);
  return h;
}

function hashMap(entries: Array<[bigint, bigint]>): bigint {
  let h = 0n;
  for (const [k, v] of entries) h ^= ordered(k, v);
  return h;
}

function hashStruct(typeName: string, fields: Array<[string, bigint]>): bigint {
  let h = hashString(typeName);
  for (const [name, value] of fields) h ^= ordered(hashString(name), value);
  return h;
}

/** The hash of api.AgentService for this service, as 16 hex digits. */
export function agentServiceContentHash(s: ServiceRecord): string {
  const tagged = s.TaggedAddresses ?? {};
  const h = hashStruct('AgentService', [
    ['Kind', hashString(s.Kind ?? '')],
    ['ID', hashString(s.ID)],
    ['Service', hashString(s.Service)],
    ['Tags', hashSlice((s.Tags ?? []).map(hashString))],
    ['Meta', hashMap(Object.entries(s.Meta ?? {}).map(([k, v]) => [hashString(k), hashString(v)]))],
    ['Port', hashInt(s.Port)],
    [
      'Ports',
      hashSlice(
        (s.Ports ?? []).map((p) =>
          hashStruct('ServicePort', [
            ['Name', hashString(p.Name)],
            ['Port', hashInt(p.Port)],
            ['Default', hashBool(p.Default)],
          ]),
        ),
      ),
    ],
    ['Address', hashString(s.Address)],
    ['SocketPath', hashString(s.SocketPath ?? '')],
    [
      'TaggedAddresses',
      hashMap(
        Object.entries(tagged).map(([k, a]) => [
          hashString(k),
          hashStruct('ServiceAddress', [
            ['Address', hashString(a.Address)],
            ['Port', hashInt(a.Port)],
          ]),
        ]),
      ),
    ],
    [
      'Weights',
      hashStruct('AgentWeights', [
        ['Passing', hashInt(s.Weights.Passing > 0 ? s.Weights.Passing : 1)],
        ['Warning', hashInt(s.Weights.Warning)],
      ]),
    ],
    ['EnableTagOverride', hashBool(s.EnableTagOverride)],
    ['CreateIndex', hashInt(0)],
    ['ModifyIndex', hashInt(0)],
    ['ContentHash', hashString('')],
    ['Proxy', hashNil()],
    [
      'Connect',
      s.Connect?.Native
        ? hashStruct('AgentServiceConnect', [
            ['Native', hashBool(true)],
            ['SidecarService', hashNil()],
          ])
        : hashNil(),
    ],
    ['PeerName', hashString('')],
    ['AI', hashNil()],
  ]);
  return h.toString(16);
}
