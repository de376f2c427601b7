// Messages between the benchmark runner and its load-generator worker processes.

export type BenchOp = 'put' | 'range-l' | 'range-s';

export interface WorkerConfig {
  type: 'config';
  /** 'http://127.0.0.1:26501', one or more (connections are spread over them). */
  endpoints: string[];
  op: BenchOp;
  clients: number;
  conns: number;
  keys: number;
  keySize: number;
  valueSize: number;
  seed: number;
}

export type ToWorker = WorkerConfig | { type: 'run' } | { type: 'measure' } | { type: 'stop' };

export interface WorkerResult {
  type: 'result';
  ops: number;
  errors: number;
  firstError: string;
  hist: number[];
  /** CPU the worker spent during the measured window, us. */
  cpuUs: number;
  wallMs: number;
}

export type FromWorker = { type: 'ready' } | { type: 'progress'; ops: number } | WorkerResult | { type: 'failed'; error: string };

/** Fixed-size keys: 'k' + zero-padded index (etcd's benchmark uses 8-byte keys). */
export function benchKey(i: number, size: number): Buffer {
  const s = 'k' + String(i).padStart(size - 1, '0');
  return Buffer.from(s.slice(0, size));
}
