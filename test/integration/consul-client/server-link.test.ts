// The client agent's link to its servers (src/compat/agent/server-link.ts), driven by a scripted
// probe: a join that fails then succeeds, an outage and the return, a store that starts over, and
// the first node registration that waits for the servers instead of failing the agent's start.
import { describe, expect, test } from 'vitest';
import type { AgentCatalog, RegisterRequest } from '../../../src/compat/agent/agent-catalog.js';
import { patientCatalog, ServerLink, type ServerProbe } from '../../../src/compat/agent/server-link.js';

function scripted(steps: ServerProbe[]): { probe: () => Promise<ServerProbe>; calls: () => number } {
  let i = 0;
  return {
    probe: async () => steps[Math.min(i++, steps.length - 1)]!,
    calls: () => i,
  };
}

async function until(ok: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ServerLink', () => {
  test('join failures, the join, an outage, the return and a store that started over, each reported once', async () => {
    const down: ServerProbe = { ok: false, error: 'No known Consul servers' };
    const up = (revision: number, storeId = 'a'): ServerProbe => ({ ok: true, storeId, revision });
    const s = scripted([down, down, up(100), up(120), down, down, up(130), up(10), up(12, 'a'), up(20, 'b'), up(21, 'b')]);
    const events: string[] = [];
    const link = new ServerLink({
      probe: s.probe,
      intervalMs: 1,
      events: {
        onJoined: () => events.push('joined'),
        onJoinFailed: (error, attempt) => events.push(`join failed ${attempt}: ${error}`),
        onLost: (error) => events.push(`lost: ${error}`),
        onRegained: (reason) => events.push(`regained: ${reason}`),
      },
    });
    link.start();
    await until(() => s.calls() >= 11);
    link.stop();
    expect(events).toEqual([
      'join failed 1: No known Consul servers',
      'join failed 2: No known Consul servers',
      'joined',
      'lost: No known Consul servers',
      'regained: reconnected',
      // revisions fell from 130 to 10: the store started over
      'regained: store-replaced',
      // another cluster ID
      'regained: store-replaced',
    ]);
  });

  test("the first node registration waits for the servers and is retried until written; later calls go straight through", async () => {
    let up = false;
    let failNext = 1;
    const written: RegisterRequest[] = [];
    const catalog: AgentCatalog = {
      register: async (req) => {
        if (!up) throw new Error('No known Consul servers');
        if (failNext-- > 0) throw new Error('No cluster leader');
        written.push(req);
        return 7;
      },
      deregister: async () => 8,
      getNode: async () => undefined,
      nodeServices: async () => [],
      nodeChecks: async () => [],
    };
    const link = new ServerLink({ probe: async () => (up ? { ok: true, storeId: 'a', revision: 5 } : { ok: false, error: 'down' }), intervalMs: 5, events: { onJoined: () => undefined, onJoinFailed: () => undefined, onLost: () => undefined, onRegained: () => undefined } });
    const patient = patientCatalog(catalog, link, 5);
    const first = patient.register({ Node: 'c1' } as RegisterRequest);
    let settled = false;
    void first.then(() => (settled = true));
    link.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    up = true;
    await expect(first).resolves.toBe(7);
    expect(written).toHaveLength(1);
    // after the node is written, a failing call fails at once (anti-entropy logs it and syncs again later)
    up = false;
    await expect(patient.register({ Node: 'c1' } as RegisterRequest)).rejects.toThrow('No known Consul servers');
    link.stop();
  });

  test('a stopped link ends a registration still waiting for the servers', async () => {
    const catalog: AgentCatalog = {
      register: async () => {
        throw new Error('No known Consul servers');
      },
      deregister: async () => 0,
      getNode: async () => undefined,
      nodeServices: async () => [],
      nodeChecks: async () => [],
    };
    const link = new ServerLink({ probe: async () => ({ ok: false, error: 'down' }), intervalMs: 5, events: { onJoined: () => undefined, onJoinFailed: () => undefined, onLost: () => undefined, onRegained: () => undefined } });
    link.start();
    const pending = patientCatalog(catalog, link, 5).register({ Node: 'c1' } as RegisterRequest);
    link.stop();
    await expect(pending).rejects.toThrow('No known Consul servers');
  });
});
