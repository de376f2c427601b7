// The work behind /v1/operator/keyring on a server: the operation goes to every alive member of
// each gossip pool (the WAN pool of the servers, named node.dc, unless the request is local-only,
// then the LAN pool of every agent), and each pool's answers are gathered as serf's key manager
// gathers them: keys and primary keys counted by how many members hold them, each member's failure
// message by name, "N/M nodes reported failure" (or "... reported success" when some did not
// answer in time) as the pool's error. Without gossip encryption no member has a keyring, and a
// dcsgw agent without a key can only be in a cluster without one, so each member's answer is known
// without asking: serf's "encryption not enabled" refusal.
import type { SerfMember } from '../../compat/agent/agent-self.js';
import { multierrorText } from '../../compat/agent/gossip-keyring.js';
import type { ConsulContext, KeyringOperationName, MemberKeyringAnswer } from './context.js';

/** One pool's answer (Consul's structs.KeyringResponse, as its HTTP layer encodes it). */
export interface KeyringPoolResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Messages?: Record<string, string>;
  Keys: Record<string, number>;
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
  Error?: string;
}

interface PoolMember {
  /** The name the pool knows the member by. */
  name: string;
  /** Its serf LAN address (host:port). */
  address: string;
  local: boolean;
}

/** serf's LAN gossip interval times its query timeout multiplier: the time a member has to answer, per decade of members. */
const QUERY_TIMEOUT_PER_DECADE_MS = 200 * 16;

/** Go's base64.StdEncoding.DecodeString, with its error text (the offset of the first bad quantum). */
export function decodeStdBase64(text: string): Buffer {
  const clean = text.replace(/[\r\n]/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) throw new Error(`illegal base64 data at input byte ${bad}`);
  const pad = clean.indexOf('=');
  if (pad >= 0) {
    const tail = clean.slice(pad);
    if (!/^={1,2}$/.test(tail) || clean.length % 4 !== 0 || (tail.length === 2 && pad % 4 !== 2) || (tail.length === 1 && pad % 4 !== 3)) {
      throw new Error(`illegal base64 data at input byte ${pad}`);
    }
  } else if (clean.length % 4 !== 0) {
    throw new Error(`illegal base64 data at input byte ${clean.length - (clean.length % 4)}`);
  }
  return Buffer.from(clean, 'base64');
}

function timeoutFor(members: number): number {
  return QUERY_TIMEOUT_PER_DECADE_MS * Math.max(1, Math.ceil(Math.log10(members + 1)));
}

function withoutKeyring(op: KeyringOperationName): MemberKeyringAnswer {
  return { Result: false, Message: op === 'list' ? 'Keyring is empty (encryption not enabled)' : 'No keyring to modify (encryption not enabled)', Keys: [], PrimaryKey: '' };
}

function sortedRecord<V>(entries: Iterable<[string, V]>): Record<string, V> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

async function runPool(ctx: ConsulContext, wan: boolean, members: PoolMember[], op: KeyringOperationName, keyText: string): Promise<KeyringPoolResponse> {
  const out: KeyringPoolResponse = { WAN: wan, Datacenter: ctx.agent.datacenter, Segment: '', Keys: {}, PrimaryKeys: {}, NumNodes: 0 };
  let key: Buffer;
  try {
    key = decodeStdBase64(keyText);
  } catch (err) {
    // serf decodes the key before it asks anyone: the pool fails with no member counted
    out.Error = (err as Error).message;
    return out;
  }
  out.NumNodes = members.length;
  const access = ctx.agent.gossipKeyring;
  const timeoutMs = timeoutFor(members.length);
  const answers = await Promise.all(
    members.map(async (m): Promise<[PoolMember, MemberKeyringAnswer | undefined]> => {
      if (!access) return [m, withoutKeyring(op)];
      if (m.local) return [m, access.local(op, key)];
      // a member that cannot be reached (down, or holding none of our keys) does not answer, as with serf
      return [m, await access.remote(m.address, op, key, timeoutMs).catch(() => undefined)];
    }),
  );
  const messages = new Map<string, string>();
  const keys = new Map<string, number>();
  const primaries = new Map<string, number>();
  let responded = 0;
  let failed = 0;
  for (const [m, a] of answers) {
    if (!a) continue;
    responded++;
    if (!a.Result) failed++;
    if (a.Message !== '') messages.set(m.name, a.Message);
    for (const k of a.Keys ?? []) keys.set(k, (keys.get(k) ?? 0) + 1);
    primaries.set(a.PrimaryKey ?? '', (primaries.get(a.PrimaryKey ?? '') ?? 0) + 1);
  }
  if (messages.size > 0) out.Messages = sortedRecord(messages);
  out.Keys = sortedRecord(keys);
  out.PrimaryKeys = sortedRecord(primaries);
  if (failed > 0) out.Error = `${failed}/${members.length} nodes reported failure`;
  else if (responded !== members.length) out.Error = `${responded}/${members.length} nodes reported success`;
  return out;
}

/** The pools' members: alive (or leaving) agents; the WAN pool is the servers, named node.dc. */
async function poolMembers(ctx: ConsulContext): Promise<{ lan: PoolMember[]; wan: PoolMember[] }> {
  const self = ctx.agent.nodeName;
  const all: SerfMember[] = ctx.agent.cluster ? await ctx.agent.cluster.members(false) : [];
  const alive = all.filter((m) => m.Status === 1 || m.Status === 2);
  const hostPort = (m: SerfMember) => (m.Addr.includes(':') ? `[${m.Addr}]:${m.Port}` : `${m.Addr}:${m.Port}`);
  const lan: PoolMember[] = alive.map((m) => ({ name: m.Name, address: hostPort(m), local: m.Name === self }));
  if (!lan.some((m) => m.local)) lan.unshift({ name: self, address: '', local: true });
  const servers = new Set(alive.filter((m) => m.Tags?.role === 'consul').map((m) => m.Name));
  if (ctx.agent.server) servers.add(self);
  const wan = lan.filter((m) => servers.has(m.name)).map((m) => ({ ...m, name: `${m.name}.${ctx.agent.datacenter}` }));
  return { lan, wan };
}

/** Runs a keyring operation over the pools as a Consul server does (Internal.KeyringOperation). */
export async function keyringOperation(ctx: ConsulContext, op: KeyringOperationName, key: string, localOnly: boolean): Promise<KeyringPoolResponse[]> {
  const { lan, wan } = await poolMembers(ctx);
  const pools: Array<Promise<KeyringPoolResponse>> = [];
  if (!localOnly) pools.push(runPool(ctx, true, wan, op, key));
  pools.push(runPool(ctx, false, lan, op, key));
  return Promise.all(pools);
}

/** The 500 text Consul's HTTP layer makes of the pools' errors (go-multierror), or undefined when none failed. */
export function keyringErrorText(responses: readonly KeyringPoolResponse[]): string | undefined {
  const errors: string[] = [];
  for (const r of responses) {
    if (!r.Error) continue;
    errors.push(`${r.WAN ? 'WAN' : `${r.Datacenter} (LAN)`}${r.Segment ? ` [segment: ${r.Segment}]` : ''} error: ${r.Error}`);
    for (const [node, message] of Object.entries(r.Messages ?? {})) errors.push(`${node}: ${message}`);
  }
  return errors.length > 0 ? multierrorText(errors) : undefined;
}

/** The pools' answers as the list endpoint sends them (Error is only in the 500 text). */
export function keyringListBody(responses: readonly KeyringPoolResponse[]): Array<Omit<KeyringPoolResponse, 'Error'>> {
  return responses.map(({ Error: _error, ...rest }) => rest);
}
