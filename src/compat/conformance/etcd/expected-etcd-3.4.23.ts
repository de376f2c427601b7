// Recorded from genuine etcd by `dcsgw conformance --record` (src/compat/conformance/etcd/recorded.ts).
// Regenerate after changing a scenario; do not edit by hand.
import type { RecordedTranscripts } from './recorded.js';

export const genuineEtcd: RecordedTranscripts = { server: 'none yet', etcdctl: '', recordedAt: '', scenarios: {} };
