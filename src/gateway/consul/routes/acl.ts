// Consul's ACL HTTP API (/v1/acl/...: bootstrap, tokens, policies, roles, replication status) and
// the agent's token endpoints (/v1/agent/token/<name>), over the ACL store of src/compat/acl/. With
// ACLs off every one answers 401 "ACL support disabled", as Consul does. It also installs the
// enforcement hooks (acl-enforce.ts) that every other endpoint goes through.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { aclSettingsOf } from '../../../compat/acl/settings.js';
import { AclError, AclStore, aclNotFound, type Identity, type PolicyView, type RoleView, type TokenView } from '../../../compat/acl/store.js';
import { AclRulesError } from '../../../compat/acl/rules.js';
import {
  ANONYMOUS_ACCESSOR_ID,
  GLOBAL_MANAGEMENT_ID,
  isBuiltinPolicy,
  NAME_RE,
  UUID_RE,
  type NodeIdentity,
  type PolicyLink,
  type ServiceIdentity,
  type StoredPolicy,
  type StoredRole,
  type StoredToken,
} from '../../../compat/acl/model.js';
import { formatGoDuration, parseGoDurationNs } from '../../../compat/agent/go-duration.js';
import {
  AUTH_METHOD_TYPES,
  AuthMethodError,
  BIND_TYPES,
  checkSelector,
  interpolateBindName,
  ruleMatches,
  validateAuthMethodConfig,
  verifyJwtLogin,
  type StoredAuthMethod,
  type StoredBindingRule,
} from '../../../compat/acl/auth-methods.js';
import { renderTemplatedPolicy, TEMPLATED_POLICIES, TemplatedPolicyError, templateVariablesOf, type TemplatedPolicyLink } from '../../../compat/acl/templated-policies.js';
import { installAclEnforcement, permissionDenied, requestToken, resolveRequest } from '../acl-enforce.js';
import type { ConsulContext } from '../context.js';
import { ConsulHttpError, methodNotAllowed } from '../http-error.js';
import { parseQueryOptions, setQueryMeta } from '../query-options.js';

export const ACL_DISABLED = 'ACL support disabled';

const stores = new WeakMap<object, AclStore>();

/** The ACL store of a Consul face (one per ConsulCore; the HTTP API and DNS share it). */
export function aclStoreOf(ctx: ConsulContext): AclStore {
  let store = stores.get(ctx.core);
  if (!store) {
    const settings = aclSettingsOf(ctx.agent.config ?? {}, ctx.agent.nodeName, ctx.agent.datacenter);
    store = new AclStore(ctx.core.backend, ctx.core.tracker, settings);
    stores.set(ctx.core, store);
  }
  return store;
}

// ---- JSON as Consul writes it (field order of its structs, empty lists left out) ----

function tokenJson(t: TokenView, showSecret: boolean, stub = false): Record<string, unknown> {
  const out: Record<string, unknown> = { AccessorID: t.AccessorID, SecretID: showSecret ? t.SecretID : '<hidden>', Description: t.Description };
  if (t.Policies.length) out.Policies = t.Policies;
  if (t.Roles.length) out.Roles = t.Roles;
  if (t.ServiceIdentities?.length) out.ServiceIdentities = t.ServiceIdentities;
  if (t.NodeIdentities?.length) out.NodeIdentities = t.NodeIdentities;
  if (t.TemplatedPolicies?.length) out.TemplatedPolicies = t.TemplatedPolicies;
  out.Local = t.Local;
  if (t.AuthMethod) out.AuthMethod = t.AuthMethod;
  if (t.ExpirationTime) out.ExpirationTime = t.ExpirationTime;
  out.CreateTime = t.CreateTime;
  out.Hash = t.Hash;
  out.CreateIndex = t.CreateIndex;
  out.ModifyIndex = t.ModifyIndex;
  if (stub) out.Legacy = false;
  return out;
}

function policyJson(p: PolicyView, stub = false): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: p.ID, Name: p.Name, Description: p.Description };
  if (!stub) out.Rules = p.Rules;
  if (p.Datacenters?.length) out.Datacenters = p.Datacenters;
  out.Hash = p.Hash;
  out.CreateIndex = p.CreateIndex;
  out.ModifyIndex = p.ModifyIndex;
  return out;
}

function roleJson(r: RoleView): Record<string, unknown> {
  const out: Record<string, unknown> = { ID: r.ID, Name: r.Name, Description: r.Description };
  if (r.Policies.length) out.Policies = r.Policies;
  if (r.ServiceIdentities?.length) out.ServiceIdentities = r.ServiceIdentities;
  if (r.NodeIdentities?.length) out.NodeIdentities = r.NodeIdentities;
  if (r.TemplatedPolicies?.length) out.TemplatedPolicies = r.TemplatedPolicies;
  out.Hash = r.Hash;
  out.CreateIndex = r.CreateIndex;
  out.ModifyIndex = r.ModifyIndex;
  return out;
}

// ---- request bodies ----

type Obj = Record<string, unknown>;

function decodeBody(req: FastifyRequest, what: string): Obj {
  const b = req.body;
  if (!Buffer.isBuffer(b) || b.length === 0) return {};
  try {
    const v = JSON.parse(b.toString('utf8'));
    if (v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type structs.${what}`);
    return v as Obj;
  } catch (err) {
    throw new ConsulHttpError(400, `${what === 'ACLToken' ? 'Token' : what === 'ACLPolicy' ? 'Policy' : 'Role'} decoding failed: ${(err as Error).message}`);
  }
}

/** A field, matched case-insensitively as Consul's decoder does. */
function f(o: unknown, name: string): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o as Obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function links(v: unknown): PolicyLink[] {
  return list(v).map((l) => ({ ID: s(f(l, 'ID')), Name: s(f(l, 'Name')) }));
}

const SERVICE_NAME_RE = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;

function serviceIdentities(v: unknown, owner: string): ServiceIdentity[] {
  return list(v).map((x) => {
    const name = s(f(x, 'ServiceName'));
    if (name === '') throw new AclError(500, `Service identity is missing the service name field on this ${owner}`);
    if (!SERVICE_NAME_RE.test(name) || name.length > 256) throw new AclError(500, `Service identity "${name}" has an invalid name. Only lowercase alphanumeric characters, '-' and '_' are allowed`);
    const dcs = list(f(x, 'Datacenters')).map(s);
    return dcs.length ? { ServiceName: name, Datacenters: dcs } : { ServiceName: name };
  });
}

function nodeIdentities(v: unknown, owner: string): NodeIdentity[] {
  return list(v).map((x) => {
    const name = s(f(x, 'NodeName'));
    const dc = s(f(x, 'Datacenter'));
    if (name === '') throw new AclError(500, `Node identity is missing the node name field on this ${owner}`);
    if (!SERVICE_NAME_RE.test(name)) throw new AclError(500, `Node identity has an invalid name. Only lowercase alphanumeric characters, '-' and '_' are allowed`);
    if (dc === '') throw new AclError(500, `Node identity is missing the datacenter field on this ${owner}`);
    return { NodeName: name, Datacenter: dc };
  });
}

/** TemplatedPolicies of a token or role: names and variables checked by rendering them. */
function templatedPolicies(v: unknown): TemplatedPolicyLink[] {
  return list(v).map((x) => {
    const name = s(f(x, 'TemplateName'));
    const vars = templateVariablesOf(f(x, 'TemplateVariables'));
    try {
      renderTemplatedPolicy(name, vars);
    } catch (err) {
      throw new AclError(500, (err as Error).message);
    }
    const dcs = list(f(x, 'Datacenters')).map(s);
    return { TemplateName: name, ...(vars ? { TemplateVariables: vars } : {}), ...(dcs.length ? { Datacenters: dcs } : {}) };
  });
}

type Snap = Awaited<ReturnType<AclStore['snapshot']>>;

/** Policy links by ID or name, resolved to the policies they name (Consul's errors for unknown ones). */
function resolvePolicyLinks(snap: Snap, given: PolicyLink[]): PolicyLink[] {
  const out: PolicyLink[] = [];
  for (const l of given) {
    const p = l.ID !== '' ? snap.policies.get(l.ID) : [...snap.policies.values()].find((x) => x.Name === l.Name);
    if (!p) throw new AclError(500, l.ID !== '' ? `No such ACL policy with ID "${l.ID}"` : `No such ACL policy with name "${l.Name}"`);
    if (!out.some((o) => o.ID === p.ID)) out.push({ ID: p.ID, Name: p.Name });
  }
  return out;
}

function resolveRoleLinks(snap: Snap, given: PolicyLink[]): PolicyLink[] {
  const out: PolicyLink[] = [];
  for (const l of given) {
    const r = l.ID !== '' ? snap.roles.get(l.ID) : [...snap.roles.values()].find((x) => x.Name === l.Name);
    if (!r) throw new AclError(500, l.ID !== '' ? `No such ACL role with ID "${l.ID}"` : `No such ACL role with name "${l.Name}"`);
    if (!out.some((o) => o.ID === r.ID)) out.push({ ID: r.ID, Name: r.Name });
  }
  return out;
}

/** ExpirationTTL as the Go client sends it (nanoseconds) or as a duration string. */
function ttlMs(v: unknown): number {
  if (typeof v === 'number') return v / 1e6;
  if (typeof v === 'string' && v !== '') {
    const ns = parseGoDurationNs(v);
    if (ns === undefined) throw new ConsulHttpError(400, `Token decoding failed: time: invalid duration ${JSON.stringify(v)}`);
    return ns / 1e6;
  }
  return 0;
}

/**
 * A policy or role that does not exist: 404 (py-consul's suite, run against genuine Consul, reads a
 * deleted policy or role as "nothing there"); a token that does not exist is 403 "ACL not found".
 */
function missing(what: 'policy' | 'role'): ConsulHttpError {
  return new ConsulHttpError(404, `ACL ${what} not found`);
}

/** The state store looks policies and roles up by a UUID index, which refuses a malformed ID with go-memdb's text. */
function uuidLookup(what: 'policy' | 'role', id: string): void {
  let problem: string | undefined;
  if (id.length !== 36) problem = 'UUID must be 36 characters';
  else if (!UUID_RE.test(id)) problem = 'UUID must be formatted as 8-4-4-4-12 hexadecimal characters';
  if (problem) throw new ConsulHttpError(500, `failed acl ${what} lookup: index error: ${problem}`);
}

// ---- the routes ----

export function aclRoutes(app: FastifyInstance, ctx: ConsulContext): void {
  const store = aclStoreOf(ctx);
  installAclEnforcement(app, ctx, store);
  const settings = store.settings;

  /** Registers every method on a path, so a wrong one gets Consul's 405 (not a wildcard's answer). */
  const route = (path: string, handlers: Partial<Record<'GET' | 'PUT' | 'DELETE' | 'POST', (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>>>) => {
    app.all(path, async (req, reply) => {
      if (!settings.enabled) throw new ConsulHttpError(401, ACL_DISABLED);
      const h = handlers[req.method as 'GET'];
      if (!h) throw methodNotAllowed(req.method);
      if (req.method === 'GET') await waitForAclChange(req);
      try {
        return await h(req, reply);
      } catch (err) {
        if (err instanceof AclError) throw new ConsulHttpError(err.status, err.message);
        if (err instanceof AclRulesError) throw new ConsulHttpError(500, err.message);
        throw err;
      }
    });
  };

  /** A blocking read (?index=N): wait until the ACL table moves past N (or ?wait runs out), then answer. */
  const waitForAclChange = async (req: FastifyRequest): Promise<void> => {
    const opts = parseQueryOptions(req);
    if (opts.index === 0 || store.index() > opts.index) return;
    const abort = new AbortController();
    const onClose = () => abort.abort();
    req.raw.socket?.once('close', onClose);
    try {
      await ctx.core.tracker.waitForChange(['acls'], opts.index, opts.waitMs, abort.signal);
    } finally {
      req.raw.socket?.off('close', onClose);
    }
  };
  const who = async (req: FastifyRequest): Promise<Identity> => resolveRequest(store, req);
  const need = async (req: FastifyRequest, level: 'read' | 'write'): Promise<Identity> => {
    const id = await who(req);
    if (!id.authorizer.allowed('acl', level)) throw permissionDenied(id, 'acl', level);
    return id;
  };
  const sendRead = (req: FastifyRequest, reply: FastifyReply, body: unknown) => {
    setQueryMeta(ctx, reply, parseQueryOptions(req), store.index());
    return reply.send(JSON.stringify(body));
  };
  const param = (req: FastifyRequest, name: string): string => (req.params as Record<string, string>)[name] ?? '';

  // ---- bootstrap and replication ----

  route('/v1/acl/bootstrap', {
    PUT: async (req, reply) => {
      await store.ensureInitialized();
      const body = decodeBody(req, 'ACLToken');
      const secret = s(f(body, 'BootstrapSecret'));
      const token = await store.bootstrap(secret || undefined);
      ctx.logger.info({ module: 'agent.server.acl' }, 'ACL bootstrap completed');
      return reply.send(JSON.stringify(tokenJson(token, true)));
    },
  });

  route('/v1/acl/replication', {
    GET: async (req, reply) => {
      const body = {
        Enabled: false,
        Running: false,
        SourceDatacenter: settings.datacenter,
        ReplicationType: '',
        ReplicatedIndex: 0,
        ReplicatedRoleIndex: 0,
        ReplicatedTokenIndex: 0,
        LastSuccess: '0001-01-01T00:00:00Z',
        LastError: '0001-01-01T00:00:00Z',
        LastErrorMessage: '',
      };
      setQueryMeta(ctx, reply, parseQueryOptions(req), store.index());
      return reply.send(JSON.stringify(body));
    },
  });

  // ---- tokens ----

  const writeToken = async (req: FastifyRequest, accessorFromUrl: string | undefined): Promise<TokenView> => {
    const id = await need(req, 'write');
    const body = decodeBody(req, 'ACLToken');
    const bodyAccessor = s(f(body, 'AccessorID'));
    if (accessorFromUrl !== undefined && bodyAccessor !== '' && bodyAccessor !== accessorFromUrl) throw new ConsulHttpError(400, 'Token Accessor ID in URL and payload do not match');
    const secret = s(f(body, 'SecretID'));
    const policies = links(f(body, 'Policies'));
    const roles = links(f(body, 'Roles'));
    const sids = serviceIdentities(f(body, 'ServiceIdentities'), 'token');
    const nids = nodeIdentities(f(body, 'NodeIdentities'), 'token');
    const templated = templatedPolicies(f(body, 'TemplatedPolicies'));
    const local = f(body, 'Local') === true;
    const description = s(f(body, 'Description'));
    const ttl = ttlMs(f(body, 'ExpirationTTL'));
    const expRaw = s(f(body, 'ExpirationTime'));
    if (ttl < 0) throw new AclError(500, `Token Expiration TTL '${formatGoDuration(ttl * 1e6)}' should be > 0`);
    // Consul's default acl token min/max expiration TTL
    if (ttl > 0 && (ttl < 60_000 || ttl > 24 * 3600_000)) throw new AclError(500, `Token Expiration TTL '${formatGoDuration(ttl * 1e6)}' should be between 1m0s and 24h0m0s`);
    if (ttl > 0 && expRaw !== '') throw new AclError(500, 'Expiration TTL and Expiration Time cannot both be set');
    const accessor = await store.mutate((snap) => {
      const resolvedPolicies = resolvePolicyLinks(snap, policies);
      const resolvedRoles = resolveRoleLinks(snap, roles);
      if (accessorFromUrl === undefined) {
        if (bodyAccessor !== '') {
          if (!UUID_RE.test(bodyAccessor)) throw new AclError(500, 'Invalid Token: AccessorID is not a valid UUID');
          if (snap.tokens.has(bodyAccessor)) throw new AclError(500, 'Invalid Token: AccessorID is already in use');
        }
        if (secret !== '' && snap.bySecret.has(secret)) throw new AclError(500, 'Invalid Token: SecretID is already in use');
        const expiration = ttl > 0 ? new Date(Date.now() + ttl).toISOString() : expRaw !== '' ? new Date(expRaw).toISOString() : undefined;
        const token = store.newToken({
          AccessorID: bodyAccessor || undefined,
          SecretID: secret || undefined,
          Description: description,
          Policies: resolvedPolicies,
          Roles: resolvedRoles,
          ServiceIdentities: sids,
          NodeIdentities: nids,
          TemplatedPolicies: templated,
          Local: local,
          ExpirationTime: expiration,
        });
        return { ops: [store.putOp(store.tokenKey(token.AccessorID), token)], result: token.AccessorID };
      }
      const existing = snap.tokens.get(accessorFromUrl);
      if (!existing) throw new AclError(500, `Cannot find token ${JSON.stringify(accessorFromUrl)}`);
      if (secret !== '' && secret !== existing.SecretID) throw new AclError(500, "Changing a token's SecretID is not permitted");
      if (local !== existing.Local) throw new AclError(500, `Cannot toggle local mode of ${accessorFromUrl}`);
      if (expRaw !== '' && existing.ExpirationTime && Date.parse(expRaw) !== Date.parse(existing.ExpirationTime)) throw new AclError(500, `Cannot change expiration time of ${accessorFromUrl}`);
      const updated: StoredToken = {
        AccessorID: existing.AccessorID,
        SecretID: existing.SecretID,
        Description: description,
        Policies: resolvedPolicies,
        Roles: resolvedRoles,
        ServiceIdentities: sids,
        NodeIdentities: nids,
        ...(templated.length ? { TemplatedPolicies: templated } : {}),
        Local: existing.Local,
        ...(existing.ExpirationTime ? { ExpirationTime: existing.ExpirationTime } : {}),
        CreateTime: existing.CreateTime,
      };
      return { ops: [store.putOp(store.tokenKey(existing.AccessorID), updated)], result: existing.AccessorID };
    });
    void id;
    const view = await store.getToken(accessor);
    if (!view) throw aclNotFound();
    return view;
  };

  route('/v1/acl/token', {
    PUT: async (req, reply) => reply.send(JSON.stringify(tokenJson(await writeToken(req, undefined), true))),
  });

  route('/v1/acl/token/self', {
    GET: async (req, reply) => {
      const own = requestToken(req) || store.agentTokens.default || 'anonymous';
      await store.ensureInitialized();
      const snap = await store.snapshot();
      const t = snap.bySecret.get(own);
      if (!t) throw aclNotFound();
      return sendRead(req, reply, tokenJson(t, true));
    },
  });

  route('/v1/acl/token/:id', {
    GET: async (req, reply) => {
      const id = await need(req, 'read');
      const t = await store.getToken(param(req, 'id'));
      if (!t) throw aclNotFound();
      return sendRead(req, reply, tokenJson(t, id.authorizer.allowed('acl', 'write') || t.SecretID === id.secretId));
    },
    PUT: async (req, reply) => reply.send(JSON.stringify(tokenJson(await writeToken(req, param(req, 'id')), true))),
    DELETE: async (req, reply) => {
      const id = await need(req, 'write');
      const accessor = param(req, 'id');
      if (accessor === ANONYMOUS_ACCESSOR_ID) throw new AclError(500, 'Delete operation not permitted on the anonymous token');
      await store.mutate((snap) => {
        const t = snap.tokens.get(accessor);
        if (!t) return { ops: [], result: undefined };
        if (t.SecretID === id.secretId) throw new AclError(500, "Deletion of the request's authorization token is not permitted");
        return { ops: [store.deleteOp(store.tokenKey(accessor))], result: undefined };
      });
      return reply.send('true');
    },
  });

  route('/v1/acl/token/:id/clone', {
    PUT: async (req, reply) => {
      await need(req, 'write');
      const body = decodeBody(req, 'ACLToken');
      const source = param(req, 'id');
      const accessor = await store.mutate((snap) => {
        const t = snap.tokens.get(source);
        if (!t) throw aclNotFound();
        const clone = store.newToken({
          Description: s(f(body, 'Description')) || t.Description,
          Policies: t.Policies,
          Roles: t.Roles,
          ServiceIdentities: t.ServiceIdentities,
          NodeIdentities: t.NodeIdentities,
          TemplatedPolicies: t.TemplatedPolicies,
          Local: t.Local,
          ExpirationTime: t.ExpirationTime,
        });
        return { ops: [store.putOp(store.tokenKey(clone.AccessorID), clone)], result: clone.AccessorID };
      });
      const view = await store.getToken(accessor);
      if (!view) throw aclNotFound();
      return reply.send(JSON.stringify(tokenJson(view, true)));
    },
  });

  route('/v1/acl/tokens', {
    GET: async (req, reply) => {
      const id = await need(req, 'read');
      const q = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
      const filters = ['policy', 'role', 'servicename', 'authmethod'].filter((k) => (q.get(k) ?? '') !== '');
      if (filters.length > 1) throw new AclError(500, 'can only filter by one of policy, role, serviceName, or methodName at a time');
      let tokens = await store.listTokens();
      const policy = q.get('policy');
      const role = q.get('role');
      const service = q.get('servicename');
      if (policy) tokens = tokens.filter((t) => t.Policies.some((p) => p.ID === policy));
      else if (role) tokens = tokens.filter((t) => t.Roles.some((r) => r.ID === role));
      else if (service) tokens = tokens.filter((t) => (t.ServiceIdentities ?? []).some((x) => x.ServiceName === service));
      else if (q.get('authmethod')) tokens = [];
      const showSecrets = id.authorizer.allowed('acl', 'write');
      return sendRead(req, reply, tokens.map((t) => tokenJson(t, showSecrets, true)));
    },
  });

  // ---- policies ----

  const writePolicy = async (req: FastifyRequest, idFromUrl: string | undefined): Promise<PolicyView> => {
    await need(req, 'write');
    const body = decodeBody(req, 'ACLPolicy');
    const bodyId = s(f(body, 'ID'));
    if (idFromUrl === undefined && bodyId !== '') throw new ConsulHttpError(400, 'Cannot specify the ID when creating a new policy');
    if (idFromUrl !== undefined && bodyId !== '' && bodyId !== idFromUrl) throw new ConsulHttpError(400, 'Policy ID in URL and payload do not match');
    const name = s(f(body, 'Name'));
    const rules = s(f(body, 'Rules'));
    const dcs = list(f(body, 'Datacenters')).map(s);
    if (name === '') throw new AclError(500, 'Invalid Policy: no name set');
    if (!NAME_RE.test(name)) throw new AclError(500, "Invalid Policy: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    AclStore.checkRules(rules);
    const policyId = await store.mutate((snap) => {
      const clash = [...snap.policies.values()].find((p) => p.Name === name && p.ID !== idFromUrl);
      if (clash) throw new AclError(500, `Invalid Policy: A Policy with Name ${JSON.stringify(name)} already exists`);
      const policy: StoredPolicy = { ID: idFromUrl ?? randomUUID(), Name: name, Description: s(f(body, 'Description')), Rules: rules, ...(dcs.length ? { Datacenters: dcs } : {}) };
      if (idFromUrl !== undefined) {
        const existing = snap.policies.get(idFromUrl);
        if (!existing) throw new AclError(500, `Cannot find policy ${JSON.stringify(idFromUrl)}`);
        if (existing.ID === GLOBAL_MANAGEMENT_ID) {
          if (rules !== existing.Rules) throw new AclError(500, 'Changing the Rules for the builtin global-management policy is not permitted');
          if (dcs.length > 0) throw new AclError(500, 'Changing the Datacenters of the builtin global-management policy is not permitted');
        }
      }
      return { ops: [store.putOp(store.policyKey(policy.ID), policy)], result: policy.ID };
    });
    const view = await store.getPolicy(policyId);
    if (!view) throw aclNotFound();
    return view;
  };

  route('/v1/acl/policy', {
    PUT: async (req, reply) => reply.send(JSON.stringify(policyJson(await writePolicy(req, undefined)))),
  });

  route('/v1/acl/policy/name/:name', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const p = await store.getPolicyByName(param(req, 'name'));
      if (!p) throw missing('policy');
      return sendRead(req, reply, policyJson(p));
    },
  });

  route('/v1/acl/policy/:id', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const pid = param(req, 'id');
      uuidLookup('policy', pid);
      const p = await store.getPolicy(pid);
      if (!p) throw missing('policy');
      return sendRead(req, reply, policyJson(p));
    },
    PUT: async (req, reply) => reply.send(JSON.stringify(policyJson(await writePolicy(req, param(req, 'id'))))),
    DELETE: async (req, reply) => {
      await need(req, 'write');
      const pid = param(req, 'id');
      await store.mutate((snap) => {
        const p = snap.policies.get(pid);
        if (!p) return { ops: [], result: undefined };
        if (isBuiltinPolicy(pid)) throw new AclError(500, `Delete operation not permitted on the builtin ${p.Name} policy`);
        return { ops: [store.deleteOp(store.policyKey(pid))], result: undefined };
      });
      return reply.send('true');
    },
  });

  route('/v1/acl/policies', {
    GET: async (req, reply) => {
      await need(req, 'read');
      return sendRead(req, reply, (await store.listPolicies()).map((p) => policyJson(p, true)));
    },
  });

  // ---- roles ----

  const writeRole = async (req: FastifyRequest, idFromUrl: string | undefined): Promise<RoleView> => {
    await need(req, 'write');
    const body = decodeBody(req, 'ACLRole');
    const bodyId = s(f(body, 'ID'));
    if (idFromUrl === undefined && bodyId !== '') throw new ConsulHttpError(400, 'Cannot specify the ID when creating a new role');
    if (idFromUrl !== undefined && bodyId !== '' && bodyId !== idFromUrl) throw new ConsulHttpError(400, 'Role ID in URL and payload do not match');
    const name = s(f(body, 'Name'));
    if (name === '') throw new AclError(500, 'Invalid Role: no Name is set');
    if (!NAME_RE.test(name)) throw new AclError(500, "Invalid Role: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    const policies = links(f(body, 'Policies'));
    const sids = serviceIdentities(f(body, 'ServiceIdentities'), 'role');
    const nids = nodeIdentities(f(body, 'NodeIdentities'), 'role');
    const templated = templatedPolicies(f(body, 'TemplatedPolicies'));
    const roleId = await store.mutate((snap) => {
      const clash = [...snap.roles.values()].find((r) => r.Name === name && r.ID !== idFromUrl);
      if (clash) throw new AclError(500, `Invalid Role: A Role with Name ${JSON.stringify(name)} already exists`);
      if (idFromUrl !== undefined && !snap.roles.has(idFromUrl)) throw new AclError(500, `Cannot find role ${JSON.stringify(idFromUrl)}`);
      const role: StoredRole = {
        ID: idFromUrl ?? randomUUID(),
        Name: name,
        Description: s(f(body, 'Description')),
        Policies: resolvePolicyLinks(snap, policies),
        ServiceIdentities: sids,
        NodeIdentities: nids,
        ...(templated.length ? { TemplatedPolicies: templated } : {}),
      };
      return { ops: [store.putOp(store.roleKey(role.ID), role)], result: role.ID };
    });
    const view = await store.getRole(roleId);
    if (!view) throw aclNotFound();
    return view;
  };

  route('/v1/acl/role', {
    PUT: async (req, reply) => reply.send(JSON.stringify(roleJson(await writeRole(req, undefined)))),
  });
  route('/v1/acl/role/name/:name', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const r = await store.getRoleByName(param(req, 'name'));
      if (!r) throw missing('role');
      return sendRead(req, reply, roleJson(r));
    },
  });
  route('/v1/acl/role/:id', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const rid = param(req, 'id');
      uuidLookup('role', rid);
      const r = await store.getRole(rid);
      if (!r) throw missing('role');
      return sendRead(req, reply, roleJson(r));
    },
    PUT: async (req, reply) => reply.send(JSON.stringify(roleJson(await writeRole(req, param(req, 'id'))))),
    DELETE: async (req, reply) => {
      await need(req, 'write');
      const rid = param(req, 'id');
      await store.mutate((snap) => ({ ops: snap.roles.has(rid) ? [store.deleteOp(store.roleKey(rid))] : [], result: undefined }));
      return reply.send('true');
    },
  });
  route('/v1/acl/roles', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const q = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
      const policy = q.get('policy');
      let roles = await store.listRoles();
      if (policy) roles = roles.filter((r) => r.Policies.some((p) => p.ID === policy));
      return sendRead(req, reply, roles.map(roleJson));
    },
  });

  // ---- templated policies ----

  route('/v1/acl/templated-policies', {
    GET: async (req, reply) => {
      await need(req, 'read');
      return sendRead(req, reply, TEMPLATED_POLICIES);
    },
  });
  app.all('/v1/acl/templated-policy/name/*', async (req, reply) => {
    if (!settings.enabled) throw new ConsulHttpError(401, ACL_DISABLED);
    if (req.method !== 'GET') throw methodNotAllowed(req.method);
    await need(req, 'read');
    const name = decodeURIComponent((req.params as { '*': string })['*']);
    const t = TEMPLATED_POLICIES[name];
    if (!t) throw new ConsulHttpError(404, `Invalid templated policy Name: ${name}`);
    return sendRead(req, reply, t);
  });
  app.all('/v1/acl/templated-policy/preview/*', async (req, reply) => {
    if (!settings.enabled) throw new ConsulHttpError(401, ACL_DISABLED);
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    await need(req, 'write');
    const name = decodeURIComponent((req.params as { '*': string })['*']);
    if (!TEMPLATED_POLICIES[name]) throw new ConsulHttpError(404, `Invalid templated policy Name: ${name}`);
    const vars = templateVariablesOf(decodeBody(req, 'ACLToken'));
    let rules: string;
    try {
      rules = renderTemplatedPolicy(name, vars);
    } catch (err) {
      if (err instanceof TemplatedPolicyError) throw new ConsulHttpError(400, err.message);
      throw err;
    }
    const id = randomUUID();
    const policy = { ID: id, Name: `synthetic-policy-${id.replaceAll('-', '').slice(0, 16)}`, Description: `synthetic policy generated from templated policy: ${name}`, Rules: rules, Hash: '', CreateIndex: 0, ModifyIndex: 0 };
    return reply.send(JSON.stringify(policy));
  });

  // ---- auth methods, binding rules, login ----

  const methodJson = (m: StoredAuthMethod & { CreateIndex: number; ModifyIndex: number }, stub = false): Record<string, unknown> => {
    const out: Record<string, unknown> = { Name: m.Name, Type: m.Type };
    if (m.DisplayName) out.DisplayName = m.DisplayName;
    out.Description = m.Description;
    if (m.MaxTokenTTL > 0) out.MaxTokenTTL = formatGoDuration(m.MaxTokenTTL);
    if (m.TokenLocality) out.TokenLocality = m.TokenLocality;
    if (!stub) out.Config = m.Config;
    out.CreateIndex = m.CreateIndex;
    out.ModifyIndex = m.ModifyIndex;
    return out;
  };
  const ruleJson = (r: StoredBindingRule & { CreateIndex: number; ModifyIndex: number }): Record<string, unknown> => ({
    ID: r.ID,
    Description: r.Description,
    AuthMethod: r.AuthMethod,
    Selector: r.Selector,
    BindType: r.BindType,
    BindName: r.BindName,
    ...(r.BindVars ? { BindVars: r.BindVars } : {}),
    CreateIndex: r.CreateIndex,
    ModifyIndex: r.ModifyIndex,
  });
  const asAclError = (err: unknown): never => {
    if (err instanceof AuthMethodError) throw new AclError(500, err.message);
    throw err;
  };

  const writeMethod = async (req: FastifyRequest, nameFromUrl: string | undefined) => {
    await need(req, 'write');
    const body = decodeBody(req, 'ACLAuthMethod');
    const name = nameFromUrl ?? s(f(body, 'Name'));
    if (nameFromUrl !== undefined && s(f(body, 'Name')) !== '' && s(f(body, 'Name')) !== nameFromUrl) throw new ConsulHttpError(400, 'Auth Method Name in URL and payload do not match');
    if (name === '') throw new AclError(500, 'Invalid Auth Method: no Name is set');
    if (!NAME_RE.test(name)) throw new AclError(500, "Invalid Auth Method: invalid Name. Only alphanumeric characters, '-' and '_' are allowed");
    const type = s(f(body, 'Type'));
    if (!AUTH_METHOD_TYPES.includes(type)) throw new AclError(500, `Invalid Auth Method: Type should be one of: [${AUTH_METHOD_TYPES.join(' ')}]`);
    const locality = s(f(body, 'TokenLocality'));
    if (locality !== '' && locality !== 'local' && locality !== 'global') throw new AclError(500, "Invalid Auth Method: TokenLocality should be one of 'local' or 'global'");
    const rawTtl = f(body, 'MaxTokenTTL');
    const ttlNs = typeof rawTtl === 'number' ? rawTtl : typeof rawTtl === 'string' && rawTtl !== '' ? (parseGoDurationNs(rawTtl) ?? -1) : 0;
    if (ttlNs < 0) throw new ConsulHttpError(400, `Auth Method decoding failed: time: invalid duration ${JSON.stringify(rawTtl)}`);
    if (ttlNs > 0 && (ttlNs < 60e9 || ttlNs > 24 * 3600e9)) throw new AclError(500, `Invalid Auth Method: MaxTokenTTL ${formatGoDuration(ttlNs)} should be between 1m0s and 24h0m0s`);
    const config = (f(body, 'Config') ?? {}) as Record<string, unknown>;
    try {
      validateAuthMethodConfig(type, config);
    } catch (err) {
      asAclError(err);
    }
    await store.mutate((snap) => {
      const existing = snap.authMethods.get(name);
      if (nameFromUrl !== undefined && !existing) throw new AclError(500, `Cannot find auth method "${name}"`);
      if (nameFromUrl === undefined && existing) throw new AclError(500, `Invalid Auth Method: Auth Method with Name "${name}" already exists`);
      if (existing && existing.Type !== type) throw new AclError(500, `Cannot change type of auth method "${name}"`);
      const method: StoredAuthMethod = { Name: name, Type: type, ...(s(f(body, 'DisplayName')) ? { DisplayName: s(f(body, 'DisplayName')) } : {}), Description: s(f(body, 'Description')), MaxTokenTTL: ttlNs, ...(locality ? { TokenLocality: locality } : {}), Config: config };
      return { ops: [store.putOp(store.authMethodKey(name), method)], result: undefined };
    });
    const m = (await store.snapshot()).authMethods.get(name);
    if (!m) throw aclNotFound();
    return methodJson(m);
  };

  route('/v1/acl/auth-method', { PUT: async (req, reply) => reply.send(JSON.stringify(await writeMethod(req, undefined))) });
  route('/v1/acl/auth-method/:name', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const m = (await store.snapshot()).authMethods.get(param(req, 'name'));
      if (!m) throw new ConsulHttpError(404, 'ACL auth method not found');
      return sendRead(req, reply, methodJson(m));
    },
    PUT: async (req, reply) => reply.send(JSON.stringify(await writeMethod(req, param(req, 'name')))),
    DELETE: async (req, reply) => {
      await need(req, 'write');
      const name = param(req, 'name');
      await store.mutate((snap) => {
        if (!snap.authMethods.has(name)) return { ops: [], result: undefined };
        // its binding rules and the tokens it issued go with it, as in Consul
        const ops = [store.deleteOp(store.authMethodKey(name))];
        for (const r of snap.bindingRules.values()) if (r.AuthMethod === name) ops.push(store.deleteOp(store.bindingRuleKey(r.ID)));
        for (const t of snap.tokens.values()) if (t.AuthMethod === name) ops.push(store.deleteOp(store.tokenKey(t.AccessorID)));
        return { ops, result: undefined };
      });
      return reply.send('true');
    },
  });
  route('/v1/acl/auth-methods', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const all = [...(await store.snapshot()).authMethods.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
      return sendRead(req, reply, all.map((m) => methodJson(m, true)));
    },
  });

  const writeRule = async (req: FastifyRequest, idFromUrl: string | undefined) => {
    await need(req, 'write');
    const body = decodeBody(req, 'ACLBindingRule');
    const bodyId = s(f(body, 'ID'));
    if (idFromUrl === undefined && bodyId !== '') throw new ConsulHttpError(400, 'Cannot specify the ID when creating a new binding rule');
    if (idFromUrl !== undefined && bodyId !== '' && bodyId !== idFromUrl) throw new ConsulHttpError(400, 'BindingRule ID in URL and payload do not match');
    const methodName = s(f(body, 'AuthMethod'));
    const bindType = s(f(body, 'BindType'));
    const bindName = s(f(body, 'BindName'));
    const selector = s(f(body, 'Selector'));
    const id = await store.mutate((snap) => {
      const existing = idFromUrl !== undefined ? snap.bindingRules.get(idFromUrl) : undefined;
      if (idFromUrl !== undefined && !existing) throw new AclError(500, `Cannot find binding rule "${idFromUrl}"`);
      const authMethod = methodName || existing?.AuthMethod || '';
      if (authMethod === '') throw new AclError(500, 'Invalid Binding Rule: no AuthMethod is set');
      const method = snap.authMethods.get(authMethod);
      if (!method) throw new AclError(500, `Invalid Binding Rule: unknown auth method "${authMethod}"`);
      if (existing && authMethod !== existing.AuthMethod) throw new AclError(500, 'Invalid Binding Rule: AuthMethod field is immutable');
      if (!BIND_TYPES.includes(bindType)) throw new AclError(500, bindType === '' ? 'Invalid Binding Rule: no BindType is set' : `Invalid Binding Rule: unknown BindType "${bindType}"`);
      if (bindName === '') throw new AclError(500, 'Invalid Binding Rule: no BindName is set');
      try {
        checkSelector(method, selector);
      } catch (err) {
        asAclError(err);
      }
      const rule: StoredBindingRule = { ID: idFromUrl ?? randomUUID(), Description: s(f(body, 'Description')), AuthMethod: authMethod, Selector: selector, BindType: bindType, BindName: bindName };
      const vars = f(body, 'BindVars');
      if (vars && typeof vars === 'object') rule.BindVars = vars as Record<string, unknown>;
      return { ops: [store.putOp(store.bindingRuleKey(rule.ID), rule)], result: rule.ID };
    });
    const r = (await store.snapshot()).bindingRules.get(id);
    if (!r) throw aclNotFound();
    return ruleJson(r);
  };

  route('/v1/acl/binding-rule', { PUT: async (req, reply) => reply.send(JSON.stringify(await writeRule(req, undefined))) });
  route('/v1/acl/binding-rule/:id', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const r = (await store.snapshot()).bindingRules.get(param(req, 'id'));
      if (!r) throw new ConsulHttpError(404, 'ACL binding rule not found');
      return sendRead(req, reply, ruleJson(r));
    },
    PUT: async (req, reply) => reply.send(JSON.stringify(await writeRule(req, param(req, 'id')))),
    DELETE: async (req, reply) => {
      await need(req, 'write');
      const rid = param(req, 'id');
      await store.mutate((snap) => ({ ops: snap.bindingRules.has(rid) ? [store.deleteOp(store.bindingRuleKey(rid))] : [], result: undefined }));
      return reply.send('true');
    },
  });
  route('/v1/acl/binding-rules', {
    GET: async (req, reply) => {
      await need(req, 'read');
      const q = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
      const method = q.get('authmethod');
      const rules = [...(await store.snapshot()).bindingRules.values()].filter((r) => !method || r.AuthMethod === method);
      return sendRead(req, reply, rules.map(ruleJson));
    },
  });

  route('/v1/acl/login', {
    POST: async (req, reply) => {
      await store.ensureInitialized();
      const body = decodeBody(req, 'ACLToken');
      const methodName = s(f(body, 'AuthMethod'));
      const bearer = s(f(body, 'BearerToken'));
      if (methodName === '') throw new ConsulHttpError(400, 'Invalid login request: missing auth method name');
      if (bearer === '') throw new ConsulHttpError(400, 'Invalid login request: missing bearer token');
      const snap = await store.snapshot();
      const method = snap.authMethods.get(methodName);
      if (!method) throw aclNotFound();
      let who;
      try {
        who = verifyJwtLogin(method, bearer);
      } catch (err) {
        return asAclError(err);
      }
      const policies: PolicyLink[] = [];
      const roles: PolicyLink[] = [];
      const sids: ServiceIdentity[] = [];
      const nids: NodeIdentity[] = [];
      const templated: TemplatedPolicyLink[] = [];
      for (const rule of snap.bindingRules.values()) {
        if (rule.AuthMethod !== methodName || !ruleMatches(method, rule, who)) continue;
        let name: string;
        try {
          name = interpolateBindName(rule.BindName, who);
        } catch (err) {
          return asAclError(err);
        }
        if (rule.BindType === 'service') sids.push({ ServiceName: name });
        else if (rule.BindType === 'node') nids.push({ NodeName: name, Datacenter: settings.datacenter });
        else if (rule.BindType === 'policy') {
          const p = [...snap.policies.values()].find((x) => x.Name === name);
          if (p) policies.push({ ID: p.ID, Name: p.Name });
        } else if (rule.BindType === 'role') {
          const r = [...snap.roles.values()].find((x) => x.Name === name);
          if (r) roles.push({ ID: r.ID, Name: r.Name });
        } else if (rule.BindType === 'templated-policy') templated.push({ TemplateName: name, ...(typeof rule.BindVars?.Name === 'string' ? { TemplateVariables: { name: interpolateBindName(rule.BindVars.Name, who) } } : {}) });
      }
      if (policies.length + roles.length + sids.length + nids.length + templated.length === 0) throw new ConsulHttpError(403, 'Permission denied');
      const meta = f(body, 'Meta');
      const token = store.newToken({
        Description: `token created via login${meta && typeof meta === 'object' ? `: ${JSON.stringify(meta)}` : ''}`,
        Policies: policies,
        Roles: roles,
        ServiceIdentities: sids,
        NodeIdentities: nids,
        TemplatedPolicies: templated,
        Local: method.TokenLocality !== 'global',
        AuthMethod: methodName,
        ...(method.MaxTokenTTL > 0 ? { ExpirationTime: new Date(Date.now() + method.MaxTokenTTL / 1e6).toISOString() } : {}),
      });
      await store.mutate(() => ({ ops: [store.putOp(store.tokenKey(token.AccessorID), token)], result: undefined }));
      const view = await store.getToken(token.AccessorID);
      if (!view) throw aclNotFound();
      return reply.send(JSON.stringify(tokenJson(view, true)));
    },
  });

  route('/v1/acl/logout', {
    POST: async (req, reply) => {
      await store.ensureInitialized();
      const secret = requestToken(req);
      if (secret === '' || secret === 'anonymous') throw aclNotFound();
      const t = (await store.snapshot()).bySecret.get(secret);
      if (!t) throw aclNotFound();
      if (!t.AuthMethod) throw new ConsulHttpError(403, 'Permission denied');
      await store.mutate(() => ({ ops: [store.deleteOp(store.tokenKey(t.AccessorID))], result: undefined }));
      return reply.send('true');
    },
  });

  // ---- what a token may do (the UI asks before it shows its buttons) ----

  app.all('/v1/internal/acl/authorize', async (req, reply) => {
    if (req.method !== 'POST' && req.method !== 'PUT') throw methodNotAllowed(req.method);
    const b = req.body;
    let asked: unknown;
    try {
      asked = Buffer.isBuffer(b) && b.length > 0 ? JSON.parse(b.toString('utf8')) : [];
    } catch (err) {
      throw new ConsulHttpError(400, `Failed to decode request body: ${(err as Error).message}`);
    }
    if (!Array.isArray(asked)) throw new ConsulHttpError(400, 'Failed to decode request body: json: cannot unmarshal object into Go value of type []structs.ACLAuthorizationRequest');
    if (asked.length > 64) throw new ConsulHttpError(400, 'Refusing to authorize more than 64 requests at once');
    const id = settings.enabled ? await who(req) : undefined;
    const resources = new Set(['acl', 'agent', 'event', 'intention', 'key', 'keyring', 'node', 'operator', 'mesh', 'peering', 'query', 'service', 'session']);
    const out = asked.map((r) => {
      const resource = s(f(r, 'Resource'));
      const segment = s(f(r, 'Segment'));
      const access = s(f(r, 'Access'));
      if (!resources.has(resource)) throw new ConsulHttpError(400, `Invalid request: unknown resource "${resource}"`);
      if (!['read', 'write', 'list'].includes(access)) throw new ConsulHttpError(400, `Invalid request: unknown access level "${access}"`);
      let allow = true;
      if (id) {
        if (resource === 'intention') allow = id.authorizer.allowed('service', access === 'write' ? 'write' : 'read', segment);
        else allow = id.authorizer.allowed(resource as 'key', access as 'read', segment);
      }
      return { Resource: resource, Segment: segment, Access: access, Allow: allow };
    });
    return reply.send(JSON.stringify(out));
  });

  // ---- the agent's own tokens (kept in memory until a restart, as Consul without token persistence) ----

  app.all('/v1/agent/token/:name', async (req, reply) => {
    if (!settings.enabled) throw new ConsulHttpError(401, ACL_DISABLED);
    if (req.method !== 'PUT') throw methodNotAllowed(req.method);
    // the enforcement hook has checked agent:write on this agent
    const body = decodeBody(req, 'ACLToken');
    const token = s(f(body, 'Token'));
    const name = param(req, 'name');
    const slots: Record<string, keyof AclStore['agentTokens']> = {
      default: 'default',
      acl_token: 'default',
      agent: 'agent',
      acl_agent_token: 'agent',
      agent_recovery: 'agentRecovery',
      agent_master: 'agentRecovery',
      acl_agent_master_token: 'agentRecovery',
      replication: 'replication',
      acl_replication_token: 'replication',
      dns: 'dns',
      config_file_service_registration: 'configFileRegistration',
    };
    const slot = slots[name];
    if (!slot) throw new ConsulHttpError(404, `Token "${name}" is unknown`);
    store.setAgentToken(slot, token);
    ctx.logger.info({ module: 'agent' }, `Updated agent's ACL token "${name}"`);
    return reply.send('');
  });
}
