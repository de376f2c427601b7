// Decides whether a token may do something, as Consul's policy authorizer does: for a named
// resource the exact rule of the name wins, else the rule of the longest matching prefix, else the
// datacenter's default policy; a rule grants by level (write > list > read, deny refuses).
// default_policy "allow" allows everything except managing ACLs (and snapshots, which need
// acl = "write"), as Consul's allow-all authorizer; "deny" refuses what no rule grants.
import type { AccessLevel, GlobalResource, NamedResource, ParsedRules } from './rules.js';

/** What a request needs: read, write, or (keys only) list. */
export type Needed = 'read' | 'write' | 'list';
export type Resource = NamedResource | GlobalResource;
type Decision = 'allow' | 'deny' | 'default';

function enforce(level: AccessLevel | undefined, needed: Needed): Decision {
  switch (level) {
    case undefined:
      return 'default';
    case 'write':
      return 'allow';
    case 'list':
      return needed === 'write' ? 'deny' : 'allow';
    case 'read':
      return needed === 'read' ? 'allow' : 'deny';
    default:
      return 'deny';
  }
}

export type DefaultPolicy = 'allow' | 'deny';

export class Authorizer {
  constructor(
    private readonly rules: ParsedRules,
    private readonly defaultPolicy: DefaultPolicy,
  ) {}

  /** The rule that applies to `name`: its exact rule, else its longest matching prefix rule. */
  private ruleFor(resource: NamedResource, name: string): AccessLevel | undefined {
    const table = this.rules.named[resource];
    const exact = table.exact.get(name);
    if (exact !== undefined) return exact;
    let best: string | undefined;
    for (const p of table.prefix.keys()) if (name.startsWith(p) && (best === undefined || p.length > best.length)) best = p;
    return best === undefined ? undefined : table.prefix.get(best);
  }

  private fallback(resource: Resource): boolean {
    // the allow-all default never grants ACL management (Consul's static authorizer)
    if (this.defaultPolicy === 'allow') return resource !== 'acl';
    return false;
  }

  allowed(resource: Resource, needed: Needed, name = ''): boolean {
    const level = isGlobal(resource) ? this.rules.global[resource] : this.ruleFor(resource, name);
    const d = enforce(level, needed);
    return d === 'default' ? this.fallback(resource) : d === 'allow';
  }

  /**
   * Write access to every key under `prefix` (a recursive delete): the prefix's own rule must grant
   * write and no rule for a key below it may take write away (Consul's KeyWritePrefix).
   */
  keyWritePrefix(prefix: string): boolean {
    const table = this.rules.named.key;
    let best: string | undefined;
    for (const p of table.prefix.keys()) if (prefix.startsWith(p) && (best === undefined || p.length > best.length)) best = p;
    const own = best === undefined ? undefined : table.prefix.get(best);
    if (own !== undefined && own !== 'write') return false;
    for (const which of [table.exact, table.prefix]) {
      for (const [name, level] of which) if (name.startsWith(prefix) && level !== 'write') return false;
    }
    if (own === 'write') return true;
    return this.fallback('key');
  }

  /** Whether any rule grants something, used by endpoints that need "some" read of a resource kind. */
  hasAnyRule(resource: NamedResource): boolean {
    return this.rules.named[resource].exact.size + this.rules.named[resource].prefix.size > 0;
  }
}

function isGlobal(r: Resource): r is GlobalResource {
  return r === 'acl' || r === 'operator' || r === 'keyring' || r === 'mesh' || r === 'peering';
}
