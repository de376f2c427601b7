// etcd 3.4's auth flags as its server reads them: --bcrypt-cost (auth.NewAuthStore) and, below,
// --auth-token (auth.NewTokenProvider).
import { readFileSync } from 'node:fs';
import type { EtcdLogEvent } from '../../../cli/etcd-log.js';
import { parseGoDuration } from '../../../cli/flag-set.js';
import { BCRYPT_DEFAULT_COST, BCRYPT_MAX_COST, BCRYPT_MIN_COST } from '../../../native/mvcc/password-hash.js';
import { isKnownSignMethod, jwtKeysOf, JwtTokens } from './jwt-tokens.js';

/** A cost outside Go's bounds is not an error in etcd: its auth store warns and uses the default. */
export function bcryptCostOf(given: number, notes: EtcdLogEvent[]): number {
  if (given >= BCRYPT_MIN_COST && given <= BCRYPT_MAX_COST) return given;
  notes.push({
    level: 'warn',
    pkg: 'auth',
    text: `Use default bcrypt-cost ${BCRYPT_DEFAULT_COST} instead of the invalid value ${given}`,
    caller: 'auth/store.go:1158',
    msg: 'use default bcrypt cost instead of the invalid given cost',
    fields: { 'min-cost': BCRYPT_MIN_COST, 'max-cost': BCRYPT_MAX_COST, 'default-cost': BCRYPT_DEFAULT_COST, 'given-cost': given },
  });
  return BCRYPT_DEFAULT_COST;
}

export type TokenProviderSpec =
  | { kind: 'simple' }
  /** --auth-token "": etcd's no-op provider (Authenticate hands out an empty token, none is ever valid). */
  | { kind: 'nop' }
  | { kind: 'jwt'; tokens: JwtTokens };

const INVALID_AUTH_OPTIONS = 'auth: invalid auth options';
const KNOWN_JWT_OPTIONS = new Set(['sign-method', 'pub-key', 'priv-key', 'ttl']);
/** jwtOptions' default TTL when none is given. */
const DEFAULT_JWT_TTL_MS = 5 * 60 * 1000;

function failedProvider(err: string): EtcdLogEvent {
  return { level: 'warn', pkg: 'etcdserver', text: `failed to create token provider,err is ${err}`, caller: 'etcdserver/server.go:573', msg: 'failed to create token provider', fields: { error: err } };
}

/** Go's time.ParseDuration, with its error texts. */
function goDuration(raw: string): { ms: number } | { error: string } {
  const ms = parseGoDuration(raw);
  if (ms !== undefined) return { ms };
  const quoted = JSON.stringify(raw);
  const unit = /^[-+]?[0-9.]+([^0-9.]+)/.exec(raw)?.[1];
  if (/^[-+]?[0-9]*\.?[0-9]+$/.test(raw)) return { error: `time: missing unit in duration ${quoted}` };
  if (unit !== undefined && !/^(ns|us|µs|μs|ms|s|m|h)/.test(unit)) return { error: `time: unknown unit ${JSON.stringify(unit.replace(/[0-9.].*$/, ''))} in duration ${quoted}` };
  return { error: `time: invalid duration ${quoted}` };
}

/** Go's os.ReadFile errors ("open <path>: no such file or directory"). */
function readKeyFile(path: string, read: (p: string) => Buffer): Buffer {
  try {
    return read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error(`read ${path}: is a directory`);
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new Error(`open ${path}: ${why}`);
  }
}

/**
 * auth.NewTokenProvider: "simple", "jwt,<key>=<value>,..." or "" (no tokens), with etcd's log lines
 * (pushed to `events`) and its fatal error text (`error`) when the server must not start.
 */
export function tokenProviderOf(
  optstr: string,
  events: EtcdLogEvent[],
  read: (path: string) => Buffer = readFileSync,
): { spec: TokenProviderSpec } | { error: string } {
  const opts = optstr.split(',');
  const type = opts[0]!;
  const specific = new Map<string, string>();
  for (const o of opts.slice(1)) {
    const pair = o.split('=');
    if (pair.length !== 2) {
      events.push({ level: 'error', pkg: 'auth', text: `invalid token specific option: ${optstr}`, caller: 'auth/store.go:1339', msg: 'invalid token option', fields: { option: optstr } });
      events.push(failedProvider(INVALID_AUTH_OPTIONS));
      return { error: INVALID_AUTH_OPTIONS };
    }
    if (specific.has(pair[0]!)) {
      events.push({
        level: 'error',
        pkg: 'auth',
        text: `invalid token specific option, duplicated parameters (${pair[0]}): ${optstr}`,
        caller: 'auth/store.go:1348',
        msg: 'invalid token option',
        fields: { option: optstr, 'duplicate-parameter': pair[0] },
      });
      events.push(failedProvider(INVALID_AUTH_OPTIONS));
      return { error: INVALID_AUTH_OPTIONS };
    }
    specific.set(pair[0]!, pair[1]!);
  }
  if (type === 'simple') return { spec: { kind: 'simple' } };
  if (type === '') return { spec: { kind: 'nop' } };
  if (type !== 'jwt') {
    events.push({ level: 'error', pkg: 'auth', text: `unknown token type: ${type}`, caller: 'auth/store.go:1394', msg: 'unknown token type', fields: { type, error: INVALID_AUTH_OPTIONS } });
    events.push(failedProvider(INVALID_AUTH_OPTIONS));
    return { error: INVALID_AUTH_OPTIONS };
  }

  // jwtOptions.ParseWithDefaults: ttl, the key files, then the (required) sign method
  const loadProblem = (err: string) => {
    events.push({ level: 'error', pkg: 'auth', text: `problem loading JWT options: ${err}`, caller: 'auth/jwt.go:139', msg: 'problem loading JWT options', fields: { error: err } });
    events.push(failedProvider(INVALID_AUTH_OPTIONS));
    return { error: INVALID_AUTH_OPTIONS };
  };
  let ttlMs = DEFAULT_JWT_TTL_MS;
  const ttl = specific.get('ttl') ?? '';
  if (ttl !== '') {
    const d = goDuration(ttl);
    if ('error' in d) return loadProblem(d.error);
    ttlMs = d.ms;
  }
  let publicPem: Buffer | undefined;
  let privatePem: Buffer | undefined;
  try {
    const pub = specific.get('pub-key') ?? '';
    if (pub !== '') publicPem = readKeyFile(pub, read);
    const priv = specific.get('priv-key') ?? '';
    if (priv !== '') privatePem = readKeyFile(priv, read);
  } catch (err) {
    return loadProblem((err as Error).message);
  }
  const method = specific.get('sign-method') ?? '';
  if (!isKnownSignMethod(method)) return loadProblem('auth: invalid auth signature method');
  const unknown = [...specific.keys()].filter((k) => !KNOWN_JWT_OPTIONS.has(k)).sort();
  if (unknown.length > 0) {
    events.push({ level: 'warn', pkg: 'auth', text: `unknown JWT options: [${unknown.join(' ')}]`, caller: 'auth/jwt.go:154', msg: 'unknown JWT options', fields: { keys: unknown } });
  }
  try {
    return { spec: { kind: 'jwt', tokens: new JwtTokens(jwtKeysOf(method, publicPem, privatePem), ttlMs) } };
  } catch (err) {
    const text = (err as Error).message;
    events.push(failedProvider(text));
    return { error: text };
  }
}
