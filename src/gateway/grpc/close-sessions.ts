// Graceful HTTP/2 shutdown shared by the gRPC server and the client port (node:http2 sessions and
// our own transport's connections): GOAWAY to every one (calls in flight may finish), then after `graceMs` whatever is left is cut.
import type http2 from 'node:http2';
import type { H2Connection } from './h2/connection.js';

export async function closeSessionsGracefully(sessions: Set<http2.ServerHttp2Session>, graceMs: number): Promise<void> {
  const goaways = [...sessions].map(
    (s) =>
      new Promise<void>((resolve) => {
        if (s.closed || s.destroyed) return resolve();
        s.once('close', () => resolve());
        s.close();
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    // The open sessions hold the process up while they drain; the grace timer alone must not.
    timer.unref();
  });
  await Promise.race([Promise.all(goaways), timeout]);
  clearTimeout(timer);
  for (const s of sessions) s.destroy();
}

/** The same for connections of our own HTTP/2 transport. */
export async function closeConnectionsGracefully(connections: Set<H2Connection>, graceMs: number): Promise<void> {
  const goaways = [...connections].map(
    (c) =>
      new Promise<void>((resolve) => {
        c.onClose(resolve);
        c.close();
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref();
  });
  await Promise.all([Promise.race([Promise.all(goaways), timeout])]);
  clearTimeout(timer);
  for (const c of connections) c.destroy();
}
