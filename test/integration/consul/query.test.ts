// Prepared queries over the Consul HTTP API (/v1/query) and through DNS (<name>.query.consul), with
// the shapes, statuses and texts genuine Consul 1.22 answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedQueries } from '../../../src/compat/prepared-queries.js';
import { dig, http, register, startDnsFace, type DnsFace } from './dns-support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('prepared queries: /v1/query', () => {
  let f: DnsFace;
  let url: string;

  const json = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: res.status === 200 && text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    f = await startDnsFace();
    url = f.face.url;
    await register(f.face, {
      Node: 'foobar',
      Address: '192.168.10.10',
      TaggedAddresses: { wan: '127.0.0.1' },
      NodeMeta: { somekey: 'somevalue' },
      Service: { ID: 'redis1', Service: 'redis', Tags: ['master', 'v1'], Port: 8000 },
    });
  }, 30_000);

  afterAll(async () => {
    await f?.close();
  });

  it('creates, reads, lists, updates, executes and deletes a query (the Go client test, over HTTP)', async () => {
    const created = await json('POST', '/v1/query', { Name: 'test', Service: { Service: 'redis', NodeMeta: { somekey: 'somevalue' } } });
    expect(created.status).toBe(200);
    const id = (created.body as { ID: string }).ID;
    expect(id).toMatch(UUID);

    const got = await json('GET', `/v1/query/${id}`);
    expect(got.status).toBe(200);
    const index = Number(got.headers.get('x-consul-index'));
    expect(index).toBeGreaterThan(0);
    expect(got.body).toEqual([
      {
        ID: id,
        Name: 'test',
        Session: '',
        Token: '',
        Template: { Type: '', Regexp: '', RemoveEmptyTags: false },
        Service: {
          Service: 'redis',
          SamenessGroup: '',
          Failover: { NearestN: 0, Datacenters: null, Targets: null },
          OnlyPassing: false,
          IgnoreCheckIDs: null,
          Near: '',
          Tags: null,
          NodeMeta: { somekey: 'somevalue' },
          ServiceMeta: null,
          Connect: false,
          Peer: '',
        },
        DNS: { TTL: '' },
        CreateIndex: index,
        ModifyIndex: index,
      },
    ]);
    const list = await json('GET', '/v1/query');
    expect(list.body).toEqual(got.body);
    expect(list.headers.get('x-consul-index')).toBe(String(index));

    const definition = (got.body as Array<Record<string, unknown>>)[0]!;
    const updated = await json('PUT', `/v1/query/${id}`, { ...definition, Name: 'my-query' });
    expect(updated.status).toBe(200);
    const after = (await json('GET', `/v1/query/${id}`)).body as Array<{ Name: string; CreateIndex: number; ModifyIndex: number }>;
    expect(after[0]!.Name).toBe('my-query');
    expect(after[0]!.CreateIndex).toBe(index);
    expect(after[0]!.ModifyIndex).toBeGreaterThan(index);

    for (const key of [id, 'my-query', 'MY-QUERY']) {
      const ex = await json('GET', `/v1/query/${key}/execute`);
      expect(ex.status).toBe(200);
      const body = ex.body as { Service: string; Nodes: Array<{ Node: { Node: string; Datacenter: string; TaggedAddresses: Record<string, string> }; Service: { Port: number } }> } & Record<string, unknown>;
      expect(body.Service).toBe('redis');
      expect(body.Nodes).toHaveLength(1);
      expect(body.Nodes[0]!.Node.Node).toBe('foobar');
      expect(body.Nodes[0]!.Node.TaggedAddresses.wan).toBe('127.0.0.1');
      expect(body.Nodes[0]!.Node.Datacenter).toBe('dc1');
      expect(body.Nodes[0]!.Service.Port).toBe(8000);
      expect(body).toMatchObject({ DNS: { TTL: '' }, Datacenter: 'dc1', PeerName: '', Failovers: 0, KnownLeader: true, ConsistencyLevel: 'leader' });
    }

    // A second node whose instance fails its check: left out, unless the check is ignored.
    await register(f.face, {
      Node: 'failingnode',
      Address: '192.168.10.11',
      NodeMeta: { somekey: 'somevalue' },
      Service: { ID: 'redis1', Service: 'redis', Tags: ['master', 'v1'], Port: 8000 },
      Check: { Node: 'failingnode', ServiceID: 'redis1', ServiceName: 'redis', Name: 'failingcheck', CheckID: 'failingcheck', Status: 'critical' },
    });
    const healthy = (await json('GET', `/v1/query/${id}/execute`)).body as { Nodes: unknown[] };
    expect(healthy.Nodes).toHaveLength(1);
    await json('PUT', `/v1/query/${id}`, { ...definition, Name: 'my-query', Service: { ...(definition.Service as object), IgnoreCheckIDs: ['failingcheck'] } });
    const both = (await json('GET', `/v1/query/${id}/execute`)).body as { Nodes: unknown[] };
    expect(both.Nodes).toHaveLength(2);
    const limited = (await json('GET', `/v1/query/${id}/execute?limit=1`)).body as { Nodes: unknown[] };
    expect(limited.Nodes).toHaveLength(1);

    // An ID is a UUID: upper-case hex names the same query.
    expect((await json('GET', `/v1/query/${id.toUpperCase()}`)).status).toBe(200);
    const viaIp = (await json('GET', `/v1/query/${id}/execute?near=_ip`)).body as { Nodes: unknown[] };
    expect(viaIp.Nodes).toHaveLength(2);

    const del = await json('DELETE', `/v1/query/${id}`);
    expect(del.status).toBe(200);
    expect((await json('GET', '/v1/query')).body).toEqual([]);
    const gone = await json('GET', `/v1/query/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('Query not found');
  });

  it('decodes the definition case-insensitively and fills what was not sent', async () => {
    const created = await json('POST', '/v1/query', { name: 'lower', service: { service: 'redis', onlypassing: true, tags: ['master'] }, dns: { ttl: '10s' } });
    expect(created.status).toBe(200);
    const id = (created.body as { ID: string }).ID;
    const [q] = (await json('GET', `/v1/query/${id}`)).body as Array<{ Name: string; Service: Record<string, unknown>; DNS: { TTL: string } }>;
    expect(q!.Name).toBe('lower');
    expect(q!.Service).toMatchObject({ Service: 'redis', OnlyPassing: true, Tags: ['master'], NodeMeta: null });
    expect(q!.DNS).toEqual({ TTL: '10s' });
    await json('DELETE', `/v1/query/${id}`);
  });

  it('filters by tags (with "!" exclusions), node and service metadata, and OnlyPassing', async () => {
    await register(f.face, { Node: 'f1', Address: '10.8.0.1', NodeMeta: { zone: 'a' }, Service: { ID: 'app', Service: 'app', Port: 1, Tags: ['blue'], Meta: { v: '1' } } });
    await register(f.face, {
      Node: 'f2',
      Address: '10.8.0.2',
      NodeMeta: { zone: 'b' },
      Service: { ID: 'app', Service: 'app', Port: 2, Tags: ['green', 'canary'], Meta: { v: '2' } },
      Check: { CheckID: 'warn', Name: 'warn', ServiceID: 'app', Status: 'warning' },
    });
    const nodesOf = async (service: Record<string, unknown>) => {
      const { ID } = (await json('POST', '/v1/query', { Name: `q-${Math.random()}`, Service: { Service: 'app', ...service } })).body as { ID: string };
      const ex = (await json('GET', `/v1/query/${ID}/execute`)).body as { Nodes: Array<{ Node: { Node: string } }> };
      await json('DELETE', `/v1/query/${ID}`);
      return ex.Nodes.map((n) => n.Node.Node).sort();
    };
    expect(await nodesOf({})).toEqual(['f1', 'f2']);
    expect(await nodesOf({ OnlyPassing: true })).toEqual(['f1']);
    expect(await nodesOf({ Tags: ['GREEN'] })).toEqual(['f2']);
    expect(await nodesOf({ Tags: ['!canary'] })).toEqual(['f1']);
    expect(await nodesOf({ NodeMeta: { zone: 'b' } })).toEqual(['f2']);
    expect(await nodesOf({ ServiceMeta: { v: '1' } })).toEqual(['f1']);
    expect(await nodesOf({ Connect: true })).toEqual([]);
  });

  it('puts the Near node first (_agent = this agent)', async () => {
    for (let i = 1; i <= 5; i++) await register(f.face, { Node: `near-${i}`, Address: `10.9.0.${i}`, Service: { ID: 'nr', Service: 'nr', Port: 1 } });
    await register(f.face, { Node: 'dcsgw-test', Address: '127.0.0.1', Service: { ID: 'nr', Service: 'nr', Port: 1 } });
    const { ID } = (await json('POST', '/v1/query', { Name: 'near-q', Service: { Service: 'nr', Near: 'near-4' } })).body as { ID: string };
    for (let i = 0; i < 5; i++) {
      const ex = (await json('GET', `/v1/query/${ID}/execute`)).body as { Nodes: Array<{ Node: { Node: string } }> };
      expect(ex.Nodes[0]!.Node.Node).toBe('near-4');
      const agent = (await json('GET', `/v1/query/${ID}/execute?near=_agent`)).body as { Nodes: Array<{ Node: { Node: string } }> };
      expect(agent.Nodes[0]!.Node.Node).toBe('dcsgw-test');
    }
    await json('DELETE', `/v1/query/${ID}`);
  });

  it('renders name_prefix_match templates with ${name.suffix} and ${match(N)}, and explains them', async () => {
    await register(f.face, { Node: 'geo1', Address: '10.10.0.1', Service: { ID: 'db-east', Service: 'db-east', Port: 5432, Tags: ['primary'] } });
    const created = await json('POST', '/v1/query', {
      Name: 'geo-',
      Template: { Type: 'name_prefix_match', Regexp: '^geo-(.+?)-(.+)$' },
      Service: { Service: 'db-${match(1)}', Tags: ['${match(2)}'] },
    });
    expect(created.status).toBe(200);
    const id = (created.body as { ID: string }).ID;
    const ex = await json('GET', '/v1/query/geo-east-primary/execute');
    expect(ex.status).toBe(200);
    const body = ex.body as { Service: string; Nodes: Array<{ Node: { Node: string } }> };
    expect(body.Service).toBe('db-east');
    expect(body.Nodes.map((n) => n.Node.Node)).toEqual(['geo1']);
    const explain = await json('GET', '/v1/query/geo-west-replica/explain');
    expect(explain.status).toBe(200);
    expect((explain.body as { Query: { ID: string; Service: { Service: string; Tags: string[] } } }).Query).toMatchObject({ ID: id, Service: { Service: 'db-west', Tags: ['replica'] } });
    // A template is reached by name only.
    const byId = await json('GET', `/v1/query/${id}/execute`);
    expect(byId.status).toBe(500);
    expect(byId.text).toBe('prepared query templates can only be resolved up by name, not by ID');
    const suffix = await json('POST', '/v1/query', { Name: 'svc-', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.suffix}' } });
    expect(suffix.status).toBe(200);
    expect(((await json('GET', '/v1/query/svc-redis/execute')).body as { Service: string }).Service).toBe('redis');
    await json('DELETE', `/v1/query/${id}`);
    await json('DELETE', `/v1/query/${(suffix.body as { ID: string }).ID}`);
  });

  it('answers bad input with Consul statuses and texts', async () => {
    const cases: Array<[string, string, unknown, number, string | RegExp]> = [
      ['POST', '/v1/query', { Name: 'x' }, 500, 'Invalid prepared query: Must provide a Service name to query'],
      ['POST', '/v1/query', { Service: { Service: 'redis' } }, 500, 'Invalid prepared query: Must be bound to a session'],
      ['POST', '/v1/query', { Name: 'x', Service: { Service: 'redis', Failover: { NearestN: -1 } } }, 500, "Invalid prepared query: Bad NearestN '-1', must be >= 0"],
      [
        'POST',
        '/v1/query',
        { Name: 'x', Service: { Service: 'redis', Failover: { NearestN: 1, Targets: [{ Peer: 'p' }] } } },
        500,
        'Invalid prepared query: Targets cannot be populated with NearestN or Datacenters',
      ],
      ['POST', '/v1/query', { Name: 'x', Service: { Service: 'redis' }, DNS: { TTL: 'soon' } }, 500, `Invalid prepared query: Bad DNS TTL 'soon': time: invalid duration "soon"`],
      ['POST', '/v1/query', { ID: 'abc', Name: 'x', Service: { Service: 'redis' } }, 500, 'ID must be empty when creating a new prepared query'],
      ['POST', '/v1/query', { Name: 'x', Session: '00000000-0000-0000-0000-000000000001', Service: { Service: 'redis' } }, 500, 'raft apply failed: invalid session "00000000-0000-0000-0000-000000000001"'],
      ['POST', '/v1/query', { Name: 't', Template: { Type: 'bogus' }, Service: { Service: 'x' } }, 500, "raft apply failed: failed compiling template: Bad Template.Type 'bogus'"],
      ['POST', '/v1/query', { Name: 5 }, 400, 'Request decode failed: json: cannot unmarshal number into Go struct field PreparedQuery.Name of type string'],
      ['POST', '/v1/query', { Name: 'x', Service: { Tags: 'a' } }, 400, 'Request decode failed: json: cannot unmarshal string into Go struct field PreparedQuery.Service.Tags of type []string'],
      ['POST', '/v1/query', '{', 400, 'Request decode failed: unexpected EOF'],
      ['POST', '/v1/query', '', 400, 'Request decode failed: EOF'],
      ['POST', '/v1/query', 'x', 400, "Request decode failed: invalid character 'x' looking for beginning of value"],
      ['GET', '/v1/query/not-a-uuid', undefined, 500, 'failed prepared query lookup: UUID must be 36 characters'],
      ['GET', '/v1/query/00000000-0000-0000-0000-0000000000aa', undefined, 404, 'Query not found'],
      ['PUT', '/v1/query/00000000-0000-0000-0000-0000000000aa', { Name: 'x', Service: { Service: 'y' } }, 500, "Cannot modify non-existent prepared query: '00000000-0000-0000-0000-0000000000aa'"],
      ['DELETE', '/v1/query/00000000-0000-0000-0000-0000000000aa', undefined, 500, "Cannot modify non-existent prepared query: '00000000-0000-0000-0000-0000000000aa'"],
      ['GET', '/v1/query/nothing-by-this-name/execute', undefined, 404, 'Query not found'],
      ['GET', '/v1/query/nothing-by-this-name/explain', undefined, 404, 'Query not found'],
      ['PUT', '/v1/query', undefined, 405, 'method PUT not allowed'],
      ['POST', '/v1/query/x/execute', undefined, 405, 'method POST not allowed'],
      ['GET', '/v1/query?dc=dc9', undefined, 500, 'No path to datacenter'],
    ];
    for (const [method, path, body, status, text] of cases) {
      const res = await http(`${url}${path}`, method, body);
      expect(`${method} ${path} ${JSON.stringify(body)} -> ${res.status} ${res.text}`).toBe(`${method} ${path} ${JSON.stringify(body)} -> ${status} ${text}`);
    }
    const limit = await http(`${url}/v1/query/x/execute?limit=abc`, 'GET');
    expect(limit).toEqual({ status: 500, text: 'Bad limit: strconv.Atoi: parsing "abc": invalid syntax' });
  });

  it('refuses a second query of the same name, in any case', async () => {
    const a = await json('POST', '/v1/query', { Name: 'dup', Service: { Service: 'redis' } });
    expect(a.status).toBe(200);
    const b = await http(`${url}/v1/query`, 'POST', { Name: 'DUP', Service: { Service: 'redis' } });
    expect(b).toEqual({ status: 500, text: "raft apply failed: name 'DUP' aliases an existing query name" });
    await json('DELETE', `/v1/query/${(a.body as { ID: string }).ID}`);
  });

  it('drops a query bound to a session when the session goes', async () => {
    await register(f.face, { Node: 'sess-node', Address: '10.12.0.1' });
    const sess = await json('PUT', '/v1/session/create', { Node: 'sess-node', Checks: [] });
    expect(sess.status).toBe(200);
    const sessionId = (sess.body as { ID: string }).ID;
    // Without a name, a query must be bound to a session.
    const created = await json('POST', '/v1/query', { Session: sessionId, Service: { Service: 'redis' } });
    expect(created.status).toBe(200);
    const id = (created.body as { ID: string }).ID;
    expect(((await json('GET', `/v1/query/${id}`)).body as Array<{ Session: string }>)[0]!.Session).toBe(sessionId);
    expect((await json('PUT', `/v1/session/destroy/${sessionId}`)).status).toBe(200);
    expect((await json('GET', `/v1/query/${id}`)).status).toBe(404);
    expect(((await json('GET', '/v1/query')).body as Array<{ ID: string }>).map((q) => q.ID)).not.toContain(id);
  });

  it('lets only one of two members racing for the same name win', async () => {
    // A second PreparedQueries over the same store stands for another server of the cluster.
    const other = new PreparedQueries(f.face.backend, f.face.ctx.core.tracker, 'dc1');
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const body = Buffer.from(JSON.stringify({ Name: name, Service: { Service: 'redis' } }));
      const results = await Promise.allSettled([f.face.ctx.core.queries.create(body), other.create(body), f.face.ctx.core.queries.create(body), other.create(body)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(String((r.reason as Error).message)).toBe(`raft apply failed: name '${name}' aliases an existing query name`);
      const named = (await f.face.ctx.core.queries.list()).filter((q) => q.Name === name);
      expect(named).toHaveLength(1);
      await f.face.ctx.core.queries.delete(named[0]!.ID);
    }
  });

  it('blocks GET /v1/query until a query changes', async () => {
    const first = await json('GET', '/v1/query');
    const index = first.headers.get('x-consul-index');
    const started = Date.now();
    const blocked = json('GET', `/v1/query?index=${index}&wait=30s`);
    await new Promise((r) => setTimeout(r, 200));
    const { ID } = (await json('POST', '/v1/query', { Name: 'wakeup', Service: { Service: 'redis' } })).body as { ID: string };
    const woke = await blocked;
    // woken by the change, well before the wait runs out (a loose bound: a loaded machine is slow)
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(Number(woke.headers.get('x-consul-index'))).toBeGreaterThan(Number(index));
    expect((woke.body as Array<{ ID: string }>).map((q) => q.ID)).toContain(ID);
    await json('DELETE', `/v1/query/${ID}`);
  });
});

describe('prepared queries: DNS', () => {
  let f: DnsFace;

  beforeAll(async () => {
    f = await startDnsFace();
    await register(f.face, { Node: 'q1', Address: '10.11.0.1', Service: { ID: 'cache', Service: 'cache', Port: 6379, Tags: ['primary'] } });
    await register(f.face, { Node: 'q2', Address: '10.11.0.2', Service: { ID: 'cache', Service: 'cache', Port: 6380, Tags: ['replica'] } });
  }, 30_000);

  afterAll(async () => {
    await f?.close();
  });

  it('resolves <name>.query.consul with the query filters and its DNS TTL', async () => {
    const res = await http(`${f.face.url}/v1/query`, 'POST', { Name: 'primary-cache', Service: { Service: 'cache', Tags: ['primary'] }, DNS: { TTL: '15s' } });
    expect(res.status).toBe(200);
    const a = await dig(f.port, 'primary-cache.query.consul', 'A');
    expect(a.status).toBe('NOERROR');
    expect(a.answer).toEqual([{ name: 'primary-cache.query.consul.', ttl: 15, type: 'A', data: '10.11.0.1' }]);
    const srv = await dig(f.port, 'primary-cache.query.consul', 'SRV');
    expect(srv.answer.map((r) => r.data)).toEqual(['1 1 6379 q1.node.dc1.consul.']);
    expect(srv.additional.map((r) => `${r.name} ${r.data}`)).toEqual(['q1.node.dc1.consul. 10.11.0.1']);
    const rfc = await dig(f.port, '_primary-cache._tcp.query.consul', 'SRV');
    expect(rfc.answer.map((r) => r.data)).toEqual(['1 1 6379 q1.node.dc1.consul.']);
    // A prepared query's answer is valid for the client's subnet only (its scope is the asked prefix).
    expect((await dig(f.port, '+subnet=10.1.2.0/24', 'primary-cache.query.consul', 'A')).stdout).toContain('; CLIENT-SUBNET: 10.1.2.0/24/24');
    // Executed by ID too.
    const id = (JSON.parse(res.text) as { ID: string }).ID;
    expect((await dig(f.port, `${id}.query.consul`, 'A')).answer.map((r) => r.data)).toEqual(['10.11.0.1']);
  });

  it('answers NXDOMAIN for an unknown query and for a query with no healthy instance', async () => {
    expect((await dig(f.port, 'unknown-query.query.consul', 'A')).status).toBe('NXDOMAIN');
    await http(`${f.face.url}/v1/query`, 'POST', { Name: 'nobody', Service: { Service: 'no-such-service' } });
    const r = await dig(f.port, 'nobody.query.consul', 'A');
    expect(r.status).toBe('NXDOMAIN');
    expect(r.authority[0]?.type).toBe('SOA');
  });

  it('resolves a template by the looked-up name', async () => {
    await http(`${f.face.url}/v1/query`, 'POST', { Name: '', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.full}' } });
    const r = await dig(f.port, 'cache.query.consul', 'A');
    expect(r.answer.map((x) => x.data).sort()).toEqual(['10.11.0.1', '10.11.0.2']);
    expect((await dig(f.port, 'nothing-here.query.consul', 'A')).status).toBe('NXDOMAIN');
  });
});
