// Prepared query definitions and templates without a server: Go-style decoding of request bodies,
// Consul's validation texts, and template rendering (${name.*}, ${match(N)}, RemoveEmptyTags).
import { describe, expect, it } from 'vitest';
import { decodeDefinition, validateDefinition } from '../../../src/compat/query-definition.js';
import { PreparedQueryError } from '../../../src/compat/query-errors.js';
import { renderTemplate, templateProblem } from '../../../src/compat/query-template.js';

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PreparedQueryError) return `${err.kind}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('prepared query definitions', () => {
  it('decodes as Go does: case-insensitive keys, last key wins, null keeps the zero value, unknown keys ignored', () => {
    const d = decodeDefinition(body({ NAME: 'a', name: 'b', Service: { service: 'web', Tags: null, Bogus: 1 }, Unknown: true }));
    expect(d.Name).toBe('b');
    expect(d.Service.Service).toBe('web');
    expect(d.Service.Tags).toBeNull();
    expect(d.Service.Failover).toEqual({ NearestN: 0, Datacenters: null, Targets: null });
    const t = decodeDefinition(body({ Service: { Failover: { Targets: [{ peer: 'p1' }, null] } } }));
    expect(t.Service.Failover.Targets).toEqual([
      { Peer: 'p1', Datacenter: '' },
      { Peer: '', Datacenter: '' },
    ]);
  });

  it("names Go's types in decode errors", () => {
    expect(failure(() => decodeDefinition(body({ Service: { OnlyPassing: 'yes' } })))).toBe(
      'decode: json: cannot unmarshal string into Go struct field PreparedQuery.Service.OnlyPassing of type bool',
    );
    expect(failure(() => decodeDefinition(body({ Service: { Failover: { NearestN: 1.5 } } })))).toBe(
      'decode: json: cannot unmarshal number 1.5 into Go struct field PreparedQuery.Service.Failover.NearestN of type int',
    );
    expect(failure(() => decodeDefinition(body([1])))).toBe('decode: json: cannot unmarshal array into Go value of type structs.PreparedQuery');
    expect(failure(() => decodeDefinition(Buffer.from('{"Name": }')))).toBe("decode: invalid character '}' looking for beginning of value");
    expect(failure(() => decodeDefinition(Buffer.from('{"Name" 1}')))).toBe("decode: invalid character '1' after object key");
    expect(failure(() => decodeDefinition(Buffer.from('{"Name":"x" "y"}')))).toBe("decode: invalid character '\"' after object key:value pair");
    expect(failure(() => decodeDefinition(Buffer.from('nope')))).toBe("decode: invalid character 'o' in literal null (expecting 'u')");
    expect(failure(() => decodeDefinition(Buffer.from('{"Name":"x"')))).toBe('decode: unexpected EOF');
    // What follows the first value is left unread, as Go's Decoder leaves it.
    expect(decodeDefinition(Buffer.from('{"Name":"x"} trailing')).Name).toBe('x');
  });

  it('validates as Consul does', () => {
    const ok = decodeDefinition(body({ Name: 'q', Service: { Service: 'web' }, DNS: { TTL: '1m30s' } }));
    expect(failure(() => validateDefinition(ok))).toBe('no error');
    const negative = decodeDefinition(body({ Name: 'q', Service: { Service: 'web' }, DNS: { TTL: '-5s' } }));
    expect(failure(() => validateDefinition(negative))).toBe("rejected: Invalid prepared query: DNS TTL '-5000000000', must be >=0");
    const redacted = decodeDefinition(body({ Name: 'q', Token: '<hidden>', Service: { Service: 'web' } }));
    expect(failure(() => validateDefinition(redacted))).toBe(
      "rejected: Invalid prepared query: Bad Token '<hidden>', it looks like a query definition with a redacted token was submitted",
    );
    const meta = decodeDefinition(body({ Name: 'q', Service: { Service: 'web', NodeMeta: { 'bad key!': 'x' } } }));
    expect(failure(() => validateDefinition(meta))).toBe('rejected: Invalid prepared query: Key contains invalid characters');
  });
});

describe('prepared query templates', () => {
  const tpl = (v: Record<string, unknown>) => decodeDefinition(body({ Template: { Type: 'name_prefix_match' }, ...v }));

  it('interpolates name.full, name.prefix, name.suffix and match(N) in every Service string', () => {
    const q = tpl({
      Name: 'geo-',
      Template: { Type: 'name_prefix_match', Regexp: '^geo-(?P<region>[a-z]+)-(.*)$' },
      Service: { Service: '${match(1)}-db', Tags: ['${match(2)}', 'x-${name.suffix}'], Near: '${name.prefix}', NodeMeta: { full: '${name.full}' }, Failover: { Datacenters: ['${match(1)}-dc'] } },
    });
    const r = renderTemplate(q, 'geo-east-primary');
    expect(r.Service.Service).toBe('east-db');
    expect(r.Service.Tags).toEqual(['primary', 'x-east-primary']);
    expect(r.Service.Near).toBe('geo-');
    expect(r.Service.NodeMeta).toEqual({ full: 'geo-east-primary' });
    expect(r.Service.Failover.Datacenters).toEqual(['east-dc']);
    // An out-of-range or failed match is the empty string; "$${" is a literal "${".
    expect(renderTemplate(tpl({ Name: 'x', Template: { Type: 'name_prefix_match', Regexp: '^y' }, Service: { Service: 'a${match(1)}b$${c}' } }), 'xz').Service.Service).toBe('ab${c}');
  });

  it('reads Go regexp syntax: flag groups, named groups, \\A and \\z', () => {
    const q = tpl({ Name: 'geo', Template: { Type: 'name_prefix_match', Regexp: '(?i)\\AGEO-(?P<r>\\w+)\\z' }, Service: { Service: '${match(1)}' } });
    expect(renderTemplate(q, 'geo-East').Service.Service).toBe('East');
    expect(renderTemplate(q, 'geo-east-x').Service.Service).toBe('');
  });

  it('removes empty tags when asked', () => {
    const q = tpl({ Name: 'p-', Template: { Type: 'name_prefix_match', Regexp: '^p-(a)?', RemoveEmptyTags: true }, Service: { Service: 's', Tags: ['${match(1)}', 'keep'] } });
    expect(renderTemplate(q, 'p-b').Service.Tags).toEqual(['keep']);
  });

  it('refuses bad templates when stored', () => {
    expect(templateProblem(decodeDefinition(body({ Name: 'x', Template: { Type: 'other' }, Service: { Service: 's' } })))).toBe("Bad Template.Type 'other'");
    expect(templateProblem(tpl({ Name: 'x', Template: { Type: 'name_prefix_match', Regexp: '(' }, Service: { Service: 's' } }))).toMatch(/^Bad Regexp: /);
    expect(templateProblem(tpl({ Name: 'x', Service: { Service: '${nope}' } }))).toBe("Bad evaluation for '${nope}' in Service.Service: unknown variable accessed: nope");
    expect(templateProblem(tpl({ Name: 'x', Service: { Service: '${name.full' } }))).toMatch(/^Bad format '\$\{name.full' in Service.Service/);
    expect(templateProblem(tpl({ Name: 'x', Service: { Service: '${name.full}' } }))).toBeUndefined();
  });
});
