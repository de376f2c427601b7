// Graceful HTTP/2 shutdown shared by the gRPC server and the client port: GOAWAY to every session
// (calls in flight may finish), then after `graceMs` whatever is left is cut.
import type http2 from 'node:http2';

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
