// Live data for a page: Consul's blocking queries (?index=<X-Consul-Index>&wait=) for endpoints that
// block, a short poll for those that do not (operator, status, the etcd view). A page keeps at most
// two blocking requests open: the browser allows six connections to one host, and a write must
// never wait behind them.
import { useEffect, useState } from 'preact/hooks';
import { authHeaders } from './api.js';

const WAIT = '20s';
const RETRY_MS = 1000;

function pause(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * { data, status, error, loading } for GET `path`, refreshed as it changes. `data` is null when
 * the endpoint answers 404 (a KV key or node that is not there). `path` null = nothing to fetch.
 */
export function useLive(path, { blocking = true, pollMs = 2000 } = {}) {
  const [state, setState] = useState({ data: undefined, status: 0, error: undefined, loading: true });
  useEffect(() => {
    if (path === null) return undefined;
    setState({ data: undefined, status: 0, error: undefined, loading: true });
    const ctl = new AbortController();
    let index = 0;
    (async () => {
      while (!ctl.signal.aborted) {
        const started = Date.now();
        let next = 0;
        try {
          const sep = path.includes('?') ? '&' : '?';
          const url = blocking && index > 0 ? `${path}${sep}index=${index}&wait=${WAIT}` : path;
          const res = await fetch(url, { signal: ctl.signal, headers: authHeaders() });
          const text = await res.text();
          next = Number(res.headers.get('X-Consul-Index') ?? 0);
          if (res.ok) setState({ data: text === '' ? null : JSON.parse(text), status: res.status, error: undefined, loading: false });
          else if (res.status === 404) setState({ data: null, status: 404, error: undefined, loading: false });
          else throw new Error(`${res.status}: ${text.trim()}`);
        } catch (err) {
          if (ctl.signal.aborted) return;
          setState((s) => ({ ...s, error: String(err.message ?? err), loading: false }));
          await pause(RETRY_MS, ctl.signal);
          continue;
        }
        if (blocking && next > 0) {
          // Consul's rule for clients: an index that went backwards starts over from 0.
          const changed = next !== index;
          index = next < index ? 0 : next;
          // A blocking answer that came back at once with the same index is not a change: slow down.
          if (!changed && Date.now() - started < 100) await pause(pollMs, ctl.signal);
        } else {
          await pause(pollMs, ctl.signal);
        }
      }
    })();
    return () => ctl.abort();
  }, [path, blocking, pollMs]);
  return state;
}
