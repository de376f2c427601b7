// What the consul CLI's agent commands share (reload, leave): the HTTP flags (-http-addr, -token,
// with CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN / CONSUL_HTTP_SSL), the address forms the consul API
// client accepts, and one PUT to the local agent with Go's dial errors when it is not there.
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { goDialError } from '../../compat/agent/checks/go-net-errors.js';
import type { CommandResult } from './consul-command.js';

/** The consul CLI's help block for the HTTP flags every agent command takes. */
export const HTTP_API_OPTIONS = `HTTP API Options

  -http-addr=<address>
     The \`address\` and port of the Consul HTTP agent. The value can be
     an IP address or DNS address, but it must also include the port.
     This can also be specified via the CONSUL_HTTP_ADDR environment
     variable. The default value is http://127.0.0.1:8500. The scheme
     can also be set to HTTPS by setting the environment variable
     CONSUL_HTTP_SSL=true.

  -token=<value>
     ACL token to use in the request. This can also be specified via the
     CONSUL_HTTP_TOKEN environment variable. If unspecified, the query
     will default to the token of the Consul agent at the HTTP address.
`;

export interface AgentAddress {
  scheme: 'http' | 'https' | 'unix';
  /** host:port, or the socket path for unix. */
  address: string;
}

/** The consul API client's reading of an address (scheme prefix, else CONSUL_HTTP_SSL picks https). */
export function parseHttpAddr(text: string, env: NodeJS.ProcessEnv): AgentAddress {
  if (text.startsWith('unix://')) return { scheme: 'unix', address: text.slice('unix://'.length) };
  const m = /^(https?):\/\/(.*)$/.exec(text);
  if (m) return { scheme: m[1] as 'http' | 'https', address: m[2]!.replace(/\/+$/, '') };
  const ssl = ['1', 'true', 't', 'T', 'TRUE', 'True'].includes(env.CONSUL_HTTP_SSL ?? '');
  return { scheme: ssl ? 'https' : 'http', address: text };
}

/** The flags consul reload takes (Go's flag rules: -x=v or -x v, one or two dashes). */
export function parseHttpFlags(args: readonly string[]): { httpAddr?: string; token?: string } | { error: string } | 'help' {
  const out: { httpAddr?: string; token?: string } = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '-help' || a === '--help') return 'help';
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) return { error: `This command takes no arguments` };
    const name = m[1]!;
    if (name !== 'http-addr' && name !== 'token') {
      return { error: `flag provided but not defined: -${name}` };
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= args.length) return { error: `flag needs an argument: -${name}` };
      value = args[++i]!;
    }
    if (name === 'http-addr') out.httpAddr = value;
    else out.token = value;
  }
  return out;
}

/**
 * The consul API client's TLS settings from its environment: CONSUL_CACERT, CONSUL_CLIENT_CERT /
 * CONSUL_CLIENT_KEY, CONSUL_TLS_SERVER_NAME, CONSUL_HTTP_SSL_VERIFY=false.
 */
function tlsFromEnv(env: NodeJS.ProcessEnv): { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean } {
  const file = (name: string) => (env[name] ? readFileSync(env[name]!) : undefined);
  const verify = env.CONSUL_HTTP_SSL_VERIFY === undefined || !['0', 'false', 'f', 'F', 'FALSE', 'False'].includes(env.CONSUL_HTTP_SSL_VERIFY);
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean } = { rejectUnauthorized: verify };
  const ca = file('CONSUL_CACERT');
  const cert = file('CONSUL_CLIENT_CERT');
  const key = file('CONSUL_CLIENT_KEY');
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  if (env.CONSUL_TLS_SERVER_NAME) out.servername = env.CONSUL_TLS_SERVER_NAME;
  return out;
}

export function put(target: AgentAddress, path: string, token: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; body: string }> {
  return agentRequest(target, 'PUT', path, token, undefined, env);
}

/** One request to the agent's HTTP API, as the consul API client sends it (a JSON body when given). */
export function agentRequest(target: AgentAddress, method: string, path: string, token: string | undefined, body: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { 'X-Consul-Token': token } : {};
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const common = { method, path, headers };
    let req;
    if (target.scheme === 'unix') {
      req = httpRequest({ ...common, socketPath: target.address });
    } else {
      const url = new URL(`${target.scheme}://${target.address}`);
      const opts = { ...common, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (target.scheme === 'https' ? 443 : 80) };
      req = target.scheme === 'https' ? httpsRequest({ ...opts, ...tlsFromEnv(env) }) : httpRequest(opts);
    }
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(body);
  });
}


/**
 * A consul CLI command that is one PUT on the local agent: parses its flags, calls `path`, and
 * answers with the command's own words (`ok` on success, `<errorVerb>: ...` on failure).
 */
export async function runAgentPut(args: readonly string[], env: NodeJS.ProcessEnv, cmd: { path: string; usage: string; ok: string; errorVerb: string }): Promise<CommandResult> {
  const flags = parseHttpFlags(args);
  if (flags === 'help') return { code: 0, stdout: '', stderr: cmd.usage };
  if ('error' in flags) return { code: 1, stdout: '', stderr: `${flags.error}\n\n${cmd.usage}` };
  const target = parseHttpAddr(flags.httpAddr ?? env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500', env);
  const token = flags.token ?? env.CONSUL_HTTP_TOKEN;
  const shown = target.scheme === 'unix' ? `unix://${target.address}` : `${target.scheme}://${target.address}`;
  try {
    const res = await put(target, cmd.path, token, env);
    if (res.status !== 200) return { code: 1, stdout: '', stderr: `${cmd.errorVerb}: Unexpected response code: ${res.status} (${res.body})\n` };
  } catch (err) {
    const dial = target.scheme === 'unix' ? `dial unix ${target.address}: connect: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}` : goDialError(target.address, err);
    return { code: 1, stdout: '', stderr: `${cmd.errorVerb}: Put "${shown}${cmd.path}": ${dial}\n` };
  }
  return { code: 0, stdout: `${cmd.ok}\n`, stderr: '' };
}
