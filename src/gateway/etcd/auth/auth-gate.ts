// What the gateway knows about authentication: the member's applied auth store (read
// synchronously, as etcd's authStore is), the simple tokens this member issued, and etcd 3.4's
// checks (auth/store.go isOpPermitted / IsAdminPermitted, v3_server AuthInfoFromCtx), in its order.
import type { Backend, RequestAuth, ResponseHeader } from '../../../adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../../adapters/errors.js';
import type { AuthCommand, AuthQueries } from '../../../native/mvcc/api.js';
import { BCRYPT_DEFAULT_COST } from '../../../native/mvcc/password-hash.js';
import type { TokenProviderSpec } from './auth-flags.js';
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

/**
 * The authenticated caller and the auth revision its token stands for (etcd's AuthInfo):
 * undefined = no token given (etcd's empty AuthInfo).
 */
export type Caller = RequestAuth | undefined;

export class AuthGate {
  /** Fallback for auth stores that do not replicate tokens (this member's own, see callerOf). */
  readonly tokens: SimpleTokens;
  readonly backend: AuthBackend | undefined;
  readonly tokenTtlMs: number;
  /** --bcrypt-cost: the cost of the password hashes this member proposes. */
  readonly bcryptCost: number;
  /** --auth-token: simple (replicated, in memory), jwt (signed, stateless) or "" (none). */
  readonly provider: TokenProviderSpec;

  constructor(backend: Backend, tokenTtlSeconds: number = DEFAULT_AUTH_TOKEN_TTL_SECONDS, options: EtcdAuthOptions = {}) {
    this.backend = authBackendOf(backend);
    this.tokenTtlMs = tokenTtlSeconds * 1000;
    this.tokens = new SimpleTokens(this.tokenTtlMs);
    this.bcryptCost = options.bcryptCost ?? BCRYPT_DEFAULT_COST;
    this.provider = options.tokenProvider ?? { kind: 'simple' };
  }

  /**
   * Authenticate's token: replicated through the auth store when it can hold tokens (every member
   * knows it, as in etcd, where the token is assigned at apply), else kept by this member.
   */
  async issueToken(user: string): Promise<{ token: string; header?: ResponseHeader }> {
    const q = this.queries();
    if (this.provider.kind === 'nop') return { token: '' };
    if (this.provider.kind === 'jwt') {
      // the token carries the auth revision it was issued at (etcd's tokenJWT.assign)
      try {
        return { token: this.provider.tokens.assign(user, q?.status().authRevision ?? 0) };
      } catch (err) {
        throw new EtcdError(GrpcCode.UNKNOWN, (err as Error).message);
      }
    }
    const token = SimpleTokens.newToken();
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
  /**
   * etcd's AuthInfo: the caller and the auth revision its token was checked at (a simple token:
   * the store's revision now). Writes carry it to apply, where a store changed since refuses them.
   */
  authInfoOf(metadata: Record<string, string>, raw = false, commonName?: () => string | undefined): RequestAuth | undefined {
    const token = metadata['token'];
    if (token === undefined) {
      // no token: the verified client certificate's common name is the user (etcd's AuthInfoFromTLS)
      const cn = commonName?.();
      return cn === undefined ? undefined : { user: cn, revision: this.queries()?.status().authRevision ?? 0 };
    }
    if (this.provider.kind === 'jwt') {
      // signature, method and expiry; valid whether auth is on or not, until it expires (etcd)
      const info = this.provider.tokens.info(token);
      if (!info) throw raw ? RawAuthErrors.InvalidAuthToken : Errors.InvalidAuthToken;
      return info;
    }
    if (this.provider.kind === 'nop') throw raw ? RawAuthErrors.InvalidAuthToken : Errors.InvalidAuthToken;
    // Auth was disabled (maybe through another member) since the token was issued: etcd forgot them all.
    if (!this.enabled()) this.tokens.clear();
    const q = this.queries();
    const user = q?.simpleTokenUser ? q.simpleTokenUser(token, Date.now()) : this.tokens.userOf(token);
    if (user === undefined) throw raw ? RawAuthErrors.InvalidAuthToken : Errors.InvalidAuthToken;
    return { user, revision: q?.status().authRevision ?? 0 };
  }

  /**
   * isOpPermitted's first steps: a caller, at the store's auth revision (a JWT carries the revision
   * it was issued at, so any auth change since makes it "old" until the client authenticates again).
   */
  private opCaller(q: AuthQueries, caller: Caller): string {
    if (caller === undefined || caller.revision === 0) throw Errors.UserEmpty;
    if (caller.revision < q.status().authRevision) throw Errors.AuthOldRevision;
    return caller.user;
  }

  /** isOpPermitted for a read of [key, rangeEnd). */
  checkRange(q: AuthQueries, caller: Caller, key: Buffer, rangeEnd: Buffer): void {
    if (!q.isRangePermitted(this.opCaller(q, caller), key, rangeEnd)) throw Errors.PermissionDenied;
  }

  checkPut(q: AuthQueries, caller: Caller, key: Buffer): void {
    if (!q.isPutPermitted(this.opCaller(q, caller), key)) throw Errors.PermissionDenied;
  }

  checkDelete(q: AuthQueries, caller: Caller, key: Buffer, rangeEnd: Buffer): void {
    if (!q.isDeleteRangePermitted(this.opCaller(q, caller), key, rangeEnd)) throw Errors.PermissionDenied;
  }

  /** IsAdminPermitted; `raw` = the auth package's errors (Maintenance returns them as they are). */
  checkAdmin(q: AuthQueries, caller: Caller, raw = false): void {
    if (caller === undefined || caller.user === '') throw raw ? RawAuthErrors.UserEmpty : Errors.UserEmpty;
    let roles: string[];
    try {
      roles = q.userGet(caller.user);
    } catch {
      throw raw ? RawAuthErrors.UserNotFound : Errors.UserNotFound;
    }
    if (!roles.includes('root')) throw raw ? RawAuthErrors.PermissionDenied : Errors.PermissionDenied;
  }
}
