// etcd leases on Consul sessions (the Consul adapter). A lease is a TTL session with
// Behavior "delete", LockDelay 0 and no health checks, named "dcsgw-lease:<keyspace>:<16 hex
// digits of the lease ID>" (the name is how a lease ID is found again, by this process or another
// dcsgw over the same cluster). A key is attached to a lease by acquiring it with the session, so
// when the session ends (revoke = destroy, or its TTL runs out) Consul deletes the key, as etcd
// deletes a lease's keys. Keep-alive = session renew.
//
// TTLs: Consul invalidates a session between TTL and 2 x TTL after its last renewal and refuses
// TTLs below its session_ttl_min (10s by default). A lease of T seconds is a session of
// ceil(T/2) seconds (at least session_ttl_min, learnt from Consul's refusal), and the grant answers
// 2 x that: the time after which Consul has surely ended it, as etcd answers a TTL it raised.
// The remaining TTL is not published by Consul: TimeToLive answers this process's own count since
// the last grant or renewal it made, and the granted TTL for a lease it never renewed itself.
import { randomBytes } from 'node:crypto';
import type { Keyspace, LeaseGrantRequest, LeaseGrantResponse, LeaseKeepAliveResponse, LeaseLeasesResponse, LeaseTimeToLiveRequest, LeaseTimeToLiveResponse, ResponseHeader } from './backend.js';
import type { ConsulHttp } from './consul-http.js';
import { consulError } from './consul-http.js';
import { isReserved, type ConsulEntry } from './consul-keyspace.js';
import { Errors } from './errors.js';

const NAME_PREFIX = 'dcsgw-lease:';
const SESSION_TTL_MAX_S = 86_400;
/** A session list is asked again for an unknown session at most this often. */
const REFRESH_MIN_MS = 1000;

interface Lease {
  id: bigint;
  session: string;
  keyspace: Keyspace;
  /** What the grant answered (2 x the session TTL). */
  grantedTtl: number;
  /** When this process last granted or renewed it (0: never). */
  renewedAt: number;
}

interface SessionJson {
  ID: string;
  Name: string;
  TTL: string;
}

function nameOf(keyspace: Keyspace, id: bigint): string {
  return `${NAME_PREFIX}${keyspace}:${id.toString(16).padStart(16, '0')}`;
}

function parseName(name: string): { keyspace: Keyspace; id: bigint } | undefined {
  const m = /^dcsgw-lease:(user|system):([0-9a-f]{16})$/.exec(name);
  return m ? { keyspace: m[1] as Keyspace, id: BigInt(`0x${m[2]}`) } : undefined;
}

/** Go duration text ("10s", "1m0s", "1.5s") in seconds. */
function goSeconds(text: string): number | undefined {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let matched = '';
  for (let m = re.exec(text); m; m = re.exec(text)) {
    matched += m[0];
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 's' ? n : m[2] === 'ms' ? n / 1e3 : n / 1e6;
  }
  return matched === text && text !== '' ? total : undefined;
}

export class ConsulLeases {
  private readonly byId = new Map<bigint, Lease>();
  private readonly bySession = new Map<string, bigint>();
  /** Sessions seen holding keys that are not dcsgw leases (plain Consul clients' locks). */
  private readonly foreign = new Set<string>();
  private ttlMinS = 1;
  private lastRefresh = 0;

  constructor(
    private readonly http: ConsulHttp,
    private readonly header: () => ResponseHeader,
  ) {}

  /** The lease a session stands for; 0n for a session that is no dcsgw lease (or not known yet). */
  leaseOfSession(session: string): bigint {
    const id = this.bySession.get(session);
    if (id !== undefined) return id;
    if (!this.foreign.has(session) && Date.now() - this.lastRefresh > REFRESH_MIN_MS) void this.refresh().catch(() => undefined);
    return 0n;
  }

  /** Makes sure the sessions of these entries are known before they are turned into KeyValues. */
  async learnSessionsOf(entries: Iterable<ConsulEntry>): Promise<void> {
    for (const e of entries) {
      if (e.Session && !this.bySession.has(e.Session) && !this.foreign.has(e.Session)) {
        await this.refresh();
        for (const x of entries) if (x.Session && !this.bySession.has(x.Session)) this.foreign.add(x.Session);
        return;
      }
    }
  }

  /** True when the session is a dcsgw lease. */
  isLeaseSession(session: string): boolean {
    return this.bySession.has(session);
  }

  /** Reads the cluster's session list: every dcsgw lease, whichever process granted it. */
  async refresh(): Promise<Lease[]> {
    this.lastRefresh = Date.now();
    const { value } = await this.http.json<SessionJson[]>('GET', '/v1/session/list');
    const seen = new Set<bigint>();
    for (const s of value ?? []) {
      const parsed = parseName(s.Name);
      if (!parsed) {
        this.foreign.add(s.ID);
        continue;
      }
      seen.add(parsed.id);
      const known = this.byId.get(parsed.id);
      if (known && known.session === s.ID) continue;
      const ttl = goSeconds(s.TTL) ?? 0;
      const lease: Lease = { id: parsed.id, session: s.ID, keyspace: parsed.keyspace, grantedTtl: Math.round(ttl * 2), renewedAt: 0 };
      this.byId.set(parsed.id, lease);
      this.bySession.set(s.ID, parsed.id);
    }
    for (const [id, l] of this.byId) {
      if (!seen.has(id)) this.forget(l);
    }
    return [...this.byId.values()];
  }

  private forget(l: Lease): void {
    this.byId.delete(l.id);
    this.bySession.delete(l.session);
  }

  /** The lease, from memory or from the cluster's session list. */
  async find(id: bigint): Promise<Lease | undefined> {
    const known = this.byId.get(id);
    if (known) return known;
    await this.refresh();
    return this.byId.get(id);
  }

  /** The session of a lease a key is to be attached to (either keyspace), or LeaseNotFound. */
  async sessionFor(id: bigint): Promise<string> {
    const l = await this.find(id);
    if (!l) throw Errors.LeaseNotFound;
    return l.session;
  }

  /** After Consul refused a session: forgets leases whose session is gone; true if `session` is one. */
  async sessionGone(session: string): Promise<boolean> {
    const res = await this.http.json<SessionJson[]>('GET', `/v1/session/info/${session}`);
    const gone = !res.value || res.value.length === 0;
    if (gone) {
      const id = this.bySession.get(session);
      if (id !== undefined) this.forget(this.byId.get(id)!);
    }
    return gone;
  }

  async grant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    const keyspace = req.keyspace ?? 'user';
    let id = req.id;
    if (id !== 0n) {
      if (await this.find(id)) throw Errors.LeaseExist;
    } else {
      do id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
      while (id === 0n || this.byId.has(id));
    }
    let sessionTtl = Math.max(Math.ceil(Math.max(req.ttl, 1) / 2), this.ttlMinS);
    if (sessionTtl > SESSION_TTL_MAX_S) throw Errors.LeaseTTLTooLarge;
    for (let attempt = 0; ; attempt++) {
      const body = JSON.stringify({ Name: nameOf(keyspace, id), TTL: `${sessionTtl}s`, Behavior: 'delete', LockDelay: '0s', Checks: [] });
      const res = await this.http.call('PUT', '/v1/session/create', {}, body).catch((err: unknown) => err as Error);
      if (!(res instanceof Error) && res.status === 200) {
        const session = (JSON.parse(res.text) as { ID: string }).ID;
        const lease: Lease = { id, session, keyspace, grantedTtl: sessionTtl * 2, renewedAt: Date.now() };
        this.byId.set(id, lease);
        this.bySession.set(session, id);
        return { header: this.header(), id, ttl: lease.grantedTtl, error: '' };
      }
      // Consul's refusal names its session_ttl_min: "Invalid Session TTL '...', must be between [10s=24h0m0s]"
      const text = res instanceof Error ? res.message : res.text;
      const min = /Invalid Session TTL.*\[([^=\]]+)=/.exec(text);
      const minS = min ? goSeconds(min[1]!) : undefined;
      if (minS !== undefined && attempt === 0 && Math.ceil(minS) > sessionTtl) {
        this.ttlMinS = Math.ceil(minS);
        sessionTtl = this.ttlMinS;
        continue;
      }
      if (res instanceof Error) throw res;
      throw consulError(res, 'PUT', '/v1/session/create');
    }
  }

  /** The lease of `keyspace` (another keyspace's lease is unknown to the asker). */
  private async own(id: bigint, keyspace: Keyspace | undefined): Promise<Lease | undefined> {
    const l = await this.find(id);
    return l && l.keyspace === (keyspace ?? 'user') ? l : undefined;
  }

  /** Destroys the session: Consul deletes the keys it holds. */
  async revoke(id: bigint, keyspace: Keyspace | undefined): Promise<void> {
    const l = await this.own(id, keyspace);
    if (!l) throw Errors.LeaseNotFound;
    const res = await this.http.call('PUT', `/v1/session/destroy/${l.session}`);
    if (res.status !== 200) throw consulError(res, 'PUT', '/v1/session/destroy');
    this.forget(l);
  }

  async keepAlive(id: bigint, keyspace: Keyspace | undefined): Promise<LeaseKeepAliveResponse> {
    const l = await this.own(id, keyspace);
    if (!l) return { header: this.header(), id, ttl: 0 };
    const res = await this.http.call('PUT', `/v1/session/renew/${l.session}`);
    if (res.status === 404) {
      this.forget(l);
      return { header: this.header(), id, ttl: 0 };
    }
    if (res.status !== 200) throw consulError(res, 'PUT', '/v1/session/renew');
    l.renewedAt = Date.now();
    return { header: this.header(), id, ttl: l.grantedTtl };
  }

  async timeToLive(req: LeaseTimeToLiveRequest, allEntries: () => Promise<ConsulEntry[]>): Promise<LeaseTimeToLiveResponse> {
    const l = await this.own(req.id, req.keyspace);
    const unknown = { header: this.header(), id: req.id, ttl: -1, grantedTtl: 0, keys: [] };
    if (!l || (await this.sessionGone(l.session))) return unknown;
    const left = l.renewedAt === 0 ? l.grantedTtl : Math.max(0, Math.ceil(l.grantedTtl - (Date.now() - l.renewedAt) / 1000));
    let keys: Buffer[] = [];
    if (req.keys) {
      // Consul has no "keys of a session" query: the user keys whose entry names the session
      const held = (await allEntries()).filter((e) => e.Session === l.session && !isReserved(Buffer.from(e.Key, 'utf8')));
      keys = held.map((e) => Buffer.from(e.Key, 'utf8'));
    }
    return { header: this.header(), id: req.id, ttl: left, grantedTtl: l.grantedTtl, keys };
  }

  async leases(keyspace: Keyspace | undefined): Promise<LeaseLeasesResponse> {
    const all = await this.refresh();
    const want = keyspace ?? 'user';
    return { header: this.header(), leases: all.filter((l) => l.keyspace === want).map((l) => ({ id: l.id })) };
  }
}
