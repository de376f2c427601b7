// Consul's gossip encryption key (`encrypt`, `-encrypt`, made by `dcsgw keygen`) on the serf LAN
// port. dcsgw's serf port carries small HTTP requests instead of serf's UDP/TCP gossip
// (docs/design-membership.md), so the key protects them the way it fits that transport: every
// serf request and answer travels in TLS 1.2 with a pre-shared key derived from the gossip key
// (no certificates): an agent without the same key cannot complete the handshake, and nothing
// crosses the wire in plaintext. As Consul does, the key is kept in <data-dir>/serf/local.keyring
// on first start, and a keyring found there wins over the configured key.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { dirname, join } from 'node:path';
import { setSerfTransport } from './serf-port.js';

const PSK_CIPHERS = 'PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305';
const PSK_IDENTITY = 'dcsgw-serf-lan';

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

/**
 * The key this agent uses: the keyring's first key when the file exists (Consul ignores `encrypt`
 * then and says so), else `encrypt`, written to a new keyring. Undefined: no gossip encryption.
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
    if (!Array.isArray(keys) || keys.length === 0 || typeof keys[0] !== 'string') throw new GossipKeyError(`Failed to load keyring ${file}: no keys present in keyring file`);
    if (encrypt !== '' && encrypt.trim() !== keys[0]) warn(`WARNING: LAN keyring exists but -encrypt given, using keyring`);
    return decodeGossipKey(keys[0] as string);
  }
  if (encrypt === '') return undefined;
  const key = decodeGossipKey(encrypt);
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify([encrypt.trim()]), { mode: 0o600 });
  }
  return key;
}

/** The TLS pre-shared key both ends derive from the gossip key (never the key itself on any wire). */
export function serfPsk(key: Buffer): Buffer {
  return createHash('sha256').update('dcsgw serf lan psk\0').update(key).digest();
}

/** Puts the serf LAN port's requests and its listener on TLS-PSK keyed by the gossip key. */
export function encryptSerfLan(key: Buffer): void {
  const psk = serfPsk(key);
  const tlsOptions = { ciphers: PSK_CIPHERS, minVersion: 'TLSv1.2' as const, maxVersion: 'TLSv1.2' as const };
  setSerfTransport({
    createServer: (handler) => {
      const server = createHttpsServer({ ...tlsOptions, pskCallback: (_socket, identity) => (identity === PSK_IDENTITY ? psk : null) }, handler);
      // a peer with another key (or none) fails the handshake: its socket is closed, the port keeps serving
      server.on('tlsClientError', (_err, socket) => socket.destroy());
      return server;
    },
    request: (options, onResponse) =>
      httpsRequest({ ...options, ...tlsOptions, agent: false, pskCallback: () => ({ psk, identity: PSK_IDENTITY }), checkServerIdentity: () => undefined } as HttpsRequestOptions, onResponse),
  });
}
