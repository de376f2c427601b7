// What the gateway knows about authentication: the member's applied auth store (read
// synchronously, as etcd's authStore is), the simple tokens this member issued, and etcd 3.4's
// checks (auth/store.go isOpPermitted / IsAdminPermitted, v3_server AuthInfoFromCtx), in its order.
import type { Backend, RequestAuth, ResponseHeader } from '../../../adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../../adapters/errors.js';
import type { AuthCommand, AuthQueries } from '../../../native/mvcc/api.js';
import { BCRYPT_DEFAULT_COST } from '../../../native/mvcc/password-hash.js';
import type { EtcdAuthOptions } from './auth-options.js';
import { SimpleTokens } from './simple-tokens.js';

/** The auth side of a backend (NativeBackend has it; test backends may not). */
export interface AuthBackend {
  authChange(cmd: AuthCommand): Promise<ResponseHeader>;
  authRead<T>(fn: (auth: AuthQueries) => T): Promise<T>;
  authQueries(): AuthQueries | undefined;
}

export function authBackendOf(b: Backend): AuthBackend | undefined {
  const c = b as Partial<AuthBackend>;
  return typeof c.authChange === 'function' && typeof c.authRead === 'function' && typeof c.authQueries === 'function'
    ? (c as AuthBackend)
    : undefined;
}

/** Errors of etcd's auth package that reach clients untranslated (code Unknown), e.g. from Maintenance. */
export const RawAuthErrors = {
  PermissionDenied: new EtcdError(GrpcCode.UNKNOWN, 'auth: permission denied'),
  UserEmpty: new EtcdError(GrpcCode.UNKNOWN, 'auth: user name is empty'),
  UserNotFound: new EtcdError(GrpcCode.UNKNOWN, 'auth: user name not found'),
  InvalidAuthToken: new EtcdError(GrpcCode.UNKNOWN, 'auth: invalid auth token'),
};

export const DEFAULT_AUTH_TOKEN_TTL_SECONDS = 300;

/** The authenticated caller: undefined = no token given (etcd's empty AuthInfo). */
export type Caller = string | undefined;

export class AuthGate {
  /** Fallback for auth stores that do not replicate tokens (this member's own, see callerOf). */
  readonly tokens: SimpleTokens;
  readonly backend: AuthBackend | undefined;
  readonly tokenTtlMs: number;
  /** --bcrypt-cost: the cost of the password hashes this member proposes. */
  readonly bcryptCost: number;

  constructor(backend: Backend, tokenTtlSeconds: number = DEFAULT_AUTH_TOKEN_TTL_SECONDS, options: EtcdAuthOptions = {}) {
    this.backend = authBackendOf(backend);
    this.tokenTtlMs = tokenTtlSeconds * 1000;
    this.tokens = new SimpleTokens(this.tokenTtlMs);
    this.bcryptCost = options.bcryptCost ?? BCRYPT_DEFAULT_COST;
  }

  /**
   * Authenticate's token: replicated through the auth store when it can hold tokens (every member
   * knows it, as in etcd, where the token is assigned at apply), else kept by this member.
   */
  async issueToken(user: string): Promise<{ token: string; header?: ResponseHeader }> {
    const token = SimpleTokens.newToken();
    const q = this.queries();
    if (this.backend && q?.simpleTokenUser) {
      const header = await this.backend.authChange({ op: 'assignSimpleToken', token, user, ttlMs: this.tokenTtlMs });
      return { token, header };
    }
    this.tokens.add(token, user);
    return { token };
  }

  private cached: AuthQueries | undefined;

  /** The store's read side; the same object for the life of the backend, so kept after the first ask. */
  queries(): AuthQueries | undefined {
    if (this.cached === undefined) this.cached = this.backend?.authQueries();
    return this.cached;
  }

  /** Per request (hot path): a cached object and one field read. */
  enabled(): boolean {
    const q = this.cached ?? this.queries();
    return q !== undefined && q.status().enabled;
  }

  /**
   * etcd's AuthInfoFromCtx: no token -> undefined; a token this member does not know -> "invalid
   * auth token" (also with auth disabled, as genuine answers). `raw` picks the auth package's text.
   */
  callerOf(metadata: Record<string, string>, raw = false): Caller {
    return this.authInfoOf(metadata, raw)?.user;
  }

  /**
   * etcd's AuthInfo: the caller and the auth revision its token was checked at (a simple token:
   * the store's revision now). Writes carry it to apply, where a store changed since refuses them.
   */
  authInfoOf(metadata: Record<string, string>, raw = false): RequestAuth | undefined {
    const token = metadata['token'];
    if (token === undefined) return undefined;
    // Auth was disabled (maybe through another member) since the token was issued: etcd forgot them all.
    if (!this.enabled()) this.tokens.clear();
    const q = this.queries();
    const user = q?.simpleTokenUser ? q.simpleTokenUser(token, Date.now()) : this.tokens.userOf(token);
    if (user === undefined) throw raw ? RawAuthErrors.InvalidAuthToken : Errors.InvalidAuthToken;
    return { user, revision: q?.status().authRevision ?? 0 };
  }

  /** isOpPermitted for a read of [key, rangeEnd). */
  checkRange(q: AuthQueries, caller: Caller, key: Buffer, rangeEnd: Buffer): void {
    if (caller === undefined) throw Errors.UserEmpty;
    if (!q.isRangePermitted(caller, key, rangeEnd)) throw Errors.PermissionDenied;
  }

  checkPut(q: AuthQueries, caller: Caller, key: Buffer): void {
    if (caller === undefined) throw Errors.UserEmpty;
    if (!q.isPutPermitted(caller, key)) throw Errors.PermissionDenied;
  }

  checkDelete(q: AuthQueries, caller: Caller, key: Buffer, rangeEnd: Buffer): void {
    if (caller === undefined) throw Errors.UserEmpty;
    if (!q.isDeleteRangePermitted(caller, key, rangeEnd)) throw Errors.PermissionDenied;
  }

  /** IsAdminPermitted; `raw` = the auth package's errors (Maintenance returns them as they are). */
  checkAdmin(q: AuthQueries, caller: Caller, raw = false): void {
    if (caller === undefined) throw raw ? RawAuthErrors.UserEmpty : Errors.UserEmpty;
    let roles: string[];
    try {
      roles = q.userGet(caller);
    } catch {
      throw raw ? RawAuthErrors.UserNotFound : Errors.UserNotFound;
    }
    if (!roles.includes('root')) throw raw ? RawAuthErrors.PermissionDenied : Errors.PermissionDenied;
  }
}
