// Consul's ACL state on the Backend: tokens, policies, roles and the bootstrap record in the system
// keyspace under acl/ (so they replicate with everything else and their CreateIndex / ModifyIndex
// are store revisions), read through a cache that is rebuilt when the 'acls' table index moves
// (another member's write) or after this member's own write. Every change is one txn guarded by
// "nothing under acl/ changed since I read it", so name uniqueness holds across members.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, KeyValue, RequestOp } from '../../adapters/backend.js';
import { CompareResult, CompareTarget } from '../../adapters/backend.js';
import { putRequest, rangeRequest } from '../../adapters/requests.js';
import type { IndexTracker } from '../index-tracker.js';
import { prefixEnd, SYSTEM, SystemPrefix, systemKey } from '../system-keys.js';
import { Authorizer, type DefaultPolicy } from './authorizer.js';
import {
  agentRecoveryRules,
  ANONYMOUS_ACCESSOR_ID,
  ANONYMOUS_SECRET_ID,
  BUILTIN_POLICIES,
  GLOBAL_MANAGEMENT_ID,
  hashOf,
  nodeIdentityRules,
  serviceIdentityRules,
  type Indexed,
  type StoredPolicy,
  type StoredRole,
  type StoredToken,
} from './model.js';
import { mergeRules, parseRules, type ParsedRules } from './rules.js';
import { renderTemplatedPolicy, type TemplatedPolicyLink } from './templated-policies.js';
import type { StoredAuthMethod, StoredBindingRule } from './auth-methods.js';

const ACL_PREFIX = systemKey(SystemPrefix.acl);
const TOKEN = `${SystemPrefix.acl}token/`;
const POLICY = `${SystemPrefix.acl}policy/`;
const ROLE = `${SystemPrefix.acl}role/`;
const BOOTSTRAP_KEY = systemKey(`${SystemPrefix.acl}bootstrap`);
const AUTH_METHOD = `${SystemPrefix.acl}auth-method/`;
const BINDING_RULE = `${SystemPrefix.acl}binding-rule/`;
const WRITE_ATTEMPTS = 8;
/** Where Consul persists the agent's tokens (acl.enable_token_persistence), with its field names. */
const TOKENS_FILE = 'acl-tokens.json';
const PERSISTED_NAMES: Record<string, string> = {
  default: 'default',
  agent: 'agent',
  agentRecovery: 'agent_recovery',
  replication: 'replication',
  configFileRegistration: 'config_file_service_registration',
  dns: 'dns',
};

/** An ACL error with Consul's HTTP status and text. */
export class AclError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
export const aclNotFound = (): AclError => new AclError(403, 'ACL not found');

export interface AclSettings {
  enabled: boolean;
  defaultPolicy: DefaultPolicy;
  downPolicy: string;
  enableKeyListPolicy: boolean;
  /** tokens.initial_management (legacy: master, acl_master_token). */
  initialManagement: string;
  /** tokens.agent_recovery (legacy: agent_master, acl_agent_master_token). */
  agentRecovery: string;
  /** tokens.default (legacy acl_token): used by requests that carry no token, and by DNS. */
  defaultToken: string;
  /** tokens.agent (legacy acl_agent_token). */
  agentToken: string;
  /** tokens.dns: DNS lookups use it when set, else the default token. */
  dnsToken: string;
  replicationToken: string;
  configFileRegistrationToken: string;
  /** acl.enable_token_persistence: tokens set through /v1/agent/token/* are kept in data-dir/acl-tokens.json. */
  enableTokenPersistence: boolean;
  /** The agent's data directory (where the bootstrap reset file is read); '' in -dev. */
  dataDir: string;
  /** This agent's node (what the agent recovery token grants). */
  nodeName: string;
  datacenter: string;
}

export interface TokenView extends StoredToken, Indexed {
  Hash: string;
}
export interface PolicyView extends StoredPolicy, Indexed {
  Hash: string;
}
export interface RoleView extends StoredRole, Indexed {
  Hash: string;
}

/** Who a request is, once its token is resolved. */
export interface Identity {
  /** The token's AccessorID ('' for the agent recovery token, which is not stored). */
  accessorId: string;
  secretId: string;
  authorizer: Authorizer;
  /** The request named a token itself (not the agent default / anonymous). */
  explicit: boolean;
}

interface Snapshot {
  revision: number;
  tokens: Map<string, TokenView>;
  bySecret: Map<string, TokenView>;
  policies: Map<string, PolicyView>;
  roles: Map<string, RoleView>;
  /** The revision the bootstrap happened at (Consul's reset index); 0 = not bootstrapped. */
  bootstrapIndex: number;
  authorizers: Map<string, Authorizer>;
  authMethods: Map<string, StoredAuthMethod & Indexed>;
  bindingRules: Map<string, StoredBindingRule & Indexed>;
}

function decode<T>(kv: KeyValue): (T & Indexed) | undefined {
  try {
    return { ...(JSON.parse(kv.value.toString('utf8')) as T), CreateIndex: kv.createRevision, ModifyIndex: kv.modRevision };
  } catch {
    return undefined;
  }
}

export class AclStore {
  private cache: Snapshot | undefined;
  private cacheTableIndex = -1;
  private writes: Promise<unknown> = Promise.resolve();
  private initialized: Promise<void> | undefined;
  private readonly parsedRules = new Map<string, ParsedRules>();
  /** The agent tokens set through /v1/agent/token/* (or loaded from the persisted file). */
  private readonly setThroughApi = new Set<string>();
  /** Tokens set through /v1/agent/token/* (they replace the configured ones until a restart). */
  readonly agentTokens: { default: string; agent: string; agentRecovery: string; replication: string; dns: string; configFileRegistration: string };

  constructor(
    private readonly backend: Backend,
    private readonly tracker: IndexTracker,
    readonly settings: AclSettings,
  ) {
    this.agentTokens = {
      default: settings.defaultToken,
      agent: settings.agentToken,
      agentRecovery: settings.agentRecovery,
      replication: settings.replicationToken,
      dns: settings.dnsToken,
      configFileRegistration: settings.configFileRegistrationToken,
    };
    if (settings.enableTokenPersistence && settings.dataDir !== '') {
      // tokens set through the API earlier win over the configuration's, as Consul loads them
      try {
        const saved = JSON.parse(readFileSync(join(settings.dataDir, TOKENS_FILE), 'utf8')) as Record<string, unknown>;
        for (const [slot, name] of Object.entries(PERSISTED_NAMES)) {
          const v = saved[name];
          if (typeof v === 'string' && v !== '') {
            this.agentTokens[slot as keyof AclStore['agentTokens']] = v;
            this.setThroughApi.add(slot);
          }
        }
      } catch {
        // no file yet
      }
    }
  }

  /** Sets one of the agent's tokens (PUT /v1/agent/token/<name>), persisted when token persistence is on. */
  setAgentToken(slot: keyof AclStore['agentTokens'], token: string): void {
    this.agentTokens[slot] = token;
    this.setThroughApi.add(slot);
    if (!this.settings.enableTokenPersistence || this.settings.dataDir === '') return;
    const out: Record<string, string> = {};
    // only what was set through the API is persisted (the configuration's tokens stay in the configuration)
    for (const [s, name] of Object.entries(PERSISTED_NAMES)) {
      const v = this.agentTokens[s as keyof AclStore['agentTokens']];
      if (v !== '' && this.setThroughApi.has(s)) out[name] = v;
    }
    const file = join(this.settings.dataDir, TOKENS_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(out), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** The 'acls' table index (X-Consul-Index of the ACL endpoints). */
  index(): number {
    return this.tracker.index('acls');
  }

  // ---- start-up: what Consul's leader creates when ACLs are enabled ----

  /** Creates the built-in policies, the anonymous token and the initial management token once. */
  ensureInitialized(): Promise<void> {
    if (!this.initialized) {
      this.initialized = this.initialize();
      this.initialized.catch(() => {
        this.initialized = undefined; // e.g. no leader yet: the next request tries again
      });
    }
    return this.initialized;
  }

  private async initialize(): Promise<void> {
    for (const p of BUILTIN_POLICIES) await this.putIfAbsent(systemKey(POLICY, p.ID), p);
    const anonymous: StoredToken = {
      AccessorID: ANONYMOUS_ACCESSOR_ID,
      SecretID: ANONYMOUS_SECRET_ID,
      Description: 'Anonymous Token',
      Policies: [],
      Roles: [],
      ServiceIdentities: [],
      NodeIdentities: [],
      Local: false,
      CreateTime: new Date().toISOString(),
    };
    await this.putIfAbsent(systemKey(TOKEN, ANONYMOUS_ACCESSOR_ID), anonymous);
    const secret = this.settings.initialManagement;
    if (secret !== '') {
      await this.mutate((snap) => {
        if (snap.bySecret.has(secret)) return { ops: [], result: undefined };
        const token = this.newToken({ SecretID: secret, Description: 'Initial Management Token', Policies: [{ ID: GLOBAL_MANAGEMENT_ID, Name: '' }] });
        const ops = [this.putOp(systemKey(TOKEN, token.AccessorID), token)];
        // the initial management token counts as the bootstrap (Consul refuses /v1/acl/bootstrap after it)
        if (snap.bootstrapIndex === 0) ops.push(this.putOp(BOOTSTRAP_KEY, { bootstrapped: true }));
        return { ops, result: undefined };
      });
    }
  }

  private async putIfAbsent(key: Buffer, value: unknown): Promise<void> {
    await this.backend.txn({
      compare: [{ keyspace: SYSTEM, key, rangeEnd: Buffer.alloc(0), target: CompareTarget.VERSION, result: CompareResult.EQUAL, version: 0 }],
      success: [{ requestPut: putRequest(key, Buffer.from(JSON.stringify(value)), { keyspace: SYSTEM }) }],
      failure: [],
    });
    this.cache = undefined;
  }

  // ---- reads ----

  async snapshot(): Promise<Snapshot> {
    const tableIndex = this.index();
    if (this.cache && tableIndex === this.cacheTableIndex) return this.cache;
    const res = await this.backend.range(rangeRequest(ACL_PREFIX, { keyspace: SYSTEM, rangeEnd: prefixEnd(ACL_PREFIX), serializable: true }));
    const snap: Snapshot = { revision: res.header.revision, tokens: new Map(), bySecret: new Map(), policies: new Map(), roles: new Map(), bootstrapIndex: 0, authorizers: new Map(), authMethods: new Map(), bindingRules: new Map() };
    const rawTokens: Array<StoredToken & Indexed> = [];
    const rawRoles: Array<StoredRole & Indexed> = [];
    for (const kv of res.kvs) {
      const key = kv.key.toString('utf8');
      if (key.startsWith(POLICY)) {
        const p = decode<StoredPolicy>(kv);
        if (p) snap.policies.set(p.ID, { ...p, Hash: hashOf([p.Name, p.Description, p.Rules, p.Datacenters ?? []]) });
      } else if (key.startsWith(TOKEN)) {
        const t = decode<StoredToken>(kv);
        if (t) rawTokens.push(t);
      } else if (key.startsWith(ROLE)) {
        const r = decode<StoredRole>(kv);
        if (r) rawRoles.push(r);
      } else if (key.startsWith(AUTH_METHOD)) {
        const m = decode<StoredAuthMethod>(kv);
        if (m) snap.authMethods.set(m.Name, m);
      } else if (key.startsWith(BINDING_RULE)) {
        const b = decode<StoredBindingRule>(kv);
        if (b) snap.bindingRules.set(b.ID, b);
      } else if (kv.key.equals(BOOTSTRAP_KEY)) {
        snap.bootstrapIndex = kv.modRevision;
      }
    }
    // links to deleted policies or roles disappear and names follow renames, as Consul's reads fix them up
    const fixPolicies = (links: StoredToken['Policies']) =>
      links.flatMap((l) => {
        const p = snap.policies.get(l.ID);
        return p ? [{ ID: p.ID, Name: p.Name }] : [];
      });
    for (const r of rawRoles) {
      const role = { ...r, Policies: fixPolicies(r.Policies ?? []) };
      snap.roles.set(r.ID, { ...role, Hash: hashOf([role.Name, role.Description, role.Policies, role.ServiceIdentities, role.NodeIdentities, role.TemplatedPolicies ?? []]) });
    }
    for (const t of rawTokens) {
      const token = {
        ...t,
        Policies: fixPolicies(t.Policies ?? []),
        Roles: (t.Roles ?? []).flatMap((l) => {
          const r = snap.roles.get(l.ID);
          return r ? [{ ID: r.ID, Name: r.Name }] : [];
        }),
      };
      const view: TokenView = { ...token, Hash: hashOf([token.Description, token.Policies, token.Roles, token.ServiceIdentities, token.NodeIdentities, token.TemplatedPolicies ?? [], token.Local, token.ExpirationTime ?? '']) };
      snap.tokens.set(view.AccessorID, view);
      snap.bySecret.set(view.SecretID, view);
    }
    this.cache = snap;
    this.cacheTableIndex = tableIndex;
    return snap;
  }

  async bootstrapped(): Promise<boolean> {
    return (await this.snapshot()).bootstrapIndex > 0;
  }

  async listTokens(): Promise<TokenView[]> {
    return [...(await this.snapshot()).tokens.values()].filter((t) => !expired(t));
  }
  async getToken(accessorId: string): Promise<TokenView | undefined> {
    const t = (await this.snapshot()).tokens.get(accessorId);
    return t && !expired(t) ? t : undefined;
  }
  async listPolicies(): Promise<PolicyView[]> {
    return [...(await this.snapshot()).policies.values()];
  }
  async getPolicy(id: string): Promise<PolicyView | undefined> {
    return (await this.snapshot()).policies.get(id);
  }
  async getPolicyByName(name: string): Promise<PolicyView | undefined> {
    return [...(await this.snapshot()).policies.values()].find((p) => p.Name === name);
  }
  async listRoles(): Promise<RoleView[]> {
    return [...(await this.snapshot()).roles.values()];
  }
  async getRole(id: string): Promise<RoleView | undefined> {
    return (await this.snapshot()).roles.get(id);
  }
  async getRoleByName(name: string): Promise<RoleView | undefined> {
    return [...(await this.snapshot()).roles.values()].find((r) => r.Name === name);
  }

  // ---- resolving a request's token ----

  /**
   * The identity of a secret: its token's policies, roles and identities as one authorizer.
   * Unknown or expired secrets fail with Consul's "ACL not found" (before the bootstrap, with the
   * hint Consul gives then).
   */
  async resolve(secret: string, explicit: boolean): Promise<Identity> {
    const snap = await this.snapshot();
    if (this.agentTokens.agentRecovery !== '' && secret === this.agentTokens.agentRecovery) {
      return { accessorId: '', secretId: secret, explicit, authorizer: new Authorizer(this.rulesOf(agentRecoveryRules(this.settings.nodeName)), 'deny') };
    }
    const token = snap.bySecret.get(secret);
    if (!token || expired(token)) {
      if (snap.bootstrapIndex === 0) throw new AclError(403, 'ACL system must be bootstrapped before making any requests that require authorization: ACL not found');
      throw aclNotFound();
    }
    let authorizer = snap.authorizers.get(token.AccessorID);
    if (!authorizer) {
      authorizer = new Authorizer(this.tokenRules(snap, token), this.settings.defaultPolicy);
      snap.authorizers.set(token.AccessorID, authorizer);
    }
    return { accessorId: token.AccessorID, secretId: secret, explicit, authorizer };
  }

  private rulesOf(text: string): ParsedRules {
    let r = this.parsedRules.get(text);
    if (!r) {
      try {
        r = parseRules(text);
      } catch {
        r = parseRules(''); // a stored policy always parsed when written; never fatal to a request
      }
      this.parsedRules.set(text, r);
    }
    return r;
  }

  private tokenRules(snap: Snapshot, token: TokenView): ParsedRules {
    const texts: string[] = [];
    const addPolicies = (links: readonly { ID: string }[]) => {
      for (const l of links) {
        const p = snap.policies.get(l.ID);
        if (p && (!p.Datacenters || p.Datacenters.length === 0 || p.Datacenters.includes(this.settings.datacenter))) texts.push(p.Rules);
      }
    };
    addPolicies(token.Policies);
    const inDc = (dcs: string[] | undefined) => !dcs || dcs.length === 0 || dcs.includes(this.settings.datacenter);
    const identities = (sids: StoredToken['ServiceIdentities'], nids: StoredToken['NodeIdentities'], templated: TemplatedPolicyLink[] | undefined) => {
      for (const s of sids ?? []) if (inDc(s.Datacenters)) texts.push(serviceIdentityRules(s.ServiceName));
      for (const n of nids ?? []) if (n.Datacenter === this.settings.datacenter) texts.push(nodeIdentityRules(n.NodeName));
      for (const t of templated ?? []) {
        if (!inDc(t.Datacenters)) continue;
        try {
          texts.push(renderTemplatedPolicy(t.TemplateName, t.TemplateVariables));
        } catch {
          // checked when written; a template unknown to this version grants nothing
        }
      }
    };
    identities(token.ServiceIdentities, token.NodeIdentities, token.TemplatedPolicies);
    for (const link of token.Roles) {
      const role = snap.roles.get(link.ID);
      if (!role) continue;
      addPolicies(role.Policies);
      identities(role.ServiceIdentities, role.NodeIdentities, role.TemplatedPolicies);
    }
    return mergeRules(texts.map((t) => this.rulesOf(t)));
  }

  // ---- writes ----

  newToken(fields: Partial<StoredToken>): StoredToken {
    return {
      AccessorID: fields.AccessorID || randomUUID(),
      SecretID: fields.SecretID || randomUUID(),
      Description: fields.Description ?? '',
      Policies: fields.Policies ?? [],
      Roles: fields.Roles ?? [],
      ServiceIdentities: fields.ServiceIdentities ?? [],
      NodeIdentities: fields.NodeIdentities ?? [],
      ...(fields.TemplatedPolicies?.length ? { TemplatedPolicies: fields.TemplatedPolicies } : {}),
      Local: fields.Local ?? false,
      ...(fields.AuthMethod ? { AuthMethod: fields.AuthMethod } : {}),
      ...(fields.ExpirationTime ? { ExpirationTime: fields.ExpirationTime } : {}),
      CreateTime: fields.CreateTime ?? new Date().toISOString(),
    };
  }

  putOp(key: Buffer, value: unknown): RequestOp {
    return { requestPut: putRequest(key, Buffer.from(JSON.stringify(value)), { keyspace: SYSTEM }) };
  }
  deleteOp(key: Buffer): RequestOp {
    return { requestDeleteRange: { keyspace: SYSTEM, key, rangeEnd: Buffer.alloc(0), prevKv: false } };
  }
  tokenKey(accessorId: string): Buffer {
    return systemKey(TOKEN, accessorId);
  }
  policyKey(id: string): Buffer {
    return systemKey(POLICY, id);
  }
  roleKey(id: string): Buffer {
    return systemKey(ROLE, id);
  }
  authMethodKey(name: string): Buffer {
    return systemKey(AUTH_METHOD, name);
  }
  bindingRuleKey(id: string): Buffer {
    return systemKey(BINDING_RULE, id);
  }
  bootstrapKey(): Buffer {
    return BOOTSTRAP_KEY;
  }

  /**
   * Runs `plan` on the current state and applies its operations only if nothing under acl/ changed
   * meanwhile (retried when another write got in between). Resolves with the plan's result.
   */
  mutate<T>(plan: (snap: Snapshot) => { ops: RequestOp[]; result: T }): Promise<T> {
    const run = async (): Promise<T> => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        this.cache = undefined;
        const snap = await this.freshSnapshot();
        const { ops, result } = plan(snap);
        if (ops.length === 0) return result;
        const res = await this.backend.txn({
          compare: [{ keyspace: SYSTEM, key: ACL_PREFIX, rangeEnd: prefixEnd(ACL_PREFIX), target: CompareTarget.MOD, result: CompareResult.LESS, modRevision: snap.revision + 1 }],
          success: ops,
          failure: [],
        });
        this.cache = undefined;
        if (res.succeeded) return result;
      }
      throw new AclError(500, 'raft apply failed: ACL state changed too often to apply this change, try again');
    };
    const p = this.writes.then(run, run);
    this.writes = p.catch(() => undefined);
    return p;
  }

  /** A snapshot read through the leader (a write's checks must not miss another member's write). */
  private async freshSnapshot(): Promise<Snapshot> {
    const res = await this.backend.range(rangeRequest(ACL_PREFIX, { keyspace: SYSTEM, rangeEnd: prefixEnd(ACL_PREFIX), countOnly: true }));
    void res;
    this.cacheTableIndex = -1;
    return this.snapshot();
  }

  /** Validates a policy's rules as Consul does when it is written. */
  static checkRules(text: string): void {
    parseRules(text);
  }

  // ---- bootstrap ----

  /** The index in the reset file (data-dir/acl-bootstrap-reset), 0 when there is none. */
  private resetIndexFromFile(): number {
    if (this.settings.dataDir === '') return 0;
    try {
      const n = Number.parseInt(readFileSync(join(this.settings.dataDir, 'acl-bootstrap-reset'), 'utf8').trim(), 10);
      return Number.isFinite(n) ? n : 0;
    } catch {
      return 0;
    }
  }

  /** PUT /v1/acl/bootstrap: the first management token, once (again after a reset through the file). */
  async bootstrap(secret: string | undefined): Promise<TokenView> {
    const token = this.newToken({ SecretID: secret, Description: 'Bootstrap Token (Global Management)', Policies: [{ ID: GLOBAL_MANAGEMENT_ID, Name: '' }] });
    await this.mutate((snap) => {
      if (snap.bootstrapIndex > 0) {
        const fromFile = this.resetIndexFromFile();
        if (fromFile === 0) throw new AclError(403, `Permission denied: ACL bootstrap no longer allowed (reset index: ${snap.bootstrapIndex})`);
        if (fromFile !== snap.bootstrapIndex) throw new AclError(403, `Permission denied: Invalid ACL bootstrap reset index (reset index: ${snap.bootstrapIndex})`);
      }
      if (secret && snap.bySecret.has(secret)) throw new AclError(500, 'Invalid Token: SecretID is already in use');
      return { ops: [this.putOp(this.tokenKey(token.AccessorID), token), this.putOp(BOOTSTRAP_KEY, { bootstrapped: true })], result: undefined };
    });
    if (this.settings.dataDir !== '') rmSync(join(this.settings.dataDir, 'acl-bootstrap-reset'), { force: true });
    const view = await this.getToken(token.AccessorID);
    if (!view) throw new AclError(500, 'bootstrap token vanished');
    return view;
  }
}

function expired(t: StoredToken): boolean {
  return t.ExpirationTime !== undefined && Date.parse(t.ExpirationTime) <= Date.now();
}
