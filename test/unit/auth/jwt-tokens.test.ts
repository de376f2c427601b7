// The JWT provider on its own: what makes a token valid (signature, method, expiry, claims) and
// the option parsing of etcd 3.4's NewTokenProvider (log lines and errors).
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EtcdLogEvent } from '../../../src/cli/etcd-log.js';
import { tokenProviderOf } from '../../../src/gateway/etcd/auth/auth-flags.js';
import { JwtTokens, jwtKeysOf } from '../../../src/gateway/etcd/auth/jwt-tokens.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPriv = Buffer.from(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }));
const rsaPub = Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }));
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ecPriv = Buffer.from(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('JwtTokens', () => {
  it('issues {alg,typ}.{exp,revision,username}.sig and reads it back until exp', () => {
    let now = 1_000_000_000;
    const t = new JwtTokens(jwtKeysOf('RS256', undefined, rsaPriv), 60_000, () => now);
    const token = t.assign('alice', 7);
    const [h, c] = token.split('.');
    expect(Buffer.from(h!, 'base64url').toString()).toBe('{"alg":"RS256","typ":"JWT"}');
    expect(Buffer.from(c!, 'base64url').toString()).toBe(`{"exp":${1_000_000 + 60},"revision":7,"username":"alice"}`);
    expect(t.info(token)).toEqual({ user: 'alice', revision: 7 });
    now += 60_000; // exp itself is still valid (now <= exp)
    expect(t.info(token)).toEqual({ user: 'alice', revision: 7 });
    now += 1_000;
    expect(t.info(token)).toBeUndefined();
  });

  it('refuses other keys, other methods, tampering, missing claims and garbage', () => {
    const t = new JwtTokens(jwtKeysOf('ES256', undefined, ecPriv), 60_000);
    const good = t.assign('alice', 3);
    const [h, c, s] = good.split('.') as [string, string, string];
    const other = new JwtTokens(jwtKeysOf('ES256', undefined, Buffer.from(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))), 60_000);
    expect(other.info(good)).toBeUndefined();
    expect(t.info(`${h}.${b64({ exp: 9e9, revision: 3, username: 'root' })}.${s}`)).toBeUndefined();
    expect(t.info(`${b64({ alg: 'HS256', typ: 'JWT' })}.${c}.${s}`)).toBeUndefined();
    expect(t.info(`${b64({ alg: 'none', typ: 'JWT' })}.${c}.`)).toBeUndefined();
    const hs = new JwtTokens(jwtKeysOf('HS256', undefined, Buffer.from('k')), 60_000);
    const noUser = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ revision: 1 })}`;
    expect(hs.info(`${noUser}.x`)).toBeUndefined();
    for (const junk of ['', 'a', 'a.b', 'a.b.c', '...', `${h}.%%%.${s}`]) expect(t.info(junk)).toBeUndefined();
    expect(t.info(good)).toEqual({ user: 'alice', revision: 3 });
  });

  it('iat in the future or nbf not reached: not valid yet', () => {
    const now = 2_000_000_000_000;
    const hs = new JwtTokens(jwtKeysOf('HS384', undefined, Buffer.from('secret')), 60_000, () => now);
    const signed = (claims: object) => {
      const other = new JwtTokens(jwtKeysOf('HS384', undefined, Buffer.from('secret')), 60_000, () => now);
      // re-sign arbitrary claims with the same secret through a token of our own making
      const [h] = other.assign('x', 1).split('.');
      const input = `${h}.${b64(claims)}`;
      return `${input}.${createHmac('sha384', 'secret').update(input).digest('base64url')}`;
    };
    expect(hs.info(signed({ username: 'u', revision: 1 }))).toEqual({ user: 'u', revision: 1 });
    expect(hs.info(signed({ username: 'u', revision: 1, iat: now / 1000 + 100 }))).toBeUndefined();
    expect(hs.info(signed({ username: 'u', revision: 1, nbf: now / 1000 + 100 }))).toBeUndefined();
  });

  it('a public key alone verifies but cannot issue', () => {
    const signer = new JwtTokens(jwtKeysOf('PS512', undefined, rsaPriv), 60_000);
    const verifier = new JwtTokens(jwtKeysOf('PS512', rsaPub, undefined), 60_000);
    expect(verifier.verifyOnly).toBe(true);
    expect(verifier.info(signer.assign('bob', 2))).toEqual({ user: 'bob', revision: 2 });
    expect(() => verifier.assign('bob', 2)).toThrow('auth: token signing attempted with verify-only key');
  });
});

describe('--auth-token parsing', () => {
  const files: Record<string, Buffer> = { '/k/rsa.key': rsaPriv, '/k/rsa.pub': rsaPub, '/k/ec.key': ecPriv, '/k/hs': Buffer.from('s') };
  const read = (p: string): Buffer => {
    const f = files[p];
    if (!f) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return f;
  };
  const parse = (opt: string) => {
    const events: EtcdLogEvent[] = [];
    return { r: tokenProviderOf(opt, events, read), texts: events.map((e) => `${e.pkg}: ${e.text}`) };
  };

  it('simple, empty, jwt with a default TTL of 5 minutes', () => {
    expect(parse('simple').r).toEqual({ spec: { kind: 'simple' } });
    expect(parse('').r).toEqual({ spec: { kind: 'nop' } });
    const j = parse('jwt,priv-key=/k/hs,sign-method=HS256').r;
    expect('spec' in j && j.spec.kind === 'jwt' && j.spec.tokens.ttlMs).toBe(300_000);
    const t = parse('jwt,priv-key=/k/rsa.key,sign-method=RS384,ttl=1h30m').r;
    expect('spec' in t && t.spec.kind === 'jwt' && t.spec.tokens.ttlMs).toBe(5_400_000);
  });

  it('errors and lines as etcd', () => {
    expect(parse('jwt,x').texts).toEqual(['auth: invalid token specific option: jwt,x', 'etcdserver: failed to create token provider,err is auth: invalid auth options']);
    expect(parse('jwt,ttl=5').texts[0]).toBe('auth: problem loading JWT options: time: missing unit in duration "5"');
    expect(parse('jwt,ttl=5x').texts[0]).toBe('auth: problem loading JWT options: time: unknown unit "x" in duration "5x"');
    expect(parse('jwt,ttl=abc').texts[0]).toBe('auth: problem loading JWT options: time: invalid duration "abc"');
    expect(parse('jwt,priv-key=/k/none,sign-method=HS256').texts[0]).toBe('auth: problem loading JWT options: open /k/none: no such file or directory');
    expect(parse('jwt,sign-method=ES256').r).toEqual({ error: 'auth: missing key data' });
    expect(parse('jwt,priv-key=/k/ec.key,sign-method=RS256').r).toEqual({ error: 'key is not a valid RSA private key' });
    expect(parse('jwt,priv-key=/k/hs,sign-method=RS256').r).toEqual({ error: 'invalid key: Key must be a PEM encoded PKCS1 or PKCS8 key' });
    const unknown = parse('jwt,priv-key=/k/hs,sign-method=HS256,b=1,a=2');
    expect('spec' in unknown.r).toBe(true);
    expect(unknown.texts).toEqual(['auth: unknown JWT options: [a b]']);
  });
});
