// A session's lease lives in the system keyspace: what an etcd client asks of leases (the calls the
// etcd front end makes, with no keyspace) can neither list, keep alive nor revoke it.
import { describe, expect, it } from 'vitest';
import { consulFaceForSuite } from '../../support/consul-face.js';

const face = consulFaceForSuite();

describe('session leases', () => {
  it('are invisible to etcd lease requests', async () => {
    const before = (await face.backend.leaseLeases()).leases.length;
    const res = await fetch(`${face.url}/v1/session/create`, { method: 'PUT', body: JSON.stringify({ Name: 's', TTL: '30s' }) });
    const { ID } = (await res.json()) as { ID: string };
    const system = (await face.backend.leaseLeases('system')).leases;
    expect(system).toHaveLength(1);
    const lease = system[0]!.id;
    expect((await face.backend.leaseLeases()).leases).toHaveLength(before);
    expect((await face.backend.leaseTimeToLive({ id: lease, keys: true })).ttl).toBe(-1);
    expect((await face.backend.leaseKeepAlive(lease)).ttl).toBe(0);
    await expect(face.backend.leaseRevoke(lease)).rejects.toThrow('etcdserver: requested lease not found');
    const info = await (await fetch(`${face.url}/v1/session/info/${ID}`)).json();
    expect(info).toHaveLength(1);
  });
});
