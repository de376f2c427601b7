// `dcsgw consul keyring`: what `consul keyring` does — one of -list, -list-primary, -install,
// -use, -remove against /v1/operator/keyring of the agent found as the consul CLI finds it
// (-http-addr / CONSUL_HTTP_ADDR, -token / CONSUL_HTTP_TOKEN), with its lines: "==> " before
// what it is doing, each pool's keys as "  <key> [<members holding it>/<members>]" with the
// members' messages above them, "error: ..." and exit 1 when the agent refused or a member failed.
import { goDialError } from '../../compat/agent/checks/go-net-errors.js';
import { agentRequest, HTTP_API_OPTIONS, parseHttpAddr } from './agent-http-command.js';
import type { CommandResult } from './consul-command.js';

const USAGE = `Usage: consul keyring [options]

  Manages encryption keys used for gossip messages. Gossip encryption is
  optional. When enabled, this command may be used to examine active encryption
  keys in the cluster, add new keys, and remove old ones. When combined, this
  functionality provides the ability to perform key rotation cluster-wide,
  without disrupting the cluster.

  All operations performed by this command can only be run against server nodes,
  and affect both the LAN and WAN keyrings in lock-step.

  All variations of the keyring command return 0 if all nodes reply and there
  are no errors. If any node fails to reply or reports failure, the exit code
  will be 1.

${HTTP_API_OPTIONS}
Command Options

  -install=<string>
     Install a new encryption key. This will broadcast the new key to
     all members in the cluster.

  -list
     List all keys currently in use within the cluster.

  -list-primary
     List all primary keys currently in use within the cluster.

  -local-only
     Setting this to true will force the keyring query to only hit local
     servers (no WAN traffic). This flag can only be set for list queries.

  -relay-factor=<int>
     Setting this to a non-zero value will cause nodes to relay their
     response to the operation through this many randomly-chosen other
     nodes in the cluster. The maximum allowed value is 5.

  -remove=<string>
     Remove the given key from the cluster. This operation may only be
     performed on keys which are not currently the primary key.

  -use=<string>
     Change the primary encryption key, which is used to encrypt messages.
     The key must already be installed before this operation can succeed.
`;

interface KeyringFlags {
  install: string;
  use: string;
  remove: string;
  list: boolean;
  listPrimary: boolean;
  relay: number;
  localOnly: boolean;
  httpAddr?: string;
  token?: string;
}

interface PoolAnswer {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Partition?: string;
  Messages?: Record<string, string>;
  Keys?: Record<string, number>;
  PrimaryKeys?: Record<string, number>;
  NumNodes: number;
}

const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Go's flag package rules: -x or --x, -x=v, -x v for non-booleans; parsing stops at the first non-flag. */
function parseFlags(args: readonly string[]): KeyringFlags | { error: string } | 'help' {
  const out: KeyringFlags = { install: '', use: '', remove: '', list: false, listPrimary: false, relay: 0, localOnly: false };
  const strings = { install: 'install', use: 'use', remove: 'remove', 'http-addr': 'httpAddr', token: 'token' } as const;
  const bools = { list: 'list', 'list-primary': 'listPrimary', 'local-only': 'localOnly' } as const;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    const m = /^--?([^=]+)(?:=([\s\S]*))?$/.exec(a);
    if (!m || a === '-') break;
    const name = m[1]!;
    if (name === 'h' || name === 'help') return 'help';
    let value = m[2];
    if (name in bools) {
      const v = value === undefined ? true : GO_TRUE.includes(value) ? true : GO_FALSE.includes(value) ? false : undefined;
      if (v === undefined) return { error: `invalid boolean value ${JSON.stringify(value)} for -${name}: parse error` };
      out[bools[name as keyof typeof bools]] = v;
      continue;
    }
    if (!(name in strings) && name !== 'relay-factor') return { error: `flag provided but not defined: -${name}` };
    if (value === undefined) {
      if (i + 1 >= args.length) return { error: `flag needs an argument: -${name}` };
      value = args[++i]!;
    }
    if (name === 'relay-factor') {
      if (!/^[+-]?\d+$/.test(value)) return { error: `invalid value ${JSON.stringify(value)} for flag -relay-factor: parse error` };
      out.relay = Number(value);
    } else {
      out[strings[name as keyof typeof strings]] = value;
    }
  }
  return out;
}

function sortedEntries<V>(record: Record<string, V> | undefined): Array<[string, V]> {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One pool as the CLI prints it: its name, the members' messages, then the keys with their counts. */
function formatPool(pool: PoolAnswer, keys: Record<string, number> | undefined): string {
  let name = pool.WAN ? 'WAN' : `${pool.Datacenter} (LAN)`;
  if (pool.Segment) name += ` [${pool.Segment}]`;
  else if (pool.Partition && pool.Partition !== 'default') name += ` [partition: ${pool.Partition}]`;
  let text = `\n${name}:\n`;
  for (const [from, msg] of sortedEntries(pool.Messages)) text += `  ===> ${from}: ${msg}\n`;
  for (const [key, n] of sortedEntries(keys)) text += `  ${key} [${n}/${pool.NumNodes}]\n`;
  return text.replace(/\n+$/, '') + '\n';
}

export async function runKeyring(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  const flags = parseFlags(args);
  if (flags === 'help') return { code: 0, stdout: '', stderr: USAGE };
  if ('error' in flags) return { code: 1, stdout: '', stderr: `${flags.error}\n${USAGE}` };
  const actions = [flags.list, flags.listPrimary, flags.install !== '', flags.use !== '', flags.remove !== ''].filter(Boolean).length;
  if (actions === 0) return { code: 1, stdout: '', stderr: `${USAGE}\n` };
  if (actions > 1) return { code: 1, stdout: '', stderr: 'Only a single action is allowed\n' };
  if (flags.relay < 0 || flags.relay > 5) return { code: 1, stdout: '', stderr: 'Error parsing relay factor: Relay factor must be in range: [0, 5]\n' };
  if (flags.localOnly && !flags.list) return { code: 1, stdout: '', stderr: 'Error validating local-only: local-only can only be set for list requests\n' };

  const target = parseHttpAddr(flags.httpAddr ?? env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500', env);
  const token = flags.token ?? env.CONSUL_HTTP_TOKEN;
  const shown = target.scheme === 'unix' ? `unix://${target.address}` : `${target.scheme}://${target.address}`;
  const query = new URLSearchParams();
  if (flags.relay !== 0) query.set('relay-factor', String(flags.relay));
  if (flags.localOnly) query.set('local-only', 'true');
  const path = `/v1/operator/keyring${query.size > 0 ? `?${query}` : ''}`;
  const listing = flags.list || flags.listPrimary;
  const [method, doing, key] = flags.list
    ? ['GET', 'Gathering installed encryption keys...', undefined]
    : flags.listPrimary
      ? ['GET', 'Gathering installed primary encryption keys...', undefined]
      : flags.install !== ''
        ? ['POST', 'Installing new gossip encryption key...', flags.install]
        : flags.use !== ''
          ? ['PUT', 'Changing primary gossip encryption key...', flags.use]
          : ['DELETE', 'Removing gossip encryption key...', flags.remove];
  let stdout = `==> ${doing}\n`;
  let res: { status: number; body: string };
  try {
    res = await agentRequest(target, method, path, token, key === undefined ? undefined : JSON.stringify({ Key: key }), env);
  } catch (err) {
    const dial = target.scheme === 'unix' ? `dial unix ${target.address}: connect: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}` : goDialError(target.address, err);
    const verb = method[0] + method.slice(1).toLowerCase();
    return { code: 1, stdout, stderr: `error: ${verb} "${shown}${path}": ${dial}\n` };
  }
  if (res.status !== 200) return { code: 1, stdout, stderr: `error: Unexpected response code: ${res.status} (${res.body})\n` };
  if (listing) {
    for (const pool of JSON.parse(res.body) as PoolAnswer[]) stdout += formatPool(pool, flags.list ? pool.Keys : pool.PrimaryKeys);
  }
  return { code: 0, stdout, stderr: '' };
}
