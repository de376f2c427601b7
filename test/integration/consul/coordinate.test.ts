// /v1/coordinate against the in-process Consul face: update and read back, 404 for a node without
// a coordinate, Consul's refusals, updates for unknown nodes dropped, coordinates gone with their
// node, the WAN view `consul rtt -wan` reads (reference §1 consul rtt).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';
import { defaultCoord, distance, sortByDistance } from '../../../src/compat/coordinates.js';

let face: ConsulFace;
beforeAll(async () => {
  face = await startConsulFace();
  for (const [node, addr] of [['c1', '10.5.0.1'], ['c2', '10.5.0.2']]) {
    const r = await fetch(`${face.url}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify({ Node: node, Address: addr }) });
    expect(await r.text()).toBe('true');
  }
});
afterAll(async () => {
  await face?.close();
});

const url = (p: string) => `${face.url}${p}`;
const update = (body: unknown) => fetch(url('/v1/coordinate/update'), { method: 'PUT', body: JSON.stringify(body) });
const coord = (x: number) => ({ Vec: [x, 0, 0, 0, 0, 0, 0, 0], Error: 0.2, Adjustment: 0.001, Height: 0.0001 });

describe('update and read', () => {
  it('stores a node\'s coordinate; /v1/coordinate/nodes and /node/:node show it with Consul\'s fields', async () => {
    const r = await update({ Node: 'c1', Segment: '', Coord: coord(0.5) });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
    const nodes = await fetch(url('/v1/coordinate/nodes'));
    expect(Number(nodes.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const list = (await nodes.json()) as Array<Record<string, unknown>>;
    const c1 = list.find((c) => c.Node === 'c1')!;
    expect(Object.keys(c1)).toEqual(['Node', 'Segment', 'Coord']);
    expect(c1).toEqual({ Node: 'c1', Segment: '', Coord: coord(0.5) });
    expect(Object.keys(c1.Coord as object)).toEqual(['Vec', 'Error', 'Adjustment', 'Height']);
    const one = await fetch(url('/v1/coordinate/node/c1'));
    expect(await one.json()).toEqual([{ Node: 'c1', Segment: '', Coord: coord(0.5) }]);
  });

  it('a node without a coordinate answers 404', async () => {
    const r = await fetch(url('/v1/coordinate/node/c2'));
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('');
  });

  it('an update for a node the catalog does not have is dropped', async () => {
    const r = await update({ Node: 'ghost', Coord: coord(0.1) });
    expect(r.status).toBe(200);
    expect((await fetch(url('/v1/coordinate/node/ghost'))).status).toBe(404);
  });

  it('refuses a missing coordinate and one of the wrong dimensionality with Consul\'s texts', async () => {
    const missing = await update({ Node: 'c1' });
    expect(missing.status).toBe(500);
    expect(await missing.text()).toBe('invalid coordinate');
    const short = await update({ Node: 'c1', Coord: { Vec: [1, 2], Error: 1.5, Adjustment: 0, Height: 0.00001 } });
    expect(short.status).toBe(500);
    expect(await short.text()).toBe('rejected bad coordinate: &{[1 2] 1.5 0 1e-05}');
    const bad = await fetch(url('/v1/coordinate/update'), { method: 'PUT', body: 'nope' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("Request decode failed: invalid character 'o' looking for beginning of value");
  });

  it('a blocking /v1/coordinate/nodes is released by an update', async () => {
    const first = await fetch(url('/v1/coordinate/nodes'));
    const idx = Number(first.headers.get('x-consul-index'));
    const pending = fetch(url(`/v1/coordinate/nodes?index=${idx}&wait=10s`));
    await new Promise((r) => setTimeout(r, 150));
    await update({ Node: 'c2', Coord: coord(0.25) });
    const r = await pending;
    expect(Number(r.headers.get('x-consul-index'))).toBeGreaterThan(idx);
    expect(((await r.json()) as Array<{ Node: string }>).map((c) => c.Node)).toContain('c2');
  });

  it('deregistering a node removes its coordinate', async () => {
    await update({ Node: 'c2', Coord: coord(0.3) });
    await fetch(url('/v1/catalog/deregister'), { method: 'PUT', body: JSON.stringify({ Node: 'c2' }) });
    expect((await fetch(url('/v1/coordinate/node/c2'))).status).toBe(404);
  });
});

describe('WAN', () => {
  it('/v1/coordinate/datacenters lists this datacenter with its server at a fresh coordinate', async () => {
    const r = await fetch(url('/v1/coordinate/datacenters'));
    expect(await r.json()).toEqual([
      { Datacenter: 'dc1', AreaID: 'WAN', Coordinates: [{ Node: 'dcsgw-test.dc1', Coord: { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1.5, Adjustment: 0, Height: 0.00001 } }] },
    ]);
  });

  // A WAN pool member is named <node>.<dc>, which is no catalog node: Consul's state store drops a
  // LAN coordinate update for it (CoordinateBatchUpdate skips nodes it does not know), so reading it
  // back stays 404 (py-consul's test_coordinate_update writes to this name and reads it back).
  it('an update addressed to the WAN member name is accepted and dropped; the catalog node name takes it', async () => {
    await fetch(url('/v1/catalog/register'), { method: 'PUT', body: JSON.stringify({ Node: 'dcsgw-test', Address: '127.0.0.1' }) });
    const wan = await update({ Node: 'dcsgw-test.dc1', Coord: coord(0.4) });
    expect(wan.status).toBe(200);
    expect((await fetch(url('/v1/coordinate/node/dcsgw-test.dc1'))).status).toBe(404);
    expect((await update({ Node: 'dcsgw-test', Coord: coord(0.4) })).status).toBe(200);
    const r = await fetch(url('/v1/coordinate/node/dcsgw-test'));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual([{ Node: 'dcsgw-test', Segment: '', Coord: coord(0.4) }]);
  });
});

describe('round-trip estimates (what `consul rtt` and ?near compute)', () => {
  it('two fresh coordinates are 0.020 ms apart (the two heights)', () => {
    expect(distance(defaultCoord(), defaultCoord()) * 1000).toBeCloseTo(0.02, 6);
  });

  it('distance is the vector norm plus both heights, plus both adjustments while that stays positive', () => {
    const a = { Vec: [0.003, 0.004, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0.001, Height: 0.0005 };
    const b = { Vec: [0, 0, 0, 0, 0, 0, 0, 0], Error: 1, Adjustment: 0.002, Height: 0.0005 };
    expect(distance(a, b)).toBeCloseTo(0.005 + 0.001 + 0.003, 12);
    const negative = { ...b, Adjustment: -0.01 };
    expect(distance(a, negative)).toBeCloseTo(0.005 + 0.001, 12);
  });

  it('sorting keeps the order when the source has no coordinate and puts nodes without one last', () => {
    const coords = [
      { Node: 'src', Segment: '', Coord: defaultCoord() },
      { Node: 'far', Segment: '', Coord: { ...defaultCoord(), Vec: [1, 0, 0, 0, 0, 0, 0, 0] } },
      { Node: 'near', Segment: '', Coord: { ...defaultCoord(), Vec: [0.001, 0, 0, 0, 0, 0, 0, 0] } },
    ];
    const items = ['none', 'far', 'near'];
    expect(sortByDistance(items, (n) => n, 'src', coords)).toEqual(['near', 'far', 'none']);
    expect(sortByDistance(items, (n) => n, 'unknown', coords)).toEqual(items);
    expect(sortByDistance(items, (n) => n, 'SRC', coords)).toEqual(['near', 'far', 'none']);
  });
});
