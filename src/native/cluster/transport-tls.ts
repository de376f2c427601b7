// Agent-to-agent encryption: the TLS every agent uses on the server port (server RPC and raft's
// peer traffic, src/gateway/rpc/tls-server-port.ts) and for its own dials to servers (client
// agents' remote backend, servers' raft links and joins), built from Consul's
// `tls { defaults {...} internal_rpc {...} }` settings. One object per agent holds the loaded
// files; a reload (SIGHUP, `consul reload`) loads them again and every later handshake and dial
// uses them, so a rotated certificate is picked up without a restart.
//
// When TLS is used (docs/agent-encryption.md):
//  - a server serves TLS on its server port once it has cert_file, key_file and a CA; plaintext is
//    still taken unless verify_incoming is set (Consul's rule), and with verify_incoming a
//    connection without a certificate from the CA may only ask for one (auto_encrypt);
//  - a server that serves TLS also dials its peers with TLS (raft and RPC): its peer URLs are
//    https://, so every server of one cluster is set up alike;
//  - a client agent dials with TLS when verify_outgoing or auto_encrypt.tls is set; the server's
//    certificate is always checked against the CA, and its name against server.<dc>.<domain> with
//    verify_server_hostname, as Consul checks it.
import { connect as tlsConnect, checkServerIdentity, type ConnectionOptions, type PeerCertificate, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TlsProtocolSettings } from '../../gateway/consul/tls/agent-tls-settings.js';
import { loadProtocolTls } from '../../gateway/consul/tls/https-tls.js';
import type { PeerTls } from '../transport/peer-tls.js';
import type { ServerPortTls } from '../../gateway/rpc/tls-server-port.js';

/** Consul's AutoEncrypt.Sign, the one call a connection without a certificate may make. */
export const AUTO_ENCRYPT_SIGN_METHOD = 'AutoEncrypt.Sign';

export type InternalRpcSettings = TlsProtocolSettings & { verifyServerHostname: boolean };

export interface InternalTlsOptions {
  settings: InternalRpcSettings;
  datacenter: string;
  /** The agent's domain ("consul." as Consul keeps it, with the final dot). */
  domain: string;
  server: boolean;
  /** auto_encrypt.tls on a client agent: its certificate comes from the servers. */
  autoEncryptClient: boolean;
}

/** A certificate obtained from the servers (auto_encrypt), kept in memory only. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export class InternalTls {
  private settings: InternalRpcSettings;
  private pair: { cert: Buffer; key: Buffer } | undefined;
  private cas: Buffer[] = [];
  private issued: IssuedCertificate | undefined;
  private readonly reloadListeners: Array<() => void> = [];

  constructor(private readonly opts: InternalTlsOptions) {
    this.settings = opts.settings;
    this.load(opts.settings);
  }

  /** The name a server's certificate must carry under verify_server_hostname. */
  get serverName(): string {
    return `server.${this.opts.datacenter}.${this.opts.domain.replace(/\.$/, '')}`;
  }

  /** Whether this agent serves TLS on its server port (a server with a key pair and a CA). */
  get serves(): boolean {
    return this.opts.server && this.pair !== undefined && this.cas.length > 0;
  }

  /** Whether this agent's dials to servers use TLS. */
  get dialsTls(): boolean {
    if (this.cas.length === 0) return false;
    if (this.opts.server) return this.serves;
    return this.settings.verifyOutgoing || this.opts.autoEncryptClient;
  }

  get verifyIncoming(): boolean {
    return this.settings.verifyIncoming;
  }

  get autoEncryptClient(): boolean {
    return this.opts.autoEncryptClient;
  }

  /** Whether the agent has a certificate to present (its own files or one issued by the servers). */
  get hasCertificate(): boolean {
    return this.pair !== undefined || this.issued !== undefined;
  }

  get issuedCertificate(): IssuedCertificate | undefined {
    return this.issued;
  }

  /** The CA certificates (PEM) this agent trusts. */
  get caPems(): Buffer[] {
    return this.cas;
  }

  /** Loads the files again (reload): throws Consul's error and keeps the loaded ones on failure. */
  reload(settings: InternalRpcSettings): void {
    this.load(settings);
    this.settings = settings;
    for (const fn of this.reloadListeners) fn();
  }

  onReload(fn: () => void): void {
    this.reloadListeners.push(fn);
  }

  setIssued(cert: IssuedCertificate): void {
    this.issued = cert;
  }

  private load(settings: InternalRpcSettings): void {
    const loaded = loadProtocolTls(settings, this.opts.autoEncryptClient);
    const cas = loaded.server.ca;
    this.cas = Array.isArray(cas) ? (cas as Buffer[]) : cas ? [cas as Buffer] : [];
    this.pair = loaded.hasCert ? { cert: loaded.server.cert as Buffer, key: loaded.server.key as Buffer } : undefined;
  }

  /** The server side's options: the key pair, the CA, and a client certificate always asked for (checked by the caller). */
  serverOptions(): SecureContextOptions & { requestCert: true; rejectUnauthorized: false } {
    return {
      ...(this.pair ? { cert: this.pair.cert, key: this.pair.key } : {}),
      ca: this.cas,
      minVersion: 'TLSv1.2',
      requestCert: true,
      rejectUnauthorized: false,
    };
  }

  /** Options for one dial to a server: the CA, this agent's certificate if it has one, the server's name checked when asked. */
  dialOptions(): ConnectionOptions {
    const own = this.pair ?? (this.issued ? { cert: Buffer.from(this.issued.certPem), key: Buffer.from(this.issued.keyPem) } : undefined);
    const verifyName = this.settings.verifyServerHostname;
    const name = this.serverName;
    return {
      ca: this.cas,
      ...(own ? { cert: own.cert, key: own.key } : {}),
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
      servername: verifyName ? name : undefined,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => (verifyName ? checkServerIdentity(name, cert) : undefined),
    };
  }

  /** The remote backend's dial: TLS to the server port (the multiplexer sees the ClientHello). */
  dial = (host: string, port: number): Socket => {
    const socket: TLSSocket = tlsConnect({ ...this.dialOptions(), host, port });
    socket.setNoDelay(true);
    return socket;
  };

  /** raft's dials to https:// peer URLs; the listening side is the server port's (never the transport's own). */
  peerTls(): PeerTls {
    return {
      serverFor: () => {
        throw new Error('dcsgw: agent peer TLS is terminated on the server port');
      },
      dialOptions: () => this.dialOptions(),
    };
  }
}

/** When a certificate should be renewed: half way through its life, as Consul's auto_encrypt does roughly. */
export function renewAt(cert: IssuedCertificate, now = Date.now()): number {
  const x = new X509Certificate(cert.certPem);
  const from = new Date(x.validFrom).getTime();
  const to = cert.notAfter.getTime();
  return Math.max(now + 1000, from + (to - from) / 2);
}

/** The server port's view of the agent's TLS (src/gateway/rpc/tls-server-port.ts). */
export function serverPortTlsOf(internal: InternalTls): ServerPortTls {
  return {
    serves: () => internal.serves,
    verifyIncoming: () => internal.verifyIncoming,
    serverOptions: () => internal.serverOptions(),
    onReload: (fn) => internal.onReload(fn),
    unauthenticatedMethods: new Set([AUTO_ENCRYPT_SIGN_METHOD]),
  };
}
