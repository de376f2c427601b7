// The agent configuration's ACL settings as Consul reads them: the acl block, its old token names
// and the legacy top-level acl_* keys, with the block winning; bad policies refused.
import { describe, expect, it } from 'vitest';
import { aclSettingsOf } from '../../../src/compat/acl/settings.js';

describe('ACL settings', () => {
  it('acl block with the current names', () => {
    const s = aclSettingsOf({ data_dir: '/d', acl: { enabled: true, default_policy: 'deny', down_policy: 'async-cache', enable_key_list_policy: true, tokens: { initial_management: 'm', agent_recovery: 'r', default: 'd', agent: 'a', dns: 'n' } } }, 'node1', 'dc1');
    expect(s).toMatchObject({ enabled: true, defaultPolicy: 'deny', downPolicy: 'async-cache', enableKeyListPolicy: true, initialManagement: 'm', agentRecovery: 'r', defaultToken: 'd', agentToken: 'a', dnsToken: 'n', dataDir: '/d', nodeName: 'node1' });
  });

  it('old names (master, agent_master) and the legacy top-level keys; the block wins', () => {
    expect(aclSettingsOf({ acl: { enabled: true, tokens: { master: 'm', agent_master: 'r' } } }, 'n', 'dc1')).toMatchObject({ initialManagement: 'm', agentRecovery: 'r', defaultPolicy: 'allow', downPolicy: 'extend-cache' });
    const legacy = aclSettingsOf({ acl_datacenter: 'dc1', acl_master_token: 'lm', acl_default_policy: 'deny', acl_token: 'lt', acl_agent_token: 'la' }, 'n', 'dc1');
    expect(legacy).toMatchObject({ enabled: true, initialManagement: 'lm', defaultPolicy: 'deny', defaultToken: 'lt', agentToken: 'la' });
    expect(aclSettingsOf({ acl_master_token: 'old', acl: { enabled: true, tokens: { initial_management: 'new' } } }, 'n', 'dc1').initialManagement).toBe('new');
    expect(aclSettingsOf({}, 'n', 'dc1').enabled).toBe(false);
  });

  it('bad default and down policies are refused', () => {
    expect(() => aclSettingsOf({ acl: { enabled: true, default_policy: 'maybe' } }, 'n', 'dc1')).toThrow('invalid default policy "maybe": it must be "allow" or "deny"');
    expect(() => aclSettingsOf({ acl: { enabled: true, down_policy: 'sometimes' } }, 'n', 'dc1')).toThrow('invalid ACL down policy "sometimes"');
  });
});
