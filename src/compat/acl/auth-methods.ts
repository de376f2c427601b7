// Consul's ACL auth methods and binding rules: what an auth method's configuration must hold
// (kubernetes, jwt, oidc, with Consul's errors), and login with a JWT checked against the method's
// static public keys (JWTValidationPubKeys): signature, time claims, bound issuer and audiences,
// claim mappings into the variables binding rules select on (`value.x`, `list.x`) and interpolate
// into their BindName (`${value.x}`). Logins that need a remote party (Kubernetes TokenReview, JWKS
// or OIDC discovery URLs, the OIDC browser flow) are refused with an error that says so.
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createFilter, FilterError, type FieldType } from '../filter/index.js';

export interface StoredAuthMethod {
  Name: string;
  Type: string;
  DisplayName?: string;
  Description: string;
  /** Nanoseconds (0 = the token does not expire). */
  MaxTokenTTL: number;
  TokenLocality?: string;
  Config: Record<string, unknown>;
}

export interface StoredBindingRule {
  ID: string;
  Description: string;
  AuthMethod: string;
  Selector: string;
  BindType: string;
  BindName: string;
  BindVars?: Record<string, unknown>;
}

export const AUTH_METHOD_TYPES = ['kubernetes', 'jwt', 'oidc'];
export const BIND_TYPES = ['service', 'node', 'role', 'policy', 'templated-policy'];

export class AuthMethodError extends Error {}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function field(o: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Consul's checks of an auth method's Config for its type. */
export function validateAuthMethodConfig(type: string, config: Record<string, unknown>): void {
  if (type === 'kubernetes') {
    if (!field(config, 'Host')) throw new AuthMethodError('Host is required');
    const ca = field(config, 'CACert');
    if (typeof ca !== 'string' || ca === '') throw new AuthMethodError('CACert is required');
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(ca)) throw new AuthMethodError('error parsing kubernetes ca cert: data does not contain any valid RSA or ECDSA certificates');
    const jwt = field(config, 'ServiceAccountJWT');
    if (typeof jwt !== 'string' || jwt === '') throw new AuthMethodError('ServiceAccountJWT is required');
    if (jwt.split('.').length !== 3) throw new AuthMethodError('ServiceAccountJWT is not a valid JWT: square/go-jose: compact JWS format must have three parts');
    return;
  }
  const keys = strings(field(config, 'JWTValidationPubKeys'));
  const jwks = field(config, 'JWKSURL');
  const discovery = field(config, 'OIDCDiscoveryURL');
  const set = [keys.length > 0, !!jwks, !!discovery].filter(Boolean).length;
  if (type === 'jwt') {
    if (set !== 1) throw new AuthMethodError("exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type \"jwt\"");
    for (const k of keys) publicKeyOf(k);
    return;
  }
  if (type === 'oidc') {
    if (!discovery) throw new AuthMethodError("'OIDCDiscoveryURL' must be set for type \"oidc\"");
    if (!field(config, 'OIDCClientID')) throw new AuthMethodError("'OIDCClientID' must be set for type \"oidc\"");
    if (!field(config, 'OIDCClientSecret')) throw new AuthMethodError("'OIDCClientSecret' must be set for type \"oidc\"");
    if (strings(field(config, 'AllowedRedirectURIs')).length === 0) throw new AuthMethodError("'AllowedRedirectURIs' must be set for type \"oidc\"");
  }
}

function publicKeyOf(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new AuthMethodError(`error parsing public key JWTValidationPubKeys[0]: ${(err as Error).message}`);
  }
}

/** What a verified login gives the binding rules: the mapped claims. */
export interface LoginIdentity {
  value: Record<string, string>;
  list: Record<string, string[]>;
}

const JWT_ALGS: Record<string, { hash: string; ec?: boolean; pss?: boolean }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
  ES512: { hash: 'sha512', ec: true },
  EdDSA: { hash: '' },
};

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Verifies a bearer JWT for a jwt auth method and maps its claims; throws with the reason. */
export function verifyJwtLogin(method: StoredAuthMethod, bearer: string, nowMs = Date.now()): LoginIdentity {
  if (method.Type !== 'jwt') throw new AuthMethodError(`login through a ${method.Type} auth method is not supported by dcsgw yet (jwt auth methods with JWTValidationPubKeys are)`);
  const cfg = method.Config;
  const keys = strings(field(cfg, 'JWTValidationPubKeys'));
  if (keys.length === 0) throw new AuthMethodError('login through a jwt auth method with JWKSURL or OIDCDiscoveryURL is not supported by dcsgw yet (JWTValidationPubKeys are)');
  const parts = bearer.split('.');
  if (parts.length !== 3) throw new AuthMethodError('error parsing token: square/go-jose: compact JWS format must have three parts');
  let header: { alg?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(b64url(parts[0]!).toString('utf8'));
    claims = JSON.parse(b64url(parts[1]!).toString('utf8'));
  } catch {
    throw new AuthMethodError('error parsing token: invalid JSON');
  }
  const alg = JWT_ALGS[header.alg ?? ''];
  const configured = strings(field(cfg, 'JWTSupportedAlgs'));
  const allowed = configured.length > 0 ? configured : ['RS256'];
  if (!alg || !allowed.includes(header.alg!)) throw new AuthMethodError(`unsupported signing algorithm "${header.alg ?? ''}"`);
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const sig = b64url(parts[2]!);
  const ok = keys.some((pem) => {
    const key = publicKeyOf(pem);
    try {
      if (header.alg === 'EdDSA') return verify(null, data, key, sig);
      return verify(alg.hash, data, { key, ...(alg.ec ? { dsaEncoding: 'ieee-p1363' as const } : {}), ...(alg.pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.hash.slice(3)) / 8 } : {}) }, sig);
    } catch {
      return false;
    }
  });
  if (!ok) throw new AuthMethodError('no known key successfully validated the token signature');
  const leeway = 150; // go-jose's default leeway (seconds) for exp/nbf when none is configured
  const now = nowMs / 1000;
  if (typeof claims.exp === 'number' && now > claims.exp + leeway) throw new AuthMethodError('token is expired (exp)');
  if (typeof claims.nbf === 'number' && now < claims.nbf - leeway) throw new AuthMethodError('token not valid yet (nbf)');
  const issuer = field(cfg, 'BoundIssuer');
  if (typeof issuer === 'string' && issuer !== '' && claims.iss !== issuer) throw new AuthMethodError('validation failed, invalid issuer claim (iss)');
  const audiences = strings(field(cfg, 'BoundAudiences'));
  if (audiences.length > 0) {
    const aud = typeof claims.aud === 'string' ? [claims.aud] : strings(claims.aud);
    if (!aud.some((a) => audiences.includes(a))) throw new AuthMethodError('invalid audience (aud) claim: audience claim does not match any expected audience');
  }
  const value: Record<string, string> = {};
  const list: Record<string, string[]> = {};
  const mappings = (field(cfg, 'ClaimMappings') ?? {}) as Record<string, string>;
  for (const [claim, name] of Object.entries(mappings)) {
    const v = claimAt(claims, claim);
    if (v !== undefined && v !== null) value[name] = String(v);
  }
  const listMappings = (field(cfg, 'ListClaimMappings') ?? {}) as Record<string, string>;
  for (const [claim, name] of Object.entries(listMappings)) {
    const v = claimAt(claims, claim);
    if (Array.isArray(v)) list[name] = v.map(String);
  }
  return { value, list };
}

/** A claim by name, or by a JSON pointer ("/a/b") into nested claims. */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (!path.startsWith('/')) return claims[path];
  let v: unknown = claims;
  for (const p of path.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/**
 * The bexpr schema binding rules select on: a Kubernetes login's service account fields, else the
 * mapped claims as the maps `value` and `list` (any key, as Consul's jwt and oidc identities are).
 */
export function selectableSchema(method: StoredAuthMethod): FieldType {
  const str: FieldType = { kind: 'string' };
  if (method.Type === 'kubernetes') {
    return { kind: 'struct', fields: { serviceaccount: { kind: 'struct', fields: { namespace: str, name: str, uid: str } } } };
  }
  return { kind: 'struct', fields: { value: { kind: 'map', value: str }, list: { kind: 'map', value: { kind: 'slice', elem: str } } } };
}

/** Consul's check of a binding rule's Selector against its method's selectable fields. */
export function checkSelector(method: StoredAuthMethod, selector: string): void {
  if (selector === '') return;
  try {
    createFilter(selector, selectableSchema(method));
  } catch (err) {
    if (err instanceof FilterError) throw new AuthMethodError(`invalid Binding Rule: Selector is invalid: ${err.message}`);
    throw err;
  }
}

export function ruleMatches(method: StoredAuthMethod, rule: StoredBindingRule, who: LoginIdentity): boolean {
  if (rule.Selector === '') return true;
  try {
    return createFilter(rule.Selector, selectableSchema(method))(who);
  } catch {
    return false;
  }
}

/** BindName with ${value.x} / ${x} filled from the login's mapped claims. */
export function interpolateBindName(name: string, who: LoginIdentity): string {
  return name.replace(/\$\{(?:value\.)?([A-Za-z0-9_\-]+)\}/g, (_m, k: string) => {
    const v = who.value[k];
    if (v === undefined) throw new AuthMethodError(`cannot compute bind name: unknown variable ${k}`);
    return v;
  });
}
