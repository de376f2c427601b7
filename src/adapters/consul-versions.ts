// etcd's per-key version on Consul, which counts no modifications: dcsgw keeps it in a shadow entry
// _dcsgw/ver/<consul key> (value: the version in decimal), written in the same /v1/txn as every put
// that makes a version above 1, so its ModifyIndex equals the key's. Reads fetch a key range and
// its shadows in one read-only /v1/txn (one point in time). An entry's version is then:
//   - the shadow's, when the shadow was written with the entry (same ModifyIndex);
//   - the shadow's + 1 when the entry was overwritten since by a client that writes no shadow
//     (a plain Consul client: how many times is unknown, once is the least);
//   - else (no shadow of this generation) 1 for an entry never overwritten, 2 for one that was.
// Keys written once by genuine Consul clients thus read as version 1, and Consul's own Flags field
// stays free for the Consul flags (consul-flags.ts).
import { randomBytes } from 'node:crypto';
import { consulError, type ConsulHttp } from './consul-http.js';
import { kvPath, parseConsulJson, RESERVED, REVISION_KEY, stringifyConsulJson, VERSION_PREFIX, type ConsulEntry } from './consul-keyspace.js';

export const versionKey = (consulKey: string): string => VERSION_PREFIX + consulKey;

export const isVersionKey = (consulKey: string): boolean => consulKey.startsWith(VERSION_PREFIX);

/** The version operations a put of `key` at `version` adds to its /v1/txn (none for version 1). */
export function versionWrite(key: string, version: number): { Verb: string; Key: string; Value: string } | undefined {
  return version > 1 ? { Verb: 'set', Key: versionKey(key), Value: Buffer.from(String(version)).toString('base64') } : undefined;
}

/** Fills in each entry's Version from the shadows found with it (see the top of this file). */
export function attachVersions(entries: ConsulEntry[], shadows: Map<string, ConsulEntry>): void {
  for (const e of entries) {
    if (isVersionKey(e.Key)) continue;
    const s = shadows.get(versionKey(e.Key));
    const stored = s?.Value ? Number(Buffer.from(s.Value, 'base64').toString('utf8')) : NaN;
    const overwritten = e.ModifyIndex > e.CreateIndex;
    if (s && Number.isSafeInteger(stored) && stored > 0 && s.ModifyIndex >= e.CreateIndex) {
      e.Version = s.ModifyIndex >= e.ModifyIndex ? stored : stored + 1;
    } else {
      e.Version = overwritten ? 2 : 1;
    }
  }
}

/** The shadows among `all`, by key. */
export function shadowsIn(all: ConsulEntry[]): Map<string, ConsulEntry> {
  const m = new Map<string, ConsulEntry>();
  for (const e of all) if (isVersionKey(e.Key)) m.set(e.Key, e);
  return m;
}

export type ReadMode = Record<string, string>;

const OPS_PER_PREFIX = 4;
const MAX_OPS = 64;

interface ReadAnswer {
  Results: Array<{ KV?: ConsulEntry }> | null;
  Errors: Array<{ What: string }> | null;
}

/**
 * Every entry under each prefix, with versions: one read-only /v1/txn per 16 prefixes (a get-tree
 * of the prefix and one of its shadows, each followed by a get of _dcsgw/revision as delimiter).
 * A prefix that covers dcsgw's reserved records (e.g. "") is read with one GET of the whole store.
 */
export async function readTrees(http: ConsulHttp, prefixes: string[], mode: ReadMode): Promise<ConsulEntry[][]> {
  if (prefixes.length === 0) return [];
  if (prefixes.some((p) => RESERVED.startsWith(p))) {
    const { value } = await http.json<ConsulEntry[]>('GET', kvPath(''), { ...mode, recurse: '' });
    const all = value ?? [];
    attachVersions(all, shadowsIn(all));
    return prefixes.map((p) => all.filter((e) => e.Key.startsWith(p)));
  }
  const per = MAX_OPS / OPS_PER_PREFIX;
  const chunks: string[][] = [];
  for (let i = 0; i < prefixes.length; i += per) chunks.push(prefixes.slice(i, i + per));
  const answers = await Promise.all(chunks.map((c) => readChunk(http, c, mode)));
  return answers.flat();
}

async function readChunk(http: ConsulHttp, prefixes: string[], mode: ReadMode): Promise<ConsulEntry[][]> {
  const ops: unknown[] = [];
  for (const p of prefixes) {
    ops.push({ KV: { Verb: 'get-tree', Key: p } }, { KV: { Verb: 'get', Key: REVISION_KEY } });
    ops.push({ KV: { Verb: 'get-tree', Key: versionKey(p) } }, { KV: { Verb: 'get', Key: REVISION_KEY } });
  }
  const body = JSON.stringify(ops);
  for (let attempt = 0; ; attempt++) {
    const res = await http.call('PUT', '/v1/txn', mode, body);
    if (res.status === 409 && attempt === 0 && res.text.includes(REVISION_KEY)) {
      await ensureRevisionKey(http);
      continue;
    }
    if (res.status !== 200) throw consulError(res, 'PUT', '/v1/txn');
    const results = (parseConsulJson<ReadAnswer>(res.text).Results ?? []).map((r) => r.KV!);
    let i = 0;
    const tree = (): ConsulEntry[] => {
      const out: ConsulEntry[] = [];
      while (i < results.length && results[i]!.Key !== REVISION_KEY) out.push(results[i++]!);
      i++; // the delimiter
      return out;
    };
    return prefixes.map(() => {
      const entries = tree();
      attachVersions(entries, shadowsIn(tree()));
      return entries;
    });
  }
}

/** Creates _dcsgw/revision when it is missing (transactions read it as a delimiter). */
export async function ensureRevisionKey(http: ConsulHttp): Promise<void> {
  const body = stringifyConsulJson([{ KV: { Verb: 'cas', Key: REVISION_KEY, Index: 0, Value: randomBytes(8).toString('base64') } }]);
  const res = await http.call('PUT', '/v1/txn', {}, body);
  if (res.status !== 200 && res.status !== 409) throw consulError(res, 'PUT', '/v1/txn');
}
