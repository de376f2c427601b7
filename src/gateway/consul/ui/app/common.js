// Small pieces every page uses: check-state badges, loading and error lines, page titles.
import { useState } from 'preact/hooks';
import { html } from './html.js';

const ORDER = { critical: 0, warning: 1, maintenance: 2, passing: 3 };

/** The worst state among checks (Consul's aggregate: critical > warning > passing). */
export function worstStatus(checks) {
  let worst = 'passing';
  for (const c of checks ?? []) if ((ORDER[c.Status] ?? 3) < ORDER[worst]) worst = c.Status;
  return worst;
}

export function StatusBadge({ status, label }) {
  return html`<span class=${`badge status-${status}`} data-status=${status}>${label ?? status}</span>`;
}

export function CheckCounts({ passing, warning, critical }) {
  return html`<span class="counts">
    ${passing > 0 ? html`<${StatusBadge} status="passing" label=${`${passing} passing`} />` : null}
    ${warning > 0 ? html`<${StatusBadge} status="warning" label=${`${warning} warning`} />` : null}
    ${critical > 0 ? html`<${StatusBadge} status="critical" label=${`${critical} critical`} />` : null}
    ${passing + warning + critical === 0 ? html`<span class="muted">no checks</span>` : null}
  </span>`;
}

export function countChecks(checks) {
  const n = { passing: 0, warning: 0, critical: 0 };
  for (const c of checks ?? []) if (c.Status in n) n[c.Status]++;
  return n;
}

/** What a page shows before its first answer, and when the agent answers with an error. */
export function Loading({ state, children }) {
  if (state.error && state.data === undefined) return html`<p class="error" role="alert">Could not load: ${state.error}</p>`;
  if (state.data === undefined) return html`<p class="muted">Loading…</p>`;
  return html`${state.error ? html`<p class="error" role="alert">Stale: ${state.error}</p>` : null}${children}`;
}

export function Title({ children, sub }) {
  return html`<header class="page-title"><h1>${children}</h1>${sub ? html`<p class="muted">${sub}</p>` : null}</header>`;
}

export function Tags({ tags }) {
  return (tags ?? []).map((t) => html`<span class="tag">${t}</span>`);
}

/** A search box over a list: [the box, the rows whose text (from `textOf`) contains what was typed]. */
export function useFilter(rows, textOf, placeholder) {
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const shown = q === '' ? rows : rows.filter((r) => textOf(r).toLowerCase().includes(q));
  const box = html`<input class="filter" type="search" data-testid="filter" placeholder=${placeholder} value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} />`;
  return [box, shown];
}
