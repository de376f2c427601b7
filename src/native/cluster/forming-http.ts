// The HTTP API of a server agent whose cluster has not formed yet (waiting for -bootstrap-expect
// peers, or for a formed cluster to answer): Consul's HTTP API is up from the start and answers
// as a server without a leader — /v1/status/leader "", /v1/status/peers [], /v1/agent/members the
// agents it has found so far — and every other endpoint 500 "No cluster leader". This listener
// holds the HTTP address until the real face replaces it, so health probes and operators see the
// agent waiting instead of a refused connection.
import { createServer, type Server } from 'node:http';
import type { SerfMember } from '../../compat/agent/agent-self.js';

export interface FormingHttp {
  close(): Promise<void>;
}

export async function listenFormingHttp(host: string, port: number, members: () => SerfMember[]): Promise<FormingHttp | undefined> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (body: unknown): void => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/v1/status/leader') return json('');
    if (req.method === 'GET' && path === '/v1/status/peers') return json([]);
    if (req.method === 'GET' && path === '/v1/agent/members') return json(members());
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('No cluster leader');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch {
    // taken: the face reports it when it tries the address itself
    return undefined;
  }
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
