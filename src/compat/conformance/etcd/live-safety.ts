// Which scenarios of the corpus `dcsgw conformance` may run against a user's live cluster, and why
// the others may not. The project's own suite runs every scenario on throw-away members; a live
// cluster must keep its data, members, users and history, and its answers about itself (IDs,
// names, sizes) are not the corpus's to predict. Scenarios that stay write only under their own
// key prefix, revoke the leases they grant, and read only what they wrote or what every etcd
// 3.4 answers alike.
import type { Scenario, Step, StepContext } from './types.js';

/** etcdctl commands a live run never issues, with the reason shown in the report. */
const CTL_COMMANDS: Record<string, string> = {
  compaction: 'compacts the whole keyspace (or tries to)',
  defrag: 'defragments members',
  snapshot: 'copies the whole database',
  member: "describes or changes the cluster's members",
  auth: 'changes whether authentication is enabled',
  user: "changes the cluster's users",
  role: "changes the cluster's roles",
  alarm: 'reads or disarms cluster-wide alarms',
  'move-leader': 'moves the leader',
  check: 'writes a load test into the cluster',
  'make-mirror': 'copies the keyspace',
  endpoint: "describes the members themselves (sizes, IDs, raft positions)",
};

/** Scenarios the rules below cannot see through (etcd3 client code, answers about the cluster's
 * own shape or history), each with its reason. */
const BY_NAME: Record<string, string> = {
  'js-maintenance-status': 'answers which member leads (differs with the endpoint asked)',
  'js-cluster-members': "describes the cluster's members",
  'ev-js-member-update-same-urls': "changes a member's record",
  'pat-member-list-version': "describes the cluster's members",
  'pat-watch-cancel-by-compact-rev': "answers from the cluster's compaction history (watches from revision 1)",
  'g-range-raw-bytes': 'reads key "abcd", outside the run prefix',
};

const FROM_KEY_DELETE = 'deletes every key after its own (--from-key): keys of the cluster outside the run prefix too';
const FROM_KEY_READ = "reads or watches every key after its own (--from-key): the answer depends on the cluster's other keys";

/** Requests written as functions of the step context, evaluated on a stand-in to look inside. */
const STAND_IN: StepContext = {
  p: '~conformance/0000000000/x/', baseRevision: 1000, rev: (n) => 1000 + n, leases: [], tmp: '/tmp', clientUrl: 'http://127.0.0.1:2379',
  ports: [], peerPorts: [], memberIds: [], newMemberIds: () => [],
};
const look = (v: unknown): unknown => (typeof v === 'function' ? (v as (c: StepContext) => unknown)(STAND_IN) : v);

/** Where a request's range runs to the end of the keyspace (range_end "\0"): 'delete', 'read' or none. */
function rangeToEnd(req: unknown, inDelete = false): 'delete' | 'read' | undefined {
  if (Buffer.isBuffer(req) || !req || typeof req !== 'object') return undefined;
  let found: 'delete' | 'read' | undefined;
  const note = (r: 'delete' | 'read' | undefined) => {
    if (r === 'delete' || (r === 'read' && !found)) found = r;
  };
  if (Array.isArray(req)) {
    for (const r of req) note(rangeToEnd(r, inDelete));
    return found;
  }
  const o = req as Record<string, unknown>;
  const end = o.range_end;
  if (Buffer.isBuffer(end) ? end.length === 1 && end[0] === 0 : end === 'AA==') note(inDelete ? 'delete' : 'read');
  for (const [k, v] of Object.entries(o)) note(rangeToEnd(v, inDelete || k === 'request_delete_range'));
  return found;
}

function toEndExclusion(req: unknown, isDelete: boolean): string | undefined {
  const r = rangeToEnd(look(req), isDelete);
  return r === 'delete' ? FROM_KEY_DELETE : r === 'read' ? FROM_KEY_READ : undefined;
}

function ctlCommand(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'));
}

function stepExclusion(step: Step): string | undefined {
  if ('revokeAllLeases' in step) return 'revokes every lease of the cluster';
  if ('stopMember' in step || 'startMember' in step || 'startNewMember' in step || 'dropMember' in step || 'waitHealthy' in step) {
    return 'stops, starts or adds members';
  }
  if ('ctl' in step) {
    const cmd = ctlCommand(step.ctl);
    if (cmd && CTL_COMMANDS[cmd]) return `etcdctl ${cmd}: ${CTL_COMMANDS[cmd]}`;
    if (cmd === 'del' && step.ctl.includes('--from-key')) return FROM_KEY_DELETE;
    if (step.input && /^del .*--from-key/m.test(step.input)) return FROM_KEY_DELETE;
    if (step.ctl.includes('--from-key') || (step.input && /--from-key/.test(step.input))) return FROM_KEY_READ;
    if (step.ctl.some((a) => a === 'protobuf' || a === '--write-out=protobuf')) return 'raw protobuf bytes carry absolute revisions and the cluster\'s IDs';
    if (step.endpoints !== undefined || step.hostPort) return 'addresses members one by one';
    return undefined;
  }
  if ('grpc' in step) {
    const [service, method] = step.grpc.split('.');
    if (step.grpc === 'KV.Compact') return 'compacts the whole keyspace (or tries to)';
    if (service === 'Cluster') return "describes or changes the cluster's members";
    if (service === 'Maintenance') return 'describes or maintains the members themselves';
    if (service === 'Auth' && method !== 'Authenticate') return "changes or lists the cluster's users and roles";
    return toEndExclusion(step.req, step.grpc === 'KV.DeleteRange');
  }
  if ('grpcStream' in step) return toEndExclusion(step.send, false);
  if ('http' in step) {
    const path = step.http.split(' ')[1] ?? '';
    if (path.startsWith('/v3/kv/compaction') || path.startsWith('/v3beta/kv/compaction')) return 'compacts the whole keyspace (or tries to)';
    if (/^\/v3(beta|alpha)?\/maintenance\//.test(path)) return 'describes or maintains the members themselves';
    if (/^\/v3(beta|alpha)?\/cluster\//.test(path)) return "describes or changes the cluster's members";
    if (/^\/v3(beta|alpha)?\/auth\//.test(path) && !path.endsWith('/authenticate')) return "changes or lists the cluster's users and roles";
    if (path.startsWith('/v3/lease/leases')) return 'lists every lease of the cluster';
    if (path.startsWith('/debug/') || path.startsWith('/v2/')) return "describes the members' processes";
    return toEndExclusion(step.body, path.endsWith('/deleterange'));
  }
  return undefined;
}

/** Why `s` must not run against a live cluster; undefined when it may. */
export function liveExclusion(s: Scenario): string | undefined {
  if (BY_NAME[s.name]) return BY_NAME[s.name];
  if (s.late) return 'changes what every later request sees (compaction, authentication, every lease)';
  for (const step of s.steps) {
    const why = stepExclusion(step);
    if (why) return why;
  }
  return undefined;
}
