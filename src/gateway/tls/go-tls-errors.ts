// Go's words for what node's TLS stack reports, so the "rejected connection" lines read as etcd's:
// TLS alert names (crypto/tls), x509 verification failures, and the handshake errors with a Go
// equivalent ("tls: first record does not look like a TLS handshake", ...).
import type tls from 'node:tls';

/** Go's names of TLS alerts (crypto/tls alert.go), by OpenSSL's alert names in node's error codes. */
const GO_ALERTS: Record<string, string> = {
  BAD_CERTIFICATE: 'bad certificate',
  UNSUPPORTED_CERTIFICATE: 'unsupported certificate',
  CERTIFICATE_REVOKED: 'revoked certificate',
  CERTIFICATE_EXPIRED: 'expired certificate',
  CERTIFICATE_UNKNOWN: 'unknown certificate',
  UNKNOWN_CA: 'unknown certificate authority',
  DECRYPT_ERROR: 'error decrypting message',
  HANDSHAKE_FAILURE: 'handshake failure',
  PROTOCOL_VERSION: 'protocol version not supported',
  INTERNAL_ERROR: 'internal error',
  CERTIFICATE_REQUIRED: 'certificate required',
};

/** Go's x509 words for OpenSSL's verification results. */
function goVerifyError(code: string): string {
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'tls: failed to verify client certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify client certificate: x509: certificate has expired or is not yet valid';
    default:
      return `tls: failed to verify client certificate: ${code}`;
  }
}

/** Go's words for node's handshake errors where the two mean the same thing. */
export function goHandshakeError(err: NodeJS.ErrnoException, socket: tls.TLSSocket): string {
  // a client certificate that did not verify: node ends the connection after the handshake
  const verify = (socket as { authorizationError?: Error | string | null }).authorizationError;
  if (verify) return goVerifyError(String(verify));
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(err.code ?? '');
  if (alert && GO_ALERTS[alert[1] as string]) return `remote error: tls: ${GO_ALERTS[alert[1] as string]}`;
  switch (err.code) {
    case 'ERR_SSL_HTTP_REQUEST':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return 'tls: first record does not look like a TLS handshake';
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return "tls: client didn't provide a certificate";
    case 'ECONNRESET':
      return 'EOF';
    default:
      return err.message.split('\n')[0] ?? String(err);
  }
}

