// Consul's ACL rule language and its decisions, on the parser and authorizer dcsgw enforces with:
// every rule kind, exact-over-prefix and longest-prefix precedence, list/deny levels, several
// policies merged, HCL and JSON forms, the default policy, and Consul's errors for bad rules.
import { describe, expect, it } from 'vitest';
import { Authorizer } from '../../../src/compat/acl/authorizer.js';
import { mergeRules, parseRules } from '../../../src/compat/acl/rules.js';

const authz = (rules: string, def: 'allow' | 'deny' = 'deny') => new Authorizer(parseRules(rules), def);

describe('ACL rules: named resources', () => {
  for (const kind of ['key', 'service', 'node', 'session', 'agent', 'event', 'query'] as const) {
    it(`${kind} and ${kind}_prefix: the exact rule wins over any prefix, else the longest prefix`, () => {
      const a = authz(`${kind}_prefix "" { policy = "read" }
${kind}_prefix "app/" { policy = "write" }
${kind}_prefix "app/secret" { policy = "deny" }
${kind} "app/secret/open" { policy = "write" }
${kind} "app" { policy = "deny" }`);
      expect(a.allowed(kind, 'read', 'other')).toBe(true);
      expect(a.allowed(kind, 'write', 'other')).toBe(false);
      expect(a.allowed(kind, 'write', 'app/x')).toBe(true);
      expect(a.allowed(kind, 'read', 'app/secret/x')).toBe(false);
      expect(a.allowed(kind, 'write', 'app/secret/open')).toBe(true);
      // an exact rule only covers its own name: "app/secret/open2" falls to the prefix "app/secret"
      expect(a.allowed(kind, 'read', 'app/secret/open2')).toBe(false);
      expect(a.allowed(kind, 'read', 'app')).toBe(false);
      expect(a.allowed(kind, 'read', 'apple')).toBe(true);
    });
  }

  it('key "list" grants listing and reading, not writing; write grants all three', () => {
    const a = authz('key_prefix "l/" { policy = "list" }\nkey_prefix "w/" { policy = "write" }\nkey_prefix "r/" { policy = "read" }');
    expect([a.allowed('key', 'list', 'l/'), a.allowed('key', 'read', 'l/a'), a.allowed('key', 'write', 'l/a')]).toEqual([true, true, false]);
    expect([a.allowed('key', 'list', 'w/'), a.allowed('key', 'read', 'w/a'), a.allowed('key', 'write', 'w/a')]).toEqual([true, true, true]);
    expect([a.allowed('key', 'list', 'r/'), a.allowed('key', 'read', 'r/a'), a.allowed('key', 'write', 'r/a')]).toEqual([false, true, false]);
  });

  it('a recursive write needs write on the prefix and no weaker rule below it', () => {
    const a = authz('key_prefix "a/" { policy = "write" }\nkey "a/b/locked" { policy = "read" }');
    expect(a.keyWritePrefix('a/c/')).toBe(true);
    expect(a.keyWritePrefix('a/')).toBe(false);
    expect(a.keyWritePrefix('a/b/')).toBe(false);
    expect(a.keyWritePrefix('z/')).toBe(false);
  });
});

describe('ACL rules: datacenter-wide resources and the default policy', () => {
  it('acl, operator, keyring, mesh and peering take one level', () => {
    const a = authz('acl = "read"\noperator = "write"\nkeyring = "deny"\nmesh = "read"\npeering = "write"');
    expect([a.allowed('acl', 'read'), a.allowed('acl', 'write')]).toEqual([true, false]);
    expect([a.allowed('operator', 'read'), a.allowed('operator', 'write')]).toEqual([true, true]);
    expect([a.allowed('keyring', 'read'), a.allowed('mesh', 'read'), a.allowed('mesh', 'write'), a.allowed('peering', 'write')]).toEqual([false, true, false, true]);
  });

  it('default allow grants what no rule mentions except ACL management; deny refuses it; an explicit deny always wins', () => {
    const allow = authz('key "blocked" { policy = "deny" }', 'allow');
    expect(allow.allowed('key', 'write', 'anything')).toBe(true);
    expect(allow.allowed('operator', 'write')).toBe(true);
    expect(allow.allowed('acl', 'read')).toBe(false);
    expect(allow.allowed('key', 'read', 'blocked')).toBe(false);
    const deny = authz('', 'deny');
    expect(deny.allowed('key', 'read', 'anything')).toBe(false);
    expect(deny.allowed('node', 'read', 'n1')).toBe(false);
  });

  it('several policies merge rule by rule: deny, then write, then list, then read', () => {
    const merged = new Authorizer(
      mergeRules([
        parseRules('key_prefix "a/" { policy = "read" }\nservice "web" { policy = "write" }\noperator = "read"'),
        parseRules('key_prefix "a/" { policy = "write" }\nservice "web" { policy = "deny" }\noperator = "write"'),
      ]),
      'deny',
    );
    expect(merged.allowed('key', 'write', 'a/x')).toBe(true);
    expect(merged.allowed('service', 'read', 'web')).toBe(false);
    expect(merged.allowed('operator', 'write')).toBe(true);
  });
});

describe('ACL rules: syntax', () => {
  it('JSON rules mean the same as HCL', () => {
    const json = authz(JSON.stringify({ key_prefix: { 'app/': { policy: 'write' } }, node: { n1: { policy: 'read' } }, operator: 'read' }));
    expect(json.allowed('key', 'write', 'app/a')).toBe(true);
    expect(json.allowed('node', 'read', 'n1')).toBe(true);
    expect(json.allowed('node', 'read', 'n2')).toBe(false);
    expect(json.allowed('operator', 'read')).toBe(true);
  });

  it('service rules keep their intentions level; unknown resource kinds are ignored as by an open-source agent', () => {
    const r = parseRules('service_prefix "" { policy = "read" intentions = "read" }\nnamespace_prefix "" { }');
    expect(r.intentions.prefix.get('')).toBe('read');
    expect(r.named.service.prefix.get('')).toBe('read');
  });

  it("bad rules get Consul's errors", () => {
    expect(() => parseRules('key "a" { policy = "maybe" }')).toThrow('Invalid key policy: &acl.KeyRule{Prefix:"a", Policy:"maybe", EnterpriseRule:acl.EnterpriseRule{}}');
    expect(() => parseRules('key_prefix "a" { policy = "nope" }')).toThrow(/^Invalid key_prefix policy: /);
    expect(() => parseRules('service_prefix "a" { policy = "list" }')).toThrow('Invalid service_prefix policy: &acl.ServiceRule{Name:"a", Policy:"list", Intentions:"", EnterpriseRule:acl.EnterpriseRule{}}');
    expect(() => parseRules('operator = "list"')).toThrow(/^Invalid operator policy: "list"$/);
    expect(() => parseRules('key "a" { policy = ')).toThrow(/^Failed to parse ACL rules: /);
    expect(() => parseRules('{"key": ')).toThrow(/^Failed to parse ACL rules: /);
    expect(parseRules('').named.key.exact.size).toBe(0);
  });
});
