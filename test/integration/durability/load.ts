// Concurrent write load for crash tests: several gRPC clients each write their own keys one after
// another and record what was issued and what was acknowledged, so that after a crash and restart
// a test can check that every acknowledged write survived and nothing never-issued appeared.
import { GrpcTarget } from '../../conformance/harness/grpc.js';

export interface WriteLog {
  /** key -> value of every put sent (acknowledged or not). */
  issued: Map<string, string>;
  /** key -> {value, revision} of every put the server acknowledged. */
  acked: Map<string, { value: string; revision: number }>;
}

export function newWriteLog(): WriteLog {
  return { issued: new Map(), acked: new Map() };
}

/**
 * Runs `clients` writers against `address` until `stop()` is called (or a write fails, e.g. the
 * server died). Resolves when every writer has stopped.
 */
export function runWriters(address: string, clients: number, keyPrefix: string, log: WriteLog, rand: () => number): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const targets = Array.from({ length: clients }, () => new GrpcTarget(address));
  const done = Promise.all(
    targets.map(async (t, c) => {
      try {
        for (let i = 0; !stopped; i++) {
          const key = `${keyPrefix}c${c}/${String(i).padStart(6, '0')}`;
          const value = `v${Math.floor(rand() * 1e9).toString(36)}`;
          log.issued.set(key, value);
          const res = await t.unary('KV.Put', { key: Buffer.from(key), value: Buffer.from(value) }, 3_000);
          if (res.error) break; // the server is gone: this write's fate is unknown
          const rev = Number((res.value as { header: { revision: string } }).header.revision);
          log.acked.set(key, { value, revision: rev });
        }
      } finally {
        t.close();
      }
    }),
  ).then(() => undefined);
  return { stop: () => void (stopped = true), done };
}

export interface Verdict {
  missingAcked: string[];
  wrongValue: string[];
  neverIssued: string[];
  wrongRevision: string[];
  present: number;
}

/** Reads every key under `prefix` and judges it against the log. */
export async function verify(address: string, prefix: string, log: WriteLog): Promise<Verdict> {
  const t = new GrpcTarget(address);
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1] = (end[end.length - 1] as number) + 1;
    const res = await t.unary('KV.Range', { key: Buffer.from(prefix), range_end: end }, 10_000);
    if (res.error) throw new Error(`range after restart failed: ${res.text}`);
    const kvs = (res.value as { kvs: { key: Buffer; value: Buffer; mod_revision: string }[] }).kvs;
    const seen = new Map(kvs.map((kv) => [kv.key.toString(), { value: kv.value.toString(), rev: Number(kv.mod_revision) }]));
    const v: Verdict = { missingAcked: [], wrongValue: [], neverIssued: [], wrongRevision: [], present: seen.size };
    for (const [k, a] of log.acked) {
      const s = seen.get(k);
      if (!s) v.missingAcked.push(k);
      else if (s.value !== a.value) v.wrongValue.push(k);
      else if (s.rev !== a.revision) v.wrongRevision.push(`${k}: acked at ${a.revision}, stored at ${s.rev}`);
    }
    for (const [k, s] of seen) {
      const issued = log.issued.get(k);
      if (issued === undefined) v.neverIssued.push(k);
      else if (issued !== s.value) v.wrongValue.push(k);
    }
    return v;
  } finally {
    t.close();
  }
}
