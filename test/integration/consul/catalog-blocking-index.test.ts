// A blocking read's X-Consul-Index never runs ahead of its data. A client that blocks on the index
// it was given (the Go client's watch plans do, and skip an answer whose data did not change) is
// otherwise never woken for a write whose index it was shown without the write itself (the Go
// client's TestChecksWatch_Service_Filter hung this way when a registration committed while the
// watch's read ran). Here a write is made to land exactly there: after the read took its catalog
// snapshot, before the answer is sent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeRegisterRequest } from '../../../src/compat/catalog-decode.js';
import { startConsulFace, type ConsulFace } from '../../support/consul-face.js';

let face: ConsulFace;
let restore: (() => void) | undefined;
beforeAll(async () => {
  face = await startConsulFace();
});
afterEach(() => {
  restore?.();
  restore = undefined;
});
afterAll(async () => {
  await face?.close();
});

const url = (p: string) => `${face.url}${p}`;

/** A catalog registration as PUT /v1/catalog/register takes it; resolves with its revision. */
const register = (body: unknown) => face.ctx.core.catalog.register(decodeRegisterRequest(body));

/** The next catalog snapshot a read takes is followed by `write` (committed, and seen by the index tracker) before the read goes on. */
function writeDuringNextRead(write: () => Promise<number>): void {
  const catalog = face.ctx.core.catalog;
  const original = catalog.snapshot.bind(catalog);
  let armed = true;
  catalog.snapshot = async (opts) => {
    const snap = await original(opts);
    if (armed) {
      armed = false;
      const revision = await write();
      while (face.ctx.core.tracker.maxIndex(['nodes', 'services', 'checks']) < revision) await new Promise((r) => setTimeout(r, 5));
    }
    return snap;
  };
  restore = () => {
    catalog.snapshot = original;
  };
}

/**
 * What a watch plan does next with an answer: when its data lacks the write, it blocks on the
 * answer's index, and must be answered with the write rather than time out.
 */
async function expectWokenFor(path: string, answer: Response, holds: (data: unknown) => boolean): Promise<void> {
  const data = await answer.json();
  if (holds(data)) return;
  const index = Number(answer.headers.get('x-consul-index'));
  const sep = path.includes('?') ? '&' : '?';
  const started = Date.now();
  const next = await fetch(url(`${path}${sep}index=${index}&wait=3s`));
  expect(holds(await next.json())).toBe(true);
  // Answered at once, not when the wait ran out (Consul's default wait is 5 minutes).
  expect(Date.now() - started, `answered index ${index} without the write, then blocked on that index until the wait ran out`).toBeLessThan(1500);
}

describe('an answer\'s index never claims a write its data lacks', () => {
  it('/v1/health/state/any?filter= (the Go client\'s "checks" watch)', async () => {
    const path = `/v1/health/state/any?filter=${encodeURIComponent('Status == critical')}`;
    const before = Number((await fetch(url(path))).headers.get('x-consul-index'));
    writeDuringNextRead(() => register({ Node: 'hs-1', Address: '10.3.0.1', Check: { CheckID: 'hs-1:c', Name: 'c', Status: 'critical' } }));
    const answer = await fetch(url(`${path}&index=${before}&wait=2s`));
    await expectWokenFor(path, answer, (d) => (d as Array<{ Node: string }>).some((c) => c.Node === 'hs-1'));
  });

  it('/v1/health/checks/:service (a per-service index)', async () => {
    await register({ Node: 'hc-1', Address: '10.3.0.2', Service: { Service: 'web-hc' } });
    const path = '/v1/health/checks/web-hc';
    const before = Number((await fetch(url(path))).headers.get('x-consul-index'));
    writeDuringNextRead(() => register({ Node: 'hc-1', Address: '10.3.0.2', Check: { CheckID: 'hc-1:c', Name: 'c', Status: 'passing', ServiceID: 'web-hc' } }));
    const answer = await fetch(url(`${path}?index=${before}&wait=2s`));
    await expectWokenFor(path, answer, (d) => (d as Array<{ CheckID: string }>).some((c) => c.CheckID === 'hc-1:c'));
  });

  it('/v1/catalog/services', async () => {
    const path = '/v1/catalog/services';
    const before = Number((await fetch(url(path))).headers.get('x-consul-index'));
    writeDuringNextRead(() => register({ Node: 'cs-1', Address: '10.3.0.3', Service: { Service: 'svc-during-read' } }));
    const answer = await fetch(url(`${path}?index=${before}&wait=2s`));
    await expectWokenFor(path, answer, (d) => Object.keys(d as object).includes('svc-during-read'));
  });
});
