// A Docker check as Consul runs it: `docker exec` of the check's args inside the container,
// through the Docker Engine API (DOCKER_HOST, default unix:///var/run/docker.sock): exit 0 =
// passing, 1 = warning, other = critical; stdout+stderr are the output (last 4 KiB, with
// Consul's "Captured N of M bytes" note); an unreachable daemon is critical with the dial error.
import { request, type IncomingMessage } from 'node:http';
import { IntervalLoop, effectiveIntervalMs, DEFAULT_OUTPUT_MAX, type CheckNotify, type CheckRunner } from './check-runner.js';

interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  label: string;
}

function dockerEndpoint(): DockerEndpoint {
  const env = process.env.DOCKER_HOST ?? '';
  if (env.startsWith('tcp://')) {
    const u = new URL(env.replace(/^tcp:/, 'http:'));
    return { host: u.hostname, port: Number(u.port || 2375), label: `tcp ${u.host}` };
  }
  const path = env.startsWith('unix://') ? env.slice('unix://'.length) : '/var/run/docker.sock';
  return { socketPath: path, label: `unix ${path}` };
}

class DockerError extends Error {}

function call(ep: DockerEndpoint, method: string, path: string, body?: unknown): Promise<{ status: number; data: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        method,
        path,
        ...(ep.socketPath ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }),
        headers: { 'Content-Type': 'application/json', ...(payload ? { 'Content-Length': payload.length } : {}) },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, data: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(new DockerError(err.message)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'no such file or directory' : err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new DockerError(`dial ${ep.label}: connect: ${why}`));
    });
    req.end(payload);
  });
}

/** The exec output stream without a TTY is multiplexed: 8-byte frame headers (stream, size) before each chunk. */
function demux(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= data.length) {
    const size = data.readUInt32BE(i + 4);
    parts.push(data.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts);
}

export class DockerCheck implements CheckRunner {
  private readonly loop: IntervalLoop;

  constructor(
    private readonly notify: CheckNotify,
    private readonly containerId: string,
    private readonly args: string[],
    intervalNs: number,
    private readonly outputMax: number = DEFAULT_OUTPUT_MAX,
  ) {
    this.loop = new IntervalLoop(effectiveIntervalMs(intervalNs), () => this.check());
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private async check(): Promise<void> {
    let result: [string, string];
    try {
      result = await this.exec();
    } catch (err) {
      result = ['critical', err instanceof Error ? err.message : String(err)];
    }
    if (!this.loop.isStopped) this.notify(result[0], result[1]);
  }

  private async exec(): Promise<[string, string]> {
    const ep = dockerEndpoint();
    const id = encodeURIComponent(this.containerId);
    const created = await call(ep, 'POST', `/containers/${id}/exec`, { AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, Cmd: this.args });
    if (created.status !== 201) throw new DockerError(`create exec failed for unknown error: ${created.data.toString('utf8').trim()}`);
    const execId = (JSON.parse(created.data.toString('utf8')) as { Id: string }).Id;
    const started = await call(ep, 'POST', `/exec/${execId}/start`, { Detach: false, Tty: false });
    if (started.status !== 200) throw new DockerError(`start exec failed for unknown error: ${started.data.toString('utf8').trim()}`);
    const all = demux(started.data);
    const max = this.outputMax > 0 ? this.outputMax : DEFAULT_OUTPUT_MAX;
    const kept = all.length > max ? all.subarray(all.length - max) : all;
    const text = all.length > kept.length ? `Captured ${kept.length} of ${all.length} bytes\n...\n${kept.toString('utf8')}` : kept.toString('utf8');
    const inspected = await call(ep, 'GET', `/exec/${execId}/json`);
    if (inspected.status !== 200) throw new DockerError(`inspect exec failed for unknown error: ${inspected.data.toString('utf8').trim()}`);
    const code = (JSON.parse(inspected.data.toString('utf8')) as { ExitCode: number }).ExitCode;
    return [code === 0 ? 'passing' : code === 1 ? 'warning' : 'critical', text];
  }
}
