// The errors a client of etcd v3 can see, with the gRPC status code and the exact message text
// genuine etcd 3.4 sends (api/v3rpc/rpctypes). Every layer throws these; the wire front ends only
// translate them (gRPC status + grpc-message, or the JSON gateway's HTTP status + body).

export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

export class EtcdError extends Error {
  constructor(
    readonly code: GrpcCode,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

const e = (code: GrpcCode, message: string) => new EtcdError(code, message);
const C = GrpcCode;

/** The catalog. Throw `Errors.X` as is (they carry no per-call state), or wrap with `new EtcdError`. */
export const Errors = {
  EmptyKey: e(C.INVALID_ARGUMENT, 'etcdserver: key is not provided'),
  KeyNotFound: e(C.INVALID_ARGUMENT, 'etcdserver: key not found'),
  ValueProvided: e(C.INVALID_ARGUMENT, 'etcdserver: value is provided'),
  LeaseProvided: e(C.INVALID_ARGUMENT, 'etcdserver: lease is provided'),
  TooManyOps: e(C.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'),
  DuplicateKey: e(C.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'),
  Compacted: e(C.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'),
  FutureRev: e(C.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'),
  NoSpace: e(C.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'),

  LeaseNotFound: e(C.NOT_FOUND, 'etcdserver: requested lease not found'),
  LeaseExist: e(C.FAILED_PRECONDITION, 'etcdserver: lease already exists'),
  LeaseTTLTooLarge: e(C.OUT_OF_RANGE, 'etcdserver: too large lease TTL'),

  WatchCanceled: e(C.CANCELLED, 'etcdserver: watch canceled'),

  MemberExist: e(C.FAILED_PRECONDITION, 'etcdserver: member ID already exist'),
  PeerURLExist: e(C.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'),
  MemberNotEnoughStarted: e(C.FAILED_PRECONDITION, 'etcdserver: re-configuration failed due to not enough started members'),
  MemberBadURLs: e(C.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'),
  MemberNotFound: e(C.NOT_FOUND, 'etcdserver: member not found'),
  MemberNotLearner: e(C.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'),
  LearnerNotReady: e(C.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member which is in sync with leader'),
  TooManyLearners: e(C.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'),

  RequestTooLarge: e(C.INVALID_ARGUMENT, 'etcdserver: request is too large'),
  TooManyRequests: e(C.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'),

  RootUserNotExist: e(C.FAILED_PRECONDITION, 'etcdserver: root user does not exist'),
  RootRoleNotExist: e(C.FAILED_PRECONDITION, 'etcdserver: root user does not have root role'),
  UserAlreadyExist: e(C.FAILED_PRECONDITION, 'etcdserver: user name already exists'),
  UserEmpty: e(C.INVALID_ARGUMENT, 'etcdserver: user name is empty'),
  UserNotFound: e(C.FAILED_PRECONDITION, 'etcdserver: user name not found'),
  RoleAlreadyExist: e(C.FAILED_PRECONDITION, 'etcdserver: role name already exists'),
  RoleNotFound: e(C.FAILED_PRECONDITION, 'etcdserver: role name not found'),
  RoleEmpty: e(C.INVALID_ARGUMENT, 'etcdserver: role name is empty'),
  AuthFailed: e(C.INVALID_ARGUMENT, 'etcdserver: authentication failed, invalid user ID or password'),
  PermissionDenied: e(C.PERMISSION_DENIED, 'etcdserver: permission denied'),
  RoleNotGranted: e(C.FAILED_PRECONDITION, 'etcdserver: role is not granted to the user'),
  PermissionNotGranted: e(C.FAILED_PRECONDITION, 'etcdserver: permission is not granted to the role'),
  AuthNotEnabled: e(C.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'),
  InvalidAuthToken: e(C.UNAUTHENTICATED, 'etcdserver: invalid auth token'),
  InvalidAuthMgmt: e(C.INVALID_ARGUMENT, 'etcdserver: invalid auth management'),
  AuthOldRevision: e(C.INVALID_ARGUMENT, 'etcdserver: revision of auth store is old'),

  NoLeader: e(C.UNAVAILABLE, 'etcdserver: no leader'),
  NotLeader: e(C.FAILED_PRECONDITION, 'etcdserver: not leader'),
  LeaderChanged: e(C.UNAVAILABLE, 'etcdserver: leader changed'),
  NotCapable: e(C.UNAVAILABLE, 'etcdserver: not capable'),
  Stopped: e(C.UNAVAILABLE, 'etcdserver: server stopped'),
  Timeout: e(C.UNAVAILABLE, 'etcdserver: request timed out'),
  TimeoutDueToLeaderFail: e(C.UNAVAILABLE, 'etcdserver: request timed out, possibly due to previous leader failure'),
  TimeoutDueToConnectionLost: e(C.UNAVAILABLE, 'etcdserver: request timed out, possibly due to connection lost'),
  Unhealthy: e(C.UNAVAILABLE, 'etcdserver: unhealthy cluster'),
  Corrupt: e(C.DATA_LOSS, 'etcdserver: corrupt cluster'),
  NotSupportedForLearner: e(C.UNAVAILABLE, 'etcdserver: rpc not supported for learner'),
  BadLeaderTransferee: e(C.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'),
} as const;

export function isEtcdError(err: unknown): err is EtcdError {
  return err instanceof EtcdError;
}
