// The agent's TLS settings as Consul's configuration builder makes them: the `tls` block
// (defaults, https, internal_rpc, grpc: each protocol takes its own value, else the default's),
// the deprecated top-level keys mapped into it with Consul's warnings and precedence (ca_file ->
// tls.defaults.ca_file, verify_incoming_https -> tls.https.verify_incoming, ...; the block wins
// over a deprecated key), TLS versions and cipher suites checked with Consul's error texts, and
// auto_encrypt read for the banner.

export interface TlsProtocolSettings {
  caFile: string;
  caPath: string;
  certFile: string;
  keyFile: string;
  verifyIncoming: boolean;
  verifyOutgoing: boolean;
  /** "TLSv1_2" ...; Consul's default is TLSv1_2. */
  tlsMinVersion: string;
  /** Consul's names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ...); empty = the TLS stack's defaults. */
  cipherSuites: string[];
}

export interface AgentTlsSettings {
  https: TlsProtocolSettings;
  internalRpc: TlsProtocolSettings & { verifyServerHostname: boolean };
  grpc: TlsProtocolSettings;
  /** auto_encrypt.tls (client agents) or auto_encrypt.allow_tls (servers): the banner's Auto-Encrypt-TLS. */
  autoEncrypt: boolean;
  /** Deprecation warnings, logged at start as Consul logs them. */
  warnings: string[];
}

export class AgentTlsConfigError extends Error {}

type Obj = Record<string, unknown>;

const TLS_VERSIONS = ['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3'];
const DEPRECATED_VERSIONS: Record<string, string> = { tls10: 'TLSv1_0', tls11: 'TLSv1_1', tls12: 'TLSv1_2', tls13: 'TLSv1_3' };

/** The cipher suites a Consul agent accepts, with OpenSSL's names for node's `ciphers`. */
export const CONSUL_AGENT_CIPHER_SUITES: Record<string, string> = {
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
};

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** HCL blocks may arrive as a one-element list of objects: take the object. */
function block(parent: unknown, key: string): Obj {
  const v = isObj(parent) ? parent[key] : undefined;
  if (Array.isArray(v)) return (v.find(isObj) as Obj | undefined) ?? {};
  return isObj(v) ? v : {};
}

function optString(o: Obj, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new AgentTlsConfigError(`${where}: expected type 'string', got unconvertible type '${Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}'}'`);
}

/** Consul's weakly-typed booleans ("true", 1 ...). */
function optBool(o: Obj, key: string, where: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(v)) return false;
  }
  throw new AgentTlsConfigError(`${where}: cannot parse '${where}' as bool: strconv.ParseBool: parsing ${JSON.stringify(String(v))}: invalid syntax`);
}

interface RawProtocol {
  caFile?: string;
  caPath?: string;
  certFile?: string;
  keyFile?: string;
  verifyIncoming?: boolean;
  verifyOutgoing?: boolean;
  verifyServerHostname?: boolean;
  tlsMinVersion?: string;
  tlsCipherSuites?: string;
  useAutoCert?: boolean;
}

function rawProtocol(o: Obj, name: string): RawProtocol {
  const at = (k: string): string => `tls.${name}.${k}`;
  const r: RawProtocol = {};
  const s = (k: string): string | undefined => optString(o, k, at(k));
  const b = (k: string): boolean | undefined => optBool(o, k, at(k));
  const set = <K extends keyof RawProtocol>(key: K, v: RawProtocol[K] | undefined): void => {
    if (v !== undefined) r[key] = v;
  };
  set('caFile', s('ca_file'));
  set('caPath', s('ca_path'));
  set('certFile', s('cert_file'));
  set('keyFile', s('key_file'));
  set('verifyIncoming', b('verify_incoming'));
  set('verifyOutgoing', b('verify_outgoing'));
  set('verifyServerHostname', b('verify_server_hostname'));
  set('tlsMinVersion', s('tls_min_version'));
  set('tlsCipherSuites', s('tls_cipher_suites'));
  set('useAutoCert', b('use_auto_cert'));
  return r;
}

const deprecation = (old: string, next: string): string => `The '${old}' field is deprecated. Use the '${next}' field instead.`;

/** Consul's builder.tlsVersion: "" is auto; anything else must be a known version. */
function tlsVersion(name: string, v: string | undefined): string {
  if (v === undefined || v === '') return 'TLS_AUTO';
  if (!TLS_VERSIONS.includes(v)) throw new AgentTlsConfigError(`${name}: invalid TLS version: no matching TLS version found for ${v}, please specify one of [${TLS_VERSIONS.join(', ')}]`);
  return v;
}

function cipherSuites(name: string, v: string | undefined, minVersion: string): string[] {
  if (v === undefined) return [];
  if (minVersion === 'TLSv1_3') throw new AgentTlsConfigError(`${name}: TLS 1.3 cipher suites are not configurable`);
  const text = v.trim();
  if (text === '') return [];
  const list = text.split(',');
  const unknown = list.filter((c) => !(c in CONSUL_AGENT_CIPHER_SUITES));
  if (unknown.length > 0) throw new AgentTlsConfigError(`${name}: invalid TLS cipher suites: no matching Consul Agent TLS cipher suite found for ${unknown.join(',')}`);
  return list;
}

export function agentTlsSettings(merged: Obj): AgentTlsSettings {
  const warnings: string[] = [];
  const tls = block(merged, 'tls');
  const defaults = rawProtocol(block(tls, 'defaults'), 'defaults');
  const https = rawProtocol(block(tls, 'https'), 'https');
  const internalRpc = rawProtocol(block(tls, 'internal_rpc'), 'internal_rpc');
  const grpc = rawProtocol(block(tls, 'grpc'), 'grpc');

  // the deprecated top-level keys fill what the tls block leaves unset
  const top = (k: string): string | undefined => optString(merged, k, k);
  const topBool = (k: string): boolean | undefined => optBool(merged, k, k);
  const fill = <K extends keyof RawProtocol>(target: RawProtocol, key: K, value: RawProtocol[K] | undefined, old: string, next: string): void => {
    if (value === undefined) return;
    if (target[key] === undefined) target[key] = value;
    warnings.push(deprecation(old, next));
  };
  fill(defaults, 'caFile', top('ca_file'), 'ca_file', 'tls.defaults.ca_file');
  fill(defaults, 'caPath', top('ca_path'), 'ca_path', 'tls.defaults.ca_path');
  fill(defaults, 'certFile', top('cert_file'), 'cert_file', 'tls.defaults.cert_file');
  fill(defaults, 'keyFile', top('key_file'), 'key_file', 'tls.defaults.key_file');
  fill(defaults, 'tlsCipherSuites', top('tls_cipher_suites'), 'tls_cipher_suites', 'tls.defaults.tls_cipher_suites');
  const minVersion = top('tls_min_version');
  if (minVersion !== undefined) {
    if (defaults.tlsMinVersion === undefined) {
      const mapped = DEPRECATED_VERSIONS[minVersion];
      if (mapped !== undefined) warnings.push(`'tls_min_version' value '${minVersion}' is deprecated, please specify '${mapped}' instead`);
      defaults.tlsMinVersion = mapped ?? minVersion;
    }
    warnings.push(deprecation('tls_min_version', 'tls.defaults.tls_min_version'));
  }
  const verifyIncoming = topBool('verify_incoming');
  if (verifyIncoming !== undefined) {
    if (defaults.verifyIncoming === undefined) defaults.verifyIncoming = verifyIncoming;
    // before 1.12 the gRPC port never verified client certificates: the old key keeps it so
    if (grpc.verifyIncoming === undefined) grpc.verifyIncoming = false;
    warnings.push(deprecation('verify_incoming', 'tls.defaults.verify_incoming'));
  }
  fill(https, 'verifyIncoming', topBool('verify_incoming_https'), 'verify_incoming_https', 'tls.https.verify_incoming');
  fill(internalRpc, 'verifyIncoming', topBool('verify_incoming_rpc'), 'verify_incoming_rpc', 'tls.internal_rpc.verify_incoming');
  fill(defaults, 'verifyOutgoing', topBool('verify_outgoing'), 'verify_outgoing', 'tls.defaults.verify_outgoing');
  fill(internalRpc, 'verifyServerHostname', topBool('verify_server_hostname'), 'verify_server_hostname', 'tls.internal_rpc.verify_server_hostname');
  if (merged.tls_prefer_server_cipher_suites !== undefined) warnings.push("The 'tls_prefer_server_cipher_suites' field is deprecated and will be ignored.");

  if (grpc.verifyOutgoing !== undefined) throw new AgentTlsConfigError('verify_outgoing is not valid in the tls.grpc stanza');
  if (defaults.verifyServerHostname !== undefined || grpc.verifyServerHostname !== undefined || https.verifyServerHostname !== undefined) {
    throw new AgentTlsConfigError('verify_server_hostname is only valid in the tls.internal_rpc stanza');
  }
  if (defaults.useAutoCert !== undefined || https.useAutoCert !== undefined || internalRpc.useAutoCert !== undefined) {
    throw new AgentTlsConfigError('use_auto_cert is only valid in the tls.grpc stanza');
  }

  const defaultMin = tlsVersion('tls.defaults.tls_min_version', defaults.tlsMinVersion);
  const defaultSuites = cipherSuites('tls.defaults.tls_cipher_suites', defaults.tlsCipherSuites, defaultMin);
  const resolve = (name: string, src: RawProtocol, outgoing: boolean): TlsProtocolSettings => {
    const min = src.tlsMinVersion === undefined ? defaultMin : tlsVersion(`tls.${name}.tls_min_version`, src.tlsMinVersion);
    return {
      caFile: src.caFile ?? defaults.caFile ?? '',
      caPath: src.caPath ?? defaults.caPath ?? '',
      certFile: src.certFile ?? defaults.certFile ?? '',
      keyFile: src.keyFile ?? defaults.keyFile ?? '',
      verifyIncoming: src.verifyIncoming ?? defaults.verifyIncoming ?? false,
      verifyOutgoing: outgoing ? (src.verifyOutgoing ?? defaults.verifyOutgoing ?? false) : false,
      // Consul's defaults set tls_min_version to TLSv1_2; "auto" is TLS 1.2 as well
      tlsMinVersion: min === 'TLS_AUTO' ? 'TLSv1_2' : min,
      cipherSuites: src.tlsCipherSuites === undefined ? defaultSuites : cipherSuites(`tls.${name}.tls_cipher_suites`, src.tlsCipherSuites, min),
    };
  };
  const autoEncrypt = block(merged, 'auto_encrypt');
  return {
    internalRpc: { ...resolve('internal_rpc', internalRpc, true), verifyServerHostname: internalRpc.verifyServerHostname ?? false },
    https: resolve('https', https, true),
    grpc: resolve('grpc', grpc, false),
    autoEncrypt: optBool(autoEncrypt, 'tls', 'auto_encrypt.tls') === true || optBool(autoEncrypt, 'allow_tls', 'auto_encrypt.allow_tls') === true,
    warnings,
  };
}

/** node's TLS version name for Consul's. */
export function nodeTlsVersion(v: string): 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' {
  if (v === 'TLSv1_0') return 'TLSv1';
  if (v === 'TLSv1_1') return 'TLSv1.1';
  if (v === 'TLSv1_3') return 'TLSv1.3';
  return 'TLSv1.2';
}
