import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
beforeAll(async () => {
  face = await startConsulFace();
});
afterAll(async () => {
  await face?.close();
});

describe('consul http skeleton', () => {
  it('answers an unknown path as Go\'s mux does', async () => {
    const res = await fetch(`${face.url}/v1/no-such-endpoint`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('404 page not found\n');
  });
});
