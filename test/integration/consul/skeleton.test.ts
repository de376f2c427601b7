import { describe, expect, it } from 'vitest';
import { consulFaceForSuite } from '../../support/consul-face.js';

const face = consulFaceForSuite();

describe('consul http skeleton', () => {
  it('answers an unknown path as Go\'s mux does', async () => {
    const res = await fetch(`${face.url}/v1/no-such-endpoint`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found\n');
  });
});

describe('?pretty', () => {
  it("indents JSON answers as Go's MarshalIndent with four spaces, plus a newline", async () => {
    await fetch(`${face.url}/v1/kv/pretty/a`, { method: 'PUT', body: 'x' });
    const compact = await (await fetch(`${face.url}/v1/kv/pretty/a`)).text();
    const res = await fetch(`${face.url}/v1/kv/pretty/a?pretty`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(`${JSON.stringify(JSON.parse(compact), null, 4)}\n`);
    expect(await (await fetch(`${face.url}/v1/catalog/datacenters?pretty=1`)).text()).toBe('[\n    "dc1"\n]\n');
  });

  it('leaves error bodies and raw values alone', async () => {
    const raw = await fetch(`${face.url}/v1/kv/pretty/a?raw&pretty`);
    expect(await raw.text()).toBe('x');
    const bad = await fetch(`${face.url}/v1/kv/pretty/a?index=x&pretty`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Invalid index');
  });
});
