// auto_encrypt: a client agent that has only the CA file asks the servers for its certificate
// over the server port (TLS, the server's certificate checked against the CA), keeps it in memory
// and asks again half way through its life. Consul's servers sign such certificates with their
// Connect CA; dcsgw's servers sign them with the agent CA's own key, read from beside ca_file
// (`dcsgw tls ca create` writes consul-agent-ca.pem and consul-agent-ca-key.pem side by side), so
// the certificates verify_incoming checks are the ones the servers already trust. When the agents
// have a gossip key (`encrypt`), a request must prove it holds the key, so a stranger who can
// reach port 8300 gets no certificate (Consul asks for an ACL token there).
import { createHmac, timingSafeEqual, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RemoteBackend } from '../../adapters/remote.js';
import { generateCert, parseSigner } from '../../cli/tls-command/agent-certificates.js';
import { AUTO_ENCRYPT_SIGN_METHOD, renewAt, type InternalTls, type IssuedCertificate } from './transport-tls.js';
import { gossipKeyringOf } from './transport-tls-gossip.js';

/** The server RPC method (Consul's AutoEncrypt.Sign, in dcsgw's own RPC). */
export const AUTO_ENCRYPT_SIGN = AUTO_ENCRYPT_SIGN_METHOD;

/** Days an issued certificate is valid (Consul's leaf certificates live 72 hours). */
const ISSUED_DAYS = 3;

export interface SignRequest {
  node: string;
  datacenter: string;
  /** HMAC-SHA256 of the node name under the gossip key, hex (when the agents have one). */
  proof?: string;
}

export interface SignReply {
  certPem: string;
  keyPem: string;
  notAfter: string;
}

export function signProof(gossipKey: Buffer, node: string): string {
  return createHmac('sha256', gossipKey).update(`dcsgw auto_encrypt\0${node}`).digest('hex');
}

/** The CA key path beside a CA file: name.pem -> name-key.pem. */
export function caKeyFileOf(caFile: string): string {
  return caFile.replace(/(\.pem)?$/, '-key.pem');
}

export interface SignerOptions {
  /** auto_encrypt.allow_tls on this server. */
  allowTls: boolean;
  caFile: () => string;
  datacenter: string;
  domain: string;
  gossipKey: Buffer | undefined;
}

/** The server's handler of AutoEncrypt.Sign. */
export function autoEncryptSigner(opts: SignerOptions): (req: unknown) => Promise<SignReply> {
  return async (raw) => {
    if (!opts.allowTls) throw new Error('AutoEncrypt.Sign: this server does not allow auto_encrypt (set auto_encrypt { allow_tls = true } on the servers)');
    const req = raw as Partial<SignRequest>;
    if (typeof req?.node !== 'string' || req.node === '') throw new Error('AutoEncrypt.Sign: a node name is required');
    if (req.datacenter !== opts.datacenter) throw new Error(`AutoEncrypt.Sign: this server is in datacenter ${opts.datacenter}, not ${String(req.datacenter)}`);
    if (opts.gossipKey) {
      // any key of the server's ring: a client restarted after `keyring -use` proves the new primary
      const got = Buffer.from(typeof req.proof === 'string' ? req.proof : '', 'hex');
      const node = req.node;
      const proves = (key: Buffer) => {
        const want = Buffer.from(signProof(key, node), 'hex');
        return got.length === want.length && timingSafeEqual(got, want);
      };
      if (!gossipKeyringOf(opts.gossipKey).list().some(proves)) throw new Error('Permission denied: the request does not prove the gossip encryption key');
    }
    const caFile = opts.caFile();
    const keyFile = caKeyFileOf(caFile);
    let caPem: string;
    let keyPem: string;
    try {
      caPem = readFileSync(caFile, 'utf8');
      keyPem = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new Error(`AutoEncrypt.Sign: this server cannot sign: ${(err as Error).message} (the CA's key must be beside ca_file as ${keyFile})`);
    }
    const name = `client.${opts.datacenter}.${opts.domain.replace(/\.$/, '')}`;
    const made = generateCert({ caPem, signer: parseSigner(keyPem), commonName: name, days: ISSUED_DAYS, dnsNames: [name, 'localhost'], ipAddresses: [], extKeyUsage: ['clientAuth'] });
    return { certPem: made.certPem, keyPem: made.keyPem, notAfter: new X509Certificate(made.certPem).validTo };
  };
}

export interface KeeperOptions {
  remote: RemoteBackend;
  tls: InternalTls;
  node: string;
  datacenter: string;
  gossipKey: Buffer | undefined;
  log: (level: 'info' | 'warn', text: string, fields?: Record<string, unknown>) => void;
}

/**
 * Obtains the certificate in the background (retrying while no server signs) and renews it half
 * way through its life. `ready` resolves once the agent has its first one; `stop` ends it all,
 * also while still retrying (a client agent must stay stoppable while its servers refuse).
 */
export function keepIssuedCertificate(opts: KeeperOptions): { ready: Promise<void>; stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const request = (): SignRequest => ({ node: opts.node, datacenter: opts.datacenter, ...(opts.gossipKey ? { proof: signProof(gossipKeyringOf(opts.gossipKey).primary, opts.node) } : {}) });
  const obtain = async (): Promise<IssuedCertificate | undefined> => {
    let wait = 500;
    while (!stopped) {
      try {
        const r = await opts.remote.call<SignReply>(AUTO_ENCRYPT_SIGN, request());
        return { certPem: r.certPem, keyPem: r.keyPem, notAfter: new Date(r.notAfter) };
      } catch (err) {
        if (stopped) break;
        opts.log('warn', 'auto_encrypt: retrying to obtain the agent certificate from the servers', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, wait).unref());
        wait = Math.min(3000, wait * 2);
      }
    }
    return undefined;
  };
  const schedule = (cert: IssuedCertificate): void => {
    timer = setTimeout(() => {
      void obtain().then((next) => {
        if (!next || stopped) return;
        opts.tls.setIssued(next);
        opts.log('info', 'auto_encrypt: agent certificate renewed', { not_after: next.notAfter.toISOString() });
        schedule(next);
      });
    }, Math.min(2 ** 31 - 1, renewAt(cert) - Date.now()));
    timer.unref();
  };
  const ready = obtain().then((first) => {
    if (!first || stopped) return;
    opts.tls.setIssued(first);
    opts.log('info', 'auto_encrypt: agent certificate obtained from the servers', { not_after: first.notAfter.toISOString() });
    // the connection that asked showed no certificate: the next one does, and gets the store
    opts.remote.reconnect();
    schedule(first);
  });
  return {
    ready,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
