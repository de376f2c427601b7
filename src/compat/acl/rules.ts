// Consul's ACL rule language: a policy's Rules text, in HCL or JSON, read into one table per
// resource kind. Named resources (key, service, node, session, agent, event, query, identity) have
// exact rules (`key "a/b"`) and prefix rules (`key_prefix "a/"`); the others (acl, operator,
// keyring, mesh, peering) take one level. Levels are read, write, deny, and for keys also list.
// The texts of the errors are Consul's ("Failed to parse ACL rules: ...", "Invalid key policy: ...").
import { HclSyntaxError, parseHcl } from '../hcl/hcl.js';

export type AccessLevel = 'deny' | 'read' | 'list' | 'write';

/** The resources named by a rule's label, as Consul's policy has them. */
export const NAMED_RESOURCES = ['key', 'service', 'node', 'session', 'agent', 'event', 'query', 'identity'] as const;
export type NamedResource = (typeof NAMED_RESOURCES)[number];
/** The resources with one level for the whole datacenter. */
export const GLOBAL_RESOURCES = ['acl', 'operator', 'keyring', 'mesh', 'peering'] as const;
export type GlobalResource = (typeof GLOBAL_RESOURCES)[number];

export interface NamedRules {
  /** Exact names: the rule of `key "a"`. */
  exact: Map<string, AccessLevel>;
  /** Prefixes: the rule of `key_prefix "a"`. */
  prefix: Map<string, AccessLevel>;
}

export interface ParsedRules {
  named: Record<NamedResource, NamedRules>;
  global: Partial<Record<GlobalResource, AccessLevel>>;
  /** service rules' `intentions` levels (kept so a policy round-trips; intentions are a mesh feature). */
  intentions: NamedRules;
}

export class AclRulesError extends Error {}

export function emptyRules(): ParsedRules {
  const named = {} as Record<NamedResource, NamedRules>;
  for (const r of NAMED_RESOURCES) named[r] = { exact: new Map(), prefix: new Map() };
  return { named, global: {}, intentions: { exact: new Map(), prefix: new Map() } };
}

const LEVELS = new Set<string>(['deny', 'read', 'write']);

/** Consul's merge order when two policies give the same rule: deny, then write, then list, then read. */
const RANK: Record<AccessLevel, number> = { deny: 4, write: 3, list: 2, read: 1 };

export function strongerLevel(a: AccessLevel | undefined, b: AccessLevel): AccessLevel {
  return a === undefined || RANK[b] > RANK[a] ? b : a;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A labelled block read by HCL is an object, or a list of objects when the block kind repeats. */
function blocksOf(v: unknown): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const part of Array.isArray(v) ? v : [v]) {
    if (!isObject(part)) throw new AclRulesError(`Failed to parse ACL rules: expected a labelled block, got ${JSON.stringify(part)}`);
    for (const [label, body] of Object.entries(part)) {
      for (const one of Array.isArray(body) ? body : [body]) out.push([label, one]);
    }
  }
  return out;
}

/** How Go prints each rule struct (%#v) in Consul's "Invalid <kind> policy" errors: its type and label field. */
const RULE_STRUCT: Record<string, [string, string]> = {
  key: ['KeyRule', 'Prefix'],
  service: ['ServiceRule', 'Name'],
  node: ['NodeRule', 'Name'],
  agent: ['AgentRule', 'Node'],
  session: ['SessionRule', 'Node'],
  event: ['EventRule', 'Event'],
  query: ['PreparedQueryRule', 'Prefix'],
  identity: ['IdentityRule', 'Name'],
};

function levelOf(field: string, kind: string, label: string, body: Record<string, unknown>, raw: unknown, allowList: boolean): AccessLevel {
  if (typeof raw !== 'string' || !(LEVELS.has(raw) || (allowList && raw === 'list'))) {
    const [type, labelField] = RULE_STRUCT[kind] ?? ['Rule', 'Name'];
    const intentions = kind === 'service' || kind === 'identity' ? `, Intentions:${JSON.stringify(typeof body.intentions === 'string' ? body.intentions : '')}` : '';
    const policy = typeof body.policy === 'string' ? body.policy : '';
    throw new AclRulesError(`Invalid ${field} policy: &acl.${type}{${labelField}:${JSON.stringify(label)}, Policy:${JSON.stringify(policy)}${intentions}, EnterpriseRule:acl.EnterpriseRule{}}`);
  }
  return raw as AccessLevel;
}

/** Parses a policy's Rules (HCL, or JSON when it starts with '{'). Empty rules grant nothing. */
export function parseRules(text: string): ParsedRules {
  const rules = emptyRules();
  if (text.trim() === '') return rules;
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseHcl(text);
  } catch (err) {
    const msg = err instanceof HclSyntaxError || err instanceof SyntaxError ? err.message : String(err);
    throw new AclRulesError(`Failed to parse ACL rules: ${msg}`);
  }
  if (!isObject(doc)) throw new AclRulesError('Failed to parse ACL rules: the rules must be an object');
  for (const [field, value] of Object.entries(doc)) {
    const prefix = field.endsWith('_prefix');
    const kind = prefix ? field.slice(0, -'_prefix'.length) : field;
    if ((NAMED_RESOURCES as readonly string[]).includes(kind)) {
      const table = rules.named[kind as NamedResource];
      for (const [label, body] of blocksOf(value)) {
        if (!isObject(body)) throw new AclRulesError(`Failed to parse ACL rules: ${field} "${label}" must be a block`);
        const level = levelOf(field, kind, label, body, body.policy, kind === 'key');
        const target = prefix ? table.prefix : table.exact;
        target.set(label, strongerLevel(target.get(label), level));
        if (kind === 'service' && body.intentions !== undefined) {
          const il = levelOf(field, kind, label, body, body.intentions, false);
          (prefix ? rules.intentions.prefix : rules.intentions.exact).set(label, il);
        }
      }
    } else if ((GLOBAL_RESOURCES as readonly string[]).includes(field)) {
      const v = Array.isArray(value) ? value[value.length - 1] : value;
      if (typeof v !== 'string' || !LEVELS.has(v)) throw new AclRulesError(`Invalid ${field} policy: ${JSON.stringify(v)}`);
      rules.global[field as GlobalResource] = v as AccessLevel;
    }
    // other fields (Enterprise's namespace/partition blocks, newer resource kinds) are read by
    // Consul and do not affect an open-source agent's decisions
  }
  return rules;
}

/** Several policies' rules as one: for the same rule the stronger level wins (Consul's policy merger). */
export function mergeRules(all: readonly ParsedRules[]): ParsedRules {
  const out = emptyRules();
  for (const r of all) {
    for (const kind of NAMED_RESOURCES) {
      for (const which of ['exact', 'prefix'] as const) {
        for (const [name, level] of r.named[kind][which]) out.named[kind][which].set(name, strongerLevel(out.named[kind][which].get(name), level));
      }
    }
    for (const [res, level] of Object.entries(r.global) as Array<[GlobalResource, AccessLevel]>) out.global[res] = strongerLevel(out.global[res], level);
  }
  return out;
}
