// /v1/operator/keyring on an agent without gossip encryption. Consul asks every member of the WAN
// pool (servers) and of the LAN pool through serf; each answers that it has no keyring, each pool
// reports "N/N nodes reported failure" plus the members' messages, and the HTTP layer joins them
// with go-multierror into a 500. dcsgw has no serf pools: this agent is their only member.
export type KeyringOperation = 'list' | 'install' | 'use' | 'remove';

export interface KeyringAgent {
  nodeName: string;
  datacenter: string;
  server: boolean;
}

/** go-multierror's default text for a list of errors. */
export function multierrorText(errors: readonly string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

/** The error Consul answers for a keyring operation when gossip encryption is not enabled. */
export function keyringWithoutEncryptionError(op: KeyringOperation, agent: KeyringAgent, localOnly: boolean): string {
  const message = op === 'list' ? 'Keyring is empty (encryption not enabled)' : 'No keyring to modify (encryption not enabled)';
  const errors: string[] = [];
  // The WAN pool (servers only, named node.dc) is asked first unless the request is local-only.
  if (agent.server && !localOnly) {
    errors.push('WAN error: 1/1 nodes reported failure', `${agent.nodeName}.${agent.datacenter}: ${message}`);
  }
  errors.push(`${agent.datacenter} (LAN) error: 1/1 nodes reported failure`, `${agent.nodeName}: ${message}`);
  return multierrorText(errors);
}
