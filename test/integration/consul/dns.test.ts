// The Consul DNS interface as a user meets it: `dig @127.0.0.1 -p PORT <name> <type>` against a
// dcsgw Consul face whose catalog was filled through /v1/catalog/register.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/adapters/backend.js';
import { ConsulCore } from '../../../src/compat/consul-core.js';
import { startConsulDns } from '../../../src/gateway/consul/dns/index.js';
import { dig, register, startDnsFace, type DnsFace } from './dns-support.js';

describe('consul DNS: names of the catalog (dig)', () => {
  let f: DnsFace;

  beforeAll(async () => {
    f = await startDnsFace();
    await register(f.face, {
      Node: 'web-node-1',
      Address: '10.0.0.1',
      NodeMeta: { rack: 'r1', 'rfc1035-note': 'plain' },
      Service: { ID: 'web1', Service: 'web', Port: 8080, Tags: ['primary', 'v1'] },
    });
    await register(f.face, {
      Node: 'web-node-2',
      Address: '10.0.0.2',
      Service: { ID: 'web2', Service: 'web', Port: 8081, Tags: ['replica'], Address: '10.9.9.9' },
    });
    await register(f.face, { Node: 'v6-node', Address: 'fd00::12', Service: { ID: 'db1', Service: 'db', Port: 5432 } });
  }, 30_000);

  afterAll(async () => {
    await f?.close();
  });

  it('answers SRV with the node target and its A record in the additional section', async () => {
    const r = await dig(f.port, 'web.service.consul', 'SRV');
    expect(r.status).toBe('NOERROR');
    expect(r.flags).toContain('aa');
    const srv = r.answer.map((a) => a.data).sort();
    expect(srv).toEqual(['1 1 8080 web-node-1.node.dc1.consul.', '1 1 8081 0a090909.addr.dc1.consul.']);
    expect(r.answer.every((a) => a.name === 'web.service.consul.' && a.ttl === 0 && a.type === 'SRV')).toBe(true);
    const extra = r.additional.map((a) => `${a.name} ${a.type} ${a.data}`).sort();
    expect(extra).toEqual([
      '0a090909.addr.dc1.consul. A 10.9.9.9',
      'web-node-1.node.dc1.consul. A 10.0.0.1',
      'web-node-1.node.dc1.consul. TXT "plain"',
      'web-node-1.node.dc1.consul. TXT "rack=r1"',
    ]);
  });

  it('answers A with the service address, else the node address', async () => {
    const r = await dig(f.port, 'web.service.consul', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answer.map((a) => a.data).sort()).toEqual(['10.0.0.1', '10.9.9.9']);
    expect(r.additional).toEqual([]);
  });

  it('filters by tag in the <tag>.<service> and RFC 2782 forms, and ignores _tcp', async () => {
    expect((await dig(f.port, 'primary.web.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.0.0.1']);
    expect((await dig(f.port, 'replica.web.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.9.9.9']);
    const rfc = await dig(f.port, '_web._primary.service.consul', 'SRV');
    expect(rfc.answer.map((a) => a.data)).toEqual(['1 1 8080 web-node-1.node.dc1.consul.']);
    const tcp = await dig(f.port, '_web._tcp.service.consul', 'SRV');
    expect(tcp.answer).toHaveLength(2);
    // For SRV questions the "service" label may be left out.
    expect((await dig(f.port, '_web._tcp.consul', 'SRV')).answer).toHaveLength(2);
    expect((await dig(f.port, 'nosuchtag.web.service.consul', 'A')).status).toBe('NXDOMAIN');
  });

  it('accepts this datacenter as <dc> or <dc>.dc and answers NXDOMAIN for another', async () => {
    expect((await dig(f.port, 'web.service.dc1.consul', 'A')).answer).toHaveLength(2);
    expect((await dig(f.port, 'web.service.dc1.dc.consul', 'A')).answer).toHaveLength(2);
    const other = await dig(f.port, 'web.service.dc2.consul', 'A');
    expect(other.status).toBe('NXDOMAIN');
    expect(other.authority[0]?.type).toBe('SOA');
  });

  it('is case-insensitive and answers with the lower-cased name', async () => {
    const r = await dig(f.port, 'WEB.Service.CONSUL', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answer.map((a) => a.name)).toEqual(['web.service.consul.', 'web.service.consul.']);
  });

  it('answers a node lookup with its address and its metadata as TXT', async () => {
    const r = await dig(f.port, 'web-node-1.node.consul', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([{ name: 'web-node-1.node.consul.', ttl: 0, type: 'A', data: '10.0.0.1' }]);
    expect(r.additional.map((a) => a.data).sort()).toEqual(['"plain"', '"rack=r1"']);
    const txt = await dig(f.port, 'web-node-1.node.dc1.consul', 'TXT');
    expect(txt.answer.map((a) => a.data).sort()).toEqual(['"plain"', '"rack=r1"']);
    const v6 = await dig(f.port, 'v6-node.node.consul', 'AAAA');
    expect(v6.answer.map((a) => a.data)).toEqual(['fd00::12']);
  });

  it('answers NXDOMAIN with the SOA in the authority section for an unknown name', async () => {
    for (const name of ['nope.node.consul', 'nope.service.consul', 'foo.bar.consul', 'nope.query.consul']) {
      const r = await dig(f.port, name, 'A');
      expect(r.status, name).toBe('NXDOMAIN');
      expect(r.flags).toContain('aa');
      expect(r.answer).toEqual([]);
      expect(r.authority).toHaveLength(1);
      expect(r.authority[0]!.type).toBe('SOA');
      expect(r.authority[0]!.data).toMatch(/^ns\.consul\. hostmaster\.consul\. \d+ 3600 600 86400 0$/);
    }
  });

  it('answers NOERROR, no records and the SOA for a known name without records of the asked type', async () => {
    const r = await dig(f.port, 'web.service.consul', 'AAAA');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([]);
    expect(r.authority.map((a) => a.type)).toEqual(['SOA']);
    const mx = await dig(f.port, 'db.service.consul', 'MX');
    expect(mx.status).toBe('NOERROR');
    expect(mx.authority.map((a) => a.type)).toEqual(['SOA']);
  });

  it('answers SOA and NS for the domain with Consul fields', async () => {
    const soa = await dig(f.port, 'consul', 'SOA');
    expect(soa.status).toBe('NOERROR');
    expect(soa.answer).toHaveLength(1);
    const [mname, rname, serial, refresh, retry, expire, minttl] = soa.answer[0]!.data.split(' ');
    expect([mname, rname, refresh, retry, expire, minttl]).toEqual(['ns.consul.', 'hostmaster.consul.', '3600', '600', '86400', '0']);
    expect(Math.abs(Number(serial) - Date.now() / 1000)).toBeLessThan(120);
    expect(soa.authority.map((a) => `${a.type} ${a.data}`)).toEqual(['NS dcsgw-test.node.dc1.consul.']);
    expect(soa.additional.map((a) => `${a.name} ${a.data}`)).toEqual(['dcsgw-test.node.dc1.consul. 127.0.0.1']);
    const ns = await dig(f.port, 'consul', 'NS');
    expect(ns.answer.map((a) => `${a.name} ${a.type} ${a.data}`)).toEqual(['consul. NS dcsgw-test.node.dc1.consul.']);
  });

  it('echoes an address from <hex>.addr and answers PTR for known nodes and services', async () => {
    expect((await dig(f.port, '0a000001.addr.dc1.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.0.0.1']);
    const v6 = await dig(f.port, 'fd000000000000000000000000000012.addr.dc1.consul', 'AAAA');
    expect(v6.answer.map((a) => a.data)).toEqual(['fd00::12']);
    expect((await dig(f.port, 'zz.addr.dc1.consul', 'A')).status).toBe('NXDOMAIN');
    const node = await dig(f.port, '-x', '10.0.0.1');
    expect(node.answer.map((a) => `${a.type} ${a.data}`)).toEqual(['PTR web-node-1.node.dc1.consul.']);
    const svc = await dig(f.port, '-x', '10.9.9.9');
    expect(svc.answer.map((a) => `${a.type} ${a.data}`)).toEqual(['PTR web.service.dc1.consul.']);
    const v6node = await dig(f.port, '-x', 'fd00::12');
    expect(v6node.answer.map((a) => a.data)).toEqual(['v6-node.node.dc1.consul.']);
    expect((await dig(f.port, '-x', '192.0.2.55')).status).toBe('NXDOMAIN');
  });

  it('answers the mesh forms as Consul without service mesh does', async () => {
    expect((await dig(f.port, 'web.connect.consul', 'A')).status).toBe('NXDOMAIN');
    expect((await dig(f.port, 'web.ingress.consul', 'A')).status).toBe('NXDOMAIN');
    const virtual = await dig(f.port, 'web.virtual.consul', 'A');
    expect(virtual.status).toBe('NOERROR');
    expect(virtual.answer).toEqual([]);
  });

  it('refuses a name outside its domain when no recursor is configured', async () => {
    const r = await dig(f.port, 'example.com', 'A');
    expect(r.status).toBe('REFUSED');
    expect(r.flags).not.toContain('ra');
  });

  it('answers over TCP as over UDP (dig +tcp) and echoes the client EDNS buffer size', async () => {
    const tcp = await dig(f.port, '+tcp', 'web.service.consul', 'SRV');
    expect(tcp.answer).toHaveLength(2);
    const edns = await dig(f.port, '+bufsize=1400', 'web.service.consul', 'A');
    expect(edns.ednsUdp).toBe(1400);
    const plain = await dig(f.port, '+noedns', 'web.service.consul', 'A');
    expect(plain.ednsUdp).toBeUndefined();
    expect(plain.answer).toHaveLength(2);
  });

  it('splits long TXT metadata into 255-byte strings and never writes a name it cannot encode', async () => {
    const long = 'v'.repeat(400);
    await register(f.face, { Node: 'meta-node', Address: '10.0.2.1', NodeMeta: { big: long } });
    const txt = await dig(f.port, 'meta-node.node.consul', 'TXT');
    expect(txt.answer).toHaveLength(1);
    expect(txt.answer[0]!.data.replace(/" "/g, '').replace(/"/g, '')).toBe(`big=${long}`);
    // A node name with a 70-byte label cannot be an SRV target: that record is left out, the rest of the message stands.
    const longName = 'n'.repeat(70);
    await register(f.face, { Node: longName, Address: '10.0.2.2', Service: { ID: 'odd', Service: 'odd', Port: 9 } });
    await register(f.face, { Node: 'fine-node', Address: '10.0.2.3', Service: { ID: 'odd', Service: 'odd', Port: 9 } });
    const srv = await dig(f.port, 'odd.service.consul', 'SRV');
    expect(srv.status).toBe('NOERROR');
    expect(srv.answer.map((a) => a.data)).toEqual(['1 1 9 fine-node.node.dc1.consul.']);
    expect((await dig(f.port, 'odd.service.consul', 'A')).answer.map((a) => a.data).sort()).toEqual(['10.0.2.2', '10.0.2.3']);
  });

  it('answers a service registered with a hostname by a CNAME, following names inside the domain', async () => {
    await register(f.face, { Node: 'alias-node', Address: '10.0.3.1', Service: { ID: 'alias', Service: 'alias', Port: 7, Address: 'db.service.consul' } });
    const a = await dig(f.port, 'alias.service.consul', 'A');
    expect(a.status).toBe('NOERROR');
    expect(a.answer.map((r) => `${r.name} ${r.type} ${r.data}`)).toEqual(['alias.service.consul. CNAME db.service.consul.', 'db.service.consul. AAAA fd00::12']);
    const srv = await dig(f.port, 'alias.service.consul', 'SRV');
    expect(srv.answer.map((r) => r.data)).toEqual(['1 1 7 db.service.consul.']);
    expect(srv.additional.map((r) => `${r.name} ${r.type} ${r.data}`)).toEqual(['db.service.consul. AAAA fd00::12']);
    // A name outside the domain is not resolved without recursors: the CNAME alone.
    await register(f.face, { Node: 'ext-node', Address: '10.0.3.2', Service: { ID: 'ext', Service: 'ext', Port: 8, Address: 'elsewhere.example.org' } });
    const ext = await dig(f.port, 'ext.service.consul', 'A');
    expect(ext.answer.map((r) => `${r.type} ${r.data}`)).toEqual(['CNAME elsewhere.example.org.']);
  });

  it('echoes an EDNS client-subnet option with a global scope for catalog answers', async () => {
    const r = await dig(f.port, '+subnet=10.1.2.0/24', 'web.service.consul', 'A');
    expect(r.stdout).toContain('; CLIENT-SUBNET: 10.1.2.0/24/0');
    const nx = await dig(f.port, '+subnet=10.1.2.0/24', 'nope.service.consul', 'A');
    expect(nx.stdout).toContain('; CLIENT-SUBNET: 10.1.2.0/24/0');
  });

  it('shuffles instances between answers', async () => {
    for (let i = 3; i <= 8; i++) {
      await register(f.face, { Node: `many-${i}`, Address: `10.0.1.${i}`, Service: { ID: 'many', Service: 'many', Port: 80 } });
    }
    const orders = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await dig(f.port, '+bufsize=4096', 'many.service.consul', 'A');
      expect(r.answer).toHaveLength(6);
      orders.add(r.answer.map((a) => a.data).join(','));
    }
    // 12 draws of 720 orders: all the same only if the order is fixed.
    expect(orders.size).toBeGreaterThan(1);
  });
});

describe('consul DNS: health', () => {
  let f: DnsFace;

  beforeAll(async () => {
    f = await startDnsFace();
  }, 30_000);

  afterAll(async () => {
    await f?.close();
  });

  const setCheck = (node: string, addr: string, status: string) =>
    register(f.face, {
      Node: node,
      Address: addr,
      Service: { ID: 'api', Service: 'api', Port: 9000 },
      Check: { CheckID: 'api-check', Name: 'api health', ServiceID: 'api', Status: status },
    });

  it('drops an instance whose check turns critical and serves passing and warning ones', async () => {
    await setCheck('h1', '10.1.0.1', 'passing');
    await setCheck('h2', '10.1.0.2', 'passing');
    expect((await dig(f.port, 'api.service.consul', 'A')).answer.map((a) => a.data).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
    await setCheck('h2', '10.1.0.2', 'critical');
    expect((await dig(f.port, 'api.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.1.0.1']);
    await setCheck('h2', '10.1.0.2', 'warning');
    expect((await dig(f.port, 'api.service.consul', 'A')).answer.map((a) => a.data).sort()).toEqual(['10.1.0.1', '10.1.0.2']);
    // A critical node-level check takes every service of the node out.
    await register(f.face, { Node: 'h1', Address: '10.1.0.1', Check: { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'critical' } });
    expect((await dig(f.port, 'api.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.1.0.2']);
    await setCheck('h2', '10.1.0.2', 'critical');
    const none = await dig(f.port, 'api.service.consul', 'A');
    expect(none.status).toBe('NXDOMAIN');
    expect(none.authority[0]?.type).toBe('SOA');
  });

  it('leaves warning instances out with dns_config.only_passing', async () => {
    const strict = await startDnsFace({ dnsConfig: { only_passing: true } });
    try {
      await register(strict.face, {
        Node: 'w1',
        Address: '10.2.0.1',
        Service: { ID: 'svc', Service: 'svc', Port: 1 },
        Check: { CheckID: 'c', Name: 'c', ServiceID: 'svc', Status: 'warning' },
      });
      await register(strict.face, { Node: 'w2', Address: '10.2.0.2', Service: { ID: 'svc', Service: 'svc', Port: 1 } });
      expect((await dig(strict.port, 'svc.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.2.0.2']);
      expect((await dig(f.port, 'api.service.consul', 'A')).status).toBe('NXDOMAIN');
    } finally {
      await strict.close();
    }
  });

  it('gives SRV weights from the service Weights by health', async () => {
    await register(f.face, {
      Node: 'wt1',
      Address: '10.3.0.1',
      Service: { ID: 'wt', Service: 'wt', Port: 7, Weights: { Passing: 10, Warning: 2 } },
      Check: { CheckID: 'wt-c', Name: 'wt', ServiceID: 'wt', Status: 'warning' },
    });
    expect((await dig(f.port, 'wt.service.consul', 'SRV')).answer.map((a) => a.data)).toEqual(['1 2 7 wt1.node.dc1.consul.']);
    await register(f.face, {
      Node: 'wt1',
      Address: '10.3.0.1',
      Service: { ID: 'wt', Service: 'wt', Port: 7, Weights: { Passing: 10, Warning: 2 } },
      Check: { CheckID: 'wt-c', Name: 'wt', ServiceID: 'wt', Status: 'passing' },
    });
    expect((await dig(f.port, 'wt.service.consul', 'SRV')).answer.map((a) => a.data)).toEqual(['1 10 7 wt1.node.dc1.consul.']);
  });
});

describe('consul DNS: TTLs and domains', () => {
  it('answers with TTL 0 by default and with node_ttl / service_ttl when configured', async () => {
    const f = await startDnsFace({ dnsConfig: { node_ttl: '10s', service_ttl: { '*': '5s', 'db*': '30s', dbx: '1m' } } });
    try {
      await register(f.face, { Node: 'n', Address: '10.4.0.1', Service: { ID: 'web', Service: 'web', Port: 1 } });
      await register(f.face, { Node: 'n', Address: '10.4.0.1', Service: { ID: 'db', Service: 'db', Port: 2 } });
      await register(f.face, { Node: 'n', Address: '10.4.0.1', Service: { ID: 'dbx', Service: 'dbx', Port: 3 } });
      expect((await dig(f.port, 'n.node.consul', 'A')).answer[0]!.ttl).toBe(10);
      expect((await dig(f.port, 'web.service.consul', 'A')).answer[0]!.ttl).toBe(5);
      expect((await dig(f.port, 'db.service.consul', 'A')).answer[0]!.ttl).toBe(30);
      expect((await dig(f.port, 'dbx.service.consul', 'A')).answer[0]!.ttl).toBe(60);
      const srv = await dig(f.port, 'db.service.consul', 'SRV');
      expect(srv.answer[0]!.ttl).toBe(30);
      expect(srv.additional[0]!.ttl).toBe(30);
    } finally {
      await f.close();
    }
  });

  it('takes dns_config from the agent configuration, under the keys passed to startConsulDns', async () => {
    const f = await startDnsFace({ dnsConfig: {} }, { config: { dns_config: { node_ttl: '7s', service_ttl: { '*': '3s' } } } });
    const over = await startConsulDns(f.face.ctx, { host: '127.0.0.1', port: 0, dnsConfig: { node_ttl: '9s' } });
    try {
      await register(f.face, { Node: 'cfg', Address: '10.4.1.1', Service: { ID: 'web', Service: 'web', Port: 1 } });
      expect((await dig(f.port, 'cfg.node.consul', 'A')).answer[0]!.ttl).toBe(7);
      expect((await dig(f.port, 'web.service.consul', 'A')).answer[0]!.ttl).toBe(3);
      expect((await dig(over.address.port, 'cfg.node.consul', 'A')).answer[0]!.ttl).toBe(9);
      expect((await dig(over.address.port, 'web.service.consul', 'A')).answer[0]!.ttl).toBe(3);
    } finally {
      await over.close();
      await f.close();
    }
  });

  it('serves the configured domain and the alt domain', async () => {
    const f = await startDnsFace({}, { domain: 'example.internal.', config: { alt_domain: 'alt.test' } });
    try {
      await register(f.face, { Node: 'n', Address: '10.5.0.1', Service: { ID: 'web', Service: 'web', Port: 1 } });
      expect((await dig(f.port, 'web.service.example.internal', 'A')).answer.map((a) => a.data)).toEqual(['10.5.0.1']);
      const alt = await dig(f.port, 'web.service.alt.test', 'SRV');
      expect(alt.answer.map((a) => a.data)).toEqual(['1 1 1 n.node.dc1.alt.test.']);
      const soa = await dig(f.port, 'alt.test', 'SOA');
      expect(soa.answer[0]!.data).toMatch(/^ns\.alt\.test\. hostmaster\.alt\.test\. /);
      // consul. is no longer served: without recursors it is refused.
      expect((await dig(f.port, 'web.service.consul', 'A')).status).toBe('REFUSED');
    } finally {
      await f.close();
    }
  });
});

describe('consul DNS: stale reads (dns_config.allow_stale)', () => {
  it('answers from the member own copy when the leader cannot be reached, unless allow_stale is off', async () => {
    const f = await startDnsFace();
    // The same store seen through a member that has lost its leader: reads that need the leader fail.
    const noLeader = () => Promise.reject(new Error('etcdserver: no leader'));
    const leaderless = new Proxy(f.face.backend as unknown as Backend, {
      get(target, prop, receiver) {
        if (prop === 'txn') return noLeader;
        if (prop === 'range') return (req: { serializable: boolean }) => (req.serializable ? target.range(req as never) : noLeader());
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const core = new ConsulCore(leaderless, { datacenter: 'dc1' });
    const ctx = { ...f.face.ctx, core };
    const stale = await startConsulDns(ctx, { host: '127.0.0.1', port: 0 });
    const strict = await startConsulDns(ctx, { host: '127.0.0.1', port: 0, dnsConfig: { allow_stale: false } });
    try {
      await register(f.face, { Node: 'st', Address: '10.13.0.1', Service: { ID: 'web', Service: 'web', Port: 80 } });
      const created = await fetch(`${f.face.url}/v1/query`, { method: 'POST', body: JSON.stringify({ Name: 'stale-q', Service: { Service: 'web' } }) });
      expect(created.status).toBe(200);
      expect((await dig(stale.address.port, 'stale-q.query.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.13.0.1']);
      expect((await dig(stale.address.port, 'web.service.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.13.0.1']);
      expect((await dig(stale.address.port, 'st.node.consul', 'A')).answer.map((a) => a.data)).toEqual(['10.13.0.1']);
      expect((await dig(strict.address.port, 'web.service.consul', 'A')).status).toBe('SERVFAIL');
    } finally {
      await stale.close();
      await strict.close();
      core.close();
      await f.close();
    }
  });
});
