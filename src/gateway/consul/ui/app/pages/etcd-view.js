// The etcd side of the one store: its members (with the leader from its status), and one key as
// etcd's range answers it beside the same key as Consul's KV answers it.
import { html } from '../html.js';
import { useLive } from '../live.js';
import { decodeKey, hexId, kvPath } from '../api.js';

export function EtcdMembers({ compact = false }) {
  const members = useLive('/v1/internal/ui/etcd/members', { blocking: false, pollMs: 3000 });
  const status = useLive('/v1/internal/ui/etcd/status', { blocking: false, pollMs: 3000 });
  const list = members.data?.members ?? [];
  const leader = status.data?.leader;
  return html`<section class=${compact ? 'panel' : ''} data-testid="etcd-members">
    <h2>etcd members</h2>
    <p class="muted small">
      The etcd v3 face of this agent serves the same keys: its member list as <code>etcdctl member list</code> shows it.
      ${status.data ? html` Cluster ${hexId(status.data.header?.cluster_id)}, raft term ${status.data.raftTerm ?? status.data.header?.raft_term ?? 0}.` : null}
    </p>
    ${members.error ? html`<p class="error">Could not load: ${members.error}</p>` : null}
    <table class="list">
      <thead><tr><th>ID</th><th>Name</th><th>Peer URLs</th><th>Client URLs</th><th>Learner</th><th>Leader</th></tr></thead>
      <tbody>
        ${list.map(
          (m) => html`<tr data-member=${hexId(m.ID)}>
            <td><code>${hexId(m.ID)}</code></td>
            <td>${m.name}</td>
            <td>${(m.peerURLs ?? []).join(', ')}</td>
            <td>${(m.clientURLs ?? []).join(', ')}</td>
            <td>${m.isLearner ? 'true' : 'false'}</td>
            <td>${leader !== undefined && leader === m.ID ? html`<span class="badge status-passing">leader</span>` : ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

/** `entry` is the Consul KV entry (or null); the etcd range is read again whenever its ModifyIndex moves. */
export function EtcdKeyView({ keyName, entry }) {
  const modify = entry?.ModifyIndex ?? 0;
  // ?seen= is ignored by the agent: a new ModifyIndex makes a new request, so etcd's answer follows every write at once.
  const range = useLive(`/v1/internal/ui/etcd/kv/${kvPath(keyName)}?seen=${modify}`, { blocking: false, pollMs: 5000 });
  const members = useLive('/v1/internal/ui/etcd/members', { blocking: false, pollMs: 10000 });
  const kv = range.data?.kvs?.[0];
  const endpoint = members.data?.members?.[0]?.clientURLs?.[0];
  const num = (v) => Number(v ?? 0);
  const rows = [
    ['create_revision', kv ? num(kv.create_revision) : '—', 'CreateIndex', entry ? entry.CreateIndex : '—'],
    ['mod_revision', kv ? num(kv.mod_revision) : '—', 'ModifyIndex', entry ? entry.ModifyIndex : '—'],
    ['version', kv ? num(kv.version) : '—', '', ''],
    ['lease', kv ? hexId(kv.lease ?? '0') : '—', 'Session', entry?.Session || '—'],
  ];
  return html`<section class="panel" data-testid="etcd-key">
    <h2>Same key in etcd</h2>
    <p class="muted small">One store, two views: Consul's CreateIndex/ModifyIndex are etcd's create_revision/mod_revision.</p>
    <table class="list two-views">
      <thead><tr><th>etcd</th><th></th><th>Consul</th><th></th></tr></thead>
      <tbody>
        ${rows.map(
          ([ek, ev, ck, cv]) => html`<tr data-etcd-field=${ek}>
            <th>${ek}</th><td class="etcd-value">${ev}</td>
            ${ck === ''
              ? html`<td colspan="2" class="muted small">no Consul field: the writes since the key was created</td>`
              : html`<th>${ck}</th><td class="consul-value">${cv}</td>`}
          </tr>`,
        )}
      </tbody>
    </table>
    ${kv ? html`<p class="small">etcd key: <code>${decodeKey(kv.key)}</code></p>` : html`<p class="muted small">etcd has no such key.</p>`}
    ${endpoint ? html`<pre class="command">etcdctl --endpoints=${endpoint} get ${shellQuote(keyName)} -w json</pre>` : null}
  </section>`;
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
