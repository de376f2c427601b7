// The dcsgw web UI: a page per concern (services, nodes, KV, sessions, cluster) under Consul UI's
// URL shapes, all data from the agent's HTTP API. The agent's own identity comes from /v1/agent/self.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Link, esc, navigate, usePath } from './router.js';
import { aclToken, api, setAclToken } from './api.js';
import { ServiceDetail, ServiceList } from './pages/services.js';
import { NodeDetail, NodeList } from './pages/nodes.js';
import { KvCreate, KvFolder, KvKey } from './pages/kv.js';
import { SessionList } from './pages/sessions.js';
import { Cluster } from './pages/cluster.js';

const SECTIONS = [
  ['services', 'Services'],
  ['nodes', 'Nodes'],
  ['kv', 'Key / Value'],
  ['sessions', 'Sessions'],
  ['cluster', 'Cluster'],
];

/** The page for a path below the datacenter: ['services'], ['kv', 'a', 'b', 'edit'], ... */
function page(dc, rest) {
  const [section, ...more] = rest;
  switch (section) {
    case 'services':
      if (more.length >= 1 && more[0] !== '') return html`<${ServiceDetail} key=${more[0]} dc=${dc} name=${more[0]} />`;
      return html`<${ServiceList} dc=${dc} />`;
    case 'nodes':
      if (more.length >= 1 && more[0] !== '') return html`<${NodeDetail} key=${more[0]} dc=${dc} node=${more[0]} />`;
      return html`<${NodeList} dc=${dc} />`;
    case 'kv': {
      const joined = more.join('/');
      if (joined.endsWith('/edit')) {
        const key = joined.slice(0, -'/edit'.length);
        return html`<${KvKey} key=${key} dc=${dc} keyName=${key} />`;
      }
      if (joined === 'create' || joined.endsWith('/create')) {
        const prefix = joined.slice(0, -'create'.length);
        return html`<${KvCreate} key=${`create:${prefix}`} dc=${dc} prefix=${prefix} />`;
      }
      const prefix = joined === '' || joined.endsWith('/') ? joined : `${joined}/`;
      return html`<${KvFolder} key=${`folder:${prefix}`} dc=${dc} prefix=${prefix} />`;
    }
    case 'sessions':
      return html`<${SessionList} dc=${dc} />`;
    case 'cluster':
      return html`<${Cluster} dc=${dc} />`;
    default:
      return html`<section><h1>Not found</h1><p>No page at this address. <${Link} to=${`${esc(dc)}/services`}>Services</${Link}></p></section>`;
  }
}

/** The ACL token field: with ACLs on, the agent answers 403 until a token with the rights is given. */
function TokenField() {
  const [value, setValue] = useState(aclToken());
  const save = (e) => {
    e.preventDefault();
    setAclToken(value.trim());
    location.reload();
  };
  return html`<form class="token" onSubmit=${save}>
    <label class="small">ACL token
      <input type="password" data-testid="acl-token" placeholder="none: the agent's default" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} />
    </label>
    <button type="submit" class="small">${aclToken() ? 'Change' : 'Use'}</button>
  </form>`;
}

function App() {
  const path = usePath();
  const [self, setSelf] = useState(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    api.get('/v1/agent/self').then(setSelf, (err) => setError(err.message));
  }, []);
  const dc = self?.Config?.Datacenter;
  useEffect(() => {
    if (dc && (path.length === 0 || path[0] === '' || path.length === 1)) navigate(`${esc(dc)}/services`, { replace: true });
  }, [dc, path.join('/')]);
  if (error) {
    return html`<div class="layout"><nav class="sidebar"><div class="brand">dcsgw</div><${TokenField} /></nav>
      <main><p class="error" role="alert">The agent refused /v1/agent/self: ${error}</p>
      ${error.startsWith('403') ? html`<p>With ACLs enabled, enter a token that may read the agent in the sidebar.</p>` : null}</main></div>`;
  }
  if (!self) return html`<p class="muted">Connecting to the agent…</p>`;
  const pageDc = path[0] || dc;
  const section = path[1] ?? 'services';
  return html`<div class="layout">
    <nav class="sidebar">
      <div class="brand">dcsgw<span class="muted"> · Consul ${self.Config?.Version ?? ''}</span></div>
      <div class="agent small">
        <div>Datacenter <strong data-testid="datacenter">${pageDc}</strong></div>
        <div>Agent <strong>${self.Config?.NodeName}</strong>${self.Config?.Server ? ' (server)' : ' (client)'}</div>
      </div>
      <ul>
        ${SECTIONS.map(
          ([id, label]) => html`<li class=${section === id ? 'active' : ''}><${Link} data-nav=${id} to=${`${esc(pageDc)}/${id}${id === 'kv' ? '/' : ''}`}>${label}</${Link}></li>`,
        )}
      </ul>
      <${TokenField} />
    </nav>
    <main>${path.length >= 2 ? page(pageDc, path.slice(1)) : null}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
