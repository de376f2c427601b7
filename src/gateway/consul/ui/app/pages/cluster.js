// The servers behind the data: Raft peers (/v1/operator/raft/configuration), the agent's LAN members
// (/v1/agent/members) and the etcd face's members — one Raft group, seen from both faces.
import { html } from '../html.js';
import { useLive } from '../live.js';
import { Loading, StatusBadge, Title } from '../common.js';
import { EtcdMembers } from './etcd-view.js';

const SERF_STATUS = { 0: 'none', 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };
const SERF_BADGE = { alive: 'passing', leaving: 'warning', left: 'maintenance', failed: 'critical', none: 'maintenance' };

export function Cluster({ dc }) {
  const raft = useLive(`/v1/operator/raft/configuration?dc=${encodeURIComponent(dc)}`, { blocking: false, pollMs: 3000 });
  const members = useLive('/v1/agent/members', { blocking: false, pollMs: 3000 });
  const servers = raft.data?.Servers ?? [];
  return html`<section>
    <${Title} sub="One Raft group stores everything: Consul's servers and the etcd members are the same processes">Cluster</${Title}>
    <section data-testid="raft-peers">
      <h2>Raft peers</h2>
      <${Loading} state=${raft}>
        <table class="list">
          <thead><tr><th>Node</th><th>ID</th><th>Address</th><th>State</th><th>Voter</th><th>Raft protocol</th></tr></thead>
          <tbody>
            ${servers.map(
              (s) => html`<tr data-peer=${s.Node}>
                <td>${s.Node}</td>
                <td><code>${s.ID}</code></td>
                <td>${s.Address}</td>
                <td>${s.Leader ? html`<span class="badge status-passing">leader</span>` : 'follower'}</td>
                <td>${s.Voter ? 'true' : 'false'}</td>
                <td>${s.ProtocolVersion}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </${Loading}>
    </section>
    <${EtcdMembers} />
    <section data-testid="lan-members">
      <h2>Agents (LAN members)</h2>
      <${Loading} state=${members}>
        <table class="list">
          <thead><tr><th>Node</th><th>Address</th><th>Status</th><th>Role</th><th>Build</th></tr></thead>
          <tbody>
            ${(members.data ?? []).map((m) => {
              const st = SERF_STATUS[m.Status] ?? String(m.Status);
              return html`<tr data-member=${m.Name}>
                <td>${m.Name}</td>
                <td>${m.Addr}:${m.Port}</td>
                <td><${StatusBadge} status=${SERF_BADGE[st] ?? 'warning'} label=${st} /></td>
                <td>${m.Tags?.role === 'consul' ? 'server' : 'client'}</td>
                <td>${m.Tags?.build ?? ''}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </${Loading}>
    </section>
  </section>`;
}
