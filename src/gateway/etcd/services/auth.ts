// etcdserverpb.Auth as genuine etcd 3.4 answers with authentication disabled. dcsgw has no auth
// store yet: user and role management answers UNIMPLEMENTED, saying so, rather than pretending.
// (3.4 has no AuthStatus RPC; like etcd, the router answers it "unknown method".)
import { EtcdError, Errors, GrpcCode } from '../../../adapters/errors.js';
import type { ServiceDeps } from '../deps.js';
import { unary, unaryIgnored, type MethodDef } from '../method.js';

export const AuthManagementUnsupported = new EtcdError(
  GrpcCode.UNIMPLEMENTED,
  'dcsgw: auth user/role management is not supported yet (authentication is disabled)',
);

const MANAGEMENT = [
  'UserAdd',
  'UserGet',
  'UserList',
  'UserDelete',
  'UserChangePassword',
  'UserGrantRole',
  'UserRevokeRole',
  'RoleAdd',
  'RoleGet',
  'RoleList',
  'RoleDelete',
  'RoleGrantPermission',
  'RoleRevokePermission',
];

export function authMethods(deps: ServiceDeps): MethodDef[] {
  const { backend } = deps;
  return [
    // Enabling needs a root user, and without an auth store there is none: etcd's own answer.
    unary('/etcdserverpb.Auth/AuthEnable', 'AuthEnableRequest', 'AuthEnableResponse', () => {
      throw Errors.RootUserNotExist;
    }),
    // Disabling what is disabled succeeds in etcd.
    unary('/etcdserverpb.Auth/AuthDisable', 'AuthDisableRequest', 'AuthDisableResponse', () => ({ header: backend.header() })),
    unary('/etcdserverpb.Auth/Authenticate', 'AuthenticateRequest', 'AuthenticateResponse', () => {
      throw Errors.AuthNotEnabled;
    }),
    ...MANAGEMENT.map((m) =>
      unaryIgnored(`/etcdserverpb.Auth/${m}`, () => {
        throw AuthManagementUnsupported;
      }),
    ),
  ];
}
