// Sessions (/v1/session/list, blocking), each invalidated with PUT /v1/session/destroy/<id>.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { useLive } from '../live.js';
import { Link, esc } from '../router.js';
import { api } from '../api.js';
import { Loading, Title } from '../common.js';

const seconds = (ns) => (ns ? `${ns / 1e9}s` : '—');

export function SessionList({ dc }) {
  const state = useLive(`/v1/session/list?dc=${esc(dc)}`);
  const [error, setError] = useState('');
  const sessions = state.data ?? [];
  const invalidate = async (id) => {
    try {
      await api.put(`/v1/session/destroy/${esc(id)}?dc=${esc(dc)}`);
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<section>
    <${Title} sub="Sessions hold locks on KV keys; invalidating one releases or deletes its keys per its behavior">Sessions</${Title}>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <${Loading} state=${state}>
      <table class="list" data-testid="sessions">
        <thead><tr><th>ID</th><th>Name</th><th>Node</th><th>Behavior</th><th>TTL</th><th>Lock delay</th><th>Checks</th><th></th></tr></thead>
        <tbody>
          ${sessions.map(
            (s) => html`<tr data-session=${s.ID}>
              <td><code>${s.ID}</code></td>
              <td>${s.Name}</td>
              <td><${Link} to=${`${esc(dc)}/nodes/${esc(s.Node)}/health-checks`}>${s.Node}</${Link}></td>
              <td>${s.Behavior}</td>
              <td>${s.TTL || '—'}</td>
              <td>${seconds(s.LockDelay)}</td>
              <td>${[...(s.NodeChecks ?? s.Checks ?? []), ...(s.ServiceChecks ?? []).map((c) => c.ID)].join(', ')}</td>
              <td><button class="danger small" onClick=${() => invalidate(s.ID)}>Invalidate</button></td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${sessions.length === 0 ? html`<p class="muted">No sessions.</p>` : null}
    </${Loading}>
  </section>`;
}
