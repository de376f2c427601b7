// etcd 3.4's JWT token provider (--auth-token jwt,...): a token is a JWS over
// {"exp","revision","username"} signed with the configured key, so every member holding the same
// keys accepts it without sharing state, until its exp. The revision is the auth store's when the
// token was issued: any auth change after that makes its writes "old" until the client logs in again.
// Sign methods are those of the JWT library etcd 3.4 links: HS/RS/PS/ES with 256/384/512.
import { constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export type JwtAlg = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

const ALGS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);

/** jwt.GetSigningMethod knows "none" too; etcd then refuses it when it builds the key. */
export function isKnownSignMethod(name: string): boolean {
  return ALGS.has(name) || name === 'none';
}

/** etcd's auth errors for a token that cannot be issued with a public key only. */
export const VERIFY_ONLY_MESSAGE = 'auth: token signing attempted with verify-only key';

export interface JwtKeys {
  alg: JwtAlg;
  /** HS*: the secret (the priv-key file's bytes). */
  secret?: Buffer;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}

export interface JwtInfo {
  user: string;
  revision: number;
}

const b64url = (b: Buffer): string => b.toString('base64url');

function hashOf(alg: JwtAlg): string {
  return `sha${alg.slice(2)}`;
}

export class JwtTokens {
  constructor(
    readonly keys: JwtKeys,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issuing needs the private key (or the HMAC secret); a public key only can just verify. */
  get verifyOnly(): boolean {
    return this.keys.alg.startsWith('HS') ? false : this.keys.privateKey === undefined;
  }

  /** The token etcd's tokenJWT.assign writes: header and claims as Go's json.Marshal of a map (sorted keys). */
  assign(user: string, revision: number): string {
    if (this.verifyOnly) throw new Error(VERIFY_ONLY_MESSAGE);
    const header = b64url(Buffer.from(JSON.stringify({ alg: this.keys.alg, typ: 'JWT' })));
    const exp = Math.floor((this.now() + this.ttlMs) / 1000);
    const claims = b64url(Buffer.from(JSON.stringify({ exp, revision, username: user })));
    const signingInput = `${header}.${claims}`;
    return `${signingInput}.${b64url(this.signature(Buffer.from(signingInput)))}`;
  }

  /** tokenJWT.info: the user and revision of a token signed with our key, of our method, not expired; else undefined. */
  info(token: string): JwtInfo | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, c, s] = parts as [string, string, string];
    let header: unknown;
    let claims: unknown;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString());
      claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    } catch {
      return undefined;
    }
    if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== this.keys.alg) return undefined;
    if (!this.verifySignature(Buffer.from(`${h}.${c}`), Buffer.from(s, 'base64url'))) return undefined;
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { exp, iat, nbf, username, revision } = claims as Record<string, unknown>;
    const nowSec = Math.floor(this.now() / 1000);
    // the library's standard claim checks: expired, issued in the future, not yet valid
    if (typeof exp === 'number' && nowSec > exp) return undefined;
    if (typeof iat === 'number' && nowSec < iat) return undefined;
    if (typeof nbf === 'number' && nowSec < nbf) return undefined;
    if (typeof username !== 'string' || typeof revision !== 'number') return undefined;
    return { user: username, revision };
  }

  private signature(data: Buffer): Buffer {
    const { alg } = this.keys;
    const hash = hashOf(alg);
    if (alg.startsWith('HS')) return createHmac(hash, this.keys.secret!).update(data).digest();
    const key = this.keys.privateKey!;
    if (alg.startsWith('PS')) return sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    if (alg.startsWith('ES')) return sign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
    return sign(hash, data, key);
  }

  private verifySignature(data: Buffer, sig: Buffer): boolean {
    const { alg } = this.keys;
    const hash = hashOf(alg);
    if (alg.startsWith('HS')) {
      const want = createHmac(hash, this.keys.secret!).update(data).digest();
      return want.length === sig.length && timingSafeEqual(want, sig);
    }
    const key = this.keys.publicKey ?? createPublicKey(this.keys.privateKey!);
    try {
      if (alg.startsWith('PS')) return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
      if (alg.startsWith('ES')) return verify(hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
      return verify(hash, data, key, sig);
    } catch {
      return false;
    }
  }
}

// ---- keys from PEM files, with the errors etcd 3.4 gives

const NOT_PEM = 'invalid key: Key must be a PEM encoded PKCS1 or PKCS8 key';

function pemType(pem: Buffer): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem.toString('latin1'))?.[1];
}

function privateKeyOf(pem: Buffer, family: 'rsa' | 'ec'): KeyObject {
  const type = pemType(pem);
  if (type === undefined) throw new Error(NOT_PEM);
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(NOT_PEM);
  }
  const kind = key.asymmetricKeyType;
  if (family === 'rsa') {
    // Go tries PKCS1 then PKCS8: a SEC1 EC key block is named in x509's error
    if (type === 'EC PRIVATE KEY') throw new Error('x509: failed to parse private key (use ParseECPrivateKey instead for this key format)');
    if (kind !== 'rsa' && kind !== 'rsa-pss') throw new Error('key is not a valid RSA private key');
  } else if (kind !== 'ec') throw new Error('key is not a valid ECDSA private key');
  return key;
}

function publicKeyOf(pem: Buffer, family: 'rsa' | 'ec'): KeyObject {
  if (pemType(pem) === undefined) throw new Error(NOT_PEM);
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error(NOT_PEM);
  }
  const kind = key.asymmetricKeyType;
  if (family === 'rsa' && kind !== 'rsa' && kind !== 'rsa-pss') throw new Error('key is not a valid RSA public key');
  if (family === 'ec' && kind !== 'ec') throw new Error('key is not a valid ECDSA public key');
  return key;
}

export const MISSING_KEY_MESSAGE = 'auth: missing key data';

/** jwtOptions.Key: the key for the method, from the files' contents (either may be absent). */
export function jwtKeysOf(alg: string, publicPem: Buffer | undefined, privatePem: Buffer | undefined): JwtKeys {
  if (alg === 'none') throw new Error('unsupported signing method: *jwt.signingMethodNone');
  const a = alg as JwtAlg;
  if (a.startsWith('HS')) {
    if (!privatePem || privatePem.length === 0) throw new Error(MISSING_KEY_MESSAGE);
    return { alg: a, secret: privatePem };
  }
  const family = a.startsWith('ES') ? 'ec' : 'rsa';
  const privateKey = privatePem && privatePem.length > 0 ? privateKeyOf(privatePem, family) : undefined;
  const publicKey = publicPem && publicPem.length > 0 ? publicKeyOf(publicPem, family) : undefined;
  if (!privateKey && !publicKey) throw new Error(MISSING_KEY_MESSAGE);
  // etcd 3.4 compares the pair loosely (a mismatched RSA pair with the usual exponent passes):
  // tokens are then signed with the private key and checked against it, as there.
  const keys: JwtKeys = { alg: a };
  if (privateKey) keys.privateKey = privateKey;
  else if (publicKey) keys.publicKey = publicKey;
  return keys;
}
