// The agent's TLS settings as Consul's builder merges them (in process, no listener): each protocol
// takes its own value else tls.defaults'; a deprecated top-level key fills only what the tls block
// left unset and always warns; verify_incoming (old key) leaves gRPC unverified; the option checks.
import { describe, expect, test } from 'vitest';
import { agentTlsSettings } from '../../../src/gateway/consul/tls/agent-tls-settings.js';

describe('agentTlsSettings', () => {
  test('defaults: nothing verified, TLS 1.2, no files', () => {
    const s = agentTlsSettings({});
    expect(s.https).toEqual({ caFile: '', caPath: '', certFile: '', keyFile: '', verifyIncoming: false, verifyOutgoing: false, tlsMinVersion: 'TLSv1_2', cipherSuites: [] });
    expect(s.internalRpc.verifyServerHostname).toBe(false);
    expect(s.autoEncrypt).toBe(false);
    expect(s.warnings).toEqual([]);
  });

  test('a protocol block overrides tls.defaults field by field', () => {
    const s = agentTlsSettings({
      tls: {
        defaults: { ca_file: 'ca.pem', cert_file: 'c.pem', key_file: 'k.pem', verify_incoming: true, verify_outgoing: true, tls_min_version: 'TLSv1_3' },
        https: { verify_incoming: false, cert_file: 'https.pem' },
        internal_rpc: { verify_server_hostname: true },
      },
    });
    expect(s.https).toMatchObject({ caFile: 'ca.pem', certFile: 'https.pem', keyFile: 'k.pem', verifyIncoming: false, verifyOutgoing: true, tlsMinVersion: 'TLSv1_3' });
    expect(s.internalRpc).toMatchObject({ certFile: 'c.pem', verifyIncoming: true, verifyServerHostname: true });
    // gRPC never verifies outgoing (Consul dials nobody on it)
    expect(s.grpc).toMatchObject({ verifyIncoming: true, verifyOutgoing: false });
  });

  test('deprecated keys fill what the block leaves unset, with one warning each; the block wins', () => {
    const s = agentTlsSettings({ ca_file: 'old-ca.pem', cert_file: 'old.pem', verify_incoming: true, verify_incoming_rpc: false, tls: { defaults: { ca_file: 'new-ca.pem' } } });
    expect(s.https).toMatchObject({ caFile: 'new-ca.pem', certFile: 'old.pem', verifyIncoming: true });
    expect(s.internalRpc.verifyIncoming).toBe(false);
    // the old verify_incoming never reached the gRPC port, and still does not
    expect(s.grpc.verifyIncoming).toBe(false);
    expect(s.warnings).toEqual([
      "The 'ca_file' field is deprecated. Use the 'tls.defaults.ca_file' field instead.",
      "The 'cert_file' field is deprecated. Use the 'tls.defaults.cert_file' field instead.",
      "The 'verify_incoming' field is deprecated. Use the 'tls.defaults.verify_incoming' field instead.",
      "The 'verify_incoming_rpc' field is deprecated. Use the 'tls.internal_rpc.verify_incoming' field instead.",
    ]);
  });

  test("tls_min_version's old short names, cipher suites, auto_encrypt", () => {
    const s = agentTlsSettings({ tls_min_version: 'tls13', tls_cipher_suites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', tls: { defaults: { tls_min_version: 'TLSv1_2' } }, auto_encrypt: { allow_tls: true } });
    // the block's value wins, so the old value is neither mapped nor warned about as a value
    expect(s.https.tlsMinVersion).toBe('TLSv1_2');
    expect(s.https.cipherSuites).toEqual(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256']);
    expect(s.autoEncrypt).toBe(true);
    expect(agentTlsSettings({ tls_min_version: 'tls11' }).https.tlsMinVersion).toBe('TLSv1_1');
    expect(agentTlsSettings({ tls_min_version: 'tls11' }).warnings).toEqual([
      "'tls_min_version' value 'tls11' is deprecated, please specify 'TLSv1_1' instead",
      "The 'tls_min_version' field is deprecated. Use the 'tls.defaults.tls_min_version' field instead.",
    ]);
    expect(() => agentTlsSettings({ tls: { defaults: { tls_min_version: 'TLSv1_3', tls_cipher_suites: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' } } })).toThrow(
      'tls.defaults.tls_cipher_suites: TLS 1.3 cipher suites are not configurable',
    );
    expect(() => agentTlsSettings({ tls: { grpc: { verify_outgoing: true } } })).toThrow('verify_outgoing is not valid in the tls.grpc stanza');
    expect(() => agentTlsSettings({ tls: { https: { use_auto_cert: true } } })).toThrow('use_auto_cert is only valid in the tls.grpc stanza');
  });
});
