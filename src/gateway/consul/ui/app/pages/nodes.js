// Nodes (/v1/internal/ui/nodes, blocking) and one node's services and checks (/v1/internal/ui/node/<node>).
import { html } from '../html.js';
import { useLive } from '../live.js';
import { Link, esc } from '../router.js';
import { CheckCounts, Loading, StatusBadge, Tags, Title, countChecks, useFilter, worstStatus } from '../common.js';
import { ChecksTable } from './services.js';

export function NodeList({ dc }) {
  const state = useLive(`/v1/internal/ui/nodes?dc=${esc(dc)}`);
  const [filter, nodes] = useFilter(state.data ?? [], (n) => `${n.Node} ${n.Address} ${(n.Services ?? []).map((s) => s.Service).join(' ')}`, 'Search by node, address or service');
  return html`<section>
    <${Title} sub="The catalog's nodes, with their checks and services">Nodes</${Title}>
    ${filter}
    <${Loading} state=${state}>
      <table class="list" data-testid="nodes">
        <thead><tr><th>Node</th><th>Address</th><th>Health</th><th>Services</th></tr></thead>
        <tbody>
          ${nodes.map((n) => {
            const c = countChecks(n.Checks);
            return html`<tr data-node=${n.Node}>
              <td><${Link} to=${`${esc(dc)}/nodes/${esc(n.Node)}/health-checks`}>${n.Node}</${Link}></td>
              <td>${n.Address}</td>
              <td><${CheckCounts} ...${c} /></td>
              <td>${(n.Services ?? []).map((s) => s.Service).join(', ')}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </${Loading}>
  </section>`;
}

export function NodeDetail({ dc, node }) {
  const state = useLive(`/v1/internal/ui/node/${esc(node)}?dc=${esc(dc)}`, { blocking: false });
  const n = state.data;
  return html`<section>
    <p class="crumbs"><${Link} to=${`${esc(dc)}/nodes`}>Nodes</${Link}> /</p>
    <${Title} sub=${n ? `${n.Address} · ID ${n.ID}` : ''}>${node} ${n ? html`<${StatusBadge} status=${worstStatus(n.Checks)} />` : null}</${Title}>
    <${Loading} state=${state}>
      ${n === null ? html`<p class="error">No node named ${node} in the catalog.</p>` : null}
      ${n
        ? html`<h2>Health checks</h2>
            <${ChecksTable} checks=${n.Checks} />
            <h2>Service instances</h2>
            <table class="list">
              <thead><tr><th>Service</th><th>ID</th><th>Address</th><th>Tags</th></tr></thead>
              <tbody>
                ${(n.Services ?? []).map(
                  (s) => html`<tr>
                    <td><${Link} to=${`${esc(dc)}/services/${esc(s.Service)}/instances`}>${s.Service}</${Link}></td>
                    <td>${s.ID}</td>
                    <td>${s.Address || n.Address}${s.Port ? `:${s.Port}` : ''}</td>
                    <td><${Tags} tags=${s.Tags} /></td>
                  </tr>`,
                )}
              </tbody>
            </table>
            ${Object.keys(n.Meta ?? {}).length
              ? html`<h2>Metadata</h2>
                  <dl class="meta">${Object.entries(n.Meta).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`
              : null}`
        : null}
    </${Loading}>
  </section>`;
}
