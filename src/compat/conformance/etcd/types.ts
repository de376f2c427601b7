// Conformance scenarios are data: a name and a list of steps. Each step is run against genuine
// etcd and against the target under test; what a user would see (stdout, stderr, exit code,
// response message, gRPC status, HTTP status and body) is normalised and compared.
import type { Etcd3 } from 'etcd3';

/** What a step's functions and templates may refer to; one per scenario per target. */
export interface StepContext {
  /** The scenario's unique key prefix, e.g. "get-prefix/". Templates: `{P}`. */
  p: string;
  /** Store revision when the scenario started; `{R+2}` in templates means base + 2. */
  baseRevision: number;
  rev(offset: number): number;
  /** Lease IDs granted so far in this scenario, in order (`{L1}` = first as hex, `{L1d}` as decimal). */
  leases: bigint[];
  /** A scratch directory of this target (`{TMP}`), e.g. for snapshot files. */
  tmp: string;
  /** The client URL of the target, e.g. http://127.0.0.1:23011. */
  clientUrl: string;
  /** Cluster mode: spare ports of this target ({X1}...). */
  ports: number[];
  /** Cluster mode: members' peer ports, in start order ({PEER1}...). */
  peerPorts: number[];
  /** Cluster mode: member IDs by member name order ({M1}...). */
  memberIds: bigint[];
  /** Cluster mode: IDs of members added during the scenario ({NEW1}...). */
  newMemberIds(): bigint[];
}

export type Templated<T> = T | ((ctx: StepContext) => T);

/** `etcdctl <args>` (ETCDCTL_API=3). String args may use templates ({P}, {R+n}, {L1}, {L1d}, {TMP}). */
export interface CtlStep {
  ctl: string[];
  input?: string;
  /** Keep stdin open after input (watch -i). */
  keepStdinOpen?: boolean;
  /** End etcdctl with SIGINT after this long (watch, lock, elect): default 15 s and SIGKILL. */
  interruptAfterMs?: number;
  /** End etcdctl with SIGINT once its stdout matches this regex (multiline): a watch that printed
   * what it should. `interruptAfterMs` (default 10 s then) stays the upper bound. */
  until?: string;
  /** Compare stdout + exit code only (stderr carries client-side progress logs, e.g. snapshot save). */
  stdoutOnly?: boolean;
  /** Sort stdout lines before comparing (outputs whose order genuine etcd leaves to chance, e.g.
   * `endpoint health` over several endpoints, member lists holding random new IDs). */
  sortLines?: boolean;
  /** Cluster mode: every member's endpoint, or one member's (index); default the first member. */
  endpoints?: 'all' | number;
  /** Pass the endpoint as `127.0.0.1:port` instead of `http://127.0.0.1:port` (etcdctl takes both). */
  hostPort?: boolean;
  /** Repeat the command (every 500 ms, up to `retryMs`) until its stdout matches this regex; the
   * last attempt is reported (e.g. promoting a learner once it has caught up). */
  retryUntil?: string;
  retryMs?: number;
  /** Start it and go on; a later `{ await: name }` step reports its output. */
  background?: string;
}

/** A unary gRPC call: service "KV" | "Lease" | ... (package prefix added), method as in the proto. */
export interface GrpcStep {
  grpc: `${string}.${string}`;
  req?: Templated<Record<string, unknown>>;
  /** Send an auth token: 'last' = the one the scenario's latest Auth.Authenticate returned, or a literal. */
  token?: string;
}

/** A unary call by full path with a raw (hex) request body, for methods our protos do not declare. */
export interface GrpcRawStep {
  grpcRaw: string;
  hex?: string;
}

/** A bidirectional/server stream: writes `send`, collects responses until `count` arrived or `ms` passed. */
export interface GrpcStreamStep {
  grpcStream: `${string}.${string}`;
  send: Templated<Record<string, unknown>[]>;
  count: number;
  ms?: number;
}

/** An HTTP request to the client port (JSON gateway, /health, /version, /metrics). */
export interface HttpStep {
  http: `${'GET' | 'POST' | 'PUT' | 'DELETE'} ${string}`;
  body?: Templated<unknown>;
  /** Streaming response (e.g. /v3/watch): read for this long, then abort and report what came. */
  streamMs?: number;
  /** Streaming response: stop reading (200 ms later) once the body matches this regex; streamMs stays the bound. */
  until?: string;
  /** Reduce the body before comparing (e.g. /metrics: which metric names are present). */
  pick?: (body: string) => string;
}

/** A call through the `etcd3` npm client; the resolved value (or the error's class and message) is compared. */
export interface ClientStep {
  client: (client: Etcd3, ctx: StepContext) => Promise<unknown>;
  label: string;
}

export interface AwaitStep {
  await: string;
}

/** SIGINT a background etcdctl, once its stdout matches `after` (regex), if given. */
export interface InterruptStep {
  interrupt: string;
  after?: string;
}

/** Writes keys through gRPC KV.Put, one revision each (cheap setup; the answers are compared too). */
export interface SeedStep {
  seed: Array<[key: string, value: string]>;
}

/** Revokes every lease on the target (before listing leases); reports how many. */
export interface RevokeAllLeasesStep {
  revokeAllLeases: true;
}

/** Cluster mode: stop member i (SIGTERM, data kept) / start it again on its data dir. */
export interface StopMemberStep {
  stopMember: number;
}
export interface StartMemberStep {
  startMember: number;
}
/** Cluster mode: wait until these members answer /health (after startMember: a restarted member of
 * a cluster without quorum cannot be healthy alone, so starting does not wait). */
/** Cluster mode: start one more member of the target's kind (after `member add`), on spare ports
 * ({X1}...), joining with --initial-cluster-state existing; it becomes member index members.length. */
export interface StartNewMemberStep {
  startNewMember: { name: string; peerPort: string; clientPort: string };
}
/** Cluster mode: stop member i and forget it (after `member remove`). */
export interface DropMemberStep {
  dropMember: number;
}
export interface WaitHealthyStep {
  waitHealthy: number[];
}

export interface SleepStep {
  sleep: number;
}

export type Step = CtlStep | GrpcStep | GrpcRawStep | GrpcStreamStep | HttpStep | ClientStep | AwaitStep | InterruptStep | SleepStep | SeedStep | StopMemberStep | StartMemberStep | WaitHealthyStep | StartNewMemberStep | DropMemberStep | RevokeAllLeasesStep;

export interface Scenario {
  name: string;
  steps: Step[];
  /** Runs after every ordinary scenario (compaction, auth enable: they change what later ones see). */
  late?: boolean;
}
