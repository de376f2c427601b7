// Services (/v1/internal/ui/services) and one service's instances with their checks
// (/v1/health/service/<name>), both kept live with blocking queries.
import { html } from '../html.js';
import { useLive } from '../live.js';
import { Link, esc } from '../router.js';
import { CheckCounts, Loading, StatusBadge, Tags, Title, useFilter, worstStatus } from '../common.js';

export function ServiceList({ dc }) {
  const state = useLive(`/v1/internal/ui/services?dc=${esc(dc)}`);
  const [filter, rows] = useFilter(state.data ?? [], (s) => `${s.Name} ${(s.Tags ?? []).join(' ')} ${s.Nodes.join(' ')}`, 'Search by name, tag or node');
  return html`<section>
    <${Title} sub="Every service registered in the catalog, with the states of its instances' checks">Services</${Title}>
    ${filter}
    <${Loading} state=${state}>
      <table class="list" data-testid="services">
        <thead><tr><th>Service</th><th>Health</th><th>Instances</th><th>Nodes</th><th>Tags</th></tr></thead>
        <tbody>
          ${rows.map(
            (s) => html`<tr data-service=${s.Name}>
              <td><${Link} to=${`${esc(dc)}/services/${esc(s.Name)}/instances`}>${s.Name}</${Link}></td>
              <td><${CheckCounts} passing=${s.ChecksPassing} warning=${s.ChecksWarning} critical=${s.ChecksCritical} /></td>
              <td>${s.InstanceCount}</td>
              <td>${s.Nodes.join(', ')}</td>
              <td><${Tags} tags=${s.Tags} /></td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${rows.length === 0 ? html`<p class="muted">No services.</p>` : null}
    </${Loading}>
  </section>`;
}

export function ServiceDetail({ dc, name }) {
  const state = useLive(`/v1/health/service/${esc(name)}?dc=${esc(dc)}`);
  const instances = state.data ?? [];
  return html`<section>
    <p class="crumbs"><${Link} to=${`${esc(dc)}/services`}>Services</${Link}> /</p>
    <${Title} sub=${`${instances.length} instance${instances.length === 1 ? '' : 's'}`}>${name}</${Title}>
    <${Loading} state=${state}>
      ${instances.length === 0 ? html`<p class="muted">No instance of this service is registered.</p>` : null}
      ${instances.map((i) => {
        const addr = i.Service.Address || i.Node.Address;
        return html`<article class="card" data-instance=${i.Service.ID}>
          <h2>
            <${StatusBadge} status=${worstStatus(i.Checks)} />
            ${i.Service.ID}
            <span class="muted"> on <${Link} to=${`${esc(dc)}/nodes/${esc(i.Node.Node)}/health-checks`}>${i.Node.Node}</${Link}> · ${addr}${i.Service.Port ? `:${i.Service.Port}` : ''}</span>
          </h2>
          <p><${Tags} tags=${i.Service.Tags} /></p>
          <${ChecksTable} checks=${i.Checks} />
        </article>`;
      })}
    </${Loading}>
  </section>`;
}

export function ChecksTable({ checks }) {
  if (!checks || checks.length === 0) return html`<p class="muted">No health checks.</p>`;
  return html`<table class="list checks">
    <thead><tr><th>Check</th><th>State</th><th>Type</th><th>Service</th><th>Output</th></tr></thead>
    <tbody>
      ${checks.map(
        (c) => html`<tr data-check=${c.CheckID}>
          <td>${c.Name}<div class="muted small">${c.CheckID}</div></td>
          <td><${StatusBadge} status=${c.Status} /></td>
          <td>${c.Type || (c.CheckID === 'serfHealth' ? 'serf' : '')}</td>
          <td>${c.ServiceName || html`<span class="muted">node</span>`}</td>
          <td><pre class="output">${c.Output}</pre></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}
