// An endpoint becomes a source or a sink here: stores through openBackend() (the one place a URL
// becomes a Backend), files through their format's reader or writer.
import { openBackend, type OpenedBackend } from '../../adapters/open-backend.js';
import { BackendRecords } from './backend-records.js';
import { BackendSink } from './backend-sink.js';
import { ExportJsonSink, ExportJsonSource } from './consul-export-json.js';
import { batchLimitsOf, type Endpoint } from './endpoint.js';
import { EtcdSnapshotSink, EtcdSnapshotSource } from './etcd-snapshot-file.js';
import type { KeyMapping } from './key-mapping.js';
import type { RecordSink, RecordSource } from './stores.js';

export async function openStore(endpoint: Extract<Endpoint, { kind: 'backend' }>, readyTimeoutMs = 30_000): Promise<OpenedBackend> {
  const backend = openBackend(endpoint.target);
  try {
    await backend.ready(readyTimeoutMs);
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw new Error(`${endpoint.display}: not reachable: ${(err as Error).message}`);
  }
  return backend;
}

export async function openSource(endpoint: Endpoint, mapping: KeyMapping): Promise<RecordSource> {
  switch (endpoint.kind) {
    case 'backend':
      return new BackendRecords(await openStore(endpoint), mapping.source);
    case 'json':
      return new ExportJsonSource(endpoint.path, mapping);
    case 'snapshot':
      return new EtcdSnapshotSource(endpoint.path, mapping);
  }
}

export interface SinkOptions {
  /** --batch: fewer operations per transaction than the destination allows. */
  maxOps?: number;
  retryForMs?: number;
}

export async function openSink(endpoint: Endpoint, mapping: KeyMapping, options: SinkOptions = {}): Promise<RecordSink> {
  switch (endpoint.kind) {
    case 'backend': {
      const limits = batchLimitsOf(endpoint);
      if (options.maxOps) limits.maxOps = Math.min(limits.maxOps, options.maxOps);
      return new BackendSink(await openStore(endpoint), mapping.dest, { limits, ...(options.retryForMs !== undefined ? { retryForMs: options.retryForMs } : {}) });
    }
    case 'json':
      return new ExportJsonSink(endpoint.path);
    case 'snapshot':
      return new EtcdSnapshotSink(endpoint.path);
  }
}
