// etcd's TLS flags, read into one client and one peer TLSInfo as etcd's configuration does
// (--cipher-suites applies to both sides; --auto-tls / --peer-auto-tls are resolved at start-up,
// when the data dir is known: see ./tls-setup.ts).
import { emptyTlsInfo, type TlsInfo } from '../../gateway/tls/tls-info.js';

export interface TlsFlags {
  client: TlsInfo;
  peer: TlsInfo;
  clientAutoTls: boolean;
  peerAutoTls: boolean;
  /** The raw --cipher-suites value (checked at start-up, where etcd checks it). */
  cipherSuites: string;
  /** --experimental-peer-skip-client-san-verification. */
  peerSkipClientSanVerify: boolean;
}

export function tlsFlagsOf(get: (name: string) => string, bool: (name: string) => boolean): TlsFlags {
  const client: TlsInfo = {
    ...emptyTlsInfo(),
    certFile: get('cert-file'),
    keyFile: get('key-file'),
    trustedCaFile: get('trusted-ca-file'),
    clientCertAuth: bool('client-cert-auth'),
    crlFile: get('client-crl-file'),
    allowedHostname: get('client-cert-allowed-hostname'),
  };
  const peer: TlsInfo = {
    ...emptyTlsInfo(),
    certFile: get('peer-cert-file'),
    keyFile: get('peer-key-file'),
    trustedCaFile: get('peer-trusted-ca-file'),
    clientCertAuth: bool('peer-client-cert-auth'),
    crlFile: get('peer-crl-file'),
    allowedCN: get('peer-cert-allowed-cn'),
    allowedHostname: get('peer-cert-allowed-hostname'),
  };
  return {
    client,
    peer,
    clientAutoTls: bool('auto-tls'),
    peerAutoTls: bool('peer-auto-tls'),
    cipherSuites: get('cipher-suites'),
    peerSkipClientSanVerify: bool('experimental-peer-skip-client-san-verification'),
  };
}
