// etcdserverpb.Auth of etcd 3.4: user/role management through the backend's replicated auth store
// (passwords hashed here, by the proposer), AuthEnable/AuthDisable, and Authenticate handing out
// this member's simple tokens. Who may call what is checked in front (../auth/enforce.ts).
// A backend without an auth store keeps etcd's answers for "auth disabled" and says so for the rest.
// (3.4 has no AuthStatus RPC; like etcd, the router answers it "unknown method".)
import type { ResponseHeader } from '../../../adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../../adapters/errors.js';
import { hashPasswordAsync } from '../../../native/mvcc/auth-store.js';
import type { AuthCommand, AuthQueries } from '../../../native/mvcc/api.js';
import type { AuthGate } from '../auth/auth-gate.js';
import type { ServiceDeps } from '../deps.js';
import { unary, unaryIgnored, type MethodDef } from '../method.js';

export const AuthManagementUnsupported = new EtcdError(
  GrpcCode.UNIMPLEMENTED,
  'dcsgw: auth user/role management is not supported yet on this backend (it has no auth store)',
);

/** auth.ErrNoPasswordUser: not one of rpctypes' errors, so it reaches clients as code Unknown. */
export const NoPasswordUser = new EtcdError(GrpcCode.UNKNOWN, 'auth: authentication failed, password was given for no password user');

/** rpctypes.ErrGRPCPermissionNotGiven: RoleGrantPermission without a permission. */
export const PermissionNotGiven = new EtcdError(GrpcCode.INVALID_ARGUMENT, 'etcdserver: permission not given');

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

const P = '/etcdserverpb.Auth/';

export function authMethods(deps: ServiceDeps, gate: AuthGate): MethodDef[] {
  const { backend } = deps;
  const auth = gate.backend;
  if (!auth) {
    return [
      unary(`${P}AuthEnable`, 'AuthEnableRequest', 'AuthEnableResponse', () => {
        throw Errors.RootUserNotExist;
      }),
      unary(`${P}AuthDisable`, 'AuthDisableRequest', 'AuthDisableResponse', () => ({ header: backend.header() })),
      unary(`${P}Authenticate`, 'AuthenticateRequest', 'AuthenticateResponse', () => {
        throw Errors.AuthNotEnabled;
      }),
      ...MANAGEMENT.map((m) =>
        unaryIgnored(`${P}${m}`, () => {
          throw AuthManagementUnsupported;
        }),
      ),
    ];
  }
  const change = (cmd: AuthCommand) => auth.authChange(cmd).then((header) => ({ header }));
  const read = <T>(fn: (q: AuthQueries) => T): Promise<{ header: ResponseHeader; value: T }> =>
    auth.authRead(fn).then((value) => ({ header: backend.header(), value }));

  return [
    unary(`${P}AuthEnable`, 'AuthEnableRequest', 'AuthEnableResponse', () => change({ op: 'authEnable' })),
    unary(`${P}AuthDisable`, 'AuthDisableRequest', 'AuthDisableResponse', async () => {
      const r = await change({ op: 'authDisable' });
      gate.tokens.clear();
      return r;
    }),
    unary(`${P}Authenticate`, 'AuthenticateRequest', 'AuthenticateResponse', async (req, ctx) => {
      // etcd's CheckPassword: not enabled first, then the user and password.
      const { header, value: q } = await read((q) => {
        if (!q.status().enabled) throw Errors.AuthNotEnabled;
        if (q.isNoPasswordUser?.(req.name)) throw NoPasswordUser;
        return q;
      });
      // a login whose client has gone by the time a bcrypt worker is free is not checked at all
      if (q.checkPasswordAsync) await q.checkPasswordAsync(req.name, req.password, ctx.signal);
      else q.checkPassword(req.name, req.password);
      const issued = await gate.issueToken(req.name);
      return { header: issued.header ?? header, token: issued.token };
    }),
    unary(`${P}UserAdd`, 'AuthUserAddRequest', 'AuthUserAddResponse', async (req) => {
      const noPassword = req.options?.noPassword === true;
      // no costly hash for a request the store refuses anyway (empty name)
      const hashedPassword = noPassword || req.name.length === 0 ? Buffer.alloc(0) : await hashPasswordAsync(req.password, gate.bcryptCost);
      return change({ op: 'userAdd', name: req.name, hashedPassword, noPassword });
    }),
    unary(`${P}UserGet`, 'AuthUserGetRequest', 'AuthUserGetResponse', async (req) => {
      const { header, value } = await read((q) => q.userGet(req.name));
      return { header, roles: value };
    }),
    unary(`${P}UserList`, 'AuthUserListRequest', 'AuthUserListResponse', async () => {
      const { header, value } = await read((q) => q.userList());
      return { header, users: value };
    }),
    unary(`${P}UserDelete`, 'AuthUserDeleteRequest', 'AuthUserDeleteResponse', async (req) => {
      const r = await change({ op: 'userDelete', name: req.name });
      gate.tokens.invalidateUser(req.name);
      return r;
    }),
    unary(`${P}UserChangePassword`, 'AuthUserChangePasswordRequest', 'AuthUserChangePasswordResponse', async (req) => {
      const r = await change({ op: 'userChangePassword', name: req.name, hashedPassword: await hashPasswordAsync(req.password, gate.bcryptCost) });
      gate.tokens.invalidateUser(req.name);
      return r;
    }),
    unary(`${P}UserGrantRole`, 'AuthUserGrantRoleRequest', 'AuthUserGrantRoleResponse', (req) =>
      change({ op: 'userGrantRole', user: req.user, role: req.role }),
    ),
    unary(`${P}UserRevokeRole`, 'AuthUserRevokeRoleRequest', 'AuthUserRevokeRoleResponse', (req) =>
      change({ op: 'userRevokeRole', name: req.name, role: req.role }),
    ),
    unary(`${P}RoleAdd`, 'AuthRoleAddRequest', 'AuthRoleAddResponse', (req) => change({ op: 'roleAdd', name: req.name })),
    unary(`${P}RoleGet`, 'AuthRoleGetRequest', 'AuthRoleGetResponse', async (req) => {
      const { header, value } = await read((q) => q.roleGet(req.role));
      return { header, perm: value };
    }),
    unary(`${P}RoleList`, 'AuthRoleListRequest', 'AuthRoleListResponse', async () => {
      const { header, value } = await read((q) => q.roleList());
      return { header, roles: value };
    }),
    unary(`${P}RoleDelete`, 'AuthRoleDeleteRequest', 'AuthRoleDeleteResponse', (req) => change({ op: 'roleDelete', role: req.role })),
    unary(`${P}RoleGrantPermission`, 'AuthRoleGrantPermissionRequest', 'AuthRoleGrantPermissionResponse', (req) => {
      const p = req.perm;
      if (!p) throw PermissionNotGiven;
      return change({
        op: 'roleGrantPermission',
        name: req.name,
        perm: { permType: p.permType ?? 0, key: p.key ?? Buffer.alloc(0), rangeEnd: p.rangeEnd ?? Buffer.alloc(0) },
      });
    }),
    unary(`${P}RoleRevokePermission`, 'AuthRoleRevokePermissionRequest', 'AuthRoleRevokePermissionResponse', (req) =>
      change({ op: 'roleRevokePermission', role: req.role, key: req.key, rangeEnd: req.rangeEnd }),
    ),
  ];
}
