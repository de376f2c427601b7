// The shape of recorded expectations: what genuine etcd answered to each live-safe scenario,
// already normalised, so `dcsgw conformance` needs no reference cluster. Written by
// `dcsgw conformance --target etcd://<genuine etcd> --record <file>`.
export interface RecordedTranscripts {
  /** What answered, e.g. "etcd 3.4.23 (Debian etcd-server), single member". */
  server: string;
  /** `etcdctl version` of the recording. */
  etcdctl: string;
  recordedAt: string;
  /** Scenario name -> normalised answers, one per reporting step. */
  scenarios: Record<string, string[]>;
}

export function renderRecordedModule(rec: RecordedTranscripts, exportName: string): string {
  return [
    '// Recorded from genuine etcd by `dcsgw conformance --record` (src/compat/conformance/etcd/recorded.ts).',
    '// Regenerate after changing a scenario; do not edit by hand.',
    "import type { RecordedTranscripts } from './recorded.js';",
    '',
    `export const ${exportName}: RecordedTranscripts = ${JSON.stringify(rec, null, 1)};`,
    '',
  ].join('\n');
}
