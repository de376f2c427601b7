// The message table the services are declared against: a name per protobuf message, its type,
// and the codec tables (binary for gRPC, JSON for the grpc-gateway routes) that the codec module
// (./codec, written by the proto/grpc engineer) provides. Declaring methods by message name lets the
// gRPC router and the JSON gateway serve the very same handlers.
import type {
  AlarmRequest,
  AlarmResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  HashKVResponse,
  HashResponse,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  MemberAddRequest,
  MemberAddResponse,
  MemberChangeResponse,
  MemberListResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  SnapshotChunk,
  StatusResponse,
  TxnRequest,
  TxnResponse,
} from '../../adapters/backend.js';
import type { MessageCodec } from '../grpc/api.js';
import type {
  AuthenticateRequest,
  CampaignRequest,
  CampaignResponse,
  Empty,
  HashKVRequest,
  HeaderOnly,
  LeaderRequest,
  LeaderResponse,
  LeaseIdRequest,
  LockRequest,
  LockResponse,
  MemberUpdateRequest,
  MoveLeaderRequest,
  ProclaimRequest,
  ResignRequest,
  UnlockRequest,
  WatchRequest,
  WatchResponse,
} from './messages.js';
import type { AuthMessageTypes, AuthenticateResponse } from './auth/messages.js';

/** Message name (as in the .proto files) -> its TypeScript shape. */
export interface MessageTypes extends AuthMessageTypes {
  RangeRequest: RangeRequest;
  RangeResponse: RangeResponse;
  PutRequest: PutRequest;
  PutResponse: PutResponse;
  DeleteRangeRequest: DeleteRangeRequest;
  DeleteRangeResponse: DeleteRangeResponse;
  TxnRequest: TxnRequest;
  TxnResponse: TxnResponse;
  CompactionRequest: CompactionRequest;
  CompactionResponse: CompactionResponse;
  WatchRequest: WatchRequest;
  WatchResponse: WatchResponse;
  LeaseGrantRequest: LeaseGrantRequest;
  LeaseGrantResponse: LeaseGrantResponse;
  LeaseRevokeRequest: LeaseIdRequest;
  LeaseRevokeResponse: LeaseRevokeResponse;
  LeaseKeepAliveRequest: LeaseIdRequest;
  LeaseKeepAliveResponse: LeaseKeepAliveResponse;
  LeaseTimeToLiveRequest: LeaseTimeToLiveRequest;
  LeaseTimeToLiveResponse: LeaseTimeToLiveResponse;
  LeaseLeasesRequest: Empty;
  LeaseLeasesResponse: LeaseLeasesResponse;
  MemberListRequest: Empty;
  MemberListResponse: MemberListResponse;
  MemberAddRequest: MemberAddRequest;
  MemberAddResponse: MemberAddResponse;
  MemberRemoveRequest: LeaseIdRequest;
  MemberRemoveResponse: MemberChangeResponse;
  MemberUpdateRequest: MemberUpdateRequest;
  MemberUpdateResponse: MemberChangeResponse;
  MemberPromoteRequest: LeaseIdRequest;
  MemberPromoteResponse: MemberChangeResponse;
  StatusRequest: Empty;
  StatusResponse: StatusResponse;
  HashRequest: Empty;
  HashResponse: HashResponse;
  HashKVRequest: HashKVRequest;
  HashKVResponse: HashKVResponse;
  AlarmRequest: AlarmRequest;
  AlarmResponse: AlarmResponse;
  DefragmentRequest: Empty;
  DefragmentResponse: HeaderOnly;
  SnapshotRequest: Empty;
  SnapshotResponse: SnapshotChunk;
  MoveLeaderRequest: MoveLeaderRequest;
  MoveLeaderResponse: HeaderOnly;
  AuthEnableRequest: Empty;
  AuthEnableResponse: HeaderOnly;
  AuthDisableRequest: Empty;
  AuthDisableResponse: HeaderOnly;
  AuthenticateRequest: AuthenticateRequest;
  AuthenticateResponse: AuthenticateResponse;
  LockRequest: LockRequest;
  LockResponse: LockResponse;
  UnlockRequest: UnlockRequest;
  UnlockResponse: HeaderOnly;
  CampaignRequest: CampaignRequest;
  CampaignResponse: CampaignResponse;
  ProclaimRequest: ProclaimRequest;
  ProclaimResponse: HeaderOnly;
  LeaderRequest: LeaderRequest;
  LeaderResponse: LeaderResponse;
  ResignRequest: ResignRequest;
  ResignResponse: HeaderOnly;
}
export type MessageName = keyof MessageTypes;

export type EtcdCodecs = { [K in MessageName]: MessageCodec<MessageTypes[K]> };

/** JSON as etcd's grpc-gateway (jsonpb, OrigName + EmitDefaults false) reads and writes it. */
export interface JsonCodec<T> {
  /** From the parsed JSON body; throws on a malformed field (the gateway answers 400 with the text). */
  fromJson(json: unknown): T;
  toJson(msg: T): unknown;
}
export type EtcdJsonCodecs = { [K in MessageName]: JsonCodec<MessageTypes[K]> };
