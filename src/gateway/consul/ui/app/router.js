// Browser-side routing under the UI's content path, with Consul UI's URL shapes
// (/ui/<dc>/services, /ui/<dc>/nodes/<node>/health-checks, /ui/<dc>/kv/<prefix>/, .../edit).
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';

export const BASE = document.querySelector('meta[name="dcsgw-ui-content-path"]')?.getAttribute('content') || '/ui/';

const listeners = new Set();

export function navigate(to, { replace = false } = {}) {
  const url = to.startsWith('/') ? to : BASE + to;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

/** The path below the content path, segments decoded: e.g. ['dc1', 'kv', 'app', 'cfg', 'edit']; trailing '' when it ends with '/'. */
export function usePath() {
  const read = () => {
    const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '';
    return p === '' ? [] : p.split('/').map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  };
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** A link inside the UI: `to` relative to the content path, already escaped. */
export function Link({ to, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(to);
  };
  return html`<a href=${BASE + to} onClick=${onClick} ...${rest}>${children}</a>`;
}

export const esc = (segment) => encodeURIComponent(segment);
