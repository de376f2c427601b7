// Graceful HTTP/2 shutdown shared by the gRPC server and the client port (node:http2 sessions and
// our own transport's connections): GOAWAY to every one (calls in flight may finish), then after
// `graceMs` whatever is left is cut.
import type http2 from 'node:http2';
import type { H2Connection } from './h2/connection.js';

async function drainThenCut<T>(items: Set<T>, graceMs: number, goaway: (item: T) => Promise<void>, cut: (item: T) => void): Promise<void> {
  const goaways = [...items].map(goaway);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    // The open connections hold the process up while they drain; the grace timer alone must not.
    timer.unref();
  });
  await Promise.race([Promise.all(goaways), timeout]);
  clearTimeout(timer);
  for (const item of items) cut(item);
}

export function closeSessionsGracefully(sessions: Set<http2.ServerHttp2Session>, graceMs: number): Promise<void> {
  return drainThenCut(
    sessions,
    graceMs,
    (s) =>
      new Promise<void>((resolve) => {
        if (s.closed || s.destroyed) return resolve();
        s.once('close', () => resolve());
        s.close();
      }),
    (s) => s.destroy(),
  );
}

/** The same for connections of our own HTTP/2 transport. */
export function closeConnectionsGracefully(connections: Set<H2Connection>, graceMs: number): Promise<void> {
  return drainThenCut(
    connections,
    graceMs,
    (c) =>
      new Promise<void>((resolve) => {
        c.onClose(resolve);
        c.close();
      }),
    (c) => c.destroy(),
  );
}
