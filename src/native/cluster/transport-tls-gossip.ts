// Consul's gossip encryption key (`encrypt`, `-encrypt`, made by `dcsgw keygen`) on the serf LAN
// port. dcsgw's serf port carries small HTTP requests instead of serf's UDP/TCP gossip
// (docs/design-membership.md), so the key protects them the way it fits that transport: every
// serf request and answer travels in TLS 1.2 with a pre-shared key derived from the gossip key
// (no certificates): an agent without the same key cannot complete the handshake, and nothing
// crosses the wire in plaintext. As Consul does, the key is kept in <data-dir>/serf/local.keyring
// on first start, and a keyring found there wins over the configured key.
//
// The keyring holds several keys, as memberlist's does, so keys rotate without a restart (`consul
// keyring -install / -use / -remove`, /v1/operator/keyring): an agent dials with its primary key
// and accepts every key it holds. The TLS identity names which key a dial uses (a short hash of
// it, never the key). Keyring operations reach the other agents as serf's internal key queries
// do: a request on the serf port itself (KEYRING_QUERY_PATH), answered by this transport with the
// keyring it serves, in serf's words; each change is written to the keyring file at once.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { dirname, join } from 'node:path';
import { serfCall, setSerfTransport } from './serf-port.js';

const PSK_CIPHERS = 'PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305';
/** The identity of agents that dial with one fixed key (before keyrings): accepted with the primary key. */
const PSK_IDENTITY = 'dcsgw-serf-lan';
/** Where another agent's keyring operation arrives on the serf port (serf's `_serf_install-key`, ...). */
export const KEYRING_QUERY_PATH = '/dcsgw/serf/keyring';

export class GossipKeyError extends Error {}

/** Consul's check of an `encrypt` value: base64 of 16, 24 or 32 bytes. */
export function decodeGossipKey(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new GossipKeyError(`encrypt has invalid key: illegal base64 data at input byte ${Math.max(0, trimmed.search(/[^A-Za-z0-9+/=]/))}`);
  }
  const key = Buffer.from(trimmed, 'base64');
  if (![16, 24, 32].includes(key.length)) throw new GossipKeyError('encrypt has invalid key: key size must be 16, 24 or 32 bytes');
  return key;
}

/** <data-dir>/serf/local.keyring: a JSON list of base64 keys, the first one in use (Consul's file). */
export function keyringFile(dataDir: string): string {
  return join(dataDir, 'serf', 'local.keyring');
}

export type KeyringOperation = 'list' | 'install' | 'use' | 'remove';

/** One member's answer to a keyring operation: serf's key query response. */
export interface MemberKeyAnswer {
  Result: boolean;
  Message: string;
  /** list: the keys the member holds (base64). */
  Keys: string[];
  /** list: the member's primary key (base64); "" otherwise. */
  PrimaryKey: string;
}

/** memberlist's check of a key's size (AES-128, -192 or -256). */
function validateKeySize(key: Buffer): void {
  if (![16, 24, 32].includes(key.length)) throw new Error('key size must be 16, 24 or 32 bytes');
}

/**
 * The keys an agent holds for the serf LAN port, the primary one first (memberlist's keyring):
 * dials use the primary, the listener accepts any of them. Every change is persisted to the
 * keyring file (when the agent has one), so a restarted agent comes back with the same ring.
 */
export class GossipKeyring {
  private keys: Buffer[];

  constructor(
    keys: readonly Buffer[],
    private readonly file: string | undefined,
  ) {
    if (keys.length === 0) throw new GossipKeyError('Empty primary key not allowed');
    this.keys = [];
    for (const k of keys) if (!this.keys.some((have) => have.equals(k))) this.keys.push(k);
  }

  get primary(): Buffer {
    return this.keys[0]!;
  }

  list(): Buffer[] {
    return [...this.keys];
  }

  /** The pre-shared key for a dial's TLS identity, or null for a key this agent does not hold. */
  pskFor(identity: string): Buffer | null {
    if (identity === PSK_IDENTITY) return serfPsk(this.primary);
    const key = this.keys.find((k) => pskIdentity(k) === identity);
    return key ? serfPsk(key) : null;
  }

  /** Adds a key for accepting dials (no-op when held); the primary stays. */
  install(key: Buffer): void {
    validateKeySize(key);
    if (this.keys.some((k) => k.equals(key))) return;
    this.keys = [...this.keys, key];
  }

  /** Makes a held key the primary: dials use it from now on. */
  use(key: Buffer): void {
    if (!this.keys.some((k) => k.equals(key))) throw new Error('Requested key is not in the keyring');
    this.keys = [key, ...this.keys.filter((k) => !k.equals(key))];
  }

  /** Drops a key (no-op when not held); the primary cannot be dropped. */
  remove(key: Buffer): void {
    if (key.equals(this.primary)) throw new Error('Removing the primary key is not allowed');
    this.keys = this.keys.filter((k) => !k.equals(key));
  }

  /** Runs one operation as serf's key query handler does, and answers in its words. */
  answer(op: KeyringOperation, key: Buffer): MemberKeyAnswer {
    const reply: MemberKeyAnswer = { Result: false, Message: '', Keys: [], PrimaryKey: '' };
    if (op === 'list') {
      reply.Keys = this.keys.map((k) => k.toString('base64'));
      reply.PrimaryKey = this.primary.toString('base64');
      reply.Result = true;
      return reply;
    }
    try {
      if (op === 'install') this.install(key);
      else if (op === 'use') this.use(key);
      else this.remove(key);
      this.persist();
      reply.Result = true;
    } catch (err) {
      reply.Message = (err as Error).message;
    }
    return reply;
  }

  /** Writes the ring as serf rewrites it after a change (indented JSON, mode 0600). */
  private persist(): void {
    if (!this.file) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify(this.keys.map((k) => k.toString('base64')), null, 2), { mode: 0o600 });
    } catch (err) {
      throw new Error(`Failed to write keyring file: ${(err as Error).message}`);
    }
  }
}

/** The keyring each resolved primary key came from, so the transport serves that whole ring. */
const keyringsByPrimary = new WeakMap<Buffer, GossipKeyring>();

/** The keyring resolveGossipKey loaded with this key as primary (a ring of this key alone otherwise). */
export function gossipKeyringOf(key: Buffer): GossipKeyring {
  let ring = keyringsByPrimary.get(key);
  if (!ring) {
    ring = new GossipKeyring([key], undefined);
    keyringsByPrimary.set(key, ring);
  }
  return ring;
}

/**
 * The key this agent uses: the keyring's first key when the file exists (Consul ignores `encrypt`
 * then and says so), else `encrypt`, written to a new keyring. Undefined: no gossip encryption.
 * The whole ring loaded is gossipKeyringOf(the key returned).
 */
export function resolveGossipKey(encrypt: string, dataDir: string | undefined, warn: (text: string) => void): Buffer | undefined {
  const file = dataDir ? keyringFile(dataDir) : undefined;
  if (file && existsSync(file)) {
    let keys: unknown;
    try {
      keys = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new GossipKeyError(`Failed to load keyring ${file}: ${(err as Error).message}`);
    }
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string')) throw new GossipKeyError(`Failed to load keyring ${file}: no keys present in keyring file`);
    if (encrypt !== '' && encrypt.trim() !== keys[0]) warn(`WARNING: LAN keyring exists but -encrypt given, using keyring`);
    const ring = (keys as string[]).map((k) => decodeGossipKey(k));
    const primary = ring[0]!;
    keyringsByPrimary.set(primary, new GossipKeyring(ring, file));
    return primary;
  }
  if (encrypt === '') return undefined;
  const key = decodeGossipKey(encrypt);
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify([encrypt.trim()]), { mode: 0o600 });
  }
  keyringsByPrimary.set(key, new GossipKeyring([key], file));
  return key;
}

/** The TLS pre-shared key both ends derive from the gossip key (never the key itself on any wire). */
export function serfPsk(key: Buffer): Buffer {
  return createHash('sha256').update('dcsgw serf lan psk\0').update(key).digest();
}

/** The TLS identity of a dial with this key: a short hash naming which key of the ring to use. */
function pskIdentity(key: Buffer): string {
  return `${PSK_IDENTITY}/${createHash('sha256').update('dcsgw serf key id\0').update(key).digest('hex').slice(0, 16)}`;
}

const MAX_QUERY_BODY = 64 * 1024;

/** Answers another agent's keyring operation with this agent's ring (serf's internal key query). */
async function answerKeyringQuery(keyring: GossipKeyring, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_QUERY_BODY) return reply(413, { error: 'request too large' });
      chunks.push(c as Buffer);
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { op?: unknown; key?: unknown };
    const op = body.op;
    if (op !== 'list' && op !== 'install' && op !== 'use' && op !== 'remove') return reply(400, { error: 'unknown keyring operation' });
    reply(200, keyring.answer(op, Buffer.from(typeof body.key === 'string' ? body.key : '', 'base64')));
  } catch (err) {
    reply(400, { error: (err as Error).message });
  }
}

/** Sends a keyring operation to another agent's serf port; resolves with its answer. */
export function askMemberKeyring(address: string, op: KeyringOperation, key: Buffer, timeoutMs: number): Promise<MemberKeyAnswer> {
  return serfCall<MemberKeyAnswer>(address, KEYRING_QUERY_PATH, { op, key: key.toString('base64') }, timeoutMs);
}

/**
 * Puts the serf LAN port's requests and its listener on TLS-PSK keyed by the gossip keyring whose
 * primary is `key` (gossipKeyringOf): dials use the primary, the listener accepts every key of the
 * ring, and answers keyring operations from the other agents.
 */
export function encryptSerfLan(key: Buffer): void {
  const keyring = gossipKeyringOf(key);
  const tlsOptions = { ciphers: PSK_CIPHERS, minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const };
  setSerfTransport({
    createServer: (handler) => {
      const server = createHttpsServer({ ...tlsOptions, pskCallback: (_socket, identity) => keyring.pskFor(identity) }, (req, res) => {
        if (req.method === 'POST' && req.url === KEYRING_QUERY_PATH) void answerKeyringQuery(keyring, req, res);
        else handler(req, res);
      });
      // a peer with another key (or none) fails the handshake: its socket is closed, the port keeps serving
      server.on('tlsClientError', (_err, socket) => socket.destroy());
      return server;
    },
    // the primary is read at each dial: a `use` takes effect on the next request
    request: (options, onResponse) =>
      httpsRequest(
        { ...options, ...tlsOptions, agent: false, pskCallback: () => ({ psk: serfPsk(keyring.primary), identity: pskIdentity(keyring.primary) }), checkServerIdentity: () => undefined } as HttpsRequestOptions,
        onResponse,
      ),
  });
}
