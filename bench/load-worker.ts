// A load-generator process: closed-loop clients (each issues its next call when the previous one
// answers) over a few HTTP/2 connections, requests pre-encoded with the project's fast codecs.
import { EMPTY_BYTES as EMPTY, putRequest, rangeRequest } from '../src/adapters/requests.js';
import { fastPutRequest, fastRangeRequest } from '../src/gateway/etcd/codec/fast-kv.js';
import { H2GrpcConnection } from './h2-grpc-client.js';
import { Histogram } from './histogram.js';
import { benchKey, type FromWorker, type ToWorker, type WorkerConfig } from './load-protocol.js';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

function prebuild(cfg: WorkerConfig): { path: string; frames: Buffer[] } {
  const frames: Buffer[] = [];
  const count = Math.min(cfg.keys, 10_000);
  let value: Buffer = Buffer.alloc(cfg.valueSize);
  for (let i = 0; i < value.length; i++) value[i] = 97 + ((i * 7 + cfg.seed) % 26);
  for (let i = 0; i < count; i++) {
    const key = benchKey((i * 7919 + cfg.seed) % cfg.keys, cfg.keySize);
    if (cfg.op === 'put') {
      frames.push(fastPutRequest.encodeFramed?.(putRequest(key, value)) as Buffer);
    } else {
      const req = rangeRequest(key, { serializable: cfg.op === 'range-s' });
      frames.push(fastRangeRequest.encodeFramed?.(req) as Buffer);
    }
  }
  value = EMPTY;
  return { path: cfg.op === 'put' ? '/etcdserverpb.KV/Put' : '/etcdserverpb.KV/Range', frames };
}

let cfg: WorkerConfig | undefined;
let conns: H2GrpcConnection[] = [];
let plan: { path: string; frames: Buffer[] } | undefined;
let running = false;
let measuring = false;
let inFlight = 0;
let ops = 0;
let errors = 0;
let firstError = '';
let hist = new Histogram();
let cpuStart = process.cpuUsage();
let wallStart = 0;
let progressTimer: NodeJS.Timeout | undefined;
let onDrained: (() => void) | undefined;

function issue(client: number, seq: number): void {
  if (!running || !plan) {
    inFlight--;
    if (inFlight === 0) onDrained?.();
    return;
  }
  const conn = conns[client % conns.length] as H2GrpcConnection;
  const frames = plan.frames;
  const frame = frames[(client * 131 + seq) % frames.length] as Buffer;
  const t0 = process.hrtime.bigint();
  conn.unary(plan.path, frame, (err, status, message) => {
    if (measuring) {
      if (err || status !== 0) {
        errors++;
        if (!firstError) firstError = err ? err.message : `grpc-status ${status}: ${message}`;
      } else {
        ops++;
        hist.record(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
    issue(client, seq + 1);
  });
}

process.on('message', (raw: ToWorker) => {
  void (async () => {
    try {
      switch (raw.type) {
        case 'config': {
          cfg = raw;
          plan = prebuild(cfg);
          conns = Array.from({ length: cfg.conns }, (_, i) => new H2GrpcConnection(cfg?.endpoints[i % (cfg?.endpoints.length ?? 1)] as string));
          await Promise.all(conns.map((c) => c.ready()));
          send({ type: 'ready' });
          break;
        }
        case 'run': {
          running = true;
          const n = cfg?.clients ?? 0;
          inFlight = n;
          for (let c = 0; c < n; c++) issue(c, 0);
          break;
        }
        case 'measure': {
          ops = 0;
          errors = 0;
          firstError = '';
          hist = new Histogram();
          measuring = true;
          cpuStart = process.cpuUsage();
          wallStart = performance.now();
          progressTimer = setInterval(() => send({ type: 'progress', ops }), 1000);
          break;
        }
        case 'stop': {
          measuring = false;
          const cpu = process.cpuUsage(cpuStart);
          const wallMs = performance.now() - wallStart;
          clearInterval(progressTimer);
          running = false;
          await new Promise<void>((resolve) => {
            if (inFlight === 0) return resolve();
            onDrained = resolve;
            setTimeout(resolve, 5000).unref();
          });
          for (const c of conns) c.close();
          send({ type: 'result', ops, errors, firstError, hist: hist.counts, cpuUs: cpu.user + cpu.system, wallMs });
          setTimeout(() => process.exit(0), 100);
          break;
        }
      }
    } catch (err) {
      send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    }
  })();
});
