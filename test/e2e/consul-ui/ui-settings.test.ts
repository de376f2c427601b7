// Which agent configurations turn the web UI on and where it is served (ui_config and Consul's
// legacy top-level keys), read from the merged configuration as the agent's endpoints see it.
import { describe, expect, test } from 'vitest';
import { normalizeContentPath, uiSettingsOf } from '../../../src/gateway/consul/ui/ui-settings.js';
import { testAgentIdentity } from '../../support/consul-face.js';

const settings = (config: Record<string, unknown>) => uiSettingsOf(testAgentIdentity({ config }));

describe('ui settings', () => {
  test('off unless enabled; ui_config wins over the legacy keys, as Consul translates them', () => {
    expect(settings({})).toEqual({ enabled: false, contentPath: '/ui/', dir: '' });
    expect(settings({ ui_config: { enabled: true } }).enabled).toBe(true);
    expect(settings({ ui: true }).enabled).toBe(true);
    expect(settings({ ui: true, ui_config: { enabled: false } }).enabled).toBe(false);
    expect(settings({ ui_config: { enabled: 'true' } }).enabled).toBe(true);
  });

  test('content path and directory, from ui_config or the legacy ui_content_path / ui_dir', () => {
    expect(settings({ ui_config: { enabled: true, content_path: '/consul/', dir: '/srv/ui' } })).toEqual({ enabled: true, contentPath: '/consul/', dir: '/srv/ui' });
    expect(settings({ ui: true, ui_content_path: 'legacy', ui_dir: 'old' })).toEqual({ enabled: true, contentPath: '/legacy/', dir: 'old' });
  });

  test('a content path gets its leading and trailing slash', () => {
    expect(['', '/', 'ui', '/ui', 'ui/', '/a/b'].map(normalizeContentPath)).toEqual(['/ui/', '/', '/ui/', '/ui/', '/ui/', '/a/b/']);
  });
});
