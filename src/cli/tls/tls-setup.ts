// What etcd's embed.StartEtcd does with TLS before it listens, in its order and words:
// peer side (configurePeerListeners) then client side (configureClientListeners): cipher suites,
// auto-tls self-signed certificates under <data-dir>/fixtures/{peer,client}, the "peerTLS" line,
// the warnings for http:// URLs given with key files or client-cert-auth, and the fatal errors for
// https:// URLs without a key pair. The "ClientTLS" line comes later, when clients are served.
import { join } from 'node:path';
import { parseCipherSuites, UnknownCipherSuiteError } from '../../gateway/tls/cipher-suites.js';
import { hostsOfUrls, selfCert, type ExtKeyUsage } from '../../gateway/tls/self-cert.js';
import { clientTlsOptions, createTlsTerminator, fileTlsSource, validateTlsFiles, type TlsRejection } from '../../gateway/tls/server-tls.js';
import type { PeerTls } from '../../native/transport/peer-tls.js';
import { describeTlsInfo, isEmptyTlsInfo, type TlsInfo } from '../../gateway/tls/tls-info.js';
import { StartupError } from '../config.js';
import type { EtcdLogEvent } from '../etcd-log.js';
import type { TlsFlags } from './tls-flags.js';

export interface TlsSetup {
  client: TlsInfo;
  peer: TlsInfo;
}

function ev(level: EtcdLogEvent['level'], text: string, caller: string, msg: string, fields?: Record<string, unknown>): EtcdLogEvent {
  return fields ? { level, pkg: 'embed', text, caller, msg, fields } : { level, pkg: 'embed', text, caller, msg };
}

/** etcd's PeerSelfCert / ClientSelfCert: generate (or reuse) the certificates, and say so. */
function autoTls(side: 'peer' | 'client', info: TlsInfo, input: TlsSetupInput, urls: readonly string[], emit: (e: EtcdLogEvent) => void): TlsInfo {
  if (!isEmptyTlsInfo(info)) {
    emit(ev('warn', `ignoring ${side} auto TLS since certs given`, side === 'peer' ? 'embed/config.go:807' : 'embed/config.go:784', `ignoring ${side} auto TLS since certs given`));
    return info;
  }
  const usages: ExtKeyUsage[] = side === 'peer' ? ['serverAuth', 'clientAuth'] : ['serverAuth'];
  let made;
  try {
    made = selfCert(join(input.dataDir, 'fixtures', side), hostsOfUrls(urls), usages);
  } catch (err) {
    throw new StartupError(`cannot generate self-signed certificate: ${(err as Error).message}`);
  }
  // capnslog prints nothing here; zap says which files it wrote
  for (const c of input.zap ? made.created : []) {
    const line = c.kind === 'cert' ? 'transport/listener.go:207' : 'transport/listener.go:228';
    emit({ level: 'info', pkg: 'pkg/transport', text: `created ${c.kind} file ${c.path}`, caller: line, msg: `created ${c.kind} file`, fields: { path: c.path } });
  }
  // etcd replaces the whole TLSInfo: the CA, client-cert-auth, CRL, allowed CN and cipher suites
  // given with auto-tls are all dropped (its log line still shows the --cipher-suites list)
  return { certFile: made.certFile, keyFile: made.keyFile, trustedCaFile: '', clientCertAuth: false, crlFile: '', allowedCN: '', allowedHostname: '', cipherSuites: [], selfCert: true };
}

function withCipherSuites(info: TlsInfo, raw: string): TlsInfo {
  try {
    return { ...info, cipherSuites: parseCipherSuites(raw) };
  } catch (err) {
    if (err instanceof UnknownCipherSuiteError) throw new StartupError(err.message);
    throw err;
  }
}

/** A client key pair that cannot be loaded: etcd fails on it when it starts serving ("listener failed"). */
export class ClientListenerError extends StartupError {}

function checkFiles(info: TlsInfo, side: 'peer' | 'client'): void {
  try {
    validateTlsFiles(info);
  } catch (err) {
    const message = (err as Error).message;
    throw side === 'client' ? new ClientListenerError(message) : new StartupError(message);
  }
}

const isTlsUrl = (u: string): boolean => u.startsWith('https:') || u.startsWith('unixs:');
const hostOf = (u: string): string => new URL(u).host;

export interface TlsSetupInput {
  dataDir: string;
  listenPeerUrls: readonly string[];
  listenClientUrls: readonly string[];
  flags: TlsFlags;
  /** --logger=zap (some lines exist in zap only). */
  zap: boolean;
  /** https:// metrics URLs are served with the client TLS settings. */
  listenMetricsUrls?: readonly string[];
}

/** The peer half (etcd: before the client listeners). Throws StartupError as etcd fails. */
export function setUpPeerTls(input: TlsSetupInput, emit: (e: EtcdLogEvent) => void): TlsInfo {
  let peer = withCipherSuites(input.flags.peer, input.flags.cipherSuites);
  if (input.flags.peerAutoTls) peer = autoTls('peer', peer, input, input.listenPeerUrls, emit);
  if (!isEmptyTlsInfo(peer)) {
    const info = describeTlsInfo(peer);
    emit(ev('info', `peerTLS: ${info}`, 'embed/etcd.go:476', 'starting with peer TLS', { 'tls-info': info, 'cipher-suites': parseCipherSuites(input.flags.cipherSuites) }));
  }
  for (const u of input.listenPeerUrls) {
    if (isTlsUrl(u)) {
      if (isEmptyTlsInfo(peer)) throw new StartupError(`cannot listen on TLS for ${hostOf(u)}: KeyFile and CertFile are not presented`);
      continue;
    }
    if (!isEmptyTlsInfo(peer)) {
      emit(ev('warn', `The scheme of peer url ${u} is HTTP while peer key/cert files are presented. Ignored peer key/cert files.`, 'embed/etcd.go:513', 'scheme is HTTP while key and cert files are present; ignoring key and cert files', { 'peer-url': u }));
    }
    if (peer.clientCertAuth) {
      emit(ev('warn', `The scheme of peer url ${u} is HTTP while client cert auth (--peer-client-cert-auth) is enabled. Ignored client cert auth for this url.`, 'embed/etcd.go:520', 'scheme is HTTP while --peer-client-cert-auth is enabled; ignoring client cert auth for this URL', { 'peer-url': u }));
    }
  }
  if (input.listenPeerUrls.some(isTlsUrl)) checkFiles(peer, 'peer');
  return peer;
}

/** The client half. Throws StartupError as etcd fails. */
export function setUpClientTls(input: TlsSetupInput, emit: (e: EtcdLogEvent) => void): TlsInfo {
  let client = withCipherSuites(input.flags.client, input.flags.cipherSuites);
  if (input.flags.clientAutoTls) client = autoTls('client', client, input, input.listenClientUrls, emit);
  for (const u of input.listenClientUrls) {
    if (isTlsUrl(u)) {
      if (isEmptyTlsInfo(client)) throw new StartupError(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${u} with HTTPS scheme`);
      continue;
    }
    if (!isEmptyTlsInfo(client)) {
      // etcd's capnslog text says "peer" here too
      emit(ev('warn', `The scheme of client url ${u} is HTTP while peer key/cert files are presented. Ignored key/cert files.`, 'embed/etcd.go:625', 'scheme is HTTP while key and cert files are present; ignoring key and cert files', { 'client-url': u }));
    }
    if (client.clientCertAuth) {
      emit(ev('warn', `The scheme of client url ${u} is HTTP while client cert auth (--client-cert-auth) is enabled. Ignored client cert auth for this url.`, 'embed/etcd.go:632', 'scheme is HTTP while --client-cert-auth is enabled; ignoring client cert auth for this URL', { 'client-url': u }));
    }
  }
  if (input.listenClientUrls.some(isTlsUrl)) {
    checkFiles(client, 'client');
    // Go's HTTP/2 server refuses a TLS 1.2 suite list without an AES-128-GCM suite; etcd fails on it
    const h2 = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'];
    if (client.cipherSuites.length > 0 && !client.cipherSuites.some((c) => h2.includes(c))) {
      const error = `http2: TLSConfig.CipherSuites is missing an HTTP/2-required AES_128_GCM_SHA256 cipher (need at least one of ${h2.join(' or ')})`;
      if (input.zap) emit(ev('error', error, 'embed/serve.go:194', 'Configure https server failed', { error }));
      throw new ClientListenerError(error);
    }
  }
  const tlsMetrics = (input.listenMetricsUrls ?? []).find(isTlsUrl);
  if (tlsMetrics && isEmptyTlsInfo(client)) throw new StartupError(`cannot listen on TLS for ${hostOf(tlsMetrics)}: KeyFile and CertFile are not presented`);
  return client;
}

/** The line etcd logs when it starts serving clients with TLS ("ClientTLS: ..."). */
export function clientTlsStartedEvent(client: TlsInfo, flags: TlsFlags): EtcdLogEvent | undefined {
  if (isEmptyTlsInfo(client)) return undefined;
  const info = describeTlsInfo(client);
  return ev('info', `ClientTLS: ${info}`, 'embed/etcd.go:719', 'starting with client TLS', { 'tls-info': info, 'cipher-suites': parseCipherSuites(flags.cipherSuites) });
}

/** etcd's log line for a connection refused at the TLS layer. */
export function rejectedConnectionEvent(r: TlsRejection, zap: boolean): EtcdLogEvent {
  // capnslog logs it as info, zap as a warning
  const level = zap ? 'warn' : 'info';
  // Go's %q of a string and of a []string
  const q = (v: string): string => JSON.stringify(v);
  const qs = (vs: string[]): string => `[${vs.map(q).join(' ')}]`;
  if (r.presented) {
    const { ipAddresses, dnsNames } = r.presented;
    return ev(level, `rejected connection from ${q(r.remoteAddr)} (error ${q(r.error)}, ServerName ${q(r.serverName)}, IPAddresses ${qs(ipAddresses)}, DNSNames ${qs(dnsNames)})`, 'embed/config_logging.go:270', 'rejected connection', {
      'remote-addr': r.remoteAddr,
      'server-name': r.serverName,
      'ip-addresses': ipAddresses,
      'dns-names': dnsNames,
      error: r.error,
    });
  }
  return ev(level, `rejected connection from ${q(r.remoteAddr)} (error ${q(r.error)}, ServerName ${q(r.serverName)})`, 'embed/config_logging.go:287', 'rejected connection', {
    'remote-addr': r.remoteAddr,
    'server-name': r.serverName,
    error: r.error,
  });
}

/** The peer transport's TLS (native/transport/peer-tls.ts) from the peer TLSInfo. */
export function peerTlsOf(info: TlsInfo, skipClientSanVerify: boolean, onReject: (r: TlsRejection) => void): PeerTls {
  const source = fileTlsSource(info, { checkClientSan: !skipClientSanVerify });
  return {
    serverFor: (onSecure) => createTlsTerminator(source, { alpn: ['http/1.1'], onSecure, onReject }),
    dialOptions: () => clientTlsOptions(info),
  };
}
