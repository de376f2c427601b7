// Request/response types of the etcd v3 services that src/adapters/backend.ts does not already
// define (those are re-exported from there). Same conventions as backend.ts: proto field names in
// camelCase, `ID` -> `id`, `TTL` -> `ttl`, Buffers for bytes, numbers for int64 revisions, bigint for
// 64-bit identifiers, `undefined` for unset message fields. The codecs in ./codec produce these.
import type {
  Event,
  KeyValue,
  ResponseHeader,
  WatchFilter,
} from '../../adapters/backend.js';

export type Empty = Record<string, never>;
export interface HeaderOnly {
  header: ResponseHeader;
}

// ---- Watch ----

export interface WatchCreateRequest {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: number;
  progressNotify: boolean;
  filters: WatchFilter[];
  prevKv: boolean;
  /** 0 = let the server assign one. */
  watchId: number;
  fragment: boolean;
}
export interface WatchCancelRequest {
  watchId: number;
}
/** A proto `oneof request_union`: at most one member set. */
export interface WatchRequest {
  createRequest?: WatchCreateRequest;
  cancelRequest?: WatchCancelRequest;
  progressRequest?: Empty;
}
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: Event[];
}

// ---- Lease ----

export interface LeaseIdRequest {
  id: bigint;
}
export type LeaseRevokeRequest = LeaseIdRequest;
export type LeaseKeepAliveRequest = LeaseIdRequest;

// ---- Cluster ----

export type MemberRemoveRequest = LeaseIdRequest;
export type MemberPromoteRequest = LeaseIdRequest;
export interface MemberUpdateRequest {
  id: bigint;
  peerURLs: string[];
}

// ---- Maintenance ----

export interface HashKVRequest {
  revision: number;
}
export interface MoveLeaderRequest {
  targetID: bigint;
}

// ---- Auth (auth is never enabled on dcsgw yet) ----

export interface AuthenticateRequest {
  name: string;
  password: string;
}

// ---- v3lock ----

export interface LockRequest {
  name: Buffer;
  lease: bigint;
}
export interface LockResponse {
  header: ResponseHeader;
  key: Buffer;
}
export interface UnlockRequest {
  key: Buffer;
}

// ---- v3election ----

export interface LeaderKey {
  name: Buffer;
  key: Buffer;
  rev: number;
  lease: bigint;
}
export interface CampaignRequest {
  name: Buffer;
  lease: bigint;
  value: Buffer;
}
export interface CampaignResponse {
  header: ResponseHeader;
  leader: LeaderKey;
}
export interface ProclaimRequest {
  leader?: LeaderKey;
  value: Buffer;
}
export interface LeaderRequest {
  name: Buffer;
}
export interface LeaderResponse {
  header: ResponseHeader;
  kv?: KeyValue;
}
export interface ResignRequest {
  leader?: LeaderKey;
}
