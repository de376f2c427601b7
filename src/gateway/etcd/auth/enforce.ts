// Permission checks of etcd 3.4 in front of every service method, for the gRPC router and the
// JSON gateway alike (both serve the same MethodDefs). With auth disabled and no token given a
// call costs one property lookup; a token is looked at even then, since genuine etcd answers an
// unknown one with "invalid auth token" whether auth is on or not.
//
// Which call needs what (etcd 3.4: apply_auth.go, v3rpc/maintenance.go, v3_server.go):
//   KV Range/Put/DeleteRange/Txn: the key permissions (prev_kv also needs read); Compact: none;
//   Lease: LeaseRevoke (write on every key attached), LeaseTimeToLive (read on every key attached,
//   etcd's fix of the lease key leak); Cluster: member changes need root;
//   Maintenance: Snapshot/Hash/HashKV/Defragment/MoveLeader need root (errors of the auth package,
//   code Unknown); Watch: read on each watched range (a denied watch is created-and-canceled);
//   Auth management: root, except UserGet of oneself and RoleGet of one's own role.
import type { DeleteRangeRequest, LeaseTimeToLiveResponse, PutRequest, RangeRequest, RequestAuth, TxnRequest } from '../../../adapters/backend.js';
import type { Backend } from '../../../adapters/backend.js';
import { EtcdError, GrpcCode } from '../../../adapters/errors.js';
import type { AuthQueries } from '../../../native/mvcc/api.js';
import type { CallContext, ServerStream } from '../../grpc/api.js';
import type { CampaignRequest, LeaderRequest, LockRequest, ProclaimRequest, ResignRequest, UnlockRequest, WatchRequest, WatchResponse } from '../messages.js';
import type { MethodDef, StreamMethod, UnaryMethod } from '../method.js';
import { isTxnReadOnly } from '../validate.js';
import type { AuthGate, Caller } from './auth-gate.js';

type Check = (q: AuthQueries, caller: Caller, req: never) => void | Promise<void>;

/** The end of the range of every key starting with `prefix` (clientv3.GetPrefixRangeEnd). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * v3lock / v3election run etcd's concurrency recipes through an embedded client carrying the
 * caller's token, so the KV checks apply to the keys they touch, and the error reaches the client
 * as code Unknown with etcd's text.
 */
function asRecipe(check: Check): Check {
  const unknown = (e: unknown): never => {
    if (e instanceof EtcdError) throw new EtcdError(GrpcCode.UNKNOWN, e.message);
    throw e;
  };
  return (q, caller, req) => {
    try {
      const r = check(q, caller, req);
      return r instanceof Promise ? r.catch(unknown) : r;
    } catch (e) {
      return unknown(e);
    }
  };
}

/** Watch creations refused for want of permission: genuine's answer (clientv3.InvalidWatchID, grpc status text). */
const WATCH_DENIED_REASON = 'rpc error: code = PermissionDenied desc = etcdserver: permission denied';

function txnChecks(gate: AuthGate, q: AuthQueries, caller: Caller, t: TxnRequest): void {
  for (const c of t.compare) gate.checkRange(q, caller, c.key, c.rangeEnd);
  for (const ops of [t.success, t.failure]) {
    for (const op of ops) {
      if (op.requestRange) gate.checkRange(q, caller, op.requestRange.key, op.requestRange.rangeEnd);
      else if (op.requestPut) gate.checkPut(q, caller, op.requestPut.key);
      else if (op.requestDeleteRange) gate.checkDelete(q, caller, op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd);
      else if (op.requestTxn) txnChecks(gate, q, caller, op.requestTxn);
    }
  }
}

function checksOf(gate: AuthGate, backend: Backend): Record<string, Check> {
  const leaseKeysWritable = async (q: AuthQueries, caller: Caller, id: bigint): Promise<void> => {
    let ttl: LeaseTimeToLiveResponse;
    try {
      ttl = await backend.leaseTimeToLive({ id, keys: true });
    } catch {
      return; // an unknown lease: the request itself answers
    }
    for (const k of ttl.keys) gate.checkPut(q, caller, k);
  };
  const leaseKeysReadable = async (q: AuthQueries, caller: Caller, id: bigint): Promise<void> => {
    let ttl: LeaseTimeToLiveResponse;
    try {
      ttl = await backend.leaseTimeToLive({ id, keys: true });
    } catch {
      return; // an unknown lease: the request itself answers
    }
    for (const k of ttl.keys) gate.checkRange(q, caller, k, Buffer.alloc(0));
  };
  const admin: Check = (q, caller) => gate.checkAdmin(q, caller);
  // concurrency.Mutex / Election: the owner is read over "<name>/", the own key is "<name>/<lease hex>".
  const recipeKeys = (q: AuthQueries, caller: Caller, name: Buffer, lease: bigint): void => {
    const pfx = Buffer.concat([name, Buffer.from('/')]);
    gate.checkRange(q, caller, pfx, prefixEnd(pfx));
    gate.checkPut(q, caller, Buffer.concat([pfx, Buffer.from(lease.toString(16))]));
  };
  const leaderKey = (q: AuthQueries, caller: Caller, key: Buffer | undefined, write: 'put' | 'delete'): void => {
    const k = key ?? Buffer.alloc(0);
    gate.checkRange(q, caller, k, Buffer.alloc(0));
    if (write === 'put') gate.checkPut(q, caller, k);
    else gate.checkDelete(q, caller, k, Buffer.alloc(0));
  };
  const rawAdmin: Check = (q, caller) => gate.checkAdmin(q, caller, true);
  const checks: Record<string, Check> = {
    '/etcdserverpb.KV/Range': (q, caller, r: RangeRequest) => gate.checkRange(q, caller, r.key, r.rangeEnd),
    '/etcdserverpb.KV/Put': (q, caller, r: PutRequest) => {
      gate.checkPut(q, caller, r.key);
      // etcd's checkLeasePuts: a lease already holding a key this user may not write cannot be attached.
      const leaseChecked = r.lease !== 0n ? leaseKeysWritable(q, caller, r.lease) : undefined;
      if (!r.prevKv) return leaseChecked;
      const prevKvChecked = () => gate.checkRange(q, caller, r.key, Buffer.alloc(0));
      return leaseChecked ? leaseChecked.then(prevKvChecked) : prevKvChecked();
    },
    '/etcdserverpb.KV/DeleteRange': (q, caller, r: DeleteRangeRequest) => {
      gate.checkDelete(q, caller, r.key, r.rangeEnd);
      if (r.prevKv) gate.checkRange(q, caller, r.key, r.rangeEnd);
    },
    '/etcdserverpb.KV/Txn': (q, caller, r: TxnRequest) => txnChecks(gate, q, caller, r),
    '/etcdserverpb.Lease/LeaseRevoke': (q, caller, r: { id: bigint }) => leaseKeysWritable(q, caller, r.id),
    // The lease key leak (CVE-2023-32082, open in 3.4.23, closed in 3.4.26): TimeToLive answers only
    // a caller who may read every key attached to the lease, as fixed etcd does.
    '/etcdserverpb.Lease/LeaseTimeToLive': (q, caller, r: { id: bigint }) => leaseKeysReadable(q, caller, r.id),
    '/v3lockpb.Lock/Lock': asRecipe((q, caller, r: LockRequest) => recipeKeys(q, caller, r.name, r.lease)),
    '/v3lockpb.Lock/Unlock': asRecipe((q, caller, r: UnlockRequest) => gate.checkDelete(q, caller, r.key, Buffer.alloc(0))),
    '/v3electionpb.Election/Campaign': asRecipe((q, caller, r: CampaignRequest) => recipeKeys(q, caller, r.name, r.lease)),
    '/v3electionpb.Election/Proclaim': asRecipe((q, caller, r: ProclaimRequest) => leaderKey(q, caller, r.leader?.key, 'put')),
    '/v3electionpb.Election/Resign': asRecipe((q, caller, r: ResignRequest) => leaderKey(q, caller, r.leader?.key, 'delete')),
    '/v3electionpb.Election/Leader': asRecipe((q, caller, r: LeaderRequest) => {
      const pfx = Buffer.concat([r.name, Buffer.from('/')]);
      gate.checkRange(q, caller, pfx, prefixEnd(pfx));
    }),
    '/etcdserverpb.Cluster/MemberAdd': admin,
    '/etcdserverpb.Cluster/MemberRemove': admin,
    '/etcdserverpb.Cluster/MemberUpdate': admin,
    '/etcdserverpb.Cluster/MemberPromote': admin,
    '/etcdserverpb.Maintenance/Defragment': rawAdmin,
    '/etcdserverpb.Maintenance/Snapshot': rawAdmin,
    '/etcdserverpb.Maintenance/Hash': rawAdmin,
    '/etcdserverpb.Maintenance/HashKV': rawAdmin,
    '/etcdserverpb.Maintenance/MoveLeader': rawAdmin,
    // Raising or clearing an alarm stops or resumes every write: root only (genuine 3.4.23 lets
    // any user do it; dcsgw closes that hole). Listing stays open, as there.
    '/etcdserverpb.Maintenance/Alarm': (q, caller, r: { action?: number }) => {
      if ((r.action ?? 0) !== 0) gate.checkAdmin(q, caller, true);
    },
    '/etcdserverpb.Auth/UserGet': (q, caller, r: { name: string }) => {
      if (caller !== undefined && caller.user === r.name) return;
      gate.checkAdmin(q, caller);
    },
    '/etcdserverpb.Auth/RoleGet': (q, caller, r: { role: string }) => {
      if (caller !== undefined) {
        let roles: string[] = [];
        try {
          roles = q.userGet(caller.user);
        } catch {
          // not a user any more: the admin check answers
        }
        if (roles.includes(r.role)) return;
      }
      gate.checkAdmin(q, caller);
    },
  };
  for (const m of ['AuthEnable', 'AuthDisable', 'UserAdd', 'UserDelete', 'UserChangePassword', 'UserGrantRole', 'UserRevokeRole', 'UserList', 'RoleAdd', 'RoleDelete', 'RoleList', 'RoleGrantPermission', 'RoleRevokePermission']) {
    checks[`/etcdserverpb.Auth/${m}`] = admin;
  }
  return checks;
}

/** The caller and, when auth is enabled, the auth store to check against (undefined: nothing to check). */
function authContext(gate: AuthGate, ctx: CallContext, raw: boolean): { q: AuthQueries; caller: Caller; info: RequestAuth | undefined } | undefined {
  const info = gate.authInfoOf(ctx.metadata, raw, ctx.verifiedCommonName?.bind(ctx));
  const q = gate.queries();
  if (!q || !q.status().enabled) return undefined;
  return { q, caller: info, info };
}

/** The writes etcd checks again at apply (authApplierV3): they carry the caller's auth info there. */
const CHECKED_AT_APPLY = new Set(['/etcdserverpb.KV/Put', '/etcdserverpb.KV/DeleteRange', '/etcdserverpb.KV/Txn']);

function guardUnary(m: UnaryMethod, gate: AuthGate, check: Check | undefined): UnaryMethod {
  const inner = m.handler;
  const raw = m.path.startsWith('/etcdserverpb.Maintenance/');
  // Authenticate must work without a (valid) token: it is how one gets one.
  if (m.path === '/etcdserverpb.Auth/Authenticate') return m;
  return {
    ...m,
    handler: (req, ctx) => {
      // Hot path: no token and auth disabled -> straight through.
      if (ctx.metadata['token'] === undefined && !gate.enabled()) return inner(req, ctx);
      const a = authContext(gate, ctx, raw);
      if (!a || !check) return inner(req, ctx);
      // (a read-only txn is served as a read by etcd: checked now, retried rather than refused on a change)
      if (CHECKED_AT_APPLY.has(m.path) && !(m.path === '/etcdserverpb.KV/Txn' && isTxnReadOnly(req as TxnRequest))) {
        (req as { auth?: RequestAuth }).auth = a.info ?? { user: '', revision: 0 };
      }
      const r = check(a.q, a.caller, req as never);
      if (r instanceof Promise) return r.then(() => inner(req, ctx));
      return inner(req, ctx);
    },
  };
}

function guardWatch(m: StreamMethod, gate: AuthGate, backend: Backend): StreamMethod {
  const inner = m.handler;
  return {
    ...m,
    handler: (s) => {
      const stream = s as unknown as ServerStream<WatchRequest, WatchResponse>;
      const permitted = (req: WatchRequest): boolean => {
        const c = req.createRequest;
        if (!c) return true;
        try {
          const a = authContext(gate, stream.ctx, false);
          if (a) gate.checkRange(a.q, a.caller, c.key, c.rangeEnd);
          return true;
        } catch {
          return false; // etcd's isWatchPermitted: any failure (bad token too) is a refusal
        }
      };
      const guarded = new Proxy(stream, {
        get(target, prop) {
          if (prop === 'onMessage') {
            return (cb: (req: WatchRequest) => void) =>
              target.onMessage((req) => {
                if (permitted(req)) return cb(req);
                target.write({
                  header: backend.header(),
                  watchId: -1,
                  created: true,
                  canceled: true,
                  compactRevision: 0,
                  cancelReason: WATCH_DENIED_REASON,
                  fragment: false,
                  events: [],
                });
              });
          }
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      inner(guarded as unknown as ServerStream<unknown, unknown>);
    },
  };
}

/**
 * Election/Observe: etcd's observer reads the election through the embedded client; refused, its
 * channel just closes, so the stream ends OK with no message (as genuine answers).
 */
function guardObserve(m: StreamMethod, gate: AuthGate): StreamMethod {
  const inner = m.handler;
  return {
    ...m,
    handler: (s) => {
      const stream = s as unknown as ServerStream<LeaderRequest, unknown>;
      const permitted = (req: LeaderRequest): boolean => {
        try {
          const a = authContext(gate, stream.ctx, false);
          if (a) {
            const pfx = Buffer.concat([req.name, Buffer.from('/')]);
            gate.checkRange(a.q, a.caller, pfx, prefixEnd(pfx));
          }
          return true;
        } catch {
          return false;
        }
      };
      const guarded = new Proxy(stream, {
        get(target, prop) {
          if (prop === 'onMessage') {
            return (cb: (req: LeaderRequest) => void) =>
              target.onMessage((req) => {
                if (permitted(req)) cb(req);
                else target.end();
              });
          }
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      inner(guarded as unknown as ServerStream<unknown, unknown>);
    },
  };
}

/** A server-streaming call (Snapshot) checked once, when it starts. */
function guardStreamStart(m: StreamMethod, gate: AuthGate, check: Check): StreamMethod {
  const inner = m.handler;
  const raw = m.path.startsWith('/etcdserverpb.Maintenance/');
  return {
    ...m,
    handler: (s) => {
      if (s.ctx.metadata['token'] === undefined && !gate.enabled()) return inner(s);
      try {
        const a = authContext(gate, s.ctx, raw);
        if (a) void check(a.q, a.caller, undefined as never);
      } catch (e) {
        s.end(e as Error);
        return;
      }
      inner(s);
    },
  };
}

/** The methods with etcd's auth checks in front. */
export function withAuthEnforcement(methods: MethodDef[], gate: AuthGate, backend: Backend): MethodDef[] {
  if (!gate.backend) return methods; // no auth store: auth can never be enabled
  const checks = checksOf(gate, backend);
  return methods.map((m) => {
    if (m.kind === 'unary') return guardUnary(m, gate, checks[m.path]);
    if (m.path === '/etcdserverpb.Watch/Watch') return guardWatch(m, gate, backend);
    if (m.path === '/v3electionpb.Election/Observe') return guardObserve(m, gate);
    const check = checks[m.path];
    return check ? guardStreamStart(m, gate, check) : m;
  });
}
