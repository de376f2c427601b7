// CatalogDeregistrationWatch decides which deletions of the agent's catalog records are someone
// else's deregistration of the registration it holds: driven here with a scripted store, so the
// orders that are races in a live agent (a deletion reported after a re-registration) are exact.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventType, type Backend, type Event, type WatchListener } from '../../../src/adapters/backend.js';
import { AgentLog } from '../../../src/compat/agent/agent-log.js';
import { CatalogDeregistrationWatch } from '../../../src/compat/agent/catalog-deregistration-watch.js';
import { parseServiceDefinition } from '../../../src/compat/agent/definitions.js';
import { LocalState } from '../../../src/compat/agent/local-state.js';

function setup(nodeCreatedAt = 1) {
  const listeners: WatchListener[] = [];
  const backend = {
    watch: (_opts: unknown, l: WatchListener) => {
      listeners.push(l);
      return { cancel: () => undefined, isSynced: () => true };
    },
    header: () => ({ revision: 50 }),
  } as unknown as Backend;
  let deregisterRevision = 0;
  const catalog = {
    register: async () => 1,
    deregister: async () => deregisterRevision,
    getNode: async () => ({ value: {}, createIndex: nodeCreatedAt, modifyIndex: nodeCreatedAt }),
    nodeServices: async () => [],
    nodeChecks: async () => [],
  } as never;
  const state = new LocalState(0);
  const dropped: string[] = [];
  const watch = new CatalogDeregistrationWatch(backend, catalog, () => 'n1', {
    state,
    log: new AgentLog(pino({ level: 'silent' })),
    dropService: (id) => {
      dropped.push(id);
      state.removeService(id);
    },
    dropCheck: (id) => dropped.push(`check:${id}`),
  });
  watch.start();
  const deleteService = async (id: string, revision: number) => {
    const ev: Event = { type: EventType.DELETE, kv: { key: Buffer.from(`service/n1/${id.toLowerCase()}`), value: Buffer.alloc(0), createRevision: 0, modRevision: revision, version: 0, lease: 0n } as never };
    listeners[0]!.onEvents([ev], revision);
    await watch.settled();
  };
  const addService = (id: string, catalogRevision?: number) => {
    state.addService(parseServiceDefinition({ Name: id, ID: id }).service, 'remote', '');
    if (catalogRevision !== undefined) state.services.get(id)!.catalogRevision = catalogRevision;
  };
  return { watch, state, dropped, deleteService, addService, setDeregisterRevision: (r: number) => (deregisterRevision = r) };
}

describe('CatalogDeregistrationWatch', () => {
  it('drops a registration the catalog held before the deletion (IDs matched case-insensitively)', async () => {
    const t = setup();
    t.addService('Web', 5);
    await t.deleteService('Web', 10);
    expect(t.dropped).toEqual(['Web']);
  });

  it('keeps a registration made again through the agent: not written yet, or written after the deletion', async () => {
    const t = setup();
    t.addService('pending');
    t.addService('newer', 12);
    await t.deleteService('pending', 10);
    await t.deleteService('newer', 10);
    expect(t.dropped).toEqual([]);
  });

  it("ignores the agent's own deregistrations, even reported after a re-registration", async () => {
    const t = setup();
    t.addService('mine', 5);
    t.setDeregisterRevision(10);
    await t.watch.ownCatalog().deregister({ Node: 'n1', ServiceID: 'mine', CheckID: '', Datacenter: 'dc1' } as never);
    await t.deleteService('mine', 10);
    expect(t.dropped).toEqual([]);
    await t.deleteService('mine', 11);
    expect(t.dropped).toEqual(['mine']);
  });

  it('leaves a deletion that was part of deregistering the whole node (the node record is newer) to anti-entropy', async () => {
    const t = setup(10);
    t.addService('svc', 5);
    await t.deleteService('svc', 10);
    expect(t.dropped).toEqual([]);
  });
});
