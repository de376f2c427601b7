// etcdserverpb.Auth* messages (camelCase proto names, as the codec tables read and write them).
import type { ResponseHeader } from '../../../adapters/backend.js';
import type { Permission } from '../../../native/mvcc/api.js';

export type { Permission } from '../../../native/mvcc/api.js';

export interface AuthenticateResponse {
  header: ResponseHeader;
  token: string;
}
export interface AuthUserAddRequest {
  name: string;
  password: string;
  options?: { noPassword?: boolean };
}
export interface AuthNameRequest {
  name: string;
}
export interface AuthRoleRequest {
  role: string;
}
export interface AuthUserChangePasswordRequest {
  name: string;
  password: string;
}
export interface AuthUserGrantRoleRequest {
  user: string;
  role: string;
}
export interface AuthUserRevokeRoleRequest {
  name: string;
  role: string;
}
export interface AuthRoleGrantPermissionRequest {
  name: string;
  /** Absent when the client sent none (etcd: "permission not given"). */
  perm?: Partial<Permission>;
}
export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: Buffer;
  rangeEnd: Buffer;
}
export interface AuthUserGetResponse {
  header: ResponseHeader;
  roles: string[];
}
export interface AuthUserListResponse {
  header: ResponseHeader;
  users: string[];
}
export interface AuthRoleListResponse {
  header: ResponseHeader;
  roles: string[];
}
export interface AuthRoleGetResponse {
  header: ResponseHeader;
  perm: Permission[];
}

/** Message name -> shape, merged into MessageTypes of ../codecs.ts. */
export interface AuthMessageTypes {
  AuthUserAddRequest: AuthUserAddRequest;
  AuthUserAddResponse: { header: ResponseHeader };
  AuthUserGetRequest: AuthNameRequest;
  AuthUserGetResponse: AuthUserGetResponse;
  AuthUserListRequest: Record<string, never>;
  AuthUserListResponse: AuthUserListResponse;
  AuthUserDeleteRequest: AuthNameRequest;
  AuthUserDeleteResponse: { header: ResponseHeader };
  AuthUserChangePasswordRequest: AuthUserChangePasswordRequest;
  AuthUserChangePasswordResponse: { header: ResponseHeader };
  AuthUserGrantRoleRequest: AuthUserGrantRoleRequest;
  AuthUserGrantRoleResponse: { header: ResponseHeader };
  AuthUserRevokeRoleRequest: AuthUserRevokeRoleRequest;
  AuthUserRevokeRoleResponse: { header: ResponseHeader };
  AuthRoleAddRequest: AuthNameRequest;
  AuthRoleAddResponse: { header: ResponseHeader };
  AuthRoleGetRequest: AuthRoleRequest;
  AuthRoleGetResponse: AuthRoleGetResponse;
  AuthRoleListRequest: Record<string, never>;
  AuthRoleListResponse: AuthRoleListResponse;
  AuthRoleDeleteRequest: AuthRoleRequest;
  AuthRoleDeleteResponse: { header: ResponseHeader };
  AuthRoleGrantPermissionRequest: AuthRoleGrantPermissionRequest;
  AuthRoleGrantPermissionResponse: { header: ResponseHeader };
  AuthRoleRevokePermissionRequest: AuthRoleRevokePermissionRequest;
  AuthRoleRevokePermissionResponse: { header: ResponseHeader };
}
