// `dcsgw tls ...` (also `dcsgw consul tls ...`): `consul tls ca create` and `consul tls cert
// create` with their flags, file names (<domain>-agent-ca.pem, <dc>-<kind>-<domain>-<n>.pem with
// the first free counter), their "==> ..." lines on stdout and errors on stderr, exit codes, and
// help texts. The certificates themselves: ./agent-certificates.ts.
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CertificateError, generateCa, generateCert, parseSigner, type ExtKeyUsage } from './agent-certificates.js';
import { consulUsage, flagBool, flagInt, flagList, flagString, goUsageListing, GoFlagError, GoFlagHelp, parseGoFlags, type FlagSpec } from './go-flags.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const TLS_HELP = `
Usage: consul tls <subcommand> <subcommand> [options]

  This command has subcommands for interacting with Consul TLS.

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a CA

    $ consul tls ca create

  Create a server certificate

    $ consul tls cert create -server

  Create a client certificate

    $ consul tls cert create -client

  For more examples, ask for subcommand help or view the documentation.
`;

const CA_HELP = `
Usage: consul tls ca <subcommand> [options]

  This command has subcommands for interacting with Certificate Authorities.

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a CA

    $ consul tls ca create

  For more examples, ask for subcommand help or view the documentation.
`;

const CERT_HELP = `
Usage: consul tls cert <subcommand> [options]

  This command has subcommands for interacting with certificates

  Here are some simple examples, and more detailed examples are available
  in the subcommands or the documentation.

  Create a certificate

    $ consul tls cert create -server
    ==> saved dc1-server-consul.pem
    ==> saved dc1-server-consul-key.pem

  Create a certificate with your own CA:

    $ consul tls cert create -server -ca my-ca.pem -key my-ca-key.pem
    ==> saved dc1-server-consul.pem
    ==> saved dc1-server-consul-key.pem

  For more examples, ask for subcommand help or view the documentation.
`;

const CA_CREATE_HELP = `
Usage: consul tls ca create [options]

  Create a new consul CA:

  $ consul tls ca create
  ==> saved consul-agent-ca.pem
  ==> saved consul-agent-ca-key.pem
`;

const CERT_CREATE_HELP = `
Usage: consul tls cert create [options]

  Create a new certificate

  $ consul tls cert create -server
  ==> WARNING: Server Certificates grants authority to become a
      server and access all state in the cluster including root keys
      and all ACL tokens. Do not distribute them to production hosts
      that are not server nodes. Store them as securely as CA keys.
  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem
  ==> Saved dc1-server-consul-0.pem
  ==> Saved dc1-server-consul-0-key.pem
  $ consul tls cert create -client
  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem
  ==> Saved dc1-client-consul-0.pem
  ==> Saved dc1-client-consul-0-key.pem
`;

const CA_CREATE_FLAGS: FlagSpec[] = [
  { name: 'days', kind: 'int', usage: 'Number of days the CA is valid for. Defaults to 1825 days (approximately 5 years).', defaultText: '1825' },
  {
    name: 'name-constraint',
    kind: 'bool',
    usage:
      "Enables X.509 name constraints for the CA. If used, the CA only signs certificates for localhost and the domains specified by -domain and -additional-name-constraint. If Consul's UI is served over HTTPS in your deployment, add its DNS name with -additional-constraint. Defaults to false.",
  },
  { name: 'domain', kind: 'string', usage: 'The DNS domain of the Consul cluster that agents are configured with. Defaults to consul. Only used when -name-constraint is set. Additional domains can be passed with -additional-name-constraint.', defaultText: 'consul' },
  { name: 'cluster-id', kind: 'string', usage: "ID of the Consul cluster. Sets the CA's URI with the SPIFFEID composed of the cluster ID and domain  (specified by -domain or 'consul' by default)." },
  { name: 'common-name', kind: 'string', usage: 'Common Name of CA. Defaults to Consul Agent CA.' },
  { name: 'additional-name-constraint', kind: 'list', usage: 'Add name constraints for the CA. Results in rejecting certificates for other DNS than specified. Can be used multiple times. Only used in combination with -name-constraint.' },
];

const CERT_CREATE_FLAGS: FlagSpec[] = [
  { name: 'ca', kind: 'string', usage: 'Provide path to the ca. Defaults to #DOMAIN#-agent-ca.pem.', defaultText: '#DOMAIN#-agent-ca.pem' },
  { name: 'key', kind: 'string', usage: 'Provide path to the key. Defaults to #DOMAIN#-agent-ca-key.pem.', defaultText: '#DOMAIN#-agent-ca-key.pem' },
  { name: 'server', kind: 'bool', usage: 'Generate server certificate.' },
  { name: 'client', kind: 'bool', usage: 'Generate client certificate.' },
  { name: 'node', kind: 'string', usage: 'When generating a server cert and this is set an additional dns name is included of the form <node>.server.<datacenter>.<domain>.' },
  { name: 'cli', kind: 'bool', usage: 'Generate cli certificate.' },
  { name: 'days', kind: 'int', usage: 'Provide number of days the certificate is valid for from now on. Defaults to 1 year.', defaultText: '365' },
  { name: 'dc', kind: 'string', usage: 'Provide the datacenter. Matters only for -server certificates. Defaults to dc1.', defaultText: 'dc1' },
  { name: 'domain', kind: 'string', usage: 'Provide the domain. Matters only for -server certificates.', defaultText: 'consul' },
  { name: 'additional-dnsname', kind: 'list', usage: 'Provide an additional dnsname for Subject Alternative Names. localhost is always included. This flag may be provided multiple times.' },
  { name: 'additional-ipaddress', kind: 'list', usage: 'Provide an additional ipaddress for Subject Alternative Names. 127.0.0.1 is always included. This flag may be provided multiple times.' },
];

/** mitchellh/cli's help for a command with subcommands: the text, then the subcommands aligned. */
function withSubcommands(help: string, subs: Array<[string, string]>): string {
  const width = Math.max(...subs.map(([n]) => n.length));
  return `${consulUsage(help, undefined)}\n\nSubcommands:\n${subs.map(([n, s]) => `    ${n.padEnd(width)}    ${s}`).join('\n')}\n`;
}

const TLS_SUBS: Array<[string, string]> = [
  ['ca', 'Helpers for CAs'],
  ['cert', 'Helpers for certificates'],
];

/** A missing file is what lets Consul write there (os.Stat fails with "not exist"). */
function fileDoesNotExist(path: string): boolean {
  return !existsSync(path);
}

/** Consul's WriteAtomicWithPerms: a temporary file beside the target, then a rename over it. */
function writeAtomic(path: string, contents: string, mode: number): void {
  mkdirSync(dirname(path) || '.', { recursive: true, mode: 0o755 });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, contents, { mode, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Go's os.ReadFile error text ("open x: no such file or directory"). */
function readGoFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    if (e.code === 'EISDIR') throw new Error(`read ${path}: ${why}`);
    throw new Error(`open ${path}: ${why}`);
  }
}

function parseOrExplain(args: readonly string[], specs: FlagSpec[], help: string): ReturnType<typeof parseGoFlags> | CommandResult {
  try {
    return parseGoFlags(args, specs);
  } catch (err) {
    if (err instanceof GoFlagHelp) return { code: 0, stdout: `${consulUsage(help, specs)}\n`, stderr: '' };
    if (err instanceof GoFlagError) return { code: 1, stdout: '', stderr: `${err.message}\n${goUsageListing(specs)}Failed to parse args: ${err.message}\n` };
    throw err;
  }
}

function caCreate(args: readonly string[]): CommandResult {
  const parsed = parseOrExplain(args, CA_CREATE_FLAGS, CA_CREATE_HELP);
  if ('code' in parsed) return parsed;
  const domain = flagString(parsed, 'domain', 'consul');
  const certFile = `${domain}-agent-ca.pem`;
  const keyFile = `${domain}-agent-ca-key.pem`;
  if (!fileDoesNotExist(certFile)) return { code: 1, stdout: '', stderr: `${certFile} already exists.\n` };
  if (!fileDoesNotExist(keyFile)) return { code: 1, stdout: '', stderr: `${keyFile} already exists.\n` };
  const constraints = flagBool(parsed, 'name-constraint') ? [...flagList(parsed, 'additional-name-constraint'), domain, 'localhost'] : [];
  const { certPem, keyPem } = generateCa({
    commonName: flagString(parsed, 'common-name', ''),
    days: flagInt(parsed, 'days', 1825),
    domain,
    permittedDnsDomains: constraints,
    clusterId: flagString(parsed, 'cluster-id', ''),
  });
  let stdout = '';
  try {
    writeAtomic(certFile, certPem, 0o666);
    stdout += `==> Saved ${certFile}\n`;
    writeAtomic(keyFile, keyPem, 0o600);
    stdout += `==> Saved ${keyFile}\n`;
  } catch (err) {
    return { code: 1, stdout, stderr: `${(err as Error).message}\n` };
  }
  return { code: 0, stdout, stderr: '' };
}

const SERVER_WARNING = `==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.
`;

function certCreate(args: readonly string[]): CommandResult {
  const parsed = parseOrExplain(args, CERT_CREATE_FLAGS, CERT_CREATE_HELP);
  if ('code' in parsed) return parsed;
  const fail = (text: string, stdout = ''): CommandResult => ({ code: 1, stdout, stderr: `${text}\n` });
  const caFlag = flagString(parsed, 'ca', '#DOMAIN#-agent-ca.pem');
  const keyFlag = flagString(parsed, 'key', '#DOMAIN#-agent-ca-key.pem');
  if (caFlag === '') return fail('Please provide the ca');
  if (keyFlag === '') return fail('Please provide the key');
  const server = flagBool(parsed, 'server');
  const client = flagBool(parsed, 'client');
  const cli = flagBool(parsed, 'cli');
  if ([server, client, cli].filter(Boolean).length !== 1) return fail('Please provide either -server, -client, or -cli');
  const node = flagString(parsed, 'node', '');
  if (node !== '' && !server) return fail('-node requires -server');
  const dc = flagString(parsed, 'dc', 'dc1');
  const domain = flagString(parsed, 'domain', 'consul');

  let dnsNames = flagList(parsed, 'additional-dnsname').filter((d) => d.length > 0).map((d) => d.trim());
  let ipAddresses = flagList(parsed, 'additional-ipaddress').filter((i) => i.length > 0).map((i) => i.trim());
  let extKeyUsage: ExtKeyUsage[] = [];
  const kind = server ? 'server' : client ? 'client' : 'cli';
  const name = `${kind}.${dc}.${domain}`;
  if (server) {
    if (node !== '') dnsNames.push(`${node}.server.${dc}.${domain}`);
    dnsNames.push(name, 'localhost');
    ipAddresses.push('127.0.0.1');
    extKeyUsage = ['serverAuth', 'clientAuth'];
  } else if (client) {
    dnsNames.push(name, 'localhost');
    ipAddresses.push('127.0.0.1');
    extKeyUsage = ['clientAuth', 'serverAuth'];
  } else {
    // a CLI certificate names only itself and localhost: the additional names are dropped, as Consul does
    dnsNames = [name, 'localhost'];
  }
  const prefix = `${dc}-${kind}-${domain}`;
  let certFile = '';
  let keyFile = '';
  for (let i = 0; i <= 10000; i++) {
    const c = `${prefix}-${i}.pem`;
    const k = `${prefix}-${i}-key.pem`;
    if (fileDoesNotExist(c) && fileDoesNotExist(k)) {
      certFile = c;
      keyFile = k;
      break;
    }
    if (i === 10000) return fail("Could not find a filename that doesn't already exist");
  }
  const caPath = caFlag.replace('#DOMAIN#', domain);
  const keyPath = keyFlag.replace('#DOMAIN#', domain);
  let caPem: string;
  let caKeyPem: string;
  try {
    caPem = readGoFile(caPath);
  } catch (err) {
    return fail(`Error reading CA: ${(err as Error).message}`);
  }
  try {
    caKeyPem = readGoFile(keyPath);
  } catch (err) {
    return fail(`Error reading CA key: ${(err as Error).message}`);
  }
  let stdout = server ? SERVER_WARNING : '';
  stdout += `==> Using ${caPath} and ${keyPath}\n`;
  let generated;
  try {
    const signer = parseSigner(caKeyPem);
    generated = generateCert({ caPem, signer, commonName: name, days: flagInt(parsed, 'days', 365), dnsNames, ipAddresses, extKeyUsage });
  } catch (err) {
    if (err instanceof CertificateError) return fail(err.message, stdout);
    throw err;
  }
  try {
    writeAtomic(certFile, generated.certPem, 0o666);
    stdout += `==> Saved ${certFile}\n`;
    writeAtomic(keyFile, generated.keyPem, 0o600);
    stdout += `==> Saved ${keyFile}\n`;
  } catch (err) {
    return fail((err as Error).message, stdout);
  }
  return { code: 0, stdout, stderr: '' };
}

const isHelp = (a: string): boolean => a === '-h' || a === '-help' || a === '--help';

/** `dcsgw tls <args>`: the result to print and the exit code. */
export function runTlsCommand(args: readonly string[]): CommandResult {
  const [group, sub, ...rest] = args;
  const helpOf = (text: string, subs: Array<[string, string]>, code: number): CommandResult => ({ code, stdout: withSubcommands(text, subs), stderr: '' });
  if (group === 'ca') {
    if (sub === 'create') return caCreate(rest);
    return helpOf(CA_HELP, [['create', 'Create a new consul CA']], sub !== undefined && isHelp(sub) ? 0 : 1);
  }
  if (group === 'cert') {
    if (sub === 'create') return certCreate(rest);
    return helpOf(CERT_HELP, [['create', 'Create a new certificate']], sub !== undefined && isHelp(sub) ? 0 : 1);
  }
  return helpOf(TLS_HELP, TLS_SUBS, group !== undefined && isHelp(group) ? 0 : 1);
}
