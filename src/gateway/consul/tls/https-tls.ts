// The HTTPS listener's TLS, loaded as Consul's tlsutil loads a protocol's settings: the key pair
// (both files or none), the CAs of ca_file or every file under ca_path, verify_incoming requiring
// a CA and a key pair, verify_outgoing a CA; failures in Consul's words. A loaded configuration is
// applied to a running server on reload, so rotated files are served to the next connection
// (Consul re-reads them on `consul reload` / SIGHUP, not before).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type tls from 'node:tls';
import { AgentTlsConfigError, CONSUL_AGENT_CIPHER_SUITES, nodeTlsVersion, type AgentTlsSettings, type TlsProtocolSettings } from './agent-tls-settings.js';

/** TLS 1.3's suites stay on whatever the list (it restricts TLS 1.2 only, as Go's does). */
const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

export interface LoadedProtocolTls {
  /** Options for node's TLS server (key pair, CAs, versions, ciphers, client certificates). */
  server: tls.TlsOptions;
  verifyIncoming: boolean;
  hasCert: boolean;
}

/** Go's os error text for a failed open/read. */
function goFileError(path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (e.code === 'EACCES') return `open ${path}: permission denied`;
  if (e.code === 'EISDIR') return `read ${path}: is a directory`;
  return e.message;
}

function loadKeyPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } | undefined {
  if (certFile === '' || keyFile === '') return undefined;
  const read = (path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new AgentTlsConfigError(`Failed to load cert/key pair: ${goFileError(path, err)}`);
    }
  };
  const cert = read(certFile);
  const key = read(keyFile);
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(cert);
  } catch {
    throw new AgentTlsConfigError('Failed to load cert/key pair: tls: failed to find any PEM data in certificate input');
  }
  try {
    if (!parsed.checkPrivateKey(createPrivateKey(key))) throw new AgentTlsConfigError('Failed to load cert/key pair: tls: private key does not match public key');
  } catch (err) {
    if (err instanceof AgentTlsConfigError) throw err;
    throw new AgentTlsConfigError('Failed to load cert/key pair: tls: failed to find any PEM data in key input');
  }
  return { cert, key };
}

/** Consul's LoadCAs: ca_file wins over ca_path; every regular file under ca_path is read. */
function loadCas(caFile: string, caPath: string): Buffer[] {
  if (caFile === '' && caPath === '') return [];
  const pems: Buffer[] = [];
  const readCa = (path: string): void => {
    try {
      pems.push(readFileSync(path));
    } catch (err) {
      throw new AgentTlsConfigError(`Error loading from ${path}: ${goFileError(path, err)}`);
    }
  };
  if (caFile !== '') {
    readCa(caFile);
  } else {
    const walk = (dir: string): void => {
      let entries: string[];
      try {
        entries = readdirSync(dir).sort();
      } catch (err) {
        throw new AgentTlsConfigError(goFileError(dir, err).replace(/^open /, 'lstat '));
      }
      for (const name of entries) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else readCa(p);
      }
    };
    walk(caPath);
    if (pems.length === 0) throw new AgentTlsConfigError('Error loading from CAPath: no CAs found');
  }
  for (const pem of pems) {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem.toString('utf8'))) throw new AgentTlsConfigError(`failed to parse PEM ${pem.toString('utf8')}`);
  }
  return pems;
}

export function loadProtocolTls(p: TlsProtocolSettings, autoTls = false): LoadedProtocolTls {
  const pair = loadKeyPair(p.certFile, p.keyFile);
  const cas = loadCas(p.caFile, p.caPath);
  if (p.verifyIncoming) {
    if (cas.length === 0) throw new AgentTlsConfigError('VerifyIncoming set but no CA certificates were provided');
    if (!pair && !autoTls) throw new AgentTlsConfigError('VerifyIncoming requires either a Cert and Key pair in the configuration file, or auto_encrypt/auto_config be enabled');
  }
  if (p.verifyOutgoing && cas.length === 0) throw new AgentTlsConfigError('VerifyOutgoing set but no CA certificates were provided');
  const server: tls.TlsOptions = {
    minVersion: nodeTlsVersion(p.tlsMinVersion),
    requestCert: p.verifyIncoming,
    rejectUnauthorized: p.verifyIncoming,
  };
  if (pair) {
    server.cert = pair.cert;
    server.key = pair.key;
  }
  if (cas.length > 0) server.ca = cas;
  if (p.cipherSuites.length > 0) server.ciphers = [TLS13_SUITES, ...p.cipherSuites.map((c) => CONSUL_AGENT_CIPHER_SUITES[c] as string)].join(':');
  return { server, verifyIncoming: p.verifyIncoming, hasCert: pair !== undefined };
}

/** Loads every protocol's files as Consul's configurator does at start and on reload; throws the first failure. */
export function checkAgentTls(s: AgentTlsSettings): void {
  loadProtocolTls(s.grpc, s.autoEncrypt);
  loadProtocolTls(s.https, s.autoEncrypt);
  loadProtocolTls(s.internalRpc, s.autoEncrypt);
}

/** Puts newly loaded settings on a running TLS server: the next handshake uses them. */
export function applyProtocolTls(server: tls.Server, loaded: LoadedProtocolTls): void {
  server.setSecureContext(loaded.server);
  // whether a client certificate is asked for is the server's, not the context's
  const s = server as tls.Server & { requestCert?: boolean; rejectUnauthorized?: boolean };
  s.requestCert = loaded.verifyIncoming;
  s.rejectUnauthorized = loaded.verifyIncoming;
}

/** Go's net/http test for a plaintext request on a TLS port: the first five bytes start a method it knows. */
function looksLikeHttp(head: Buffer): boolean {
  return ['GET /', 'HEAD ', 'POST ', 'PUT /', 'OPTIO'].includes(head.subarray(0, 5).toString('latin1'));
}

/**
 * Plain HTTP sent to the HTTPS port gets Go's answer ("400 Bad Request ... Client sent an HTTP
 * request to an HTTPS server.") instead of a silent close, as curl and browsers show it from
 * Consul. The first bytes are read before the TLS server sees the connection and put back, so a
 * TLS client is served as before.
 */
export function answerPlainHttpOnTls(server: tls.Server): void {
  const handshakers = server.listeners('connection') as Array<(socket: import('node:net').Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: import('node:net').Socket) => {
    let head = Buffer.alloc(0);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) head = Buffer.concat([head, chunk]);
      // a TLS record starts with its content type (22: handshake); five bytes decide for HTTP
      if (head.length === 0 || (head[0] !== 0x16 && head.length < 5)) return;
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      if (head[0] !== 0x16 && looksLikeHttp(head)) {
        socket.on('error', () => undefined);
        socket.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n');
        return;
      }
      socket.unshift(head);
      for (const h of handshakers) h.call(server, socket);
    };
    const onEnd = (): void => {
      socket.off('readable', onReadable);
      socket.destroy();
    };
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('error', () => socket.destroy());
  });
}
