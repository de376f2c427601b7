// How the DNS interface reads question names (Consul's router rules), without a server.
import { describe, expect, it } from 'vitest';
import { canonicalName, classify, ipFromArpa } from '../../src/gateway/consul/dns/names.js';
import { resolveSettings } from '../../src/gateway/consul/dns/options.js';
import { hexToIp, ipToHex } from '../../src/gateway/consul/dns/records.js';

const settings = resolveSettings('consul.', { host: '127.0.0.1', port: 0, settings: { altDomain: 'alt.example.' } });
const c = (name: string, type = 'A') => classify(canonicalName(name), type, settings);

describe('consul DNS names', () => {
  it('recurses names outside the domains and serves the domain, alt domain and arpa', () => {
    expect(c('example.com').kind).toBe('recurse');
    expect(c('consulx.').kind).toBe('recurse');
    expect(c('.').kind).toBe('recurse');
    expect(c('web.service.consul').kind).toBe('name');
    expect(c('web.service.alt.example')).toMatchObject({ kind: 'name', responseDomain: 'alt.example.' });
    expect(c('1.0.0.127.in-addr.arpa', 'PTR')).toMatchObject({ kind: 'ptr', responseDomain: 'consul.', ip: '127.0.0.1' });
    expect(c('anything.consul', 'SOA')).toMatchObject({ kind: 'domain', responseDomain: 'consul.' });
    expect(c('web.service.consul.failover')).toMatchObject({ kind: 'name' });
  });

  it('parses service, tag, RFC 2782, node, query and datacenter forms', () => {
    expect(c('web.service.consul')).toMatchObject({ lookup: { type: 'service', name: 'web', tag: '', datacenter: '' } });
    expect(c('Primary.Web.Service.DC1.consul')).toMatchObject({ lookup: { type: 'service', name: 'web', tag: 'primary', datacenter: 'dc1' } });
    expect(c('a.b.web.service.consul')).toMatchObject({ lookup: { name: 'web', tag: 'a.b' } });
    expect(c('_web._tcp.service.consul', 'SRV')).toMatchObject({ lookup: { name: 'web', tag: '' } });
    expect(c('_web._v2.service.consul', 'SRV')).toMatchObject({ lookup: { name: 'web', tag: 'v2' } });
    expect(c('_web._tcp.dc1.consul', 'SRV')).toMatchObject({ lookup: { type: 'service', name: 'web', datacenter: 'dc1' } });
    expect(c('n1.node.dc2.dc.consul')).toMatchObject({ lookup: { type: 'node', name: 'n1', datacenter: 'dc2' } });
    expect(c('my.dotted.query.consul')).toMatchObject({ lookup: { type: 'query', name: 'my.dotted' } });
    expect(c('_my-q._tcp.query.consul', 'SRV')).toMatchObject({ lookup: { type: 'query', name: 'my-q' } });
    expect(c('web.service.ns1.ns.consul')).toMatchObject({ lookup: { foreignTenancy: true } });
    expect(c('web.service.default.ns.dc1.dc.consul')).toMatchObject({ lookup: { foreignTenancy: false, datacenter: 'dc1' } });
    expect(c('web.service.a.b.c.consul')).toMatchObject({ lookup: { foreignTenancy: true } });
    expect(c('service.consul')).toMatchObject({ kind: 'name', lookup: undefined });
    expect(c('foo.consul')).toMatchObject({ kind: 'name', lookup: undefined });
  });

  it('reads addr names and reverse names of both families', () => {
    expect(c('0a000001.addr.dc1.consul')).toMatchObject({ kind: 'addr', hex: '0a000001' });
    expect(hexToIp('0a000001')).toBe('10.0.0.1');
    expect(hexToIp('20010db8000000000000000000000001')).toBe('2001:db8::1');
    expect(hexToIp('xyz')).toBeUndefined();
    expect(ipToHex('10.0.0.1')).toBe('0a000001');
    expect(ipToHex('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(ipFromArpa('1.0.0.10.in-addr.arpa.')).toBe('10.0.0.1');
    expect(ipFromArpa('300.0.0.10.in-addr.arpa.')).toBeUndefined();
    expect(ipFromArpa('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.')).toBe('2001:db8::1');
    expect(ipFromArpa('in-addr.arpa.')).toBeUndefined();
  });
});
