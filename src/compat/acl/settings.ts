// The agent configuration's ACL settings (the acl block and the legacy top-level acl_* keys, with
// Consul's precedence: the acl block wins; tokens.initial_management over its old name master, and
// agent_recovery over agent_master).
import type { AclSettings } from './store.js';

type Config = Record<string, unknown>;

function at(cfg: Config, path: string): unknown {
  let v: unknown = cfg;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Config)[p];
  }
  return v;
}

function firstString(cfg: Config, ...paths: string[]): string {
  for (const p of paths) {
    const v = at(cfg, p);
    if (typeof v === 'string' && v !== '') return v;
  }
  return '';
}

function bool(cfg: Config, path: string): boolean {
  const v = at(cfg, path);
  return v === true || v === 'true';
}

export class AclSettingsError extends Error {}

/** The ACL settings of a merged agent configuration (acl.enabled false when there is none). */
export function aclSettingsOf(cfg: Config, nodeName: string, datacenter: string): AclSettings {
  const legacyDc = firstString(cfg, 'acl_datacenter');
  const enabled = bool(cfg, 'acl.enabled') || legacyDc !== '';
  const defaultPolicy = firstString(cfg, 'acl.default_policy', 'acl_default_policy') || 'allow';
  if (defaultPolicy !== 'allow' && defaultPolicy !== 'deny') throw new AclSettingsError(`invalid default policy ${JSON.stringify(defaultPolicy)}: it must be "allow" or "deny"`);
  const downPolicy = firstString(cfg, 'acl.down_policy', 'acl_down_policy') || 'extend-cache';
  if (!['allow', 'deny', 'extend-cache', 'async-cache'].includes(downPolicy)) throw new AclSettingsError(`invalid ACL down policy ${JSON.stringify(downPolicy)}`);
  return {
    enabled,
    defaultPolicy,
    downPolicy,
    enableKeyListPolicy: bool(cfg, 'acl.enable_key_list_policy') || bool(cfg, 'acl_enable_key_list_policy'),
    enableTokenPersistence: bool(cfg, 'acl.enable_token_persistence'),
    initialManagement: firstString(cfg, 'acl.tokens.initial_management', 'acl.tokens.master', 'acl_master_token'),
    agentRecovery: firstString(cfg, 'acl.tokens.agent_recovery', 'acl.tokens.agent_master', 'acl_agent_master_token'),
    defaultToken: firstString(cfg, 'acl.tokens.default', 'acl_token'),
    agentToken: firstString(cfg, 'acl.tokens.agent', 'acl_agent_token'),
    dnsToken: firstString(cfg, 'acl.tokens.dns'),
    replicationToken: firstString(cfg, 'acl.tokens.replication', 'acl_replication_token'),
    configFileRegistrationToken: firstString(cfg, 'acl.tokens.config_file_service_registration'),
    dataDir: firstString(cfg, 'data_dir'),
    nodeName,
    datacenter,
  };
}
